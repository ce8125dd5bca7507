"""Builders for rating contexts: sensible defaults, any field overridable.

`make_context()` is a bare model (no card, no licence, no code, no data); `rich_context()`
is a well-documented, well-maintained one. Tests change one thing at a time from these.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from registry.rating.context import (
    CommitFact,
    DatasetFacts,
    FileFact,
    GitHubFacts,
    ParentFacts,
    PullFact,
    RatingContext,
)

NOW = "2025-06-01T00:00:00Z"
RECENT = "2025-04-01T12:00:00Z"
OLD = "2021-01-01T00:00:00Z"
GB = 10**9

RICH_README = """---
license: apache-2.0
datasets:
- bookcorpus
---
# Tiny BERT

Tiny BERT is a compact English encoder distilled from BERT base. It was trained on
BookCorpus and English Wikipedia with masked language modelling, and it is intended for
sentence classification and token classification after fine-tuning. It keeps most of
the accuracy of its teacher while running four times faster on a laptop CPU, which makes
it a good fit for edge deployments and for teaching. The model is uncased and handles
sequences of up to 512 tokens. See the documentation for details on fine-tuning.

## Installation

```bash
pip install transformers torch
```

## Usage

```python
from transformers import pipeline

classifier = pipeline("fill-mask", model="org/tiny-bert")
print(classifier("Paris is the [MASK] of France."))
```

More in the [documentation](https://huggingface.co/docs/transformers/index) and the
[tutorial notebook](https://github.com/org/tiny-bert/blob/main/demo.ipynb).

## Evaluation results

| Task | Metric | Score |
|------|--------|-------|
| MNLI | accuracy | 82.1 |
| SST-2 | accuracy | 91.3 |

On GLUE the model reaches 79.5 average; on SQuAD v1.1 it reaches 85.2 F1.

Paper: https://arxiv.org/abs/1908.08962
"""

RICH_CARD: dict[str, Any] = {
    "license": "apache-2.0",
    "datasets": ["bookcorpus"],
    "model-index": [
        {
            "name": "tiny-bert",
            "results": [
                {
                    "task": {"type": "text-classification"},
                    "dataset": {"name": "GLUE MNLI", "type": "glue"},
                    "metrics": [
                        {"type": "accuracy", "value": 0.821},
                        {"type": "f1", "value": 0.815},
                        {"type": "precision", "value": "0.80"},
                    ],
                }
            ],
        }
    ],
}

CLEAN_MODULE = '''"""Tiny BERT training helpers."""

import math


def warmup(step: int, total: int) -> float:
    """Linear warm-up factor."""
    return min(1.0, step / max(1, total)) * math.pi
'''


def commit(
    author: str, date: str = RECENT, pull: int | None = None, additions: int = 0
) -> CommitFact:
    return CommitFact(author=author, date=date, pull_number=pull, additions=additions)


def pull(number: int, approved: int = 1, merged: bool = True, additions: int = 10) -> PullFact:
    return PullFact(
        number=number,
        author="dev",
        merged=merged,
        approved_reviews=approved,
        additions=additions,
        merged_at=RECENT if merged else None,
    )


def make_github(**overrides: Any) -> GitHubFacts:
    base = GitHubFacts(
        full_name="org/tiny-bert",
        license_spdx="Apache-2.0",
        stars=10,
        forks=2,
        pushed_at=RECENT,
        archived=False,
        contributors=(),
        commits=(),
        pulls=(),
        files={},
        file_paths=(),
    )
    return replace(base, **overrides)


def make_dataset(ref: str = "bookcorpus", **overrides: Any) -> DatasetFacts:
    return replace(DatasetFacts(ref=ref, found=True, in_registry=False), **overrides)


def weights(size: int, path: str = "model.safetensors") -> FileFact:
    return FileFact(path=path, size=size, role="weights")


def make_context(**overrides: Any) -> RatingContext:
    """A bare model: no card, no licence, no weights, no code, no data, no parents."""
    base = RatingContext(
        name="tiny-bert",
        repo_id="org/tiny-bert",
        readme="",
        card={},
        config={},
        files=(),
        upstream_files=(),
        license=None,
        downloads=None,
        likes=None,
        created_at=None,
        last_modified=None,
        hf_commits=(),
        github=None,
        code_links=(),
        code_not_found=(),
        datasets=(),
        parents=(),
        example_run=None,
        now=NOW,
    )
    return replace(base, **overrides)


def rich_github() -> GitHubFacts:
    authors = ["alice", "bob", "carol", "dave", "erin", "frank"]
    commits = tuple(commit(a, pull=i + 1, additions=40) for i, a in enumerate(authors * 2))
    return make_github(
        contributors=tuple((a, 20) for a in authors),
        commits=commits,
        pulls=tuple(pull(i + 1) for i in range(len(commits))),
        files={
            "tiny_bert/__init__.py": CLEAN_MODULE,
            "tests/test_warmup.py": '"""Tests."""\n\n\ndef test_one() -> None:\n    """One."""\n',
            "requirements.txt": "transformers==4.40.0\ntorch==2.3.0\n",
        },
        file_paths=("tiny_bert/__init__.py", "tests/test_warmup.py", "requirements.txt"),
    )


def rich_context(**overrides: Any) -> RatingContext:
    """A well-documented, maintained, small, permissively licensed model."""
    base = make_context(
        readme=RICH_README,
        card=RICH_CARD,
        files=(weights(60 * 10**6), FileFact("config.json", 600, "config")),
        license="apache-2.0",
        downloads=50_000,
        likes=120,
        hf_commits=(commit("alice"), commit("bob")),
        github=rich_github(),
        code_links=("https://github.com/org/tiny-bert",),
        datasets=(
            make_dataset(
                readme="# BookCorpus\n\n## Dataset Structure\nfields ...\n## Source Data\n"
                "Collected from ...\n## Annotations\nnone\n## Bias and limitations\n"
                + "Books written by unpublished authors. "
                * 60,
                license="mit",
                downloads=200_000,
                likes=300,
                size_bytes=5 * GB,
            ),
        ),
        parents=(ParentFacts("google-bert/bert-base-uncased", "model_card", "a1", 0.8),),
    )
    return replace(base, **overrides)
