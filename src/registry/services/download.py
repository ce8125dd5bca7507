"""Serving stored bytes: the whole bundle (with ranges) or chosen parts as a zip.

A download is a read, but the audit trail records it and the caller's token use is
counted. Both go into one short write transaction, so on SQLite a download takes
the write lock once, briefly. A client that already holds the bytes (its ETag
matches: a 304) has downloaded nothing, and no DOWNLOAD event is written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar

from registry.db.models import ArtifactRow
from registry.db.repositories import ArtifactRepository
from registry.db.session import Database
from registry.domain.errors import BadRequest, NotFound, RegistryError
from registry.domain.models import ArtifactFile, AuditAction, Credential, FileRole, Principal
from registry.services.audit import record_event
from registry.services.blobs import read_referenced, require_referenced
from registry.services.bundles import stream_zip
from registry.services.users import UserService
from registry.storage.blobs import BlobStore

T = TypeVar("T", "BundleInfo", "PartsDownload")


@dataclass(frozen=True)
class BundleInfo:
    name: str
    sha256: str
    size: int

    @property
    def etag(self) -> str:
        return self.sha256


@dataclass(frozen=True)
class PartsDownload:
    name: str
    etag: str
    files: tuple[ArtifactFile, ...]
    parts: tuple[FileRole, ...]


@dataclass(frozen=True)
class Served(Generic[T]):
    caller: Principal
    download: T
    not_modified: bool  # the client holds these bytes already (its ETag matched)


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


def _files(row: ArtifactRow) -> tuple[ArtifactFile, ...]:
    return tuple(
        ArtifactFile(path=f.path, sha256=f.sha256, size=f.size, role=FileRole(f.role))
        for f in row.files
    )


class DownloadService:
    def __init__(
        self,
        db: Database,
        blobs: BlobStore,
        users: UserService,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.db = db
        self.blobs = blobs
        self.users = users
        self.clock = clock

    def _serve(
        self,
        artifact_id: str,
        credential: Credential,
        describe: Callable[[ArtifactRow], T],
        client_has: Callable[[str], bool],
    ) -> Served[T]:
        """Count the token use and record the download, in one transaction.

        A request for something that does not exist still spends a token use (as
        every request does), so its error is raised after the commit."""
        failure: RegistryError | None = None
        with self.db.transaction() as session:
            caller = self.users.charge(session, credential)
            row = ArtifactRepository(session).get(artifact_id)
            try:
                if row is None:
                    raise NotFound(f"no artifact with id {artifact_id}")
                download = describe(row)
            except RegistryError as exc:
                failure = exc
            else:
                cached = client_has(download.etag)
                if not cached:
                    record_event(session, AuditAction.DOWNLOAD, row, caller.user, self.clock())
        if failure is not None:
            raise failure
        return Served(caller, download, cached)

    def bundle(
        self, artifact_id: str, credential: Credential, client_has: Callable[[str], bool]
    ) -> Served[BundleInfo]:
        """The stored bundle; `client_has(etag)` tells whether the client holds it."""
        return self._serve(
            artifact_id,
            credential,
            lambda row: BundleInfo(row.name, row.bundle_sha256, row.bundle_size),
            client_has,
        )

    def parts(
        self,
        artifact_id: str,
        parts: tuple[FileRole, ...],
        credential: Credential,
        client_has: Callable[[str], bool],
    ) -> Served[PartsDownload]:
        if not parts:
            raise BadRequest("name at least one part to download")

        def describe(row: ArtifactRow) -> PartsDownload:
            chosen = tuple(f for f in _files(row) if f.role in parts)
            if not chosen:
                wanted = ", ".join(p.value for p in parts)
                raise NotFound(f"artifact {row.id} has no files in the part(s) {wanted}")
            h = hashlib.sha256()
            for f in sorted(chosen, key=lambda f: f.path):
                h.update(f"{f.path}\0{f.sha256}\n".encode())
            return PartsDownload(row.name, h.hexdigest(), chosen, parts)

        served = self._serve(artifact_id, credential, describe, client_has)
        if not served.not_modified:
            # The zip is streamed after the headers are sent: find a lost blob before.
            require_referenced(self.blobs, {f.sha256 for f in served.download.files})
        return served

    def read(self, sha256: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        return read_referenced(self.blobs, sha256, start, end)

    def stream_parts(self, download: PartsDownload) -> Iterator[bytes]:
        entries = [
            (f.path, f.size, (lambda digest=f.sha256: self.read(digest))) for f in download.files
        ]
        return stream_zip(entries)
