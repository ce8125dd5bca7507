"""Backup and restore: the whole registry as one streamed tar archive.

Layout of an archive (members in this order, so a restore reads it in one pass):

- `manifest.json`: format and version, the schema revision, row counts per table, the
  high-water mark of every id sequence, and each blob's sha256 and size;
- `blobs/<sha256>`: every blob the database references, once each;
- `tables/<name>.jsonl`: the rows of each table, parents before children.

The rows come from one read transaction (REPEATABLE READ on PostgreSQL, a WAL read
snapshot on SQLite), so they agree with each other whatever the server does meanwhile.
Blobs are content-addressed and never change; one deleted while the backup streams
(an artifact deleted or updated after the snapshot) fails the backup, which then
leaves nothing at its destination. A restore stores the blobs first, checking each
one's sha256 as it streams in, and inserts every row in one transaction at the end:
whatever stops it half-way leaves the registry as it was, plus orphan blobs that
`registry gc` frees.
"""

from __future__ import annotations

import hashlib
import json
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, cast

from sqlalchemy import Connection, Table, func, insert, select
from sqlalchemy.exc import IntegrityError

from registry.db.bulk import current_revision, is_empty, read_high_water, set_high_water, wipe
from registry.db.models import Base
from registry.db.session import Database
from registry.services.backup_format import (
    BackupError,
    BytesReader,
    HashingReader,
    add_member,
    decode_row,
    encode_row,
    first_line,
)
from registry.storage.archives import ArchiveWriter
from registry.storage.blobs import CHUNK_SIZE, BlobStore, check_digest

FORMAT = "trustworthy-model-registry-backup"
FORMAT_VERSION = 1
# Observability figures and log lines are rebuilt as the registry runs; the blob epoch
# is a lock counter and the work leases are the ingests running in the installation
# (carried over, a dead process's would hold a slot of the target's until they expire,
# and a forced restore would drop the target's own). Everything else is the registry's.
SKIPPED = frozenset({"stat_counters", "log_lines", "blob_epoch", "work_leases"})
TABLES: tuple[Table, ...] = tuple(t for t in Base.metadata.sorted_tables if t.name not in SKIPPED)
_BY_NAME = {t.name: t for t in TABLES}
MAX_MANIFEST_BYTES = 256 << 20
MAX_ROW_BYTES = 64 << 20
_INSERT_BATCH = 500
_SPOOL = 8 << 20  # table dumps larger than this go to a temporary file


@dataclass(frozen=True)
class BackupSummary:
    tables: dict[str, int]
    blobs: int
    blob_bytes: int


Progress = Callable[[int], None]  # told the size of each blob as it is copied


