"""Serving stored bytes: the whole bundle (with ranges) or chosen parts as a zip.

Every download path (/download, the Hub-compatible API, the CLI through either) asks
`DownloadService.authorize` the one question "may this caller download artifact X":
existence, then the guard (the `download` permission and the artifact's visibility:
`services.access.download_guard`), then, for a sensitive model, its monitor program
(`services.monitors`), which decides each download once (a resumed range reuses the
decision the transfer started with).

A download is a read, but the audit trail records it and the caller's token use is
counted. When the caller comes with a credential, both go into one short write
transaction, so on SQLite a download takes the write lock once, briefly. A client
that already holds the bytes (its ETag matches: a 304) has downloaded nothing, and
no DOWNLOAD event is written.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, BinaryIO, Generic, Protocol, TypeVar

from sqlalchemy.orm import Session

from registry.db.models import ArtifactRow
from registry.db.repositories import ArtifactRepository
from registry.db.session import Database
from registry.domain.errors import BadRequest, NotFound, RegistryError
from registry.domain.models import (
    ArtifactFile,
    ArtifactType,
    AuditAction,
    Credential,
    FileRole,
    Principal,
    User,
)
from registry.services.access import download_guard
from registry.services.audit import record_event
from registry.services.blobs import open_referenced, read_referenced, require_referenced
from registry.services.bundles import stream_zip
from registry.services.users import UserService
from registry.storage.blobs import BlobStore

T = TypeVar("T", "BundleInfo", "PartsDownload")


@dataclass(frozen=True)
class BundleInfo:
    artifact_id: str
    name: str
    sha256: str
    size: int
    type: ArtifactType | None = None  # for the request's log line

    @property
    def etag(self) -> str:
        return self.sha256


@dataclass(frozen=True)
class PartsDownload:
    artifact_id: str
    name: str
    etag: str
    files: tuple[ArtifactFile, ...]
    parts: tuple[FileRole, ...]
    type: ArtifactType | None = None  # for the request's log line


@dataclass(frozen=True)
class Served(Generic[T]):
    caller: Principal
    download: T
    not_modified: bool  # the client holds these bytes already (its ETag matched)


def parse_parts(values: Iterable[str]) -> tuple[FileRole, ...]:
    roles: list[FileRole] = []
    for value in values:
        for raw in value.split(","):
            piece = raw
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


class Use(enum.Enum):
    """What a request does with an artifact it is authorised for."""

    LOOK = "look"  # no bytes: metadata, HEAD, a 304, a probe for a missing file
    START = "start"  # bytes from the start: a download, audited and decided by a monitor
    RESUME = "resume"  # a range continuing a transfer: the decision of its start holds


class DownloadGuard(Protocol):
    """Decides whether `user` may download `artifact`; raises to refuse.

    Raise `NotFound` to hide an artifact the caller may not know of (a private one),
    `PermissionDenied` to refuse one the caller can see. Every download path passes here.
    """

    def __call__(self, session: Session, artifact: ArtifactRow, user: User) -> None: ...


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

    @classmethod
    def of(cls, row: ArtifactRow) -> Permitted:
        return cls(
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


@dataclass(frozen=True)
class Gate:
    """The monitor program a sensitive model's downloads must pass, read with the artifact."""

    version: int
    program: str
    uploader: str


class MonitorGate(Protocol):
    """Sensitive models (`services.monitors.MonitorService`)."""

    def gate(self, session: Session, artifact: ArtifactRow) -> Gate | None:
        """The model's current monitor program, or None when it has none."""
        ...

    def decide(self, found: Permitted, gate: Gate, user: User, use: Use) -> None:
        """Run (or, resuming, reuse) the monitor's decision; record it; raise
        `PermissionDenied` when it refuses. Called outside any transaction."""
        ...


@dataclass(frozen=True)
class Grant:
    """What `authorize` decided: the artifact, and the caller when it was charged here."""

    caller: Principal | None
    artifact: Permitted


