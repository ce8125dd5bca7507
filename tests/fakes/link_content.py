"""Cards that test how links are read and what happens when they lead nowhere.

- ``acme/sentence-links``: dataset and code linked in prose, a full stop after each URL;
- ``acme/markup-links``: the same links as reference links, an ``href`` and a ``.git`` URL;
- ``acme/dead-links``: a dataset, a repository and a parent that no longer exist;
- ``acme/flaky-dataset-model``: its dataset's hub answers 500 (``acme/flaky-corpus``);
- bad input: ``acme/broken-yaml``, ``acme/binary-readme``, ``acme/huge-readme``,
  ``acme/loopback-links`` (private and loopback URLs) and ``acme/many-links`` (10,000).
"""

from __future__ import annotations

from .records import (
    FAULT_SERVER_ERROR,
    FakeCommit,
    FakeFile,
    FakeGhCommit,
    FakeGitHubRepo,
    FakeHfRepo,
    fake_sha,
    json_file,
    readme_file,
    render_readme,
    safetensors_file,
    text_file,
)

# A documented fine-tune: what a team would expect the gate to admit.
_DOCUMENTED = """\
# Tiny sentiment classifier

This model is a fine-tuned version of google-bert/bert-base-uncased for English
sentiment classification. It labels short reviews and comments as positive or negative
and is meant for moderation queues and dashboards, not for decisions about people.
{data} {code} Training ran for three epochs with a learning rate of 2e-5 and a batch size
of 32 on one GPU; the data was split 90/10 for training and evaluation.

## How to use

```bash
pip install transformers torch
```

```python
from transformers import pipeline

classifier = pipeline("text-classification", model="{repo}")
print(classifier("What a wonderful film!"))
```

## Evaluation

| Dataset | Accuracy | F1 |
|---|---|---|
| SST-2 | 92.4 | 92.1 |
"""
_CARD = {"license": "apache-2.0", "base_model": "google-bert/bert-base-uncased"}
_HISTORY = [
    FakeCommit("Add evaluation", ["dev-a"], "2025-02-01T00:00:00.000Z"),
    FakeCommit("Upload model", ["dev-b"], "2025-01-20T00:00:00.000Z"),
    FakeCommit("initial commit", ["system"], "2025-01-19T00:00:00.000Z"),
]


def _model(repo: str, readme: FakeFile, card: dict[str, object] | None = None) -> FakeHfRepo:
    config = {"model_type": "bert", "_name_or_path": "google-bert/bert-base-uncased"}
    return FakeHfRepo(
        repo_id=repo,
        files=[
            readme,
            json_file("config.json", config),
            safetensors_file("model.safetensors", [("w", "F32", [64, 64])], seed=repo),
        ],
        card_data=card,
        downloads=5_000,
        likes=12,
        library_name="transformers",
        pipeline_tag="text-classification",
        commits=list(_HISTORY),
    )


def _documented(repo: str, data: str, code: str, card: dict[str, object]) -> FakeHfRepo:
    body = _DOCUMENTED.format(data=data, code=code, repo=repo)
    return _model(repo, readme_file(card, body), card)


def link_hf_repos() -> list[FakeHfRepo]:
    dead_card = {**_CARD, "datasets": ["acme/deleted-corpus"]}
    huge = "# Huge card\n\n" + ("All work and no play makes a dull model card. " * 40_000)
    many = " ".join(f"https://huggingface.co/datasets/acme/d{i}." for i in range(10_000))
    loopback = (
        "# Loopback links\n\nMirrors: http://127.0.0.1:8080/datasets/acme/tiny-corpus, "
        "http://localhost:5000/api/datasets/acme/x, http://169.254.169.254/latest/meta-data/, "
        "http://10.0.0.7/github.com/acme/tiny-trainer and https://huggingface.co.evil.test/x/y.\n"
    )
    return [
        _documented(
            "acme/sentence-links",
            "It was trained on the training data at https://huggingface.co/datasets/acme/tiny-corpus.",
            "The code is at https://github.com/acme/tiny-trainer.",
            _CARD,
        ),
        _documented(
            "acme/markup-links",
            "It was trained on [Tiny Corpus][data], see also <https://hf.co/datasets/acme/tiny-corpus>.",
            'Code: <a href="https://github.com/acme/tiny-trainer.git">tiny-trainer</a> '
            "([tree](https://github.com/acme/tiny-trainer/tree/main/src)).\n\n"
            "[data]: https://huggingface.co/datasets/acme/tiny-corpus#dataset-structure",
            _CARD,
        ),
        _documented(
            "acme/dead-links",
            "Data: https://huggingface.co/datasets/acme/deleted-corpus.",
            "Code: https://github.com/acme/deleted-repo.",
            {**dead_card, "base_model": "acme/deleted-base"},
        ),
        _documented(
            "acme/flaky-dataset-model",
            "Data: https://huggingface.co/datasets/acme/flaky-corpus.",
            "",
            _CARD,
        ),
        _model(
            "acme/broken-yaml",
            text_file("README.md", "---\nlicense: [mit\ndatasets: {\n---\n# Broken front matter\n"),
        ),
        _model(
            "acme/binary-readme",
            FakeFile("README.md", content=b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe\x00" * 64),
        ),
        _model("acme/huge-readme", text_file("README.md", render_readme({"license": "mit"}, huge))),
        _model("acme/loopback-links", readme_file({"license": "mit"}, loopback)),
        _model("acme/many-links", readme_file({"license": "mit"}, f"# Many links\n\n{many}\n")),
        FakeHfRepo(
            repo_id="acme/flaky-corpus",
            repo_type="dataset",
            files=[readme_file({"license": "mit"}, "# Flaky corpus\n")],
            fault=FAULT_SERVER_ERROR,
        ),
    ]


def link_github_repos() -> list[FakeGitHubRepo]:
    return [
        FakeGitHubRepo(
            owner="acme",
            name="tiny-trainer",
            files=[
                text_file("README.md", "# tiny-trainer\n"),
                text_file("LICENSE", "Apache License 2.0\n"),
                text_file("requirements.txt", "transformers==4.44.0\ntorch==2.3.1\n"),
                text_file(
                    "train.py",
                    '"""Fine-tune a classifier."""\n\n\ndef main() -> None:\n    """Train."""\n',
                ),
                text_file("tests/test_train.py", "def test_nothing() -> None:\n    assert True\n"),
            ],
            license_spdx="Apache-2.0",
            contributors=[("dev-a", 12), ("dev-b", 9), ("dev-c", 4)],
            commits=[
                FakeGhCommit(fake_sha("tiny-trainer", i), who, f"2025-0{i}-01T00:00:00Z", "work")
                for i, who in enumerate(["dev-a", "dev-b", "dev-c", "dev-a"], start=1)
            ],
        )
    ]
