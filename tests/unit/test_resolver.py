import pytest

from registry.domain.errors import BadRequest
from registry.domain.models import ArtifactType
from registry.sources.base import SourceKind
from registry.sources.resolver import parse_source_url

HF = "https://huggingface.co"
M, D, C = ArtifactType.MODEL, ArtifactType.DATASET, ArtifactType.CODE


def test_hf_model_url_gives_repo_and_name() -> None:
    ref = parse_source_url("https://huggingface.co/google-bert/bert-base-uncased", M, HF)
    assert ref.kind is SourceKind.HF_MODEL
    assert ref.repo_id == "google-bert/bert-base-uncased"
    assert ref.default_name == "bert-base-uncased"
    assert ref.revision is None


def test_hf_tree_url_carries_revision_and_folder() -> None:
    ref = parse_source_url("https://huggingface.co/openai/whisper-tiny/tree/main/onnx", M, HF)
    assert (ref.repo_id, ref.revision, ref.subpath) == ("openai/whisper-tiny", "main", "onnx")


def test_hf_dataset_url() -> None:
    ref = parse_source_url("https://huggingface.co/datasets/bookcorpus/bookcorpus", D, HF)
    assert ref.kind is SourceKind.HF_DATASET
    assert ref.default_name == "bookcorpus"


def test_legacy_hf_ids_without_organisation() -> None:
    ref = parse_source_url("https://huggingface.co/bert-base-uncased", M, HF)
    assert ref.repo_id == "bert-base-uncased"


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://huggingface.co/google-bert/bert-base-uncased", D),
        ("https://huggingface.co/datasets/bookcorpus/bookcorpus", M),
        ("https://huggingface.co/google-bert/bert-base-uncased", C),
    ],
)
def test_hf_type_mismatch_is_refused_with_the_right_type(url: str, kind: ArtifactType) -> None:
    with pytest.raises(BadRequest, match="ingest it as type"):
        parse_source_url(url, kind, HF)


def test_same_repo_spelled_differently_has_one_key() -> None:
    a = parse_source_url("https://huggingface.co/Google-BERT/bert-base-uncased/", M, HF)
    b = parse_source_url("https://huggingface.co/google-bert/bert-base-uncased", M, HF)
    c = parse_source_url("https://hf.co/google-bert/bert-base-uncased", M, HF)
    assert a.key == b.key == c.key


def test_configured_endpoint_host_counts_as_hugging_face() -> None:
    ref = parse_source_url("http://127.0.0.1:9000/acme/m", M, "http://127.0.0.1:9000")
    assert ref.kind is SourceKind.HF_MODEL
    assert ref.repo_id == "acme/m"


def test_github_urls() -> None:
    ref = parse_source_url("https://github.com/google-research/bert.git", C, HF)
    assert (ref.kind, ref.repo_id, ref.default_name) == (
        SourceKind.GITHUB,
        "google-research/bert",
        "bert",
    )
    sub = parse_source_url("https://github.com/openai/whisper/tree/v1/whisper", C, HF)
    assert (sub.revision, sub.subpath) == ("v1", "whisper")
    assert sub.key != ref.key


def test_plain_url_names_after_the_file() -> None:
    ref = parse_source_url("https://example.com:443/models/tiny-net.zip#frag", M, HF)
    assert ref.kind is SourceKind.URL
    assert ref.default_name == "tiny-net"
    assert ref.key == "url:https://example.com/models/tiny-net.zip"


@pytest.mark.parametrize(
    "url",
    [
        "",
        "not a url",
        "ftp://example.com/file",
        "file:///etc/passwd",
        "https://",
        "https://huggingface.co/",
        "https://huggingface.co/spaces/acme/app",
        "https://huggingface.co/org/repo/discussions/3",
        "https://github.com/only-owner",
        "https://github.com/a/b/tree/main/../../etc",
        "http://example.com:99999/x",
        "https://huggingface.co/org/re'po",
    ],
)
def test_malformed_urls_are_bad_requests(url: str) -> None:
    with pytest.raises(BadRequest):
        parse_source_url(url, M, HF)