class BackupService:
    def __init__(self, db: Database, blobs: BlobStore, work_root: Path, admin_name: str) -> None:
        self.db = db
        self.blobs = blobs
        self.work_root = work_root
        self.admin_name = admin_name  # seeded in a fresh registry: not "content" of it

    # -- backup -------------------------------------------------------------

    def backup(
        self,
        sink: ArchiveWriter,
        progress: Progress | None = None,
        planned: Progress | None = None,
    ) -> BackupSummary:
        """Stream the archive into `sink`, then commit it (or abort it on any error).

        `planned` is told the blobs' total size once it is known, `progress` each
        blob's size once it is in the archive."""
        self.work_root.mkdir(parents=True, exist_ok=True)
        dumps: dict[str, IO[bytes]] = {}
        try:
            manifest = self._snapshot(dumps)
            if planned:
                planned(sum(b["size"] for b in manifest["blobs"]))
            with tarfile.open(fileobj=cast(Any, sink), mode="w|", format=tarfile.PAX_FORMAT) as tar:
                body = json.dumps(manifest, indent=1, sort_keys=True).encode()
                add_member(tar, "manifest.json", len(body), BytesReader(body))
                for blob in manifest["blobs"]:
                    try:
                        reader = HashingReader(self.blobs, blob["sha256"])
                        add_member(tar, f"blobs/{blob['sha256']}", blob["size"], reader)
                    except FileNotFoundError as exc:
                        raise BackupError(
                            f"the blob {blob['sha256']} disappeared while the backup ran (an "
                            "artifact was deleted or updated meanwhile, or the file is lost: "
                            "`registry verify` tells which); run the backup again"
                        ) from exc
                    reader.check()
                    if progress:
                        progress(blob["size"])
                for table in TABLES:
                    dump = dumps[table.name]
                    size = dump.seek(0, 2)
                    dump.seek(0)
                    add_member(tar, f"tables/{table.name}.jsonl", size, dump)
            sink.commit()
        except BaseException:
            sink.abort()
            raise
        finally:
            for dump in dumps.values():
                dump.close()
        sizes = [b["size"] for b in manifest["blobs"]]
        return BackupSummary(manifest["tables"], len(sizes), sum(sizes))

    def _snapshot(self, dumps: dict[str, IO[bytes]]) -> dict[str, Any]:
        """Every table's rows (to temporary files) and the manifest, from one snapshot."""
        counts: dict[str, int] = {}
        with self._snapshot_connection() as conn:
            revision = current_revision(conn)
            for table in TABLES:
                dump = tempfile.SpooledTemporaryFile(_SPOOL, dir=str(self.work_root))  # noqa: SIM115
                dumps[table.name] = dump
                count = 0
                ordered = select(table).order_by(*table.primary_key.columns)
                for row in conn.execution_options(yield_per=1000).execute(ordered):
                    dump.write(encode_row(table, row))
                    count += 1
                counts[table.name] = count
            high = read_high_water(conn, TABLES)
            sizes = self._blob_sizes(conn)
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "schema_revision": revision,
            "created_at": datetime.now(UTC).isoformat(),
            "tables": counts,
            "high_water": high,
            "blobs": [{"sha256": d, "size": s} for d, s in sorted(sizes.items())],
        }

    @staticmethod
    def _blob_sizes(conn: Connection) -> dict[str, int]:
        files, artifacts = _BY_NAME["artifact_files"], _BY_NAME["artifacts"]
        sizes = dict(
            conn.execute(
                select(files.c.sha256, func.max(files.c.size)).group_by(files.c.sha256)
            ).all()
        )
        bundles = select(artifacts.c.bundle_sha256, func.max(artifacts.c.bundle_size))
        sizes.update(conn.execute(bundles.group_by(artifacts.c.bundle_sha256)).all())
        return {str(d): int(s) for d, s in sizes.items()}

    @contextmanager
    def _snapshot_connection(self) -> Iterator[Connection]:
        """One read transaction that sees one state of the database throughout."""
        with self.db.engine.connect() as opened:
            conn = opened
            if not self.db.is_sqlite:
                conn = opened.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                if not self.db.is_sqlite:
                    conn.exec_driver_sql("SET TRANSACTION READ ONLY")
                yield conn

    # -- restore ------------------------------------------------------------

    def restore(
        self,
        source: IO[bytes],
        *,
        force: bool = False,
        progress: Progress | None = None,
        planned: Progress | None = None,
    ) -> BackupSummary:
        """Read an archive from `source` into this registry (empty unless `force`)."""
        with self.db.read() as session:
            if not force and not is_empty(session.connection(), self.admin_name):
                raise BackupError(
                    "the registry is not empty (it has artifacts, groups, audit events or "
                    "users besides the default admin): restore into a fresh registry, or "
                    "pass --force to replace everything in it"
                )
            revision = current_revision(session.connection())
        self.work_root.mkdir(parents=True, exist_ok=True)
        try:
            with tarfile.open(fileobj=source, mode="r|") as tar:
                members = iter(tar)
                manifest = self._read_manifest(tar, next(members, None), revision)
                expected = {b["sha256"]: int(b["size"]) for b in manifest["blobs"]}
                if planned:
                    planned(sum(expected.values()))
                restorer = _Restorer(self, manifest, expected, progress)
                restorer.run(tar, members)
        except IntegrityError as exc:
            raise BackupError(
                f"the archive's rows do not fit together ({first_line(exc.orig)}): it is damaged"
            ) from exc
        except tarfile.TarError as exc:
            raise BackupError(f"the archive is not a readable tar file: {exc}") from exc
        return BackupSummary(manifest["tables"], len(expected), sum(expected.values()))

    @staticmethod
    def _read_manifest(tar: tarfile.TarFile, member: Any, revision: str | None) -> dict[str, Any]:
        if member is None or member.name != "manifest.json" or not member.isfile():
            raise BackupError("this is not a registry backup: it does not start with manifest.json")
        if member.size > MAX_MANIFEST_BYTES:
            raise BackupError("the archive's manifest.json is implausibly large")
        fh = tar.extractfile(member)
        assert fh is not None  # a regular file
        try:
            manifest = json.loads(fh.read())
        except ValueError as exc:
            raise BackupError(f"the archive's manifest.json is not JSON: {exc}") from exc
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise BackupError("this is not a registry backup (manifest.json names another format)")
        if manifest.get("format_version") != FORMAT_VERSION:
            raise BackupError(
                f"backup format version {manifest.get('format_version')} is not supported "
                f"(this registry reads version {FORMAT_VERSION})"
            )
        if manifest.get("schema_revision") != revision:
            raise BackupError(
                f"the backup has database schema {manifest.get('schema_revision')} and this "
                f"registry's database is at {revision}: restore with the registry version that "
                "wrote the backup, then upgrade that registry"
            )
        for blob in manifest.get("blobs", []):
            check_digest(str(blob.get("sha256")))
        unknown = set(manifest.get("tables", {})) - set(_BY_NAME) - SKIPPED
        if unknown:
            raise BackupError(
                f"the backup has tables this registry does not know: {sorted(unknown)}"
            )
        return manifest


