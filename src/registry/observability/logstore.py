"""Recent log lines of every worker and instance, for the dashboard and health reports.

A logging handler buffers each line (as the JSON the other handlers write) and a
background thread appends the buffer to the shared store every STATS_FLUSH_SECONDS:
the `log_lines` table, or a capped Redis list when REDIS_URL is set. Only the newest
LOG_RETAIN_LINES are kept; LOG_FILE and CloudWatch keep the full history.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import deque
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import delete, func, or_, select

from registry.db.models import LogLineRow
from registry.db.session import Database
from registry.observability.counters import Ticker

LEVELS = ("debug", "info", "warning", "error", "critical")
MAX_PENDING_LINES = 5000  # lines held while the store is unreachable; older ones go first
MAX_LINE_CHARS = 64 * 1024  # a line with a very long traceback is cut here


@dataclass(frozen=True)
class LogLine:
    at: datetime
    level: str
    logger: str
    event: str
    request_id: str | None
    line: str

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "at": self.at.isoformat()}


@dataclass(frozen=True)
class LogQuery:
    """Which lines to show: at least `level`, from loggers under one of `loggers`
    (all when empty), containing `text`, of one request; newest first, `limit` of them."""

    level: str = "debug"
    loggers: tuple[str, ...] = ()
    text: str = ""
    request_id: str = ""
    limit: int = 100

    def levels(self) -> tuple[str, ...]:
        return LEVELS[LEVELS.index(self.level) :] if self.level in LEVELS else LEVELS

    def matches(self, line: LogLine) -> bool:
        return (
            line.level in self.levels()
            and (not self.loggers or any(line.logger.startswith(p) for p in self.loggers))
            and self.text.lower() in line.line.lower()
            and (not self.request_id or line.request_id == self.request_id)
        )


class LogStore(Protocol):
    def append(self, lines: list[LogLine]) -> None: ...

    def recent(self, query: LogQuery) -> list[LogLine]: ...


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class DatabaseLogs:
    def __init__(self, db: Database, keep: int) -> None:
        self.db = db
        self.keep = keep

    def append(self, lines: list[LogLine]) -> None:
        if not lines:
            return
        with self.db.transaction() as session:
            session.add_all(LogLineRow(**asdict(line)) for line in lines)
            session.flush()
            newest = session.scalar(select(func.max(LogLineRow.id))) or 0
            session.execute(delete(LogLineRow).where(LogLineRow.id <= newest - self.keep))

    def recent(self, query: LogQuery) -> list[LogLine]:
        stmt = select(LogLineRow).where(LogLineRow.level.in_(query.levels()))
        if query.loggers:
            stmt = stmt.where(or_(*(LogLineRow.logger.startswith(p) for p in query.loggers)))
        if query.text:
            stmt = stmt.where(func.lower(LogLineRow.line).like(_like(query.text.lower()), "\\"))
        if query.request_id:
            stmt = stmt.where(LogLineRow.request_id == query.request_id)
        stmt = stmt.order_by(LogLineRow.id.desc()).limit(query.limit)
        with self.db.read() as session:
            return [
                LogLine(r.at, r.level, r.logger, r.event, r.request_id, r.line)
                for r in session.scalars(stmt)
            ]


class RedisLogs:
    """A list (`<REDIS_KEY_PREFIX>logs`), newest first, trimmed to `keep` lines."""

    def __init__(self, client: Any, keep: int, prefix: str = "registry:") -> None:
        self.redis = client
        self.keep = keep
        self.key = f"{prefix}logs"

    def append(self, lines: list[LogLine]) -> None:
        if not lines:
            return
        pipe = self.redis.pipeline(transaction=False)
        pipe.lpush(self.key, *(json.dumps(line.as_json()) for line in lines))
        pipe.ltrim(self.key, 0, self.keep - 1)
        pipe.execute()

    def recent(self, query: LogQuery) -> list[LogLine]:
        found = []
        for raw in self.redis.lrange(self.key, 0, self.keep - 1):  # bounded by LOG_RETAIN_LINES
            data = json.loads(raw)
            line = LogLine(**{**data, "at": datetime.fromisoformat(data["at"])})
            if query.matches(line):
                found.append(line)
                if len(found) >= query.limit:
                    break
        return found


class StoreHandler(logging.Handler):
    """Buffers every line it is given and writes the buffer to a `LogStore` in the
    background. Its formatter must render JSON (see `registry.observability.logging`)."""

    def __init__(self, store: LogStore, flush_seconds: float) -> None:
        super().__init__()
        self.store = store
        self._pending: deque[LogLine] = deque(maxlen=MAX_PENDING_LINES)
        self._guard = threading.Lock()
        self._flushing = threading.Lock()
        self._ticker = Ticker(self.flush, flush_seconds, "logs-flush")

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)[:MAX_LINE_CHARS]
            try:
                fields = json.loads(text)
            except ValueError:
                fields = {}
            fields = fields if isinstance(fields, dict) else {}
            request_id = fields.get("request_id")
            line = LogLine(
                at=datetime.fromtimestamp(record.created, UTC),
                level=record.levelname.lower(),
                logger=record.name[:128],
                event=str(fields.get("event", record.getMessage()))[:256],
                request_id=request_id[:64] if isinstance(request_id, str) else None,
                line=text,
            )
        except Exception:
            self.handleError(record)
            return
        with self._guard:
            self._pending.append(line)
        if not self._ticker.running:
            self._ticker.start()

    def flush(self) -> None:
        # One writer at a time, and never from inside a store failure's own log line.
        if not self._flushing.acquire(blocking=False):
            return
        try:
            with self._guard:
                batch = list(self._pending)
                self._pending.clear()
            try:
                self.store.append(batch)
            except Exception:
                with self._guard:  # retried next time; the oldest go first when full
                    self._pending = deque(batch + list(self._pending), MAX_PENDING_LINES)
        finally:
            self._flushing.release()

    def close(self) -> None:
        self._ticker.stop()
        self.flush()
        super().close()
