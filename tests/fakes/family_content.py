"""Fixture families for rating, lineage and licence checks.

- a chain: google-bert/bert-base-uncased -> acme/bert-finetuned-sst2 -> acme/bert-sst2-quantized
- a diamond: bert -> acme/bert-finetuned-sst2 and bert -> acme/peft-adapter,
  both -> acme/bert-merged
- a model whose parent is not in any registry: acme/orphan-finetune
- malformed lineage metadata: acme/malformed-card
- a documented model kept alive by one person, with no reviews: acme/solo-model
- card examples: one that runs (acme/runnable-example), one that parses but fails when run
  (acme/failing-example), one that needs fixing (acme/broken-example)
- a model whose linked code repository answers 500: acme/flaky-links-model
- GitHub repositories under each kind of licence, for the licence check
"""

from __future__ import annotations

from .records import (
    FakeFile,
    FakeGhCommit,
    FakeGitHubRepo,
    FakeHfRepo,
    fake_sha,
    json_file,
    readme_file,
    safetensors_file,
    text_file,
)

_TENSORS = [("encoder.weight", "F32", [64, 64]), ("encoder.bias", "F32", [64])]

_USAGE = """
## How to use

```bash
pip install transformers
```

```python
from transformers import AutoModel

model = AutoModel.from_pretrained("{repo}")
```
"""


def _config(**extra: object) -> FakeFile:
    return json_file("config.json", {"architectures": ["BertModel"], "model_type": "bert", **extra})


def _weights(repo: str, name: str = "model.safetensors") -> FakeFile:
    return safetensors_file(name, _TENSORS, seed=repo)


def _model(repo: str, card: dict[str, object], body: str, *extra: FakeFile) -> FakeHfRepo:
    return FakeHfRepo(
        repo_id=repo,
        files=[readme_file(card, body), *extra, _weights(repo)],
        card_data=card,
        downloads=1_000,
        likes=10,
        library_name="transformers",
        pipeline_tag="text-classification",
    )


def family_hf_repos() -> list[FakeHfRepo]:
    quantized = "acme/bert-sst2-quantized"
    merged = "acme/bert-merged"
    adapter = "acme/peft-adapter"
    solo = "acme/solo-model"
    return [
        *licensed_models(),
        _model(
            quantized,
            {
                "license": "apache-2.0",
                "base_model": "acme/bert-finetuned-sst2",
                "base_model_relation": "quantized",
            },
            "# BERT SST-2, 8-bit\n\nA quantized acme/bert-finetuned-sst2.\n"
            + _USAGE.format(repo=quantized),
            _config(_name_or_path="acme/bert-finetuned-sst2"),
        ),
        FakeHfRepo(
            repo_id=adapter,
            files=[
                readme_file(
                    {"license": "apache-2.0", "base_model": "google-bert/bert-base-uncased"},
                    "# A LoRA adapter for BERT\n" + _USAGE.format(repo=adapter),
                ),
                json_file(
                    "adapter_config.json",
                    {
                        "base_model_name_or_path": "google-bert/bert-base-uncased",
                        "peft_type": "LORA",
                        "r": 8,
                    },
                ),
                _weights(adapter, "adapter_model.safetensors"),
            ],
            card_data={"license": "apache-2.0", "base_model": "google-bert/bert-base-uncased"},
            library_name="peft",
        ),
        _model(
            merged,
            {
                "license": "apache-2.0",
                "base_model": ["acme/bert-finetuned-sst2", adapter],
                "base_model_relation": "merge",
            },
            "# A merge of two BERT descendants\n" + _USAGE.format(repo=merged),
            _config(),
        ),
        _model(
            "acme/orphan-finetune",
            {"license": "mit", "base_model": "someone-else/not-in-registry"},
            "# Fine-tuned from a model this registry does not hold\n",
            _config(_name_or_path="someone-else/not-in-registry"),
        ),
        _model(
            "acme/malformed-card",
            {"license": "mit", "base_model": {"name": "not a repo id"}, "datasets": 5},
            "# Card metadata of the wrong shape\n",
            _config(),
        ),
        _model(
            solo,
            {"license": "mit", "language": ["en"]},
            "# Solo model\n\nA small encoder maintained by one person; code at "
            "https://github.com/acme/solo-tool.\n" + _USAGE.format(repo=solo),
            _config(),
        ),
        _model(
            "acme/flaky-links-model",
            {"license": "mit"},
            "# Its code lives on a server that fails\n\nhttps://github.com/fault/server-error\n",
            _config(),
        ),
        _model(
            "acme/runnable-example",
            {"license": "mit"},
            "# Runs as written\n\n## Usage\n\n```python\nimport json\n\n"
            'print(json.dumps({"model": "acme/runnable-example"}))\n```\n',
            _config(),
        ),
        _model(
            "acme/failing-example",
            {"license": "mit"},
            "# Looks fine, fails when run\n\n## Usage\n\n```python\nimport json\n\n"
            'raise SystemExit(json.dumps({"error": "weights missing"}))\n```\n',
            _config(),
        ),
        _model(
            "acme/broken-example",
            {"license": "mit"},
            "# Broken example\n\n## Usage\n\n```python\nimport definitely_not_a_real_package_xyz\n"
            "definitely_not_a_real_package_xyz.load('acme/broken-example')\n```\n",
            _config(),
        ),
    ]


