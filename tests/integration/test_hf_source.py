"""Describe and fetch of a Hugging Face repository are one pipeline: the description of
a full fetch and the metadata-only description agree, and describing downloads no weights."""

from __future__ import annotations

from pathlib import Path

import pytest

from registry.db.repositories import ArtifactRepository
from registry.domain.models import ArtifactType, User
from registry.services.container import Registry
from registry.services.metadata import description_of, stored_description
from registry.sources.huggingface import HuggingFaceSource
from registry.sources.resolver import parse_source_url
from tests.conftest import BERT, FINETUNE
from tests.fakes import FakeUpstream

ADMIN = User(id=1, name="ece30861defaultadminuser", is_admin=True)


@pytest.fixture
def source(upstream: FakeUpstream) -> HuggingFaceSource:
    return HuggingFaceSource(
        endpoint=upstream.hf_endpoint,
        token=None,
        timeout=10.0,
        workers=2,
        max_bytes=1 << 30,
        keep_all_weight_formats=False,
    )


@pytest.mark.parametrize("url", [BERT, FINETUNE])
def test_describing_agrees_with_the_description_of_a_full_fetch(
    source: HuggingFaceSource, upstream: FakeUpstream, tmp_path: Path, url: str
) -> None:
    ref = parse_source_url(url, ArtifactType.MODEL, "https://huggingface.co")
    upstream.clear_logs()
    described = source.describe(ref, tmp_path / "describe")
    fetched = description_of(source.fetch(ref, ArtifactType.MODEL, tmp_path / "fetch"))
    assert described == fetched
    assert described.config is not None and described.readme
    weights = [
        r
        for r in upstream.hf_requests.snapshot()
        if r.method == "GET" and r.path.endswith(".safetensors")
    ]
    assert len(weights) == 1  # the fetch's; describing downloaded none


def test_a_stored_artifact_describes_itself_as_its_ingest_did(
    registry: Registry, source: HuggingFaceSource, tmp_path: Path
) -> None:
    ref = parse_source_url(FINETUNE, ArtifactType.MODEL, "https://huggingface.co")
    art = registry.ingest.create(ArtifactType.MODEL, FINETUNE, None, ADMIN)
    with registry.db.read() as session:
        row = ArtifactRepository(session).get(art.id)
        assert row is not None
        stored = stored_description(row, registry.blobs, registry.settings.hf_endpoint)
    described = source.describe(ref, tmp_path / "describe")
    # The small JSON files come back from the blob store byte for byte.
    assert stored.config == described.config and stored.config is not None
    assert stored.adapter_config == described.adapter_config
    assert stored.readme == described.readme