class DownloadService:
    def __init__(
        self,
        db: Database,
        blobs: BlobStore,
        users: UserService,
        *,
        guard: DownloadGuard = download_guard,
        monitors: MonitorGate | None = None,
        presign: Callable[[str, str], str] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        # `presign(sha256, filename)`: a short-lived URL of the blob on the store itself,
        # when downloads are redirected there (S3_DOWNLOAD=redirect); None to proxy.
        self.presign = presign
        self.db = db
        self.blobs = blobs
        self.users = users
        self.guard = guard
        self.monitors = monitors
        self.clock = clock

    def authorize(
        self,
        artifact_id: str,
        who: User | Credential,
        *,
        use: Use | Callable[[Permitted], Use],
    ) -> Grant:
        """The one check of "may this caller download artifact X": existence, the guard,
        then a sensitive model's monitor program.

        `who` is a user already authenticated, or a credential whose use is counted
        here, in the same transaction as the audit event. `use` (or `use(found)`) says
        what the request does: a START is a download (audited once, however many
        requests it takes); LOOK and RESUME are not audited again. A request for
        something that does not exist still spends a token use (as every request
        does): its error is raised after the commit. The monitor runs after the commit,
        outside any transaction: a program may take seconds.
        """
        failure: RegistryError | None = None
        caller: Principal | None = None
        found: Permitted | None = None
        gate: Gate | None = None
        chosen = Use.LOOK
        with self.db.transaction() as session:
            if isinstance(who, Credential):
                caller = self.users.charge(session, who)
                user = caller.user
            else:
                user = who
            row = ArtifactRepository(session).get(artifact_id)
            try:
                if row is None:
                    raise NotFound(f"no artifact with id {artifact_id}")
                self.guard(session, row, user)
                found = Permitted.of(row)
                chosen = use(found) if callable(use) else use
                if self.monitors is not None and chosen is not Use.LOOK:
                    gate = self.monitors.gate(session, row)
            except RegistryError as exc:
                failure = exc
            else:
                if chosen is Use.START and gate is None:
                    record_event(session, AuditAction.DOWNLOAD, row, user, self.clock())
        if failure is not None:
            raise failure
        assert found is not None
        if gate is not None and self.monitors is not None:
            self.monitors.decide(found, gate, user, chosen)
        return Grant(caller, found)

    def _serve(
        self,
        artifact_id: str,
        credential: Credential,
        describe: Callable[[Permitted], T],
        client_has: Callable[[str], bool],
        use: Use,
    ) -> Served[T]:
        chosen: list[T] = []

        def decide(found: Permitted) -> Use:
            chosen.append(describe(found))  # raises (404 for missing parts) before recording
            return Use.LOOK if client_has(chosen[0].etag) else use

        grant = self.authorize(artifact_id, credential, use=decide)
        assert grant.caller is not None
        download = chosen[0]
        return Served(grant.caller, download, client_has(download.etag))

    def bundle(
        self,
        artifact_id: str,
        credential: Credential,
        client_has: Callable[[str], bool],
        *,
        use: Use = Use.START,
    ) -> Served[BundleInfo]:
        """The stored bundle; `client_has(etag)` tells whether the client holds it, and
        `use` what the request does (a HEAD looks, a range from past byte 0 resumes)."""
        return self._serve(
            artifact_id,
            credential,
            lambda a: BundleInfo(a.artifact_id, a.name, a.bundle_sha256, a.bundle_size, a.type),
            client_has,
            use,
        )

    def parts(
        self,
        artifact_id: str,
        parts: tuple[FileRole, ...],
        credential: Credential,
        client_has: Callable[[str], bool],
        *,
        use: Use = Use.START,
    ) -> Served[PartsDownload]:
        if not parts:
            raise BadRequest("name at least one part to download")

        def describe(found: Permitted) -> PartsDownload:
            chosen = tuple(f for f in found.files if f.role in parts)
            if not chosen:
                wanted = ", ".join(p.value for p in parts)
                raise NotFound(f"artifact {found.artifact_id} has no files in the part(s) {wanted}")
            h = hashlib.sha256()
            for f in sorted(chosen, key=lambda f: f.path):
                h.update(f"{f.path}\0{f.sha256}\n".encode())
            return PartsDownload(
                found.artifact_id, found.name, h.hexdigest(), chosen, parts, found.type
            )

        served = self._serve(artifact_id, credential, describe, client_has, use)
        if not served.not_modified:
            # The zip is streamed after the headers are sent: find a lost blob before.
            require_referenced(self.blobs, {f.sha256 for f in served.download.files})
        return served

    def read(self, sha256: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        return read_referenced(self.blobs, sha256, start, end)

    def redirect_url(self, bundle: BundleInfo, filename: str) -> str | None:
        """Where to send the client for the bytes instead of serving them (a presigned
        S3 URL), or None to serve them. Call only after `bundle` authorised and audited
        the request: the URL itself is the permission, for a few minutes."""
        if self.presign is None:
            return None
        return self.presign(bundle.sha256, filename)

    def open_local(self, sha256: str, start: int = 0) -> BinaryIO | None:
        """The blob as an open file positioned at `start`, when the store keeps it on
        this host (the server can then send it with sendfile); None otherwise."""
        return open_referenced(self.blobs, sha256, start)

    def stream_parts(self, download: PartsDownload) -> Iterator[bytes]:
        entries = [
            (f.path, f.size, (lambda digest=f.sha256: self.read(digest))) for f in download.files
        ]
        return stream_zip(entries)