# One model per kind of licence, for the licence check: (repo, card licence).
LICENSED_MODELS = {
    "licenses/mit-model": "mit",
    "licenses/lgpl-model": "lgpl-2.1",
    "licenses/cc-by-sa-model": "cc-by-sa-4.0",
    "licenses/gpl-model": "gpl-3.0",
    "licenses/agpl-model": "agpl-3.0",
    "licenses/openrail-model": "openrail",
    "licenses/llama-model": "llama2",
    "licenses/nc-model": "cc-by-nc-4.0",
    "licenses/other-model": "other",
    "licenses/unlicensed-model": "",
}


def licensed_models() -> list[FakeHfRepo]:
    repos = []
    for repo, license_id in LICENSED_MODELS.items():
        card: dict[str, object] = {"license": license_id} if license_id else {}
        repos.append(_model(repo, card, f"# {repo}\n", _config()))
    return repos


def _licensed(owner: str, name: str, spdx: str | None, text: str) -> FakeGitHubRepo:
    files = [
        text_file("README.md", f"# {name}\n\nA library.\n"),
        text_file(f"{name.replace('-', '_')}.py", 'def run() -> None:\n    """Run."""\n'),
    ]
    if text:
        files.append(text_file("LICENSE", text))
    return FakeGitHubRepo(
        owner=owner,
        name=name,
        files=files,
        license_spdx=spdx,
        description=f"{name} under {spdx or 'no licence'}",
        contributors=[("maintainer", 10)],
        commits=[
            FakeGhCommit(fake_sha(owner, name), "maintainer", "2025-06-01T00:00:00Z", "release")
        ],
    )


def family_github_repos() -> list[FakeGitHubRepo]:
    solo_commits = [
        FakeGhCommit(fake_sha("solo", i), "lone-dev", f"2025-0{i}-01T00:00:00Z", f"change {i}")
        for i in range(9, 0, -1)
    ]
    return [
        FakeGitHubRepo(
            owner="acme",
            name="solo-tool",
            files=[
                text_file("README.md", "# solo-tool\n"),
                text_file("solo.py", "import os, sys\nx=1\n"),
            ],
            license_spdx="MIT",
            contributors=[("lone-dev", 9)],
            commits=solo_commits,
        ),
        _licensed("acme", "mit-lib", "MIT", "MIT License\n"),
        _licensed("acme", "apache-lib", "Apache-2.0", "Apache License 2.0\n"),
        _licensed("acme", "lgpl-lib", "LGPL-2.1", "GNU Lesser General Public License v2.1\n"),
        _licensed("acme", "gpl-tool", "GPL-3.0", "GNU General Public License v3\n"),
        _licensed("acme", "agpl-service", "AGPL-3.0", "GNU Affero General Public License v3\n"),
        _licensed("acme", "nc-research-code", "CC-BY-NC-4.0", "Creative Commons BY-NC 4.0\n"),
        _licensed("acme", "custom-terms", "NOASSERTION", "Our own terms, ask us.\n"),
    ]
