"""Serving stored bytes: the whole bundle (with ranges) or chosen parts as a zip."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from registry.db.repositories import ArtifactRepository
from registry.db.session import Database
from registry.domain.errors import BadRequest, NotFound, StorageUnavailable
from registry.domain.models import ArtifactFile, AuditAction, FileRole, User
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


class DownloadService:
    def __init__(
        self,
        db: Database,
        blobs: BlobStore,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.db = db
        self.blobs = blobs
        self.clock = clock

    def _record(
        self, artifact_id: str, user: User
    ) -> tuple[str, str, tuple[ArtifactFile, ...], str, int]:
        with self.db.transaction() as session:
            row = ArtifactRepository(session).get(artifact_id)
            if row is None:
                raise NotFound(f"no artifact with id {artifact_id}")
            record_event(session, AuditAction.DOWNLOAD, row, user, self.clock())
            files = tuple(
                ArtifactFile(path=f.path, sha256=f.sha256, size=f.size, role=FileRole(f.role))
                for f in row.files
            )
            return row.id, row.name, files, row.bundle_sha256, row.bundle_size

    def bundle(self, artifact_id: str, user: User) -> BundleInfo:
        artifact_id, name, _files, sha, size = self._record(artifact_id, user)
        return BundleInfo(artifact_id=artifact_id, name=name, sha256=sha, size=size)

    def parts(self, artifact_id: str, parts: tuple[FileRole, ...], user: User) -> PartsDownload:
        if not parts:
            raise BadRequest("name at least one part to download")
        artifact_id, name, files, _sha, _size = self._record(artifact_id, user)
        chosen = tuple(f for f in files if f.role in parts)
        if not chosen:
            wanted = ", ".join(p.value for p in parts)
            raise NotFound(f"artifact {artifact_id} has no files in the part(s) {wanted}")
        h = hashlib.sha256()
        for f in sorted(chosen, key=lambda f: f.path):
            h.update(f"{f.path}\0{f.sha256}\n".encode())
        return PartsDownload(artifact_id, name, h.hexdigest(), chosen, parts)

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