class _Restorer:
    def __init__(
        self,
        service: BackupService,
        manifest: dict[str, Any],
        expected: dict[str, int],
        progress: Progress | None,
    ) -> None:
        self.service = service
        self.manifest = manifest
        self.expected = expected
        self.progress = progress
        self.seen: set[str] = set()

    def run(self, tar: tarfile.TarFile, members: Iterator[tarfile.TarInfo]) -> None:
        db = self.service.db
        for member in members:
            if member.name.startswith("blobs/"):
                self._blob(tar, member)
                continue
            # The first table: every blob is stored; the rows go in one transaction.
            missing = set(self.expected) - self.seen
            if missing:
                raise BackupError(
                    f"the archive lacks {len(missing)} blob(s) its manifest lists, e.g. "
                    f"{sorted(missing)[0]}: it is truncated or damaged"
                )
            with db.blob_lock(), db.transaction() as session:
                conn = session.connection()
                wipe(conn, TABLES)
                counts = dict.fromkeys(self.manifest["tables"], 0)
                self._table(tar, member, conn, counts)
                for rest in members:
                    self._table(tar, rest, conn, counts)
                if counts != self.manifest["tables"]:
                    raise BackupError(
                        f"the archive's rows {counts} differ from its manifest's "
                        f"{self.manifest['tables']}: it is truncated or damaged"
                    )
                set_high_water(conn, TABLES, self.manifest.get("high_water", {}))
                for digest in self.expected:  # a gc running meanwhile is not a reason to lose one
                    if not self.service.blobs.exists(digest):
                        raise BackupError(f"the restored blob {digest} was deleted meanwhile")
            return
        raise BackupError("the archive has no tables: it is truncated or damaged")

    def _blob(self, tar: tarfile.TarFile, member: tarfile.TarInfo) -> None:
        digest = member.name.removeprefix("blobs/")
        if digest not in self.expected or digest in self.seen or not member.isfile():
            raise BackupError(f"the archive member {member.name} is not in its manifest")
        if member.size != self.expected[digest]:
            raise BackupError(f"the archive's blob {digest} has the wrong size")
        fh = tar.extractfile(member)
        assert fh is not None
        h = hashlib.sha256()
        work = self.service.work_root
        with tempfile.NamedTemporaryFile(dir=work, prefix="restore-") as out:
            while chunk := fh.read(CHUNK_SIZE):
                h.update(chunk)
                out.write(chunk)
            out.flush()
            if h.hexdigest() != digest:
                raise BackupError(
                    f"the archive's blob {digest} does not match its sha256: the archive is damaged"
                )
            self.service.blobs.put_file(digest, Path(out.name))
        self.seen.add(digest)
        if self.progress:
            self.progress(member.size)

    def _table(
        self,
        tar: tarfile.TarFile,
        member: tarfile.TarInfo,
        conn: Connection,
        counts: dict[str, int],
    ) -> None:
        name = member.name.removeprefix("tables/").removesuffix(".jsonl")
        if not member.name.startswith("tables/") or name not in counts or not member.isfile():
            raise BackupError(f"the archive member {member.name} is not in its manifest")
        if name in SKIPPED:  # an older archive's running work: read past it, keep none
            counts[name] = self.manifest["tables"][name]
            return
        table = _BY_NAME[name]
        fh = tar.extractfile(member)
        assert fh is not None
        batch: list[dict[str, Any]] = []
        while line := fh.readline(MAX_ROW_BYTES + 1):
            if len(line) > MAX_ROW_BYTES:
                raise BackupError(f"a row of table {name} is implausibly large")
            batch.append(decode_row(table, line))
            if len(batch) == _INSERT_BATCH:
                conn.execute(insert(table), batch)
                counts[name] += len(batch)
                batch = []
        if batch:
            conn.execute(insert(table), batch)
            counts[name] += len(batch)
