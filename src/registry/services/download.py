"""Serving stored bytes: the whole bundle (with ranges) or chosen parts as a zip."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from registry.db.models import ArtifactRow
from registry.db.repositories import ArtifactRepository
from registry.db.session import Database
from registry.domain.errors import BadRequest, NotFound, StorageUnavailable
from registry.domain.models import ArtifactFile, ArtifactType, AuditAction, FileRole, User
from registry.services.audit import record_event
from registry.services.bundles import stream_zip
from registry.storage.blobs import BlobStore


@dataclass(frozen=True)
class BundleInfo:
    artifact_id: str
    name: str
    sha256: str
    size: int


@dataclass(frozen=True)
class PartsDownload:
    artifact_id: str
    name: str
    etag: str
    files: tuple[ArtifactFile, ...]
    parts: tuple[FileRole, ...]


def parse_parts(values: Iterable[str]) -> tuple[FileRole, ...]:
    roles: list[FileRole] = []
    for value in values:
        for raw in value.split(","):
            piece = raw.strip().lower()
            if not piece:
                continue
            try:
                role = FileRole(piece)
            except ValueError as exc:
                allowed = ", ".join(r.value for r in FileRole)
                raise BadRequest(f"unknown part {piece!r}; choose among {allowed}") from exc
            if role not in roles:
                roles.append(role)
    return tuple(roles)


class DownloadGuard(Protocol):
    """Decides whether `user` may download `artifact`; raises to refuse.

    Raise `NotFound` to hide an artifact the caller may not know of (a private one),
    `Unauthorized` to refuse one the caller can see. Every download path (the
    /download endpoint, the Hub-compatible API, the CLI through either) passes here.
    """

    def __call__(self, session: Session, artifact: ArtifactRow, user: User) -> None: ...


def allow_authenticated(session: Session, artifact: ArtifactRow, user: User) -> None:
    """Today's rule: any authenticated user may download any artifact."""


@dataclass(frozen=True)
class Permitted:
    """A stored artifact the caller may download, detached from the database session."""

    artifact_id: str
    type: ArtifactType
    name: str
    source_url: str
    files: tuple[ArtifactFile, ...]
    bundle_sha256: str
    bundle_size: int
    card: dict[str, Any]
    upstream: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class DownloadService:
    def __init__(
        self,
        db: Database,
        blobs: BlobStore,
        guard: DownloadGuard = allow_authenticated,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.db = db
        self.blobs = blobs
        self.guard = guard
        self.clock = clock

    def authorize(self, artifact_id: str, user: User, *, record: bool) -> Permitted:
        """The one check of "may `user` download artifact X": existence, then the guard.

        `record` adds the DOWNLOAD audit event in the same transaction; callers pass
        False for metadata reads, HEAD requests and resumed (ranged) transfers, so a
        download is audited once however many requests it takes.
        """
        with self.db.transaction() as session:
            row = ArtifactRepository(session).get(artifact_id)
            if row is None:
                raise NotFound(f"no artifact with id {artifact_id}")
            self.guard(session, row, user)
            if record:
                record_event(session, AuditAction.DOWNLOAD, row, user, self.clock())
            return Permitted(
                artifact_id=row.id,
                type=ArtifactType(row.type),
                name=row.name,
                source_url=row.source_url,
                files=tuple(
                    ArtifactFile(path=f.path, sha256=f.sha256, size=f.size, role=FileRole(f.role))
                    for f in row.files
                ),
                bundle_sha256=row.bundle_sha256,
                bundle_size=row.bundle_size,
                card=dict(row.card or {}),
                upstream=dict(row.upstream or {}),
                created_at=row.created_at,
                updated_at=row.updated_at,
            )

    def bundle(self, artifact_id: str, user: User, *, record: bool = True) -> BundleInfo:
        found = self.authorize(artifact_id, user, record=record)
        return BundleInfo(
            artifact_id=found.artifact_id,
            name=found.name,
            sha256=found.bundle_sha256,
            size=found.bundle_size,
        )

    def parts(self, artifact_id: str, parts: tuple[FileRole, ...], user: User) -> PartsDownload:
        if not parts:
            raise BadRequest("name at least one part to download")
        found = self.authorize(artifact_id, user, record=True)
        chosen = tuple(f for f in found.files if f.role in parts)
        if not chosen:
            wanted = ", ".join(p.value for p in parts)
            raise NotFound(f"artifact {found.artifact_id} has no files in the part(s) {wanted}")
        h = hashlib.sha256()
        for f in sorted(chosen, key=lambda f: f.path):
            h.update(f"{f.path}\0{f.sha256}\n".encode())
        return PartsDownload(found.artifact_id, found.name, h.hexdigest(), chosen, parts)

    def read(self, sha256: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        try:
            return self.blobs.read(sha256, start, end)
        except FileNotFoundError as exc:
            raise StorageUnavailable(
                f"the stored bytes {sha256} are missing from the blob store"
            ) from exc

    def stream_parts(self, download: PartsDownload) -> Iterator[bytes]:
        entries = [
            (f.path, f.size, (lambda digest=f.sha256: self.read(digest))) for f in download.files
        ]
        return stream_zip(entries)
