"""The arithmetic of shared figures: minutes, windows, keys, latency buckets, percentiles.

Every figure is an integer counter for one minute (Unix time // 60) and one key, so
figures from any number of processes add up by plain addition, in the database or in
Redis. A key is a kind and its labels joined by `|` ("req|GET /health|-|200|3").

Latencies are counted in fixed buckets (the Prometheus histogram's bounds), so a
percentile is read from the counts the way Prometheus' `histogram_quantile` does:
linear interpolation inside the bucket that holds the wanted rank. Its error is at
most the width of that bucket; the mean is exact (a sum of microseconds is kept).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

# Upper bounds in seconds; a last, open bucket holds everything slower.
LATENCY_BOUNDS = (
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    30.0,
    60.0,
    300.0,
)
MIN_WINDOW, MAX_WINDOW, DEFAULT_WINDOW = 5, 1440, 60
SEPARATOR = "|"
MAX_LABEL = 200  # a label is cut here so a key fits its column


def minute_of(at: float) -> int:
    """The minute (Unix time // 60) holding the instant `at` (Unix seconds)."""
    return int(at // 60)


def minute_start(minute: int) -> datetime:
    return datetime.fromtimestamp(minute * 60, UTC)


@dataclass(frozen=True)
class Window:
    """The trailing `minutes` minutes up to `now`, the current (partial) minute included."""

    minutes: int
    now: float

    @property
    def last(self) -> int:
        return minute_of(self.now)

    @property
    def first(self) -> int:
        return self.last - self.minutes + 1

    @property
    def start(self) -> datetime:
        return minute_start(self.first)

    @property
    def end(self) -> datetime:
        return datetime.fromtimestamp(self.now, UTC)

    def minute_list(self) -> range:
        return range(self.first, self.last + 1)


def window_minutes(raw: str | None) -> int | None:
    """`windowMinutes` as given: the default when absent, None when it is not a whole
    number from 5 to 1440 (the caller answers 400)."""
    if raw is None or raw == "":
        return DEFAULT_WINDOW
    text = raw.strip()
    if not text.isdigit() or len(text) > 6:
        return None
    value = int(text)
    return value if MIN_WINDOW <= value <= MAX_WINDOW else None


def key(kind: str, *labels: object) -> str:
    parts = [kind]
    for label in labels:
        text = "-" if label is None or label == "" else str(label)
        parts.append(text.replace(SEPARATOR, "/")[:MAX_LABEL])
    return SEPARATOR.join(parts)


def split_key(value: str) -> list[str]:
    return value.split(SEPARATOR)


def bucket_of(seconds: float) -> int:
    """Index of the latency bucket for `seconds` (len(LATENCY_BOUNDS) = the open one)."""
    return bisect.bisect_left(LATENCY_BOUNDS, max(0.0, seconds))


def percentile(buckets: Mapping[int, int], q: float) -> float | None:
    """The q-quantile (0 < q <= 1) in seconds from bucket counts; None without data."""
    total = sum(buckets.values())
    if total <= 0:
        return None
    rank = q * total
    seen = 0
    for index in range(len(LATENCY_BOUNDS) + 1):
        count = buckets.get(index, 0)
        if count and seen + count >= rank:
            if index == len(LATENCY_BOUNDS):
                return LATENCY_BOUNDS[-1]  # the open bucket has no upper bound to reach
            lower = LATENCY_BOUNDS[index - 1] if index else 0.0
            upper = LATENCY_BOUNDS[index]
            return lower + (upper - lower) * (rank - seen) / count
        seen += count
    return LATENCY_BOUNDS[-1]  # unreachable: ranks never pass the total


def exact_percentile(values: Iterable[float], q: float) -> float | None:
    """The q-quantile of measured values (nearest rank), for the workload runner."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Series:
    """Counts and latency of one group of events (a route, a source, a metric)."""

    count: int = 0
    errors: int = 0
    micros: int = 0
    buckets: dict[int, int] | None = None

    def add_bucket(self, index: int, count: int) -> None:
        if self.buckets is None:
            self.buckets = {}
        self.buckets[index] = self.buckets.get(index, 0) + count

    def summary(self) -> dict[str, float | int | None]:
        buckets = self.buckets or {}
        return {
            "count": self.count,
            "errors": self.errors,
            "error_rate": round(self.errors / self.count, 4) if self.count else 0.0,
            "mean_ms": round(self.micros / self.count / 1000, 2) if self.count else None,
            "p50_ms": _ms(percentile(buckets, 0.5)),
            "p95_ms": _ms(percentile(buckets, 0.95)),
            "p99_ms": _ms(percentile(buckets, 0.99)),
        }


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 2)


def per_minute(
    counts: Mapping[tuple[int, str], int], window: Window, kinds: Iterable[str]
) -> list[int]:
    """Per-minute totals over the window of every key whose kind is in `kinds`
    (zero-filled, oldest first)."""
    wanted = set(kinds)
    totals = dict.fromkeys(window.minute_list(), 0)
    for (minute, name), value in counts.items():
        if minute in totals and name.split(SEPARATOR, 1)[0] in wanted:
            totals[minute] += value
    return [totals[m] for m in window.minute_list()]
