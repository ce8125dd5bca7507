"""The shared figures and recent log lines on their real stores: each database, and
Redis. Two buffers stand for two processes: their figures add up in the store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import redis

from registry.db.session import Database
from registry.observability.counters import (
    RETAIN_MINUTES,
    BufferedCounters,
    CounterStore,
    DatabaseCounters,
    RedisCounters,
)
from registry.observability.logstore import DatabaseLogs, LogLine, LogQuery, LogStore, RedisLogs
from tests.conftest import _database_url

NOW = 1_796_000_000.0  # some instant; minutes are counted from it
MINUTE = int(NOW // 60)


STORES = ["sqlite", "postgres", "redis"]


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Any]]:
    """("database", a migrated Database) or ("redis", (client, a prefix of its own))."""
    if request.param == "redis":
        prefix = request.getfixturevalue("redis_prefix")
        yield "redis", (redis.Redis.from_url(request.getfixturevalue("redis_url")), prefix)
        return
    database = Database(_database_url(request.param, request, tmp_path))
    yield "database", database
    database.dispose()


@pytest.fixture
def counters(store: tuple[str, Any]) -> CounterStore:
    kind, backend = store
    return DatabaseCounters(backend) if kind == "database" else RedisCounters(*backend)


@pytest.fixture
def logs(store: tuple[str, Any]) -> LogStore:
    kind, backend = store
    if kind == "database":
        return DatabaseLogs(backend, keep=5)
    client, prefix = backend
    return RedisLogs(client, keep=5, prefix=prefix)


def test_figures_of_two_processes_add_up_in_the_store(counters: CounterStore) -> None:
    first = BufferedCounters(counters, flush_seconds=60, clock=lambda: NOW)
    second = BufferedCounters(counters, flush_seconds=60, clock=lambda: NOW)
    for _ in range(3):
        first.add("req|GET /health|-|200|0")
    second.add("req|GET /health|-|200|0", 4)
    second.add("req|GET /health|-|200|0", at=NOW - 60)  # the minute before
    first.flush()
    second.flush()
    assert counters.read(MINUTE, MINUTE) == {(MINUTE, "req|GET /health|-|200|0"): 7}
    assert counters.read(MINUTE - 1, MINUTE) == {
        (MINUTE - 1, "req|GET /health|-|200|0"): 1,
        (MINUTE, "req|GET /health|-|200|0"): 7,
    }
    # A reader sees its own process's unflushed figures too.
    first.add("req|GET /health|-|200|0")
    assert first.read(MINUTE, MINUTE)[(MINUTE, "req|GET /health|-|200|0")] == 8
    first.close()
    second.close()


def test_old_minutes_are_forgotten(counters: CounterStore) -> None:
    counters.add({(MINUTE - RETAIN_MINUTES - 1, "old"): 1, (MINUTE, "new"): 2})
    counters.prune(MINUTE - RETAIN_MINUTES)
    if isinstance(counters, DatabaseCounters):
        assert counters.read(0, MINUTE) == {(MINUTE, "new"): 2}
    else:  # Redis lets the hash of each minute expire by itself
        ttl = counters.redis.ttl(f"{counters.prefix}{MINUTE}")
        assert 0 < ttl <= RETAIN_MINUTES * 60


def _line(n: int, level: str = "info", logger: str = "registry.access") -> LogLine:
    at = datetime(2026, 12, 1, tzinfo=UTC) + timedelta(seconds=n)
    return LogLine(at, level, logger, f"event-{n}", f"req-{n}", f'{{"event": "event-{n}"}}')


def test_recent_lines_newest_first_filtered_and_capped(logs: LogStore) -> None:
    logs.append([_line(1), _line(2, "error", "registry.db.session"), _line(3)])
    logs.append([_line(4, "warning", "registry.sources.github_client"), _line(5)])
    newest = logs.recent(LogQuery(limit=10))
    assert [line.event for line in newest] == [
        "event-5",
        "event-4",
        "event-3",
        "event-2",
        "event-1",
    ]
    assert newest[0].at == _line(5).at and newest[0].request_id == "req-5"
    assert [line.event for line in logs.recent(LogQuery(level="warning"))] == ["event-4", "event-2"]
    db_lines = logs.recent(LogQuery(loggers=("registry.db",)))
    assert [line.event for line in db_lines] == ["event-2"]
    assert [line.event for line in logs.recent(LogQuery(text="EVENT-3"))] == ["event-3"]
    assert [line.event for line in logs.recent(LogQuery(request_id="req-1"))] == ["event-1"]
    assert len(logs.recent(LogQuery(limit=2))) == 2
    # Only the newest `keep` (5) lines are kept.
    logs.append([_line(6), _line(7)])
    assert [line.event for line in logs.recent(LogQuery(limit=10))][-1] == "event-3"


def test_text_filters_match_literally(logs: LogStore) -> None:
    logs.append(
        [
            LogLine(_line(1).at, "info", "x", "a", None, '{"path": "/a_b"}'),
            LogLine(_line(2).at, "info", "x", "b", None, '{"path": "/aXb 100%"}'),
        ]
    )
    assert [line.event for line in logs.recent(LogQuery(text="a_b"))] == ["a"]
    assert [line.event for line in logs.recent(LogQuery(text="100%"))] == ["b"]
