"""The GitHub repos of the default catalogue: small but real-looking Python projects."""

from __future__ import annotations

from .records import (
    FAULT_SERVER_ERROR,
    ZIP_ATTACKS,
    ZIP_SYMLINK,
    FakeGhCommit,
    FakeGitHubRepo,
    FakePull,
    ZipEntry,
    fake_sha,
    text_file,
)

APACHE_2_0 = """\
                                 Apache License
                           Version 2.0, January 2004
                        http://www.apache.org/licenses/

   TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION

   1. Definitions.

      "License" shall mean the terms and conditions for use, reproduction,
      and distribution as defined by Sections 1 through 9 of this document.
"""

MIT = """\
MIT License

Copyright (c) 2022 OpenAI

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND.
"""

BERT_MODELING = '''\
"""The main BERT model and related functions."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass
class BertConfig:
    """Configuration for `BertModel`."""

    vocab_size: int
    hidden_size: int = 768
    num_hidden_layers: int = 12
    num_attention_heads: int = 12
    hidden_dropout_prob: float = 0.1

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> "BertConfig":
        """Constructs a `BertConfig` from a Python dictionary of parameters."""
        return cls(**data)  # type: ignore[arg-type]


def gelu(x: float) -> float:
    """Gaussian Error Linear Unit, a smoother version of the RELU."""
    return 0.5 * x * (1.0 + math.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))


class BertModel:
    """BERT model ("Bidirectional Encoder Representations from Transformers")."""

    def __init__(self, config: BertConfig) -> None:
        self.config = config

    def head_size(self) -> int:
        """Size of one attention head."""
        return self.config.hidden_size // self.config.num_attention_heads
'''

BERT_RUN_CLASSIFIER = '''\
"""BERT finetuning runner for sentence classification."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from modeling import BertConfig, BertModel


class InputExample:
    """A single training/test example for simple sequence classification."""

    def __init__(self, guid: str, text_a: str, label: str | None = None) -> None:
        self.guid = guid
        self.text_a = text_a
        self.label = label


def read_tsv(path: str) -> Iterator[list[str]]:
    """Reads a tab separated value file."""
    with open(path, encoding="utf-8") as handle:
        yield from csv.reader(handle, delimiter="\\t")


def build_model(vocab_size: int) -> BertModel:
    """Creates a classification model."""
    return BertModel(BertConfig(vocab_size=vocab_size))
'''

BERT_TEST = """\
from modeling import BertConfig, BertModel, gelu


def test_head_size() -> None:
    assert BertModel(BertConfig(vocab_size=10)).head_size() == 64


def test_gelu_zero() -> None:
    assert gelu(0.0) == 0.0
"""

BERT_SETUP = """\
from setuptools import setup

setup(
    name="bert",
    version="1.0.1",
    py_modules=["modeling", "run_classifier"],
    install_requires=["tensorflow>=1.11.0,<2"],
)
"""

BERT_README = """\
# BERT

**BERT**, or **B**idirectional **E**ncoder **R**epresentations from **T**ransformers, is a new
method of pre-training language representations.

## Usage

```shell
pip install -r requirements.txt
python run_classifier.py --task_name=MRPC --do_train=true
```

## Testing

```shell
python -m pytest tests
```
"""


