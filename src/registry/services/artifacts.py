"""Reading, listing, deleting artifacts, and resetting the registry."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from registry.db.repositories import (
    ArtifactRepository,
    AuditRepository,
    NameQuery,
    UserRepository,
    to_artifact,
)
from registry.db.session import Database
from registry.domain.errors import NotFound, PayloadTooLarge, Unauthorized
from registry.domain.models import Artifact, ArtifactSummary, ArtifactType, User
from registry.services.blobs import BlobJanitor
from registry.services.users import UserService
from registry.storage.blobs import BlobStore


@dataclass(frozen=True)
class Page:
    items: list[ArtifactSummary]
    next_offset: str | None  # None on the last page


class ArtifactService:
    def __init__(
        self,
        db: Database,
        blobs: BlobStore,
        users: UserService,
        janitor: BlobJanitor,
        *,
        page_size: int,
        max_page_size: int,
        max_queries: int,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.db = db
        self.blobs = blobs
        self.users = users
        self.page_size = page_size
        self.max_page_size = max_page_size
        self.max_queries = max_queries
        self.clock = clock
        self.janitor = janitor

    def get(self, artifact_type: ArtifactType | None, artifact_id: str) -> Artifact:
        with self.db.read() as session:
            row = ArtifactRepository(session).get(artifact_id)
            if row is None or (artifact_type is not None and row.type != artifact_type.value):
                kind = artifact_type.value if artifact_type else "artifact"
                raise NotFound(f"no {kind} with id {artifact_id}")
            return to_artifact(row)

    def enumerate(self, queries: Sequence[NameQuery], offset: int, limit: int | None) -> Page:
        """One page of the union of `queries`.

        `offset` is an opaque position (the last seen row's sequence number), so
        pages stay consistent while artifacts are added or deleted between calls.
        """
        if len(queries) > self.max_queries:
            raise PayloadTooLarge(
                f"{len(queries)} queries in one request; send at most {self.max_queries}"
            )
        size = self.page_size if limit is None else limit
        if size > self.max_page_size:
            raise PayloadTooLarge(
                f"a page of {size} artifacts is too large; ask for at most "
                f"{self.max_page_size} and follow the offset header"
            )
        with self.db.read() as session:
            rows = ArtifactRepository(session).page(queries, offset, size + 1)
        more = len(rows) > size
        rows = rows[:size]
        next_offset = str(rows[-1][0]) if more and rows else None
        return Page(items=[summary for _, summary in rows], next_offset=next_offset)

    def delete(self, artifact_type: ArtifactType, artifact_id: str) -> None:
        with self.db.blob_lock():
            with self.db.transaction() as session:
                repo = ArtifactRepository(session)
                row = repo.get(artifact_id, lock=True)
                if row is None or row.type != artifact_type.value:
                    raise NotFound(f"no {artifact_type.value} with id {artifact_id}")
                digests = {f.sha256 for f in row.files} | {row.bundle_sha256}
                repo.delete(row)
                session.flush()
                freed = self.janitor.unreferenced(session, digests)
            self.janitor.delete_files(freed)

    def reset(self, caller: User) -> None:
        """Back to the initial state in one step: no artifacts, no blobs, no users but
        the default admin, whose password returns to the default and whose tokens
        keep working."""
        if not caller.is_admin:
            raise Unauthorized("only an administrator may reset the registry")
        with self.db.blob_lock():
            with self.db.transaction() as session:
                ArtifactRepository(session).delete_all()
                AuditRepository(session).delete_all()
                admin = self.users.ensure_default_admin(session)
                UserRepository(session).delete_all_except(admin.id)
                ArtifactRepository(session).bump_blob_epoch()
            self.blobs.clear()
