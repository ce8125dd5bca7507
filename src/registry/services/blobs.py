"""Freeing blobs that no artifact uses any more.

Callers hold `Database.blob_lock()` around both steps: `unreferenced` runs inside
the transaction that drops the references (and bumps the blob epoch, telling
in-flight ingests to re-check their uploads), `delete_files` after it commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy.orm import Session

from registry.db.repositories import ArtifactRepository
from registry.db.session import Database
from registry.storage.blobs import BlobStore

log = structlog.get_logger(__name__)


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

    def collect(self, grace: timedelta = timedelta(hours=1)) -> GcReport:
        """Delete stored blobs no artifact references, sparing young ones.

        Young blobs may belong to an ingest that has uploaded but not yet committed;
        the grace period leaves them alone (and an ingest re-checks anyway).
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
                if orphans:
                    repo.bump_blob_epoch()
            for digest in orphans:
                self.blobs.delete(digest)
                deleted += 1
        log.info("blob_gc", scanned=scanned, deleted=deleted, kept_recent=recent)
        return GcReport(scanned, len(referenced), deleted, recent)