def bert_repo() -> FakeGitHubRepo:
    pulls = [
        FakePull(
            1012,
            "Fix tokenization of accented characters",
            True,
            "jacobdevlin-google",
            [("slavpetrov", "APPROVED")],
            additions=42,
            deletions=7,
            created_at="2019-02-01T10:00:00Z",
            merged_at="2019-02-03T09:00:00Z",
        ),
        FakePull(
            1040,
            "Add run_classifier type hints",
            True,
            "iamtrask",
            [("jacobdevlin-google", "CHANGES_REQUESTED"), ("jacobdevlin-google", "APPROVED")],
            additions=120,
            deletions=30,
            created_at="2019-05-10T10:00:00Z",
            merged_at="2019-05-12T18:30:00Z",
        ),
        FakePull(
            1100,
            "Whole word masking models",
            True,
            "jacobdevlin-google",
            [("kentonl", "APPROVED"), ("slavpetrov", "COMMENTED")],
            additions=300,
            deletions=12,
            created_at="2019-05-30T10:00:00Z",
            merged_at="2019-05-31T08:00:00Z",
        ),
        FakePull(
            1150,
            "Typo in README",
            False,
            "drive-by-user",
            [],
            additions=1,
            deletions=1,
            created_at="2020-01-01T10:00:00Z",
        ),
        FakePull(
            1201,
            "Support TF2",
            False,
            "eager-contributor",
            [("kentonl", "COMMENTED")],
            additions=800,
            deletions=400,
            created_at="2020-03-01T10:00:00Z",
            state="open",
        ),
    ]
    commits = [
        FakeGhCommit(
            fake_sha("bert", 6),
            "jacobdevlin-google",
            "2020-03-11T17:00:00Z",
            "Update README with smaller models",
        ),
        FakeGhCommit(
            fake_sha("bert", 5),
            "jacobdevlin-google",
            "2019-05-31T08:00:00Z",
            "Merge pull request #1100 from google-research/wwm",
            1100,
        ),
        FakeGhCommit(
            fake_sha("bert", 4),
            "iamtrask",
            "2019-05-12T18:30:00Z",
            "Merge pull request #1040 from iamtrask/type-hints",
            1040,
        ),
        FakeGhCommit(
            fake_sha("bert", 3),
            "jacobdevlin-google",
            "2019-02-03T09:00:00Z",
            "Merge pull request #1012 from google-research/accents",
            1012,
        ),
        FakeGhCommit(
            fake_sha("bert", 2), "slavpetrov", "2018-11-20T12:00:00Z", "Fix typo in modeling.py"
        ),
        FakeGhCommit(
            fake_sha("bert", 1), "jacobdevlin-google", "2018-10-31T18:00:00Z", "Initial release"
        ),
    ]
    return FakeGitHubRepo(
        owner="google-research",
        name="bert",
        files=[
            text_file("README.md", BERT_README),
            text_file("LICENSE", APACHE_2_0),
            text_file("requirements.txt", "tensorflow==1.15.5\nnumpy==1.19.5\nsix==1.16.0\n"),
            text_file("modeling.py", BERT_MODELING),
            text_file("run_classifier.py", BERT_RUN_CLASSIFIER),
            text_file("tests/test_modeling.py", BERT_TEST),
            text_file("setup.py", BERT_SETUP),
            text_file("CONTRIBUTING.md", "# How to contribute\n\nSend a pull request.\n"),
        ],
        license_spdx="Apache-2.0",
        description="TensorFlow code and pre-trained models for BERT",
        stars=37_900,
        forks=9_600,
        open_issues=870,
        created_at="2018-10-25T22:57:34Z",
        pushed_at="2024-07-23T17:54:19Z",
        contributors=[
            ("jacobdevlin-google", 88),
            ("slavpetrov", 21),
            ("iamtrask", 9),
            ("kentonl", 6),
            ("eager-contributor", 2),
            ("drive-by-user", 1),
        ],
        pulls=pulls,
        commits=commits,
        topics=["natural-language-processing", "google", "tensorflow"],
    )


WHISPER_MODEL = '''\
"""Whisper model definition."""

from dataclasses import dataclass


@dataclass
class ModelDimensions:
    """Sizes of the audio encoder and text decoder."""

    n_mels: int
    n_audio_ctx: int
    n_vocab: int


def available_models() -> list[str]:
    """Returns the names of available models."""
    return ["tiny", "base", "small", "medium", "large"]
'''


