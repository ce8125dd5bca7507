"""Backup and restore round trips, on each database and blob store and across them."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import func, select

from registry.app import build_registry, create_app
from registry.db import migrate
from registry.db.models import ArtifactRow, UserRow, WorkLeaseRow
from registry.db.session import Database
from registry.limits.stores import DatabaseLimits
from registry.services.backup import TABLES, BackupService
from registry.services.backup_format import BackupError
from registry.services.container import Registry
from registry.storage.archives import archive_s3_client, open_reader, open_writer
from tests.conftest import (
    ADMIN,
    BERT,
    BOOKCORPUS,
    FINETUNE,
    GH_BERT,
    GH_WHISPER,
    PG_ADMIN_URL,
    Api,
    _truncate,
    make_settings,
)
from tests.fakes import FakeUpstream
from tests.functional.access_support import add_group, add_user, ingest_private, password_of


@pytest.fixture
def second_pg_url(pg_database_url: str) -> Iterator[str]:
    """Another PostgreSQL database (the worker's own is the source of PG -> PG)."""
    name = f"registry_restore_{os.getpid()}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    yield url
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _registry(
    where: Path, url: str, upstream: FakeUpstream, **overrides: Any
) -> tuple[Registry, Api]:
    db = Database(url)
    migrate.upgrade(db)
    db.dispose()
    reg = build_registry(make_settings(where, url, upstream, **overrides))
    reg.users.seed()
    client = create_app(registry=reg).test_client()
    token = Api(client).login(ADMIN["name"], ADMIN["password"]).get_json()
    return reg, Api(client, token)


def _populate(api: Api) -> dict[str, str]:
    """Artifacts of each type with a link, a rating, a private one, a user, a group, a
    monitor, downloads in the audit trail, and a deleted artifact (an id never reused)."""
    bert = api.ingest("model", BERT)["metadata"]["id"]
    fine = api.ingest("model", FINETUNE)["metadata"]["id"]
    data = api.ingest("dataset", BOOKCORPUS)
    assert api.call("GET", f"/artifact/model/{fine}/rate").status_code == 200
    add_user(api, "alice", ["upload", "search", "download"])
    add_group(api, "team", ["alice"])
    code = ingest_private(api, "code", GH_BERT, ["team"])["metadata"]["id"]
    monitor = api.call("PUT", f"/artifacts/model/{bert}/monitor", json={"program": "allow"})
    assert monitor.status_code == 200, monitor.get_data(as_text=True)
    assert api.call("GET", api.download_path(data)).status_code == 200
    gone = api.ingest("code", GH_WHISPER)["metadata"]["id"]
    assert api.call("DELETE", f"/artifacts/code/{gone}").status_code == 200
    return {"bert": bert, "fine": fine, "data": data["metadata"]["id"], "code": code}


def _rows(reg: Registry) -> dict[str, list[dict[str, Any]]]:
    with reg.db.engine.connect() as conn:
        return {
            t.name: [
                dict(r._mapping) for r in conn.execute(select(t).order_by(*t.primary_key.columns))
            ]
            for t in TABLES
        }


def _blob_digests(reg: Registry) -> dict[str, str]:
    """Each referenced blob's digest -> the sha256 of the bytes the store holds."""
    with reg.db.read() as session:
        from registry.db.repositories import ArtifactRepository

        wanted = ArtifactRepository(session).all_referenced()
    return {d: hashlib.sha256(b"".join(reg.blobs.read(d))).hexdigest() for d in sorted(wanted)}


def _round_trip(source: Registry, target: Registry, location: str, s3: Any = None) -> None:
    work = source.settings.data_dir / "work"
    BackupService(source.db, source.blobs, work, ADMIN["name"]).backup(open_writer(location, s3))
    reader = open_reader(location, s3)
    with reader:
        BackupService(
            target.db, target.blobs, target.settings.data_dir / "work", ADMIN["name"]
        ).restore(reader)


def _check_exact(source: Registry, target: Registry, api: Api, ids: dict[str, str]) -> None:
    assert _rows(target) == _rows(source)
    # The tokens are the source's now: sign in again (the admin's password came along).
    target_api = Api(api.client, Api(api.client).login(ADMIN["name"], ADMIN["password"]).get_json())
    api.token = target_api.token
    digests = _blob_digests(target)
    assert digests and all(k == v for k, v in digests.items())
    # Downloads keep their ETags; users keep their passwords; private stays private.
    data = target_api.call("GET", f"/download/{ids['data']}")
    assert data.status_code == 200
    assert data.headers["ETag"].strip('"') == hashlib.sha256(data.get_data()).hexdigest()
    with source.db.read() as session:
        etag = session.scalar(
            select(ArtifactRow.bundle_sha256).where(ArtifactRow.id == ids["data"])
        )
    assert data.headers["ETag"] == f'"{etag}"'
    alice = Api(target_api.client).login("alice", password_of("alice"))
    assert alice.status_code == 200
    assert target_api.call("GET", f"/artifacts/code/{ids['code']}").status_code == 200
    as_alice = Api(target_api.client, alice.get_json())
    assert as_alice.call("GET", f"/artifacts/code/{ids['code']}").status_code == 200


def _check_ids_continue(source: Registry, target: Registry, target_api: Api) -> None:
    with source.db.read() as session:
        # The deleted artifact's seq was the highest handed out: it is not given again.
        high_seq = session.scalar(select(func.max(ArtifactRow.seq)))
        high_user = session.scalar(select(func.max(UserRow.id)))
    new = target_api.ingest("code", GH_WHISPER)["metadata"]["id"]
    add_user(target_api, "bob", ["search"])
    with target.db.read() as session:
        seq = session.scalar(select(ArtifactRow.seq).where(ArtifactRow.id == new))
        bob = session.scalar(select(UserRow.id).where(UserRow.name == "bob"))
    assert seq is not None and high_seq is not None and seq > high_seq + 1
    assert bob is not None and high_user is not None and bob > high_user


def _backup_and_restore(
    tmp_path: Path, upstream: FakeUpstream, source_url: str, target_url: str
) -> None:
    """Populate a registry on `source_url`, back it up to a file and restore it into one
    on `target_url`: the same rows and bytes, and ids that continue where they were."""
    source, api = _registry(tmp_path / "a", source_url, upstream)
    target, target_api = _registry(tmp_path / "b", target_url, upstream)
    try:
        ids = _populate(api)
        _round_trip(source, target, str(tmp_path / "backup.tar"))
        _check_exact(source, target, target_api, ids)
        _check_ids_continue(source, target, target_api)
    finally:
        source.close()
        target.close()


def test_round_trip_sqlite_to_sqlite(tmp_path: Path, upstream: FakeUpstream) -> None:
    _backup_and_restore(
        tmp_path, upstream, f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"
    )


def test_round_trip_postgres_to_postgres(
    tmp_path: Path, upstream: FakeUpstream, pg_database_url: str, second_pg_url: str
) -> None:
    _truncate(pg_database_url)
    _backup_and_restore(tmp_path, upstream, pg_database_url, second_pg_url)


def test_laptop_to_postgres_and_s3_and_back(
    tmp_path: Path,
    upstream: FakeUpstream,
    pg_database_url: str,
    s3_endpoint: str,
    s3_bucket: str,
) -> None:
    """SQLite + folder -> PostgreSQL + S3 (archive in S3 too), then back to a laptop."""
    _truncate(pg_database_url)
    laptop, api = _registry(tmp_path / "a", f"sqlite:///{tmp_path / 'a.db'}", upstream)
    cloud, cloud_api = _registry(
        tmp_path / "b", pg_database_url, upstream,
        aws_s3_bucket=s3_bucket, aws_endpoint_url=s3_endpoint, s3_prefix="prod",
    )  # fmt: skip
    again, again_api = _registry(tmp_path / "c", f"sqlite:///{tmp_path / 'c.db'}", upstream)
    s3 = archive_s3_client("us-east-1", s3_endpoint)
    try:
        ids = _populate(api)
        _round_trip(laptop, cloud, f"s3://{s3_bucket}/backups/laptop.tar", s3)
        _check_exact(laptop, cloud, cloud_api, ids)
        _round_trip(cloud, again, str(tmp_path / "cloud.tar"))
        _check_exact(cloud, again, again_api, ids)
        _check_ids_continue(laptop, again, again_api)
        _check_ids_continue(laptop, cloud, cloud_api)
    finally:
        for reg in (laptop, cloud, again):
            reg.close()


@pytest.fixture
def pair(tmp_path: Path, upstream: FakeUpstream) -> Iterator[tuple[Registry, Api, Registry, Api]]:
    source, api = _registry(tmp_path / "a", f"sqlite:///{tmp_path / 'a.db'}", upstream)
    target, target_api = _registry(tmp_path / "b", f"sqlite:///{tmp_path / 'b.db'}", upstream)
    yield source, api, target, target_api
    source.close()
    target.close()


def _service(reg: Registry) -> BackupService:
    return BackupService(reg.db, reg.blobs, reg.settings.data_dir / "work", ADMIN["name"])


def test_restore_refuses_a_registry_that_is_not_empty_unless_forced(
    pair: tuple[Registry, Api, Registry, Api], tmp_path: Path
) -> None:
    source, api, target, target_api = pair
    api.ingest("model", BERT)
    archive = tmp_path / "backup.tar"
    _service(source).backup(open_writer(str(archive)))
    target_api.ingest("dataset", BOOKCORPUS)
    with pytest.raises(BackupError, match=r"not empty.*--force"), archive.open("rb") as fh:
        _service(target).restore(fh)
    with archive.open("rb") as fh:
        _service(target).restore(fh, force=True)
    assert _rows(target) == _rows(source)


def _leases(reg: Registry) -> list[str]:
    with reg.db.read() as session:
        return sorted(session.scalars(select(WorkLeaseRow.lease)))


def test_running_work_stays_with_its_installation(
    pair: tuple[Registry, Api, Registry, Api], tmp_path: Path
) -> None:
    """Ingest slots held while the backup runs are not carried over, and a forced
    restore keeps the slots of the target's own running ingests."""
    source, api, target, _ = pair
    api.ingest("code", GH_BERT)
    expires = time.time() + 600
    assert DatabaseLimits(source.db).acquire("source-ingest", [("ingest:all", 8)], expires) is None
    assert DatabaseLimits(target.db).acquire("target-ingest", [("ingest:all", 8)], expires) is None
    archive = tmp_path / "backup.tar"
    _service(source).backup(open_writer(str(archive)))
    with tarfile.open(archive) as tar:
        assert "tables/work_leases.jsonl" not in tar.getnames()
    with archive.open("rb") as fh:
        _service(target).restore(fh, force=True)
    assert _leases(target) == ["target-ingest"]

    # An archive written before leases were left out restores too, without them.
    older = tmp_path / "older.tar"
    row = {"lease": "old-ingest", "scope": "ingest:all", "expires_at": expires}

    def with_leases(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["tables"]["work_leases"] = 1
        return json.dumps(manifest).encode()

    _rewrite(archive, older, with_leases)
    with tarfile.open(older, "a") as tar:
        line = (json.dumps(row) + "\n").encode()
        member = tarfile.TarInfo("tables/work_leases.jsonl")
        member.size = len(line)
        tar.addfile(member, io.BytesIO(line))
    with older.open("rb") as fh:
        _service(target).restore(fh, force=True)
    assert _leases(target) == ["target-ingest"]
    assert _rows(target) == _rows(source)


def _rewrite(archive: Path, damaged: Path, change: Any) -> None:
    """Copy the archive member by member, passing each (name, bytes) through `change`."""
    with tarfile.open(archive) as src, tarfile.open(damaged, "w") as out:
        for member in src.getmembers():
            fh = src.extractfile(member)
            data = change(member.name, fh.read() if fh else b"")
            member.size = len(data)
            out.addfile(member, io.BytesIO(data))


def test_a_damaged_archive_is_refused_and_leaves_the_registry_as_it_was(
    pair: tuple[Registry, Api, Registry, Api], tmp_path: Path
) -> None:
    source, api, target, _ = pair
    api.ingest("model", BERT)
    archive, damaged = tmp_path / "backup.tar", tmp_path / "damaged.tar"
    _service(source).backup(open_writer(str(archive)))
    before = _rows(target)

    def flip(name: str, data: bytes) -> bytes:
        return data[:-1] + bytes([data[-1] ^ 1]) if name.startswith("blobs/") else data

    _rewrite(archive, damaged, flip)
    with pytest.raises(BackupError, match="does not match its sha256"), damaged.open("rb") as fh:
        _service(target).restore(fh)

    def drop_first_row(table: str) -> Any:
        def change(name: str, data: bytes) -> bytes:
            return data.split(b"\n", 1)[1] if name == f"tables/{table}.jsonl" else data

        return change

    _rewrite(archive, damaged, drop_first_row("audit_events"))
    with pytest.raises(BackupError, match="differ from its manifest"), damaged.open("rb") as fh:
        _service(target).restore(fh)
    # Without its first user, the tokens and memberships of that user name nobody.
    _rewrite(archive, damaged, drop_first_row("users"))
    with (
        pytest.raises(BackupError, match=r"do not fit together.*damaged"),
        damaged.open("rb") as fh,
    ):
        _service(target).restore(fh)
    assert _rows(target) == before
    not_tar = tmp_path / "not.tar"
    not_tar.write_bytes(b"hello" * 1000)
    with pytest.raises(BackupError, match=r"not a readable tar|not a registry backup"):
        _service(target).restore(not_tar.open("rb"))


def test_a_failed_backup_leaves_no_file(
    pair: tuple[Registry, Api, Registry, Api], tmp_path: Path
) -> None:
    source, api, _, _ = pair
    art = api.ingest("model", BERT)
    with source.db.read() as session:
        bundle = session.scalar(
            select(ArtifactRow.bundle_sha256).where(ArtifactRow.id == art["metadata"]["id"])
        )
    assert bundle is not None
    source.blobs.delete(bundle)
    with pytest.raises(BackupError, match="disappeared"):
        _service(source).backup(open_writer(str(tmp_path / "backup.tar")))
    assert list(tmp_path.glob("*backup.tar*")) == []


def test_the_archive_is_one_snapshot_even_when_an_ingest_commits_meanwhile(
    tmp_path: Path, upstream: FakeUpstream, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    source, api = _registry(tmp_path / "a", database_url, upstream)
    target, _ = _registry(tmp_path / "b", f"sqlite:///{tmp_path / 'b.db'}", upstream)
    try:
        api.ingest("model", BERT)
        before = _rows(source)
        blob_sizes = BackupService._blob_sizes
        late: list[str] = []

        def ingest_then_list(conn: Any) -> dict[str, int]:
            # Another request commits after the rows were read, before the blob list is.
            late.append(api.ingest("dataset", BOOKCORPUS)["metadata"]["id"])
            return blob_sizes(conn)

        monkeypatch.setattr(BackupService, "_blob_sizes", staticmethod(ingest_then_list))
        archive = tmp_path / "backup.tar"
        _service(source).backup(open_writer(str(archive)))
        with tarfile.open(archive) as tar:
            names = tar.getnames()
        assert late and _rows(source)["artifacts"] != before["artifacts"]
        with archive.open("rb") as fh:
            _service(target).restore(fh)
        assert _rows(target) == before  # the state when the backup began, whole
        wanted = {f"blobs/{d}" for d in _blob_digests(target)}
        assert {n for n in names if n.startswith("blobs/")} == wanted
    finally:
        source.close()
        target.close()


def test_progress_adds_up_to_the_planned_total(
    pair: tuple[Registry, Api, Registry, Api], tmp_path: Path
) -> None:
    source, api, target, _ = pair
    api.ingest("model", BERT)
    api.ingest("dataset", BOOKCORPUS)
    archive = tmp_path / "backup.tar"
    for run in ("backup", "restore"):
        planned: list[int] = []
        done: list[int] = []
        if run == "backup":
            summary = _service(source).backup(
                open_writer(str(archive)), progress=done.append, planned=planned.append
            )
        else:
            with archive.open("rb") as fh:
                summary = _service(target).restore(fh, progress=done.append, planned=planned.append)
        assert planned == [summary.blob_bytes] and sum(done) == summary.blob_bytes > 0
        assert len(done) == summary.blobs
