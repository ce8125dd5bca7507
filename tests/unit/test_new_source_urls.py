"""Kaggle dataset URLs and upload names as sources."""

from __future__ import annotations

import pytest

from registry.domain.errors import BadRequest
from registry.domain.models import ArtifactType
from registry.sources.base import SourceKind
from registry.sources.kaggle import spdx_license
from registry.sources.resolver import parse_source_url, upload_ref

HF = "https://huggingface.co"
DATASET = ArtifactType.DATASET


def test_kaggle_dataset_urls() -> None:
    ref = parse_source_url("https://www.kaggle.com/datasets/uciml/iris", DATASET, HF)
    assert (ref.kind, ref.repo_id, ref.revision, ref.default_name) == (
        SourceKind.KAGGLE,
        "uciml/iris",
        None,
        "iris",
    )
    tab = parse_source_url("https://kaggle.com/datasets/UCIML/Iris/data", DATASET, HF)
    assert tab.key == ref.key  # the same dataset, whatever tab the URL was copied from
    pinned = parse_source_url("https://www.kaggle.com/datasets/uciml/iris/versions/2", DATASET, HF)
    assert pinned.revision == "2" and pinned.key != ref.key


@pytest.mark.parametrize(
    ("url", "kind", "reason"),
    [
        ("https://www.kaggle.com/competitions/titanic", DATASET, "only Kaggle datasets"),
        ("https://www.kaggle.com/datasets/uciml", DATASET, "only Kaggle datasets"),
        ("https://www.kaggle.com/datasets/uciml/iris", ArtifactType.MODEL, "type 'dataset'"),
        ("https://www.kaggle.com/datasets/uciml/iris/versions/latest", DATASET, "numbers"),
        ("https://www.kaggle.com/datasets/a b/iris", DATASET, "not a valid Kaggle dataset"),
    ],
)
def test_bad_kaggle_urls(url: str, kind: ArtifactType, reason: str) -> None:
    with pytest.raises(BadRequest, match=reason):
        parse_source_url(url, kind, HF)


def test_uploads_are_named_by_their_digest() -> None:
    digest = "ab" * 32
    ref = parse_source_url(f"upload:sha256:{digest}", ArtifactType.MODEL, HF)
    assert ref == upload_ref(digest)
    assert ref.kind is SourceKind.UPLOAD and ref.key == ref.url == f"upload:sha256:{digest}"
    with pytest.raises(BadRequest, match="does not name an upload"):
        parse_source_url("upload:sha256:../../etc", ArtifactType.MODEL, HF)


def test_kaggle_licence_names_map_to_hub_spelling() -> None:
    assert spdx_license("CC0: Public Domain") == "cc0-1.0"
    assert spdx_license("Apache 2.0") == "apache-2.0"
    assert spdx_license("Something Else") == "Something Else"
    assert spdx_license(None) is None
