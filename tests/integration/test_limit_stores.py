"""The shared limit stores, on SQLite, PostgreSQL and Redis: counts, leases, expiry."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import redis

from registry.db.session import Database
from registry.domain.errors import TooManyRequests
from registry.limits.guards import IngestSlots, LoginGuard, LoginLimits, RateLimiter, RateLimits
from registry.limits.stores import DatabaseLimits, LimitStore, RedisLimits
from tests.conftest import _database_url

NOW = 1_800_000_000.0  # a minute boundary (divisible by 60)


class Clock:
    def __init__(self, at: float = NOW) -> None:
        self.at = at

    def __call__(self) -> float:
        return self.at


@pytest.fixture(params=["sqlite", "postgres", "redis"])
def store_and_clock(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Any, Clock]]:
    clock = Clock()
    if request.param == "redis":
        client = redis.Redis.from_url(request.getfixturevalue("redis_url"))
        yield RedisLimits(client, request.getfixturevalue("redis_prefix"), clock=clock), clock
        return
    db = Database(_database_url(request.param, request, tmp_path))
    yield DatabaseLimits(db, clock=clock), clock
    db.dispose()


@pytest.fixture
def store(store_and_clock: tuple[LimitStore, Clock]) -> LimitStore:
    return store_and_clock[0]


def test_counts_add_up_per_key_and_minute_and_clear(store: LimitStore) -> None:
    assert store.add("k", 10) == 1
    assert store.add("k", 10) == 2
    assert store.add("k", 11, 3) == 3
    assert store.add("other", 10) == 1
    assert store.counts("k", 9, 11) == {10: 2, 11: 3}
    store.clear("k", 10, 11)
    assert store.counts("k", 9, 11) == {}
    assert store.counts("other", 10, 10) == {10: 1}


def test_concurrent_adds_are_each_counted_once(store: LimitStore) -> None:
    with ThreadPoolExecutor(8) as pool:
        seen = sorted(pool.map(lambda _: store.add("race", 5), range(40)))
    assert seen == list(range(1, 41))


def test_a_full_scope_refuses_a_lease_and_holds_nothing(store: LimitStore) -> None:
    scopes = [("user:1", 1), ("all", 2)]
    assert store.acquire("a", scopes, NOW + 60) is None
    assert store.acquire("b", scopes, NOW + 60) == "user:1"
    assert store.acquire("c", [("user:2", 1), ("all", 2)], NOW + 60) is None
    assert store.acquire("d", [("user:3", 1), ("all", 2)], NOW + 60) == "all"
    store.release("a")
    assert store.acquire("e", [("user:3", 1), ("all", 2)], NOW + 60) is None


def test_an_expired_lease_frees_its_slot(store_and_clock: tuple[LimitStore, Clock]) -> None:
    store, clock = store_and_clock
    assert store.acquire("crashed", [("all", 1)], NOW + 30) is None
    assert store.acquire("next", [("all", 1)], NOW + 90) == "all"
    clock.at = NOW + 31  # the holder died without releasing; its lease ran out
    assert store.acquire("next", [("all", 1)], NOW + 90) is None


def test_concurrent_acquires_never_exceed_the_cap(store: LimitStore) -> None:
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda i: store.acquire(f"l{i}", [("all", 3)], NOW + 60), range(16)))
    assert got.count(None) == 3


def test_rate_limit_per_token_and_address(store_and_clock: tuple[LimitStore, Clock]) -> None:
    store, clock = store_and_clock
    limiter = RateLimiter(store, RateLimits({"search": 2}, address_factor=2), clock=clock)
    clock.at = NOW + 45
    limiter.check("search", "t1", "10.0.0.1")
    limiter.check("search", "t1", "10.0.0.1")
    with pytest.raises(TooManyRequests) as refused:
        limiter.check("search", "t1", "10.0.0.1")
    assert refused.value.retry_after == 15  # the seconds to the next minute
    assert "RATE_LIMIT_SEARCH_PER_MINUTE" in refused.value.message
    # Other tokens from the same address: its 3rd and 4th (a refused request is not
    # counted further), then the address is at its limit of 2 x 2.
    limiter.check("search", "t2", "10.0.0.1")
    limiter.check("search", "t3", "10.0.0.1")
    with pytest.raises(TooManyRequests, match="RATE_LIMIT_ADDRESS_FACTOR"):
        limiter.check("search", "t5", "10.0.0.1")
    limiter.check("search", "t4", "10.0.0.2")
    clock.at = NOW + 60  # a new minute
    limiter.check("search", "t1", "10.0.0.1")
    limiter.check("rating", "t1", "10.0.0.1")  # no limit configured for it here


def test_login_failures_lock_out_until_they_leave_the_window(
    store_and_clock: tuple[LimitStore, Clock],
) -> None:
    store, clock = store_and_clock
    guard = LoginGuard(store, LoginLimits(3, 100, window_seconds=300), clock=clock)
    for offset in (0, 60, 120):
        clock.at = NOW + offset
        guard.before("alice", "10.0.0.1")
        guard.failed("alice", "10.0.0.1")
    clock.at = NOW + 150
    with pytest.raises(TooManyRequests) as refused:
        guard.before("alice", "10.0.0.9")
    # The oldest failure (minute 0) leaves the 5-minute window at NOW + 300.
    assert refused.value.retry_after == 150
    guard.before("bob", "10.0.0.1")  # another name is not locked out
    clock.at = NOW + 300
    guard.before("alice", "10.0.0.1")


def test_login_failures_per_address_and_success_forgives_the_name(
    store_and_clock: tuple[LimitStore, Clock],
) -> None:
    store, clock = store_and_clock
    guard = LoginGuard(store, LoginLimits(2, 3, window_seconds=600), clock=clock)
    guard.failed("alice", "10.0.0.1")
    guard.succeeded("alice")
    guard.before("alice", "10.0.0.1")
    guard.failed("bob", "10.0.0.1")
    guard.failed("carol", "10.0.0.1")
    with pytest.raises(TooManyRequests, match="LOGIN_FAILURES_PER_ADDRESS"):
        guard.before("dave", "10.0.0.1")
    guard.before("dave", "10.0.0.2")


def test_ingest_slots_are_released_even_when_the_ingest_fails(store: LimitStore) -> None:
    slots = IngestSlots(store, total=2, per_user=1, lease_seconds=60, clock=lambda: NOW)
    refusal = pytest.raises(TooManyRequests, match="INGEST_MAX_PER_USER")
    with slots.hold(1), refusal as refused, slots.hold(1):
        pass
    assert refused.value.retry_after > 0
    with pytest.raises(RuntimeError), slots.hold(1):
        raise RuntimeError("the ingest failed")
    full = pytest.raises(TooManyRequests, match="CONCURRENT")
    with slots.hold(1), slots.hold(2), full, slots.hold(3):
        pass
