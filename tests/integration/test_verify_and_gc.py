"""`verify` finds damaged and missing blobs and repairs them; `gc` racing ingests is safe."""

from __future__ import annotations

import hashlib
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from registry.db.models import ArtifactFileRow, ArtifactRow
from registry.db.repositories import ArtifactRepository
from registry.services.bundles import build_legacy_bundle
from registry.services.container import Registry
from registry.services.verify import BlobRepairer, BlobVerifier, upstream_refetch
from registry.sources.base import Manifest
from tests.conftest import BERT, BOOKCORPUS, FINETUNE, GH_BERT, GH_WHISPER, Api, MakeApi


def _files(registry: Registry, artifact_id: str) -> dict[str, str]:
    with registry.db.read() as session:
        query = (
            select(ArtifactFileRow.path, ArtifactFileRow.sha256)
            .join(ArtifactRow, ArtifactRow.seq == ArtifactFileRow.artifact_seq)
            .where(ArtifactRow.id == artifact_id)
        )
        return dict(session.execute(query).all())  # type: ignore[arg-type]


def _bundle(registry: Registry, artifact_id: str) -> str:
    with registry.db.read() as session:
        query = select(ArtifactRow.bundle_sha256).where(ArtifactRow.id == artifact_id)
        return str(session.scalar(query))


def _damage(registry: Registry, digest: str) -> None:
    path = registry.blobs.local_path(digest)
    assert path is not None
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _intact(registry: Registry) -> bool:
    with registry.db.read() as session:
        wanted = ArtifactRepository(session).all_referenced()
    return all(hashlib.sha256(b"".join(registry.blobs.read(d))).hexdigest() == d for d in wanted)


def _verify(registry: Registry) -> tuple[Any, Any, BlobVerifier]:
    verifier = BlobVerifier(registry.db, registry.blobs, workers=2)
    digests, uses = verifier.targets()
    return verifier.run(digests, uses), uses, verifier


def test_verify_reports_a_damaged_and_a_missing_blob_and_repairs_them(
    api: Api, registry: Registry
) -> None:
    bert = api.ingest("model", BERT)["metadata"]["id"]
    data = api.ingest("dataset", BOOKCORPUS)["metadata"]["id"]
    weights = _files(registry, bert)["model.safetensors"]
    config = _files(registry, bert)["config.json"]
    bundle = _bundle(registry, data)
    report, _, _ = _verify(registry)
    assert report.problems == [] and report.checked >= 4

    _damage(registry, weights)
    registry.blobs.delete(config)
    _damage(registry, bundle)
    report, uses, verifier = _verify(registry)
    found = {(p.digest, p.kind, tuple(p.artifacts)) for p in report.problems}
    assert found == {
        (weights, "corrupt", (bert,)),
        (config, "missing", (bert,)),
        (bundle, "corrupt", (data,)),
    }

    refetch = upstream_refetch(registry.ingest.sources, registry.settings.hf_endpoint)
    BlobRepairer(verifier, refetch, registry.settings.data_dir / "work").repair(report, uses)
    assert report.unrepaired == [], [(p.digest, p.note) for p in report.problems]
    assert _verify(registry)[0].problems == [] and _intact(registry)
    downloaded = api.call("GET", f"/download/{data}")
    assert downloaded.headers["ETag"] == f'"{bundle}"'
    assert hashlib.sha256(downloaded.get_data()).hexdigest() == bundle


def test_a_bundle_made_before_data_descriptors_is_rebuilt_as_it_was(
    api: Api, registry: Registry, tmp_path: Path
) -> None:
    """Artifacts ingested before bundles carried data descriptors keep their older
    bundle and its ETag; repairing it must give those bytes back, not today's layout."""
    bert = api.ingest("model", BERT)["metadata"]["id"]
    entries = []
    for index, (path, digest) in enumerate(sorted(_files(registry, bert).items())):
        local = tmp_path / f"file-{index}"
        local.write_bytes(b"".join(registry.blobs.read(digest)))
        entries.append((path, local, local.stat().st_size))
    legacy, _size = build_legacy_bundle(entries, tmp_path / "legacy.zip")
    assert legacy != _bundle(registry, bert)
    registry.blobs.put_file(legacy, tmp_path / "legacy.zip")
    with registry.db.transaction() as session:
        row = session.scalar(select(ArtifactRow).where(ArtifactRow.id == bert))
        assert row is not None
        row.bundle_sha256 = legacy
    registry.blobs.delete(legacy)

    report, uses, verifier = _verify(registry)
    assert [(p.digest, p.kind) for p in report.problems] == [(legacy, "missing")]
    refetch = upstream_refetch(registry.ingest.sources, registry.settings.hf_endpoint)
    BlobRepairer(verifier, refetch, tmp_path / "work").repair(report, uses)
    assert report.unrepaired == [], [(p.digest, p.note) for p in report.problems]
    downloaded = api.call("GET", f"/download/{bert}")
    assert downloaded.headers["ETag"] == f'"{legacy}"'
    assert hashlib.sha256(downloaded.get_data()).hexdigest() == legacy


