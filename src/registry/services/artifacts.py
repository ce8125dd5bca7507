"""Reading, listing, deleting artifacts, and resetting the registry."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from registry.db.access import GroupRepository
from registry.db.repositories import (
    ArtifactRepository,
    AuditRepository,
    NameQuery,
    UserRepository,
    to_artifact,
)
from registry.db.session import Database
from registry.domain.errors import PayloadTooLarge, Unauthorized
from registry.domain.models import Artifact, ArtifactSummary, ArtifactType, User
from registry.services.access import not_found, require_manager
from registry.services.blobs import BlobJanitor
from registry.services.paging import cut, page_size
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

    def get(self, artifact_type: ArtifactType | None, artifact_id: str, viewer: User) -> Artifact:
        with self.db.read() as session:
            row = ArtifactRepository(session, viewer).get(artifact_id)
            if row is None or (artifact_type is not None and row.type != artifact_type.value):
                raise not_found(artifact_id, artifact_type)
            return to_artifact(row)

    def enumerate(
        self, queries: Sequence[NameQuery], offset: int, limit: int | None, viewer: User
    ) -> Page:
        """One page of the union of `queries`.

        `offset` is an opaque position (the last seen row's sequence number), so
        pages stay consistent while artifacts are added or deleted between calls.
        """
        if len(queries) > self.max_queries:
            raise PayloadTooLarge(
                f"{len(queries)} queries in one request; send at most {self.max_queries}"
            )
        size = page_size(limit, self.page_size, self.max_page_size, "artifacts")
        with self.db.read() as session:
            rows = ArtifactRepository(session, viewer).page(queries, offset, size + 1)
        chosen, next_offset = cut(rows, size, lambda row: row[0])
        return Page(items=[summary for _, summary in chosen], next_offset=next_offset)

    def delete(self, artifact_type: ArtifactType, artifact_id: str, caller: User) -> None:
        with self.db.blob_lock():
            with self.db.transaction() as session:
                repo = ArtifactRepository(session, caller)
                row = repo.get(artifact_id, lock=True)
                if row is None or row.type != artifact_type.value:
                    raise not_found(artifact_id, artifact_type)
                require_manager(session, row, caller, "delete")
                digests = {f.sha256 for f in row.files} | {row.bundle_sha256}
                repo.delete(row)
                session.flush()
                freed = self.janitor.unreferenced(session, digests)
            self.janitor.delete_files(freed)

    def reset(self, caller: User) -> None:
        """Back to the initial state in one step: no artifacts, no blobs, no groups, no
        users but the default admin, who keeps its password and its tokens."""
        if not caller.is_admin:
            raise Unauthorized("only an administrator may reset the registry")
        with self.db.blob_lock():
            with self.db.transaction() as session:
                ArtifactRepository(session).delete_all()
                GroupRepository(session).delete_all()
                AuditRepository(session).delete_all()
                admin = self.users.ensure_default_admin(session)
                UserRepository(session).delete_all_except(admin.id)
                ArtifactRepository(session).bump_blob_epoch()
            self.blobs.clear()
