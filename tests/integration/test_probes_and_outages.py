"""Probes on the real backends; the startup check that refuses an unusable database
or blob store; components turning critical when their backend goes away, and ok
again when it returns."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer
from sqlalchemy.engine import make_url

from registry.app import build_registry, create_app
from registry.db.session import Database
from registry.observability.probes import (
    StartupCheckFailed,
    blob_store_check,
    check_dependencies,
    database_check,
    require_database,
    run_check,
)
from registry.services.container import Registry
from registry.startup import start_registry
from registry.storage.local import LocalBlobStore
from registry.storage.s3 import S3BlobStore
from tests.conftest import make_settings
from tests.fakes import FakeUpstream
from tests.functional.server_process import free_port
from tests.integration.switch_proxy import SwitchProxy


def _components(registry: Registry) -> dict[str, dict[str, Any]]:
    client = create_app(registry).test_client()
    resp = client.get("/health/components")
    assert resp.status_code == 200
    return {c["id"]: c for c in resp.get_json()["components"]}


def _with_port(url: str, port: int) -> str:
    return make_url(url).set(port=port).render_as_string(hide_password=False)


def test_the_database_probe_reports_size_and_artifacts(database_url: str) -> None:
    db = Database(database_url)
    result = run_check(database_check(db))
    db.dispose()
    assert result.ok, result.error
    assert result.figures["size_bytes"] > 0 and result.figures["artifacts"] == 0


def test_the_blob_store_probe_writes_reads_and_deletes(
    tmp_path: Path, s3_endpoint: str, s3_bucket: str
) -> None:
    local = LocalBlobStore(tmp_path / "blobs")
    result = run_check(blob_store_check(local, tmp_path / "work"))
    assert result.ok, result.error
    assert list(local.iter_blobs()) == []  # the probe's blob is gone again
    s3 = S3BlobStore(s3_bucket, region="us-east-1", endpoint_url=s3_endpoint)
    assert run_check(blob_store_check(s3, tmp_path / "work")).ok
    assert list(s3.iter_blobs()) == []
    missing = S3BlobStore(
        f"absent-{uuid.uuid4().hex[:8]}", region="us-east-1", endpoint_url=s3_endpoint
    )
    failed = run_check(blob_store_check(missing, tmp_path / "work"))
    assert not failed.ok and "NoSuchBucket" in (failed.error or "")


def test_startup_refuses_a_database_that_does_not_answer(tmp_path: Path) -> None:
    dead = f"postgresql://registry:s3cret@127.0.0.1:{free_port()}/registry"
    db = Database(dead)
    with pytest.raises(StartupCheckFailed) as refused:
        check_dependencies(db, LocalBlobStore(tmp_path / "b"), tmp_path / "w", "folder b")
    db.dispose()
    message = str(refused.value)
    assert message.startswith("the database (postgresql+psycopg://registry:***@127.0.0.1")
    assert "s3cret" not in message and "refused" in message.lower()


def test_startup_refuses_a_read_only_database(database_url: str, tmp_path: Path) -> None:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        read_only = f"sqlite:///file:{url.database}?mode=ro&uri=true"
    else:
        read_only = url.update_query_dict(
            {"options": "-c default_transaction_read_only=on"}
        ).render_as_string(hide_password=False)
    db = Database(read_only)
    require_database(db, write=False)  # it answers...
    with pytest.raises(StartupCheckFailed, match=r"not usable: .*read.?only"):
        require_database(db)  # ...but takes no write
    db.dispose()


def test_startup_refuses_a_missing_bucket_naming_it(
    tmp_path: Path, database_url: str, upstream: FakeUpstream, s3_endpoint: str
) -> None:
    bucket = f"absent-{uuid.uuid4().hex[:8]}"
    settings = make_settings(
        tmp_path, database_url, upstream, aws_s3_bucket=bucket, aws_endpoint_url=s3_endpoint
    )
    with pytest.raises(StartupCheckFailed) as refused:
        start_registry(settings)
    assert f"the blob store (S3 bucket {bucket} at {s3_endpoint}) is not writable" in str(
        refused.value
    )
    assert "NoSuchBucket" in str(refused.value)


@pytest.fixture
def moto_alone() -> Iterator[tuple[ThreadedMotoServer, str]]:
    """A moto server of this test's own, which it may stop."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield server, f"http://{host}:{port}"
    with contextlib.suppress(Exception):  # the test may have stopped it already
        server.stop()


def test_the_blob_store_turns_critical_when_s3_goes_away(
    tmp_path: Path,
    database_url: str,
    upstream: FakeUpstream,
    moto_alone: tuple[ThreadedMotoServer, str],
) -> None:
    server, endpoint = moto_alone
    bucket = f"probe-{uuid.uuid4().hex[:8]}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket=bucket)
    settings = make_settings(
        tmp_path,
        database_url,
        upstream,
        aws_s3_bucket=bucket,
        aws_endpoint_url=endpoint,
        health_probe_seconds=0.0,
    )
    registry = start_registry(settings)
    try:
        assert _components(registry)["blob-store"]["status"] == "ok"
        server.stop()
        blob = _components(registry)["blob-store"]
        assert blob["status"] == "critical"
        assert blob["issues"][0]["code"] == "blob-store_unreachable"
        assert _components(registry)["database"]["status"] == "ok"  # only the store is down
    finally:
        registry.close()


def test_the_database_turns_critical_when_it_goes_away_and_ok_when_it_returns(
    tmp_path: Path, pg_database_url: str, upstream: FakeUpstream
) -> None:
    target = make_url(pg_database_url).port or 5432
    with SwitchProxy(target) as proxy:
        settings = make_settings(
            tmp_path,
            _with_port(pg_database_url, proxy.port),
            upstream,
            health_probe_seconds=0.0,
            stats_flush_seconds=0.1,
        )
        registry = build_registry(settings)
        try:
            before = _components(registry)
            assert before["database"]["status"] == "ok"
            assert before["api"]["status"] == "ok"
            proxy.down()
            during = _components(registry)
            assert during["database"]["status"] == "critical"
            assert during["database"]["issues"][0]["severity"] == "error"
            # The figures live in the database too: unknown, not a false "ok".
            assert during["api"]["status"] == "unknown"
            proxy.up()
            after = _components(registry)
            assert after["database"]["status"] == "ok"
            assert after["api"]["status"] == "ok"
            # The requests answered while it was down were kept, and counted now.
            assert after["api"]["metrics"]["count{route=GET /health/components}"] >= 2
        finally:
            registry.close()
