"""Sensitive models: monitor programs that decide each download.

An uploader attaches a JavaScript program to a model (PUT .../monitor); every version is
kept, the newest decides. Before a download of the model starts, the program runs in the
jail (`registry.sandbox`, wired by app.py as the `MonitorRunner`) as
`node monitor.js MODEL_NAME UPLOADER_USERNAME DOWNLOADER_USERNAME ZIP_FILE_PATH`;
exit 0 allows the download, anything else (a non-zero exit, a hang, a crash, a limit
hit) refuses it with the program's stdout as the reason. Each decision is an audit
event (DOWNLOAD, outcome allowed or refused, with the program's output).

A range that resumes a transfer does not run the program again: it is served when the
same user was allowed the same bundle under the same program version within
MONITOR_RESUME_SECONDS, and decided afresh otherwise, so a range cannot skip the check.
"""

from __future__ import annotations

import shutil
import stat
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from registry.db.access import MonitorRepository
from registry.db.models import ArtifactRow, MonitorRow
from registry.db.repositories import ArtifactRepository, AuditRepository
from registry.db.session import Database
from registry.domain.errors import BadRequest, Busy, Conflict, NotFound, PermissionDenied
from registry.domain.models import ArtifactType, AuditAction, User
from registry.services.access import not_found, require_manager
from registry.services.audit import ALLOWED, REFUSED, record_event
from registry.services.blobs import read_referenced
from registry.services.download import Gate, Permitted, Use
from registry.storage.blobs import BlobStore

MAX_PROGRAM_BYTES = 256 << 10
MAX_RECORDED_OUTPUT = 8 << 10  # characters of the program's output kept per decision


class Decision(Protocol):
    """What a monitor run decided (`registry.sandbox.monitor.MonitorVerdict`)."""

    @property
    def allowed(self) -> bool: ...
    @property
    def exit_code(self) -> int | None: ...
    @property
    def output(self) -> str: ...
    @property
    def problem(self) -> str | None: ...
    @property
    def message(self) -> str: ...


class MonitorRunner(Protocol):
    """Runs one program on one download, confined; the verdict is always a value."""

    def __call__(
        self, program_text: str, *, model_name: str, uploader: str, downloader: str, zip_path: Path
    ) -> Decision: ...


@dataclass(frozen=True)
class MonitorVersion:
    version: int
    program: str | None  # None: the monitor was removed in this version
    created_at: datetime
    created_by: str


@dataclass(frozen=True)
class _Unrunnable:
    """The verdict when this registry has no way to run monitor programs."""

    allowed: bool = False
    exit_code: int | None = None
    output: str = ""
    problem: str | None = "cannot be run on this registry (no jail is configured)"

    @property
    def message(self) -> str:
        return f"the model's monitor program {self.problem}"


def check_program(text: str) -> str:
    if not text.strip():
        raise BadRequest("the monitor program is empty; send the JavaScript text")
    if "\0" in text:
        raise BadRequest("the monitor program contains a NUL character; send JavaScript text")
    if len(text.encode("utf-8")) > MAX_PROGRAM_BYTES:
        raise BadRequest(f"the monitor program is larger than {MAX_PROGRAM_BYTES} bytes")
    return text


def _shareable(path: Path) -> bool:
    """Whether the jail's (unprivileged) user may be shown the file as it is: readable
    by others, writable by nobody else. A store kept under a strict umask is copied."""
    mode = path.stat().st_mode
    return bool(mode & stat.S_IROTH) and not mode & (stat.S_IWOTH | stat.S_IWGRP)


def _version(row: MonitorRow) -> MonitorVersion:
    return MonitorVersion(row.version, row.program, row.created_at, row.created_by)


