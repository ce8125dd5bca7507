"""An artifact's origin and the links that name it meet on one key."""

from __future__ import annotations

import pytest

from registry.domain.lineage import DeclaredLink
from registry.domain.models import ArtifactType
from registry.services.metadata import link_origin, origin_of
from registry.sources.resolver import parse_source_url

HF = "https://huggingface.co"


@pytest.mark.parametrize(
    ("url", "kind", "link_kind", "ref", "origin"),
    [
        (f"{HF}/Google-BERT/bert-base-uncased", ArtifactType.MODEL, "model",
         "google-bert/BERT-base-uncased", "hf-model:google-bert/bert-base-uncased"),
        (f"{HF}/datasets/bookcorpus/bookcorpus/tree/main", ArtifactType.DATASET, "dataset",
         "bookcorpus/bookcorpus", "hf-dataset:bookcorpus/bookcorpus"),
        ("https://github.com/OpenAI/whisper/tree/v1/whisper", ArtifactType.CODE, "code",
         "openai/Whisper", "github:openai/whisper"),
    ],
)  # fmt: skip
def test_a_link_points_at_the_origin_of_the_artifact_it_names(
    url: str, kind: ArtifactType, link_kind: str, ref: str, origin: str
) -> None:
    assert origin_of(parse_source_url(url, kind, HF)) == origin
    assert link_origin(DeclaredLink(ref, link_kind, "base_model", "model_card")) == origin


def test_plain_urls_have_no_origin() -> None:
    ref = parse_source_url("https://example.com/weights.bin", ArtifactType.MODEL, HF)
    assert origin_of(ref) is None
