"""Hub files are hashed as they arrive and never read again, unless the transfer gives
reason to doubt what reached the disk: then the file is read, and the artifact is the
same either way."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest

import registry.sources.huggingface as huggingface
from tests.conftest import BERT, HF, Api
from tests.fakes import FakeUpstream


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the downloaded files the Hub source read back from disk."""
    seen: list[str] = []
    real = huggingface.sha256_file

    def counting(path: Path) -> tuple[str, int]:
        seen.append(path.name)
        return real(path)

    monkeypatch.setattr(huggingface, "sha256_file", counting)
    return seen


def _check_artifact(api: Api, upstream: FakeUpstream, repo_id: str, artifact_id: str) -> None:
    """Every stored file is the hub's file, and the bundle holds exactly them."""
    repo = next(r for r in upstream.catalog.hf_repos if r.repo_id == repo_id)
    download = api.call("GET", f"/download/{artifact_id}")
    assert download.status_code == 200
    assert download.headers["ETag"] == f'"{hashlib.sha256(download.get_data()).hexdigest()}"'
    with zipfile.ZipFile(io.BytesIO(download.get_data())) as bundle:
        assert bundle.testzip() is None
        stored = {name: bundle.read(name) for name in bundle.namelist()}
    expected = {f.path: b"".join(f.iter_bytes(0, f.size)) for f in repo.files}
    assert stored.keys() <= expected.keys() and "model.safetensors" in stored
    for name, data in stored.items():
        assert data == expected[name], name


def test_a_plain_ingest_reads_no_downloaded_file_again(
    api: Api, upstream: FakeUpstream, reads: list[str]
) -> None:
    artifact = api.ingest("model", BERT)["metadata"]["id"]
    assert reads == []
    _check_artifact(api, upstream, "google-bert/bert-base-uncased", artifact)


def test_a_transfer_cut_half_way_is_resumed_and_the_file_read_once(
    api: Api, upstream: FakeUpstream, reads: list[str]
) -> None:
    cut = ("fault/broken-download", "model.safetensors")
    upstream.hub.broken.discard(cut)  # the hub is shared: cut this test's transfer anew
    artifact = api.ingest("model", f"{HF}/fault/broken-download")["metadata"]["id"]
    assert cut in upstream.hub.broken
    assert reads == ["model.safetensors"]  # the one file whose bytes came in two parts
    _check_artifact(api, upstream, "fault/broken-download", artifact)


def test_text_files_sent_compressed_are_read_and_stored_as_the_files(
    api: Api, upstream: FakeUpstream, reads: list[str]
) -> None:
    artifact = api.ingest("model", f"{HF}/fault/gzip-text")["metadata"]["id"]
    assert sorted(reads) == ["README.md", "config.json", "tokenizer.json"]
    _check_artifact(api, upstream, "fault/gzip-text", artifact)
