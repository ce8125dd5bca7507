"""Blobs the database references: reading them, and freeing those no artifact uses.

A referenced blob that is missing is data loss, not an outage: `read_referenced`
reports it as `IntegrityFailure` (500 integrity_error, logged), never as a 503
that invites a retry.

For freeing, callers hold `Database.blob_lock()` around both steps: `unreferenced` runs inside
the transaction that drops the references (and bumps the blob epoch, telling
in-flight ingests to re-check their uploads), `delete_files` after it commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import BinaryIO

import structlog
from sqlalchemy.orm import Session

from registry.db.repositories import ArtifactRepository
from registry.db.session import Database
from registry.domain.errors import IntegrityFailure
from registry.storage.blobs import BlobStore

log = structlog.get_logger(__name__)


def _missing(digest: str) -> IntegrityFailure:
    log.error("blob_missing", digest=digest)
    return IntegrityFailure(
        f"the stored bytes {digest} are missing from the blob store: restore them from a "
        "backup or re-ingest the artifact",
        digest=digest,
    )


def read_referenced(
    blobs: BlobStore, digest: str, start: int = 0, end: int | None = None
) -> Iterator[bytes]:
    """The bytes of a blob some artifact references (`BlobStore.read` semantics)."""
    try:
        return blobs.read(digest, start, end)
    except FileNotFoundError as exc:
        raise _missing(digest) from exc


def open_referenced(blobs: BlobStore, digest: str, start: int = 0) -> BinaryIO | None:
    """A referenced blob as an open local file positioned at `start`; None when the
    store keeps blobs elsewhere (S3)."""
    path = blobs.local_path(digest)
    if path is None:
        if blobs.exists(digest):
            return None
        raise _missing(digest)
    try:
        fh = path.open("rb")
    except FileNotFoundError as exc:
        raise _missing(digest) from exc
    fh.seek(start)
    return fh


def require_referenced(blobs: BlobStore, digests: Iterable[str]) -> None:
    """Refuse up front when a blob is missing, before a streamed answer has begun."""
    for digest in digests:
        if not blobs.exists(digest):
            raise _missing(digest)


@dataclass(frozen=True)
class GcReport:
    scanned: int
    referenced: int
    deleted: int
    kept_recent: int


class BlobJanitor:
    def __init__(self, db: Database, blobs: BlobStore) -> None:
        self.db = db
        self.blobs = blobs

    @staticmethod
    def unreferenced(session: Session, candidates: Iterable[str]) -> set[str]:
        repo = ArtifactRepository(session)
        wanted = set(candidates)
        freed = wanted - repo.referenced(wanted)
        if freed:
            repo.bump_blob_epoch()
        return freed

    def delete_files(self, digests: Iterable[str]) -> None:
        for digest in digests:
            self.blobs.delete(digest)

    def collect(self, grace: timedelta = timedelta(hours=1), *, dry_run: bool = False) -> GcReport:
        """Delete stored blobs no artifact references, sparing young ones.

        Young blobs may belong to an ingest that has uploaded but not yet committed;
        the grace period leaves them alone, and an ingest re-checks anyway: the epoch
        bumped here tells it, under the same lock, to upload again what went. With
        `dry_run`, only count what would go (nothing is deleted, the epoch stays).
        """
        cutoff = datetime.now(UTC) - grace
        scanned = deleted = recent = 0
        with self.db.blob_lock():
            with self.db.transaction() as session:
                repo = ArtifactRepository(session)
                referenced = repo.all_referenced()
                orphans = []
                for digest, modified in self.blobs.iter_blobs():
                    scanned += 1
                    if digest in referenced:
                        continue
                    if modified > cutoff:
                        recent += 1
                        continue
                    orphans.append(digest)
                if orphans and not dry_run:
                    repo.bump_blob_epoch()
            for digest in orphans:
                if not dry_run:
                    self.blobs.delete(digest)
                deleted += 1
        log.info("blob_gc", scanned=scanned, deleted=deleted, kept_recent=recent, dry_run=dry_run)
        return GcReport(scanned, len(referenced), deleted, recent)
