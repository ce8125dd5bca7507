"""The real huggingface_hub client against the registry's Hub-compatible API (/hf)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from flask import Flask
from huggingface_hub import HfApi, hf_hub_download, snapshot_download
from huggingface_hub import constants as hf_constants
from huggingface_hub.errors import (
    EntryNotFoundError,
    GatedRepoError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from openapi_spec_validator import validate
from sqlalchemy.orm import Session

from registry.db.models import ArtifactRow
from registry.domain.errors import NotFound, PermissionDenied
from registry.domain.models import User
from registry.services.container import Registry
from tests.conftest import BERT, BOOKCORPUS, GH_BERT, Api
from tests.fakes import FakeUpstream
from tests.functional.cutting_proxy import CuttingProxy
from tests.functional.live_server import downloads, serve

REPO = "google-bert/bert-base-uncased"


@pytest.fixture
def hub(app: Flask) -> Iterator[str]:
    with serve(app) as base:
        yield f"{base}/hf"


def token(api: Api) -> str:
    assert api.token is not None
    return api.token


def sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_snapshot_download_is_byte_identical_and_audited_once_per_file(
    api: Api, hub: str, registry: Registry, upstream: FakeUpstream, tmp_path: Path
) -> None:
    art = api.ingest("model", BERT)
    folder = snapshot_download(REPO, endpoint=hub, token=token(api), cache_dir=tmp_path / "c")
    got = {p.name: sha256(p) for p in Path(folder).iterdir()}
    original = upstream.catalog.hf_repo(REPO)
    assert original is not None
    stored = HfApi(endpoint=hub, token=token(api)).list_repo_files(REPO)
    assert got == {path: original.file(path).sha256 for path in stored}
    # The other weight formats were not ingested, so they are not served either.
    assert "pytorch_model.bin" not in got and "model.safetensors" in got
    assert downloads(registry, art["metadata"]["id"]) == len(got)
    # A second snapshot is served from the client's cache: no new downloads.
    snapshot_download(REPO, endpoint=hub, token=token(api), cache_dir=tmp_path / "c")
    assert downloads(registry, art["metadata"]["id"]) == len(got)


def test_model_info_names_revisions_and_lfs_metadata(api: Api, hub: str) -> None:
    art = api.ingest("model", BERT)
    client = HfApi(endpoint=hub, token=token(api))
    info = client.model_info(REPO, files_metadata=True)
    assert info.id == REPO
    assert info.sha is not None and len(info.sha) == 40
    assert info.pipeline_tag == "fill-mask"
    assert info.card_data is not None and info.card_data.get("license") == "apache-2.0"
    weights = next(s for s in info.siblings or [] if s.rfilename == "model.safetensors")
    assert weights.lfs is not None and len(weights.lfs.sha256) == 64
    # The legacy id, the commit and the registry's own name all reach the same artifact.
    assert client.model_info("bert-base-uncased").sha == info.sha
    assert client.model_info(REPO, revision=info.sha).sha == info.sha
    by_id = client.model_info(f"artifacts/{art['metadata']['id']}")
    assert by_id.sha == info.sha
    assert getattr(by_id, "registry", {})["artifact_id"] == art["metadata"]["id"]
    with pytest.raises(RevisionNotFoundError):
        client.model_info(REPO, revision="v9.9")
    with pytest.raises(RepositoryNotFoundError, match="ingest it first"):
        client.model_info("acme/never-ingested")


def test_dataset_info_files_and_download(
    api: Api, hub: str, upstream: FakeUpstream, tmp_path: Path
) -> None:
    api.ingest("dataset", BOOKCORPUS)
    client = HfApi(endpoint=hub, token=token(api))
    files = client.list_repo_files("bookcorpus/bookcorpus", repo_type="dataset")
    assert "data/train-00000-of-00001.parquet" in files
    assert client.dataset_info("bookcorpus").id == "bookcorpus/bookcorpus"
    local = hf_hub_download(
        "bookcorpus/bookcorpus",
        "data/train-00000-of-00001.parquet",
        repo_type="dataset",
        endpoint=hub,
        token=token(api),
        cache_dir=tmp_path,
    )
    original = upstream.catalog.hf_repo("bookcorpus/bookcorpus", "dataset")
    assert original is not None
    assert sha256(local) == original.file("data/train-00000-of-00001.parquet").sha256
    # A model of that name does not exist: the type matters, as on the Hub.
    with pytest.raises(RepositoryNotFoundError):
        client.model_info("bookcorpus/bookcorpus")


def test_any_artifact_is_served_as_artifacts_id(api: Api, hub: str, tmp_path: Path) -> None:
    art = api.ingest("code", GH_BERT)
    repo = f"artifacts/{art['metadata']['id']}"
    files = HfApi(endpoint=hub, token=token(api)).list_repo_files(repo)
    assert "README.md" in files
    readme = hf_hub_download(repo, "README.md", endpoint=hub, token=token(api), cache_dir=tmp_path)
    assert Path(readme).read_text().startswith("#")


def test_a_resumed_download_is_byte_identical_and_audited_once(
    api: Api,
    app: Flask,
    registry: Registry,
    upstream: FakeUpstream,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The client keeps only whole chunks of a broken transfer (10 MB by default); small
    # chunks let a 260 kB file show the resume.
    monkeypatch.setattr(hf_constants, "DOWNLOAD_CHUNK_SIZE", 16 << 10)
    art = api.ingest("model", BERT)
    original = upstream.catalog.hf_repo(REPO)
    assert original is not None
    with serve(app) as base:
        port = int(base.rsplit(":", 1)[1])
        needle = b"GET /hf/google-bert/bert-base-uncased/resolve/main/model.safetensors"
        with CuttingProxy(port, needle, cut_after=100_000) as proxy:
            local = hf_hub_download(
                REPO,
                "model.safetensors",
                endpoint=f"http://127.0.0.1:{proxy.port}/hf",
                token=token(api),
                cache_dir=tmp_path,
            )
            assert proxy.cut.is_set()
            resumed = re.findall(rb"(?i)\r\nrange: bytes=(\d+)-", b"".join(proxy.requests))
            assert resumed and 0 < int(resumed[-1]) <= 100_000
            assert any(b" 206 " in line for line in proxy.statuses)
    assert sha256(local) == original.file("model.safetensors").sha256
    assert downloads(registry, art["metadata"]["id"]) == 1


def test_missing_or_invalid_token_is_the_clients_gated_error(api: Api, hub: str) -> None:
    api.ingest("model", BERT)
    with pytest.raises(GatedRepoError, match="set HF_TOKEN") as caught:
        HfApi(endpoint=hub, token=False).model_info(REPO)
    assert caught.value.response.status_code == 401
    with pytest.raises(GatedRepoError, match="invalid or expired"):
        hf_hub_download(REPO, "config.json", endpoint=hub, token="bearer not-a-jwt")


def test_unknown_file_and_revision_raise_the_clients_errors(api: Api, hub: str) -> None:
    api.ingest("model", BERT)
    with pytest.raises(EntryNotFoundError):
        hf_hub_download(REPO, "pytorch_model.bin", endpoint=hub, token=token(api))
    with pytest.raises(RevisionNotFoundError):
        hf_hub_download(REPO, "config.json", revision="0" * 40, endpoint=hub, token=token(api))


def test_the_download_guard_applies_to_the_hub_api_and_to_download(
    api: Api, hub: str, registry: Registry
) -> None:
    """One authorisation decides both paths: a refused artifact is refused everywhere,
    a hidden one does not exist for that caller; neither is audited as downloaded."""
    bert = api.ingest("model", BERT)["metadata"]["id"]
    books = api.ingest("dataset", BOOKCORPUS)["metadata"]["id"]

    def guard(session: Session, artifact: ArtifactRow, user: User) -> None:
        if artifact.id == bert:
            raise PermissionDenied(f"{user.name} may not download {artifact.name}")
        if artifact.id == books:
            raise NotFound(f"no artifact with id {artifact.id}")

    registry.downloads.guard = guard
    with pytest.raises(GatedRepoError, match="may not download") as refused:
        hf_hub_download(REPO, "config.json", endpoint=hub, token=token(api))
    assert refused.value.response.status_code == 403
    with pytest.raises(RepositoryNotFoundError):
        HfApi(endpoint=hub, token=token(api)).dataset_info("bookcorpus/bookcorpus")
    assert api.call("GET", f"/download/{bert}").status_code == 403
    assert api.call("GET", f"/download/{books}").status_code == 404
    assert downloads(registry, bert) == 0


def test_tree_pages_follow_link_headers(api: Api, registry: Registry) -> None:
    api.ingest("model", BERT)
    registry.hub.tree_page_size = 2
    path = f"/hf/api/models/{REPO}/tree/main?recursive=true"
    seen: list[str] = []
    pages = 0
    while path:
        resp = api.call("GET", path)
        assert resp.status_code == 200
        seen += [e["path"] for e in resp.get_json()]
        pages += 1
        link = resp.headers.get("Link")
        path = link.split(">", 1)[0].split("/hf/", 1)[1] if link else ""
        path = f"/hf/{path}" if path else ""
    assert pages == 4 and len(seen) == 7 and seen == sorted(seen)


def test_list_repo_files_follows_pages_over_http(api: Api, hub: str, registry: Registry) -> None:
    api.ingest("model", BERT)
    everything = HfApi(endpoint=hub, token=token(api)).list_repo_files(REPO)
    registry.hub.tree_page_size = 2
    assert HfApi(endpoint=hub, token=token(api)).list_repo_files(REPO) == everything
    assert len(everything) == 7


def test_the_served_openapi_documents_the_hub_api_and_uploads(api: Api) -> None:
    spec = yaml.safe_load(api.client.get("/openapi.yaml").get_data(as_text=True))
    validate(spec)
    assert "/hf/{namespace}/{repo}/resolve/{revision}/{path}" in spec["paths"]
    create = spec["paths"]["/artifact/{artifact_type}"]["post"]["requestBody"]["content"]
    assert {"application/json", "application/zip", "multipart/form-data"} <= set(create)
