"""Shared per-minute counters: the database (default) or Redis (`REDIS_URL`).

Every process adds to one buffer in memory (a dict increment: the whole per-request
cost) and a background thread writes the buffer out every STATS_FLUSH_SECONDS, as
one batch of upserts. So a figure reaches the other workers and instances within
that delay; a reader flushes its own process's buffer first, so it always sees its
own requests. Nothing is lost while the store is down, up to MAX_PENDING keys.
"""

from __future__ import annotations

import atexit
import os
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import structlog
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from registry.db.models import StatCounterRow
from registry.db.session import Database
from registry.observability.figures import MAX_WINDOW, minute_of

log = structlog.get_logger(__name__)
Counts = dict[tuple[int, str], int]
RETAIN_MINUTES = MAX_WINDOW + 60  # a day and an hour: the longest window, with margin
MAX_PENDING = 50_000  # keys held while the store is unreachable, then new ones are dropped


class CounterStore(Protocol):
    def add(self, counts: Mapping[tuple[int, str], int]) -> None:
        """Add each count to its (minute, key) figure, creating it at 0."""

    def read(self, first: int, last: int) -> Counts:
        """Every figure of the minutes first..last (inclusive)."""
        ...

    def prune(self, before: int) -> None:
        """Forget the minutes before `before`."""


class DatabaseCounters:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, counts: Mapping[tuple[int, str], int]) -> None:
        if not counts:
            return
        rows = [{"minute": m, "key": k, "value": v} for (m, k), v in sorted(counts.items())]
        insert = sqlite_insert if self.db.is_sqlite else pg_insert
        stmt = insert(StatCounterRow)
        stmt = stmt.on_conflict_do_update(
            index_elements=["minute", "key"],
            set_={"value": StatCounterRow.value + stmt.excluded.value},
        )
        # Sorted rows: two processes upserting the same keys lock them in one order.
        with self.db.transaction() as session:
            session.execute(stmt, rows)

    def read(self, first: int, last: int) -> Counts:
        query = select(StatCounterRow.minute, StatCounterRow.key, StatCounterRow.value).where(
            StatCounterRow.minute.between(first, last)
        )
        with self.db.read() as session:
            return {(m, k): int(v) for m, k, v in session.execute(query)}

    def prune(self, before: int) -> None:
        with self.db.transaction() as session:
            session.execute(delete(StatCounterRow).where(StatCounterRow.minute < before))


class RedisCounters:
    """One hash per minute (`<REDIS_KEY_PREFIX>stats:<minute>`), expiring after a day
    and an hour."""

    def __init__(self, client: Any, prefix: str = "registry:") -> None:
        self.redis = client
        self.prefix = f"{prefix}stats:"

    def add(self, counts: Mapping[tuple[int, str], int]) -> None:
        if not counts:
            return
        pipe = self.redis.pipeline(transaction=False)
        minutes = set()
        for (minute, name), value in counts.items():
            pipe.hincrby(f"{self.prefix}{minute}", name, value)
            minutes.add(minute)
        for minute in minutes:
            pipe.expire(f"{self.prefix}{minute}", RETAIN_MINUTES * 60)
        pipe.execute()

    def read(self, first: int, last: int) -> Counts:
        pipe = self.redis.pipeline(transaction=False)
        minutes = range(first, last + 1)
        for minute in minutes:
            pipe.hgetall(f"{self.prefix}{minute}")
        found: Counts = {}
        for minute, fields in zip(minutes, pipe.execute(), strict=True):
            for name, value in fields.items():
                found[(minute, _text(name))] = int(value)
        return found

    def prune(self, before: int) -> None:
        """Nothing to do: the hashes expire by themselves."""


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class BufferedCounters:
    """The per-process buffer in front of a `CounterStore` (see the module docstring)."""

    def __init__(
        self,
        store: CounterStore,
        flush_seconds: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.flush_seconds = flush_seconds
        self.clock = clock
        self._pending: Counts = {}
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._ticker = Ticker(self.flush, flush_seconds, "counters-flush")
        self._last_prune = 0.0
        self.dropped = 0

    def add(self, name: str, amount: int = 1, at: float | None = None) -> None:
        slot = (minute_of(self.clock() if at is None else at), name)
        with self._lock:
            if slot not in self._pending and len(self._pending) >= MAX_PENDING:
                self.dropped += amount
                return
            self._pending[slot] = self._pending.get(slot, 0) + amount
        self._ensure_flusher()

    def read(self, first: int, last: int) -> Counts:
        """Figures of every process, this one's unflushed ones included."""
        self.flush()
        return self.store.read(first, last)

    def flush(self) -> None:
        with self._flush_lock:
            with self._lock:
                batch, self._pending = self._pending, {}
            try:
                self.store.add(batch)
            except Exception as exc:
                # Keep the figures for the next attempt; the health report shows the outage.
                with self._lock:
                    for slot, value in batch.items():
                        self._pending[slot] = self._pending.get(slot, 0) + value
                log.warning("counters_flush_failed", error=str(exc), pending=len(self._pending))
                return
            self._maybe_prune()

    def _maybe_prune(self) -> None:
        now = self.clock()
        if now - self._last_prune < 600:
            return
        self._last_prune = now
        try:
            self.store.prune(minute_of(now) - RETAIN_MINUTES)
        except Exception as exc:
            log.warning("counters_prune_failed", error=str(exc))

    def _ensure_flusher(self) -> None:
        if not self._ticker.running:
            self._ticker.start()

    def close(self) -> None:
        """Stop the flushing thread and write what is left (best effort)."""
        self._ticker.stop()
        self.flush()


class Ticker:
    """Calls `fn` every `seconds` in a daemon thread, from `start()` until `stop()`.

    Started on first use, in the process that uses it: a gunicorn worker forks before
    it loads the app, and a thread does not survive a fork. What is left is written
    when the process exits normally (atexit).
    """

    def __init__(self, fn: Callable[[], None], seconds: float, name: str) -> None:
        self.fn = fn
        self.seconds = seconds
        self.name = name
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._starting = threading.Lock()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._pid == os.getpid() and not self._stop.is_set()

    def start(self) -> None:
        with self._starting:
            if self.running or self._stop.is_set():
                return
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self._thread.start()
            atexit.register(self.fn)

    def stop(self) -> None:
        self._stop.set()
        atexit.unregister(self.fn)

    def _run(self) -> None:
        while not self._stop.wait(self.seconds):
            self.fn()
