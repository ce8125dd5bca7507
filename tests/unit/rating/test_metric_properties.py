"""Metrics never raise on odd input: arbitrary but well-typed facts give a score in range
and a reason (property-based, with hypothesis)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.rating.context import (
    CommitFact,
    DatasetFacts,
    ExampleRun,
    FileFact,
    GitHubFacts,
    ParentFacts,
    PullFact,
    RatingContext,
)
from registry.rating.metrics import METRICS, net_score
from tests.unit.rating.factories import RICH_README, make_context
from tests.unit.rating.test_metrics_common import check_range

PROPERTIES = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Card-like text: markdown structure, links, code fences, numbers, other scripts.
_PIECES = st.sampled_from(
    [
        "# Title\n", "## Usage\n", "## 使い方\n", "```python\n", "```\n", "import torch\n",
        "pip install x\n", "| a | b |\n|---|---|\n| 1.5 | 90% |\n", "MMLU 71.2\n",
        "https://huggingface.co/datasets/acme/x.", "https://github.com/acme/y", "<a href='",
        "---\n", "license: mit\n", "- a\n", "[More Information Needed]\n", "\x00", "\ufffd",
        "これは日本語の文です。", "arxiv.org/abs/1234.5678 ", "def f(:\n", " ", "\n",
    ]
)  # fmt: skip
TEXT = st.one_of(st.text(max_size=200), st.lists(_PIECES, max_size=40).map("".join))
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
_CARD_KEYS = st.sampled_from(
    ["license", "license_link", "license_name", "datasets", "base_model", "model-index",
     "tags", "size_categories", "dataset_info", "language"]
)  # fmt: skip
CARD = st.dictionaries(st.one_of(_CARD_KEYS, st.text(max_size=8)), JSON, max_size=6)
# Instants, well-formed or not: year 1 and 9999 test date arithmetic at its limits.
WHEN = st.one_of(
    st.datetimes(timezones=st.none() | st.timezones()).map(lambda d: d.isoformat()),
    st.sampled_from(["0001-01-01T00:00:00", "9999-12-31T23:59:59+00:00", "", "yesterday"]),
    st.text(max_size=12),
)
SIZE = st.integers(min_value=-(10**6), max_value=10**15)
ROLE = st.sampled_from(["weights", "config", "tokenizer", "code", "data", "docs", ""])
FILES = st.lists(st.builds(FileFact, path=st.text(max_size=30), size=SIZE, role=ROLE), max_size=5)
SCORE = st.floats(allow_nan=True, allow_infinity=True)
COUNT = st.none() | st.integers(min_value=-(10**6), max_value=10**12)

COMMITS = st.lists(
    st.builds(
        CommitFact,
        author=st.text(max_size=10),
        date=WHEN,
        pull_number=st.none() | st.integers(-5, 10**6),
        additions=st.integers(-(10**6), 10**9),
    ),
    max_size=8,
).map(tuple)
GITHUB = st.none() | st.builds(
    GitHubFacts,
    full_name=st.text(max_size=20),
    license_spdx=st.none() | st.text(max_size=20),
    stars=st.integers(-1, 10**7),
    forks=st.integers(-1, 10**7),
    pushed_at=st.none() | WHEN,
    archived=st.booleans(),
    contributors=st.lists(
        st.tuples(st.text(max_size=8), st.integers(-5, 10**6)), max_size=5
    ).map(tuple),
    commits=COMMITS,
    pulls=st.lists(
        st.builds(PullFact, number=st.integers(-5, 10**6), author=st.text(max_size=8),
                  merged=st.booleans(), approved_reviews=st.integers(-1, 5),
                  additions=st.integers(-100, 10**6), merged_at=st.none() | WHEN),
        max_size=5,
    ).map(tuple),
    files=st.dictionaries(
        st.sampled_from(["a.py", "pkg/__init__.py", "requirements.txt", "pyproject.toml",
                         "setup.py", "environment.yml", "poetry.lock", "tests/test_a.py"]),
        TEXT, max_size=4,
    ),
    file_paths=st.lists(st.text(max_size=20), max_size=5).map(tuple),
    sources_note=st.none() | st.text(max_size=20),
)  # fmt: skip
DATASETS = st.lists(
    st.builds(
        DatasetFacts, ref=st.text(max_size=15), found=st.booleans(), in_registry=st.booleans(),
        card=CARD, readme=TEXT, license=st.none() | st.text(max_size=15),
        downloads=COUNT, likes=COUNT, size_bytes=COUNT,
    ),
    max_size=4,
).map(tuple)  # fmt: skip
PARENTS = st.lists(
    st.builds(
        ParentFacts, ref=st.text(max_size=15), source=st.text(max_size=8),
        artifact_id=st.none() | st.text(max_size=8), net_score=st.none() | SCORE,
        found=st.booleans(),
    ),
    max_size=4,
).map(tuple)  # fmt: skip
EXAMPLE = st.none() | st.builds(
    ExampleRun, code=TEXT, returncode=st.none() | st.integers(-255, 255), output_tail=TEXT
)
CONTEXT = st.builds(
    RatingContext,
    name=st.text(max_size=20), repo_id=st.text(max_size=20), readme=TEXT, card=CARD,
    config=st.dictionaries(st.text(max_size=8), JSON, max_size=4), files=FILES.map(tuple),
    upstream_files=FILES.map(tuple), license=st.none() | st.text(max_size=20),
    downloads=COUNT, likes=COUNT, created_at=st.none() | WHEN, last_modified=st.none() | WHEN,
    hf_commits=COMMITS, github=GITHUB,
    code_links=st.lists(st.text(max_size=20), max_size=3).map(tuple),
    code_not_found=st.lists(st.text(max_size=20), max_size=3).map(tuple),
    datasets=DATASETS, parents=PARENTS, example_run=EXAMPLE, now=WHEN,
)  # fmt: skip


def _check(name: str, ctx: RatingContext) -> None:
    result = METRICS[name](ctx)
    check_range(name, result)
    assert result.evidence and all(isinstance(e, str) and e for e in result.evidence), name


@PROPERTIES
@given(ctx=CONTEXT)
def test_every_metric_scores_any_well_typed_facts_in_range_with_a_reason(
    ctx: RatingContext,
) -> None:
    for name in METRICS:
        _check(name, ctx)


@PROPERTIES
@given(scores=st.dictionaries(st.sampled_from(sorted(METRICS)), SCORE | st.dictionaries(
    st.text(max_size=5), SCORE, max_size=4), max_size=11))  # fmt: skip
def test_net_score_of_any_scores_is_in_range(scores: dict[str, Any]) -> None:
    result = net_score(scores)
    assert isinstance(result.score, float) and 0.0 <= result.score <= 1.0
    assert result.evidence


FIVE_MB = ("word " * 200 + "\n") * 5200  # 5.2 MB of prose, one paragraph a line


@pytest.mark.parametrize(
    "readme",
    [
        pytest.param("", id="empty"),
        pytest.param("Just text, no front matter.", id="no-front-matter"),
        pytest.param("---\n- a\n- b\n---\n# Card\n", id="front-matter-a-list"),
        pytest.param("---\nlicense: [mit\n---\n# Card\n", id="front-matter-broken"),
        pytest.param("---\n# never closed\n", id="front-matter-unclosed"),
        pytest.param(FIVE_MB, id="5MB"),
        pytest.param(RICH_README * 2000, id="rich-card-repeated"),
    ],
)
def test_every_metric_reads_odd_cards(readme: str) -> None:
    ctx = make_context(readme=readme, card={"model-index": "not a list", "tags": 5})
    for name in METRICS:
        _check(name, ctx)