def test_repair_refuses_bytes_the_upstream_no_longer_serves(
    api: Api, registry: Registry, tmp_path: Path
) -> None:
    bert = api.ingest("model", BERT)["metadata"]["id"]
    weights = _files(registry, bert)["model.safetensors"]
    _damage(registry, weights)
    report, uses, verifier = _verify(registry)
    real = upstream_refetch(registry.ingest.sources, registry.settings.hf_endpoint)

    def changed_upstream(url: str, kind: str, workdir: Path) -> Manifest:
        manifest = real(url, kind, workdir)
        manifest.files = [f for f in manifest.files if f.sha256 != weights]
        return manifest

    BlobRepairer(verifier, changed_upstream, tmp_path).repair(report, uses)
    [problem] = report.unrepaired
    assert problem.digest == weights and "no longer serves these bytes" in problem.note
    assert _verify(registry)[0].problems  # still damaged: nothing else was written


def test_gc_between_upload_and_commit_does_not_lose_the_ingest(
    api: Api, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worst moment: the blobs are uploaded but not yet referenced when gc runs."""
    prepare = registry.ingest._prepare
    reports = []

    def prepare_then_gc(*args: Any, **kwargs: Any) -> Any:
        prepared = prepare(*args, **kwargs)
        reports.append(registry.janitor.collect(timedelta(0)))
        return prepared

    monkeypatch.setattr(registry.ingest, "_prepare", prepare_then_gc)
    art = api.ingest("model", BERT)
    assert reports[0].deleted > 0  # gc did take the fresh, unreferenced uploads
    assert _intact(registry)
    resp = api.call("GET", api.download_path(art))
    assert resp.status_code == 200
    assert hashlib.sha256(resp.get_data()).hexdigest() == resp.headers["ETag"].strip('"')


def test_gc_running_in_a_loop_while_ingests_run(api: Api, registry: Registry) -> None:
    stop = threading.Event()
    deleted = []

    def collect() -> None:
        while not stop.is_set():
            deleted.append(registry.janitor.collect(timedelta(0)).deleted)

    collector = threading.Thread(target=collect)
    collector.start()
    try:
        for kind, url in (
            ("model", BERT),
            ("model", FINETUNE),
            ("code", GH_BERT),
            ("code", GH_WHISPER),
        ):
            api.ingest(kind, url)
    finally:
        stop.set()
        collector.join(timeout=60)
    assert deleted and _intact(registry)


def test_gc_dry_run_deletes_nothing(api: Api, registry: Registry) -> None:
    art = api.ingest("model", BERT)["metadata"]["id"]
    files = _files(registry, art)
    bundle = _bundle(registry, art)
    assert api.call("DELETE", f"/artifacts/model/{art}").status_code == 200
    # The delete freed its blobs already; leave an orphan the way a crashed ingest does.
    orphan = registry.settings.data_dir / "orphan"
    orphan.write_bytes(b"left by a crashed ingest")
    digest = hashlib.sha256(orphan.read_bytes()).hexdigest()
    registry.blobs.put_file(digest, orphan)
    dry = registry.janitor.collect(timedelta(0), dry_run=True)
    assert dry.deleted == 1 and registry.blobs.exists(digest)
    real = registry.janitor.collect(timedelta(0))
    assert real.deleted == 1 and not registry.blobs.exists(digest)
    assert not any(registry.blobs.exists(d) for d in [*files.values(), bundle])


def test_verify_and_repair_on_s3(make_api: MakeApi, s3_endpoint: str, s3_bucket: str) -> None:
    api, registry = make_api(aws_s3_bucket=s3_bucket, aws_endpoint_url=s3_endpoint)
    bert = api.ingest("model", BERT)["metadata"]["id"]
    weights = _files(registry, bert)["model.safetensors"]
    bundle = _bundle(registry, bert)
    registry.blobs.delete(weights)
    registry.blobs.delete(bundle)
    report, uses, verifier = _verify(registry)
    assert {(p.digest, p.kind) for p in report.problems} == {
        (weights, "missing"),
        (bundle, "missing"),
    }
    refetch = upstream_refetch(registry.ingest.sources, registry.settings.hf_endpoint)
    BlobRepairer(verifier, refetch, registry.settings.data_dir / "work").repair(report, uses)
    assert report.unrepaired == [] and _verify(registry)[0].problems == []
    assert _intact(registry)
