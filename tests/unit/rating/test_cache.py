"""The upstream cache: one fetch per key, however many callers, and no window between."""

from __future__ import annotations

import threading

import pytest

from registry.rating.cache import TTLCache


def test_a_fetch_stays_in_flight_until_its_result_is_stored() -> None:
    # The cache asks its clock for the expiry just before it stores a result. At that
    # moment a caller arriving must still find the fetch in flight (and wait for it);
    # were the gate already retired, it would start the same fetch a second time.
    seen: list[bool] = []
    cache: TTLCache

    def clock() -> float:
        seen.append("key" in cache._inflight)
        return 0.0

    cache = TTLCache(60, clock=clock)
    assert cache.get_or_compute("key", lambda: "value") == "value"
    assert seen == [True]
    assert "key" not in cache._inflight  # retired once the result is visible
    assert cache.get_or_compute("key", lambda: "again") == "value"


def test_callers_arriving_during_a_fetch_wait_for_it_and_share_its_result() -> None:
    cache = TTLCache(60)
    started, release = threading.Event(), threading.Event()
    calls: list[str] = []
    results: list[str] = []

    def slow() -> str:
        calls.append("slow")
        started.set()
        assert release.wait(10)
        return "first"

    def second() -> str:
        calls.append("second")
        return "second"

    first = threading.Thread(target=lambda: results.append(cache.get_or_compute("k", slow)))
    first.start()
    assert started.wait(10)
    # Whether the second caller arrives while the first fetch holds the key's gate or
    # just after it stored its result, it must not fetch again.
    other = threading.Thread(target=lambda: results.append(cache.get_or_compute("k", second)))
    other.start()
    release.set()
    first.join(10)
    other.join(10)
    assert calls == ["slow"]
    assert results == ["first", "first"]


def test_failures_are_not_cached() -> None:
    cache = TTLCache(60)

    def boom() -> str:
        raise RuntimeError("upstream down")

    with pytest.raises(RuntimeError):
        cache.get_or_compute("k", boom)
    assert cache.get_or_compute("k", lambda: "back") == "back"
    assert cache._inflight == {}


def test_entries_expire_and_the_oldest_go_first() -> None:
    now = [0.0]
    cache = TTLCache(10, max_entries=2, clock=lambda: now[0])
    cache.get_or_compute("a", lambda: 1)
    cache.get_or_compute("b", lambda: 2)
    cache.get_or_compute("c", lambda: 3)  # evicts "a"
    assert cache.get_or_compute("a", lambda: 10) == 10
    assert cache.get_or_compute("c", lambda: 30) == 3
    now[0] = 11.0
    assert cache.get_or_compute("c", lambda: 31) == 31


def test_a_zero_ttl_never_caches() -> None:
    cache = TTLCache(0)
    answers = iter(["first", "second"])
    assert cache.get_or_compute("k", lambda: next(answers)) == "first"
    assert cache.get_or_compute("k", lambda: next(answers)) == "second"
