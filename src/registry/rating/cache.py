"""A small thread-safe TTL cache for upstream responses.

Ratings of related models ask the same questions (the same GitHub repository, the
same dataset); within `RATING_CACHE_SECONDS` each is asked upstream once, even by
callers that arrive while the first is still asking. Failures are not cached, so a
transient outage does not stick.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class TTLCache:
    def __init__(
        self,
        ttl_seconds: float,
        max_entries: int = 2048,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl_seconds
        self.max_entries = max_entries
        self.clock = clock
        self._data: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._inflight: dict[Hashable, threading.Lock] = {}

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        if self.ttl <= 0:
            return compute()
        hit, value = self._get(key)
        if hit:
            return value  # type: ignore[no-any-return]
        with self._lock:
            gate = self._inflight.setdefault(key, threading.Lock())
        # One caller computes; concurrent callers for the same key wait for it.
        with gate:
            hit, value = self._get(key)
            if hit:
                return value  # type: ignore[no-any-return]
            try:
                result = compute()
            except BaseException:
                with self._lock:
                    self._inflight.pop(key, None)
                raise
            expires = self.clock() + self.ttl
            # Store and retire the gate in one step: a caller arriving in between would
            # find neither and fetch the same thing again.
            with self._lock:
                self._data[key] = (expires, result)
                self._data.move_to_end(key)
                while len(self._data) > self.max_entries:
                    self._data.popitem(last=False)
                self._inflight.pop(key, None)
            return result

    def _get(self, key: Hashable) -> tuple[bool, Any]:
        with self._lock:
            entry = self._data.get(key)
            if entry is None:
                return False, None
            expires, value = entry
            if expires < self.clock():
                del self._data[key]
                return False, None
            self._data.move_to_end(key)
            return True, value

    def clear(self) -> None:
        """Forget every answer (the rating benchmark measures cold ratings with it)."""
        with self._lock:
            self._data.clear()
