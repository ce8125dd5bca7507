"""Engine, sessions, transactions and the blob lock.

SQLite (the laptop default) and PostgreSQL (production) behave differently under
concurrency; this module hides the difference behind `Database`:

- `transaction()` is a write transaction. On SQLite it starts with BEGIN IMMEDIATE
  so two writers queue on the busy timeout instead of failing when a read
  transaction tries to upgrade to a write.
- `blob_lock()` serialises the moments when blobs gain or lose their last
  reference (ingest commit, delete, reset, gc) across threads, processes and, on
  PostgreSQL, hosts.
"""

from __future__ import annotations

import fcntl
import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from registry.domain.errors import StorageUnavailable


def normalize_database_url(raw: str) -> URL:
    """Accept the usual `postgresql://user:pass@host/db` (as RDS hands out) and
    `postgres://`, and pick the psycopg 3 driver that the registry ships with."""
    url = make_url(
        raw.replace("postgres://", "postgresql://", 1) if raw.startswith("postgres://") else raw
    )
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() not in {"postgresql", "sqlite"}:
        raise ValueError(
            f"DATABASE_URL must be a postgresql:// or sqlite:// URL, got {url.get_backend_name()}"
        )
    return url


class Database:
    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = normalize_database_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.engine = self._make_engine(echo)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._write_sessions = sessionmaker(
            self.engine.execution_options(registry_write=True), expire_on_commit=False
        )
        # name -> [lock, threads holding or waiting for it]; an entry lives only while
        # someone uses it, so one lock per rated artifact does not pile up forever.
        self._thread_locks: dict[str, list[Any]] = {}
        self._thread_locks_guard = threading.Lock()
        self._try_guards: dict[str, threading.Lock] = {}  # few fixed names (try_lock)

    def _make_engine(self, echo: bool) -> Engine:
        if not self.is_sqlite:
            return create_engine(
                self.url,
                echo=echo,
                pool_pre_ping=True,
                pool_size=10,
                max_overflow=20,
                # An unreachable server fails a request (and a health probe) in bounded time.
                connect_args={"connect_timeout": 10},
            )
        # The file's folder is created at startup (`registry.startup`), not here.
        in_memory = (self.url.database or "") in {"", ":memory:"}
        engine = create_engine(
            self.url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": 30},
            poolclass=StaticPool if in_memory else None,
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            # Take transaction control from the driver so BEGIN is ours to emit.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            if not in_memory:
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            write = conn.get_execution_options().get("registry_write", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only unit of work. Rows read here stay readable after it ends
        (closing detaches them without expiring what was loaded)."""
        with self._sessions() as session:
            try:
                yield session
            except OperationalError as exc:
                raise StorageUnavailable(f"database unavailable: {exc.orig}") from exc

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write unit of work: commits on success, rolls back on any error."""
        with self._write_sessions() as session:
            try:
                yield session
                session.commit()
            except OperationalError as exc:
                session.rollback()
                raise StorageUnavailable(f"database unavailable: {exc.orig}") from exc
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def blob_lock(self) -> Iterator[None]:
        """Serialise blob reference changes (see module docstring)."""
        with self.named_lock("blobs"):
            yield

    @contextmanager
    def named_lock(self, name: str) -> Iterator[None]:
        """An exclusive lock across threads and processes (and hosts, on PostgreSQL)."""
        with self._thread_lock(name):
            if not self.is_sqlite:
                key = _advisory_key(name)
                with self.engine.connect() as conn:
                    conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
                    conn.commit()
                    try:
                        yield
                    finally:
                        conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                        conn.commit()
                return
            path = self._lock_file(name)
            if path is None:
                yield
                return
            with open(path, "a+b") as fh:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    @contextmanager
    def try_lock(self, name: str) -> Iterator[bool]:
        """Like `named_lock`, but without waiting: yields False when someone holds it."""
        guard = self._try_guards.setdefault(name, threading.Lock())
        if not guard.acquire(blocking=False):
            yield False
            return
        try:
            if not self.is_sqlite:
                key = _advisory_key(name)
                with self.engine.connect() as conn:
                    query = text("SELECT pg_try_advisory_lock(:k)")
                    got = bool(conn.execute(query, {"k": key}).scalar())
                    conn.commit()
                    try:
                        yield got
                    finally:
                        if got:
                            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                            conn.commit()
                return
            path = self._lock_file(name)
            if path is None:
                yield True
                return
            with open(path, "a+b") as fh:
                try:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    yield False
                    return
                try:
                    yield True
                finally:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        finally:
            guard.release()

    def _lock_file(self, name: str) -> str | None:
        """The SQLite lock file of `name`; None for an in-memory database (one process).

        One file per family ("rating:<id>" -> "rating"): a laptop registry serialises
        such work across its processes instead of littering files."""
        database = self.url.database or ""
        if database in {"", ":memory:"}:
            return None
        family = name.split(":", 1)[0]
        return f"{database}.{'bloblock' if family == 'blobs' else f'{family}.lock'}"

    @contextmanager
    def _thread_lock(self, name: str) -> Iterator[None]:
        """Exclusive among this process's threads; the entry goes when the last one leaves."""
        with self._thread_locks_guard:
            entry = self._thread_locks.setdefault(name, [threading.Lock(), 0])
            entry[1] += 1
        try:
            with entry[0]:
                yield
        finally:
            with self._thread_locks_guard:
                entry[1] -= 1
                if entry[1] == 0:
                    del self._thread_locks[name]

    def dispose(self) -> None:
        self.engine.dispose()


def _advisory_key(name: str) -> int:
    """The PostgreSQL advisory lock key of a lock name."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
