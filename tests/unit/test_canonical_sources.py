"""Every spelling of the same upstream at the same revision has one key (one artifact);
another revision or another folder has another."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from registry.domain.models import ArtifactType
from registry.sources.github import GitHubSource
from registry.sources.resolver import parse_source_url

HF = "https://huggingface.co"
M, D, C = ArtifactType.MODEL, ArtifactType.DATASET, ArtifactType.CODE
BERT = f"{HF}/google-bert/bert-base-uncased"
SHA = "86b5e0934494bd15c9632b12f734a8a67f723594"

SAME = [
    (M, BERT, f"{BERT}/"),
    (M, BERT, f"{BERT}/tree/main"),
    (M, BERT, f"{BERT}/tree/main/"),
    (M, BERT, "https://hf.co/google-bert/bert-base-uncased"),
    (M, BERT, "https://www.huggingface.co/google-bert/bert-base-uncased"),
    (M, BERT, "https://HuggingFace.CO/Google-BERT/Bert-Base-Uncased"),
    (M, BERT, f"{HF}/models/google-bert/bert-base-uncased"),
    (M, BERT, f"{HF}/models/google-bert/bert-base-uncased/tree/main"),
    (M, BERT, f"{BERT}?library=transformers#model-card"),
    (M, f"{BERT}/tree/main/onnx", f"{BERT}/tree/main/onnx/"),
    (M, f"{BERT}/tree/{SHA}", f"https://hf.co/google-bert/bert-base-uncased/tree/{SHA}"),
    (D, f"{HF}/datasets/stanfordnlp/imdb", f"{HF}/datasets/stanfordnlp/imdb/tree/main"),
    (D, f"{HF}/datasets/stanfordnlp/imdb", "https://hf.co/datasets/StanfordNLP/imdb/"),
    (C, "https://github.com/openai/whisper", "https://github.com/openai/whisper.git"),
    (C, "https://github.com/openai/whisper", "https://www.github.com/OpenAI/Whisper/"),
    (C, "https://github.com/openai/whisper", "https://GITHUB.com/openai/whisper.git/"),
    (
        C,
        "https://github.com/openai/whisper/tree/v1",
        "https://github.com/openai/whisper.git/tree/v1",
    ),
    (M, "https://example.com/m/tiny.zip", "https://EXAMPLE.com:443/m/tiny.zip#readme"),
    (M, "http://example.com/m/tiny.zip", "http://example.com:80/m/tiny.zip"),
]

DIFFERENT = [
    (M, BERT, f"{BERT}/tree/{SHA}"),  # a pinned commit is another revision
    (M, BERT, f"{BERT}/tree/v2"),
    (M, BERT, f"{BERT}/tree/main/onnx"),  # a folder is another artifact
    (M, BERT, f"{HF}/google-bert/bert-large-uncased"),
    (D, f"{HF}/datasets/stanfordnlp/imdb", f"{HF}/datasets/stanfordnlp/imdb/tree/refs%2Fpr%2F1"),
    (C, "https://github.com/openai/whisper", "https://github.com/openai/whisper/tree/v1"),
    (C, "https://github.com/openai/whisper", "https://github.com/openai/whisper/tree/main/src"),
    (M, "https://example.com/m/tiny.zip", "https://example.com/m/tiny.zip?v=2"),
    (M, "https://example.com/m/tiny.zip", "http://example.com/m/tiny.zip"),
]


@pytest.mark.parametrize(("kind", "a", "b"), SAME)
def test_spellings_of_one_source_share_a_key(kind: ArtifactType, a: str, b: str) -> None:
    assert parse_source_url(a, kind, HF).key == parse_source_url(b, kind, HF).key


@pytest.mark.parametrize(("kind", "a", "b"), DIFFERENT)
def test_other_revisions_and_folders_have_other_keys(kind: ArtifactType, a: str, b: str) -> None:
    assert parse_source_url(a, kind, HF).key != parse_source_url(b, kind, HF).key


def test_the_hf_default_branch_keeps_its_revision_for_fetching() -> None:
    ref = parse_source_url(f"{BERT}/tree/main/onnx", M, HF)
    assert (ref.revision, ref.subpath) == ("main", "onnx")


@dataclass
class _Repo:
    default_branch: str


class _Client:
    def __init__(self, default_branch: str) -> None:
        self.default_branch = default_branch
        self.asked: list[str] = []

    def repo(self, full_name: str) -> _Repo:
        self.asked.append(full_name)
        return _Repo(self.default_branch)


@pytest.mark.parametrize(
    ("default", "url", "same"),
    [
        ("master", "https://github.com/acme/tool/tree/master", True),
        ("master", "https://github.com/acme/tool/tree/master/docs", False),
        ("master", "https://github.com/acme/tool/tree/main", False),
        ("develop", "https://github.com/acme/tool/tree/develop/", True),
        ("main", "https://github.com/acme/tool/tree/v1.0", False),
    ],
)
def test_a_github_url_naming_the_default_branch_is_the_bare_repository(
    default: str, url: str, same: bool
) -> None:
    source = GitHubSource(_Client(default), max_bytes=1 << 20)  # type: ignore[arg-type]
    bare = parse_source_url("https://github.com/acme/tool", C, HF)
    ref = source.canonical(parse_source_url(url, C, HF))
    assert (ref.key == bare.key) is same
    assert ref.revision == url.split("/tree/")[1].split("/", maxsplit=1)[0]  # fetched as named


def test_a_bare_github_url_asks_github_nothing() -> None:
    client = _Client("main")
    source = GitHubSource(client, max_bytes=1 << 20)  # type: ignore[arg-type]
    ref = parse_source_url("https://github.com/acme/tool", C, HF)
    assert source.canonical(ref) == ref
    assert client.asked == []