class MonitorService:
    def __init__(
        self,
        db: Database,
        blobs: BlobStore,
        runner: MonitorRunner | None,
        *,
        work_root: Path,
        concurrency: int,
        resume_window: timedelta,
        wait_seconds: float,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.db = db
        self.blobs = blobs
        self.runner = runner
        self.work_root = work_root
        self.resume_window = resume_window
        self.wait_seconds = wait_seconds
        self.clock = clock
        # Bounds the programs one process runs at once (each is a jailed Node.js).
        self._slots = threading.BoundedSemaphore(concurrency)

    # -- managing a model's program (its uploader, group members, admins) ------------

    def put(self, artifact_id: str, program: str | None, caller: User) -> MonitorVersion:
        """A new version: the program, or None to stop guarding the model."""
        if program is not None:
            check_program(program)
        try:
            with self.db.transaction() as session:
                row = self._managed(session, artifact_id, caller, "attach a monitor program to")
                repo = MonitorRepository(session)
                latest = repo.latest(row.seq)
                if program is None and (latest is None or latest.program is None):
                    raise NotFound(f"model {artifact_id} has no monitor program to remove")
                added = MonitorRow(
                    artifact_seq=row.seq,
                    version=(latest.version if latest else 0) + 1,
                    program=program,
                    created_at=self.clock(),
                    created_by=caller.name,
                )
                repo.add(added)
                detail = {"monitor": {"version": added.version, "removed": program is None}}
                record_event(
                    session, AuditAction.UPDATE, row, caller, added.created_at, detail=detail
                )
                return _version(added)
        except IntegrityError as exc:  # two changes at once: both took the same number
            raise Conflict("the monitor program was changed concurrently; send it again") from exc

    def get(self, artifact_id: str, caller: User, version: int | None = None) -> MonitorVersion:
        with self.db.read() as session:
            row = self._managed(session, artifact_id, caller, "read the monitor program of")
            repo = MonitorRepository(session)
            found = repo.latest(row.seq) if version is None else repo.version(row.seq, version)
            if found is None:
                which = "a monitor program" if version is None else f"monitor version {version}"
                raise NotFound(f"model {artifact_id} has no {which}")
            return _version(found)

    def history(self, artifact_id: str, caller: User) -> list[MonitorVersion]:
        with self.db.read() as session:
            row = self._managed(session, artifact_id, caller, "read the monitor programs of")
            return [_version(r) for r in MonitorRepository(session).versions(row.seq)]

    @staticmethod
    def _managed(session: Session, artifact_id: str, caller: User, verb: str) -> ArtifactRow:
        row = ArtifactRepository(session, caller).get(artifact_id)
        if row is None or row.type != ArtifactType.MODEL.value:
            raise not_found(artifact_id, ArtifactType.MODEL)
        require_manager(session, row, caller, verb)
        return row

    # -- deciding downloads (MonitorGate of the DownloadService) -----------------------

    def gate(self, session: Session, artifact: ArtifactRow) -> Gate | None:
        latest = MonitorRepository(session).latest(artifact.seq)
        if latest is None or latest.program is None:
            return None
        return Gate(latest.version, latest.program, artifact.created_by or "")

    def decide(self, found: Permitted, gate: Gate, user: User, use: Use) -> None:
        if use is Use.RESUME and self._allowed_recently(found, gate, user):
            return
        verdict = self._run(found, gate, user)
        detail = {
            "monitor_version": gate.version,
            "bundle_sha256": found.bundle_sha256,
            "exit_code": verdict.exit_code,
            "output": verdict.output[:MAX_RECORDED_OUTPUT],
            "problem": verdict.problem,
        }
        with self.db.transaction() as session:
            row = ArtifactRepository(session).get(found.artifact_id)
            if row is not None:
                outcome = ALLOWED if verdict.allowed else REFUSED
                record_event(
                    session,
                    AuditAction.DOWNLOAD,
                    row,
                    user,
                    self.clock(),
                    outcome=outcome,
                    detail=detail,
                )
        if not verdict.allowed:
            raise PermissionDenied(
                "the download was refused by the model's monitor program: "
                + verdict.message[:MAX_RECORDED_OUTPUT],
                monitor_version=gate.version,
            )

    def _allowed_recently(self, found: Permitted, gate: Gate, user: User) -> bool:
        with self.db.read() as session:
            last = AuditRepository(session).last_decision(found.artifact_id, user.name)
        if last is None or last.outcome != ALLOWED or not isinstance(last.detail, dict):
            return False
        return (
            last.detail.get("monitor_version") == gate.version
            and last.detail.get("bundle_sha256") == found.bundle_sha256
            and self.clock() - last.at <= self.resume_window
        )

    def _run(self, found: Permitted, gate: Gate, user: User) -> Decision:
        if self.runner is None:
            return _Unrunnable()
        if not self._slots.acquire(timeout=self.wait_seconds):
            raise Busy("too many monitor programs are running; try the download again shortly")
        try:
            with self._bundle(found.bundle_sha256) as zip_path:
                return self.runner(
                    gate.program,
                    model_name=found.name,
                    uploader=gate.uploader,
                    downloader=user.name,
                    zip_path=zip_path,
                )
        finally:
            self._slots.release()

    @contextmanager
    def _bundle(self, digest: str) -> Iterator[Path]:
        """The bundle as a file the jail can show read-only: the blob itself when the
        store keeps files on this host, else a private copy removed afterwards."""
        local = self.blobs.local_path(digest)
        if local is not None and _shareable(local):
            yield local
            return
        self.work_root.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix="monitor-", dir=self.work_root))
        try:
            path = folder / "bundle.zip"
            with path.open("wb") as out:
                for chunk in read_referenced(self.blobs, digest):
                    out.write(chunk)
            path.chmod(0o644)  # the jail's user reads it; nobody may write it
            yield path
        finally:
            shutil.rmtree(folder, ignore_errors=True)