def whisper_repo() -> FakeGitHubRepo:
    main_files = [
        text_file(
            "README.md",
            "# Whisper\n\nRobust speech recognition via large-scale weak "
            "supervision.\n\n```python\nimport whisper\nmodel = whisper.load_model('base')\n"
            "```\n",
        ),
        text_file("LICENSE", MIT),
        text_file("requirements.txt", "numba\nnumpy\ntorch\ntqdm\ntiktoken\n"),
        text_file(
            "setup.py",
            "from setuptools import setup\n\nsetup(name='openai-whisper', "
            "version='20231117', packages=['whisper'])\n",
        ),
        text_file("whisper/__init__.py", '"""Whisper."""\n\n__version__ = "20231117"\n'),
        text_file("whisper/model.py", WHISPER_MODEL),
        text_file("whisper/audio.py", '"""Audio helpers."""\n\nSAMPLE_RATE: int = 16000\n'),
        text_file(
            "notebooks/LibriSpeech.ipynb",
            '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}\n',
        ),
        text_file(
            "tests/test_audio.py",
            "from whisper.audio import SAMPLE_RATE\n\n\n"
            "def test_rate() -> None:\n    assert SAMPLE_RATE == 16000\n",
        ),
    ]
    v1_files = [
        text_file("README.md", "# Whisper (v1)\n\nFirst public release.\n"),
        text_file("LICENSE", MIT),
        text_file("requirements.txt", "numpy\ntorch\ntqdm\ntransformers>=4.19.0\n"),
        text_file("whisper/__init__.py", '"""Whisper."""\n\n__version__ = "1.0"\n'),
        text_file("whisper/model.py", WHISPER_MODEL),
    ]
    return FakeGitHubRepo(
        owner="openai",
        name="whisper",
        files=main_files,
        branches={"v1": v1_files},
        license_spdx="MIT",
        description="Robust Speech Recognition via Large-Scale Weak Supervision",
        stars=65_000,
        forks=7_800,
        open_issues=95,
        created_at="2022-09-16T20:02:54Z",
        pushed_at="2024-09-30T00:00:00Z",
        contributors=[("jongwook", 140), ("ryanheise", 12), ("hanacchi", 3)],
        pulls=[
            FakePull(
                1000,
                "Add word-level timestamps",
                True,
                "jongwook",
                [("ryanheise", "APPROVED")],
                additions=500,
                deletions=40,
                created_at="2023-03-01T00:00:00Z",
                merged_at="2023-03-06T00:00:00Z",
            )
        ],
        commits=[
            FakeGhCommit(
                fake_sha("whisper", 3), "jongwook", "2023-11-17T00:00:00Z", "Release 20231117"
            ),
            FakeGhCommit(
                fake_sha("whisper", 2),
                "jongwook",
                "2023-03-06T00:00:00Z",
                "word-level timestamps (#1000)",
                1000,
            ),
            FakeGhCommit(
                fake_sha("whisper", 1), "jongwook", "2022-09-21T00:00:00Z", "initial commit"
            ),
        ],
        topics=["speech-recognition", "pytorch"],
    )


def unlicensed_tool() -> FakeGitHubRepo:
    return FakeGitHubRepo(
        owner="acme",
        name="unlicensed-tool",
        files=[
            text_file("README.md", "# unlicensed-tool\n\nNo licence is granted.\n"),
            text_file("tool.py", "def main():\n    print('hi')\n"),
        ],
        description="A tool published without a licence",
        stars=3,
        contributors=[("wile-e-coyote", 4)],
        commits=[
            FakeGhCommit(
                fake_sha("acme-tool", 1), "wile-e-coyote", "2023-01-01T00:00:00Z", "first version"
            )
        ],
    )


def _hostile(name: str, entry: ZipEntry, what: str) -> FakeGitHubRepo:
    return FakeGitHubRepo(
        owner="fault",
        name=name,
        files=[
            text_file("README.md", f"# {name}\n"),
            text_file("src/ok.py", "X = 1\n"),
            text_file("src/pkg/deep/mod.py", "Y = 2\n"),  # folders three levels down
        ],
        raw_zip_entries=[entry],
        license_spdx="MIT",
        description=f"Its zipball {what}",
    )


def fault_repos() -> list[FakeGitHubRepo]:
    return [
        *(
            _hostile(f"zip-slip-{attack}", entry, f"tries to escape ({attack})")
            for attack, entry in ZIP_ATTACKS.items()
        ),
        _hostile("zip-symlink", ZIP_SYMLINK, "holds a symlink to /etc/passwd"),
        FakeGitHubRepo(
            owner="fault",
            name="server-error",
            fault=FAULT_SERVER_ERROR,
            files=[text_file("README.md", "# never served\n")],
        ),
    ]


def github_repos() -> list[FakeGitHubRepo]:
    return [bert_repo(), whisper_repo(), unlicensed_tool(), *fault_repos()]
