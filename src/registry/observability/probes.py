"""Probes of what the registry depends on, and the startup check built from them.

- the database: `SELECT 1`, then its size;
- the blob store: write, read back and delete a tiny blob of its own;
- the upstreams (Hugging Face, GitHub): one HTTP request, any answer below 500 counts.

A probe runs at most once per HEALTH_PROBE_SECONDS (UPSTREAM_PROBE_SECONDS for the
upstreams) in each process, in a thread of its own: a health request waits for a
local probe at most PROBE_WAIT seconds (then reports it as hanging), and never waits
for an upstream one (it reads the last result, and the next probe runs behind it).
"""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import func, select, text

from registry.db.models import ArtifactRow
from registry.db.session import Database
from registry.storage.blobs import BlobStore

PROBE_WAIT = 5.0  # seconds a health request waits for a database or blob store probe
UPSTREAM_TIMEOUT = 5.0


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    seconds: float
    observed_at: datetime
    error: str | None = None
    figures: dict[str, Any] = field(default_factory=dict)


Check = Callable[[], dict[str, Any]]  # raises when the dependency fails; returns figures


def run_check(check: Check) -> ProbeResult:
    started = time.perf_counter()
    try:
        figures = check()
    except Exception as exc:
        return ProbeResult(False, time.perf_counter() - started, _now(), _reason(exc))
    return ProbeResult(True, time.perf_counter() - started, _now(), None, figures)


def _now() -> datetime:
    return datetime.now(UTC)


def _reason(exc: BaseException) -> str:
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return " ".join(str(message).split())[:500]


class CachedProbe:
    """A check run at most every `ttl` seconds, in a background thread."""

    def __init__(
        self,
        check: Check,
        ttl: float,
        wait: float,
        on_result: Callable[[ProbeResult], None] = lambda _: None,
    ) -> None:
        self.check = check
        self.ttl = ttl
        self.wait = wait
        self.on_result = on_result
        self._last: ProbeResult | None = None
        self._fetched = 0.0  # time.monotonic() of the last result
        self._running: threading.Thread | None = None
        self._started_at = 0.0
        self._lock = threading.Lock()

    def result(self) -> ProbeResult | None:
        """The freshest result; None before the first probe ends (for `wait` = 0)."""
        with self._lock:
            last = self._last
            fresh = last is not None and time.monotonic() - self._fetched < self.ttl
            if not fresh and self._running is None:
                self._started_at = time.monotonic()
                self._running = threading.Thread(target=self._probe, daemon=True)
                self._running.start()
            running = self._running
        if running is not None and self.wait > 0:
            running.join(max(0.0, self._started_at + self.wait - time.monotonic()))
            with self._lock:
                if self._running is running:  # still going: a hanging dependency
                    waited = time.monotonic() - self._started_at
                    return ProbeResult(
                        False, waited, _now(), f"no answer after {waited:.1f} s (still waiting)"
                    )
                return self._last
        return last

    def _probe(self) -> None:
        result = run_check(self.check)
        with self._lock:
            self._last = result
            self._fetched = time.monotonic()
            self._running = None
        self.on_result(result)


def _select_one(conn: Any, db: Database) -> None:
    if not db.is_sqlite:
        conn.execute(text("SET LOCAL statement_timeout = 5000"))
    conn.execute(text("SELECT 1")).scalar_one()


def ping_database(db: Database) -> Check:
    """Only `SELECT 1`: whether the database answers (before any migration)."""

    def check() -> dict[str, Any]:
        with db.engine.connect() as conn:
            _select_one(conn, db)
        return {}

    return check


def database_check(db: Database) -> Check:
    def check() -> dict[str, Any]:
        with db.engine.connect() as conn:
            _select_one(conn, db)
            if db.is_sqlite:
                size = conn.execute(
                    text("SELECT page_count * page_size FROM pragma_page_count, pragma_page_size")
                ).scalar_one()
            else:
                size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar()
            artifacts = conn.execute(select(func.count()).select_from(ArtifactRow)).scalar_one()
        return {"size_bytes": int(size or 0), "artifacts": int(artifacts)}

    return check


def blob_store_check(
    blobs: BlobStore,
    scratch: Path,
    db: Database | None = None,
    space: Callable[[], dict[str, int]] | None = None,
) -> Check:
    """Write, read back and delete a small blob nobody else can have (its bytes carry
    a fresh uuid), then add what the store's space figures say."""

    def check() -> dict[str, Any]:
        payload = f"registry health probe {uuid.uuid4()}\n".encode()
        digest = hashlib.sha256(payload).hexdigest()
        scratch.mkdir(parents=True, exist_ok=True)
        local = scratch / f"probe-{digest[:16]}"
        local.write_bytes(payload)
        try:
            blobs.put_file(digest, local)
            back = b"".join(blobs.read(digest))
            blobs.delete(digest)
        finally:
            local.unlink(missing_ok=True)
        if back != payload:
            raise OSError(f"the probe blob {digest} read back {len(back)} different bytes")
        figures: dict[str, Any] = dict(space()) if space else {}
        if db is not None:
            with db.engine.connect() as conn:
                stored = conn.execute(
                    select(func.coalesce(func.sum(ArtifactRow.size + ArtifactRow.bundle_size), 0))
                ).scalar_one()
            figures["artifact_bytes"] = int(stored)
        return figures

    return check


def upstream_check(url: str, headers: dict[str, str] | None = None) -> Check:
    def check() -> dict[str, Any]:
        resp = requests.get(url, headers=headers or {}, timeout=UPSTREAM_TIMEOUT, stream=True)
        resp.close()
        if resp.status_code >= 500:
            raise OSError(f"{url} answered {resp.status_code}")
        return {"status_code": resp.status_code}

    return check


class StartupCheckFailed(RuntimeError):
    """A dependency the registry cannot serve without is unreachable or read-only."""


def require_database(db: Database, write: bool = True) -> None:
    """StartupCheckFailed unless the database answers (and takes a write)."""
    result = run_check(ping_database(db))
    if result.ok and write:
        result = run_check(_write_check(db))
    if not result.ok:
        url = db.url.render_as_string(hide_password=True)
        raise StartupCheckFailed(f"the database ({url}) is not usable: {result.error}")


def check_dependencies(db: Database, blobs: BlobStore, scratch: Path, where: str) -> None:
    """Refuse to start, saying which and why, unless the database answers and takes a
    write, and the blob store takes a write, a read and a delete. `where` names the
    blob store for the message (bucket or folder)."""
    require_database(db)
    result = run_check(blob_store_check(blobs, scratch))
    if not result.ok:
        raise StartupCheckFailed(f"the blob store ({where}) is not writable: {result.error}")


def _write_check(db: Database) -> Check:
    def check() -> dict[str, Any]:
        # A write that changes nothing: refused by a read-only database or replica.
        with db.transaction() as session:
            session.execute(text("UPDATE blob_epoch SET value = value WHERE id = 1"))
        return {}

    return check
