"""The arithmetic behind /health/components and the dashboard: windows, minutes,
latency buckets and percentiles, and the per-minute timeline."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from registry.observability.figures import (
    LATENCY_BOUNDS,
    Series,
    Window,
    bucket_of,
    exact_percentile,
    key,
    per_minute,
    percentile,
    split_key,
    window_minutes,
)

# 2026-12-01 10:30:45 UTC: 45 s into its minute.
NOW = datetime(2026, 12, 1, 10, 30, 45, tzinfo=UTC).timestamp()


def test_a_window_ends_now_and_starts_at_the_top_of_its_first_minute() -> None:
    window = Window(60, NOW)
    assert window.end == datetime(2026, 12, 1, 10, 30, 45, tzinfo=UTC)
    # 60 minutes, the current (partial) one included: 09:31 .. 10:30.
    assert window.start == datetime(2026, 12, 1, 9, 31, tzinfo=UTC)
    assert len(window.minute_list()) == 60
    assert window.last - window.first == 59
    assert window.last == int(NOW // 60)


@pytest.mark.parametrize(
    ("raw", "minutes"),
    [
        (None, 60),
        ("", 60),
        ("5", 5),
        ("1440", 1440),
        (" 90 ", 90),
        ("4", None),
        ("1441", None),
        ("0", None),
        ("-5", None),
        ("5.0", None),
        ("sixty", None),
        ("9" * 40, None),
    ],
)
def test_window_minutes_are_whole_numbers_from_5_to_1440(
    raw: str | None, minutes: int | None
) -> None:
    assert window_minutes(raw) == minutes


def test_latency_buckets_are_upper_bounds_inclusive() -> None:
    assert bucket_of(0) == 0
    assert bucket_of(0.005) == LATENCY_BOUNDS.index(0.005)  # on the bound: that bucket
    assert bucket_of(0.0051) == LATENCY_BOUNDS.index(0.01)
    assert bucket_of(1.0) == LATENCY_BOUNDS.index(1.0)
    assert bucket_of(10_000) == len(LATENCY_BOUNDS)  # the open bucket
    assert bucket_of(-1) == 0


def test_percentiles_interpolate_inside_the_bucket_of_the_rank() -> None:
    # 100 events: 50 in (2.5, 5 ms], 40 in (5, 10 ms], 10 in (10, 25 ms].
    five = LATENCY_BOUNDS.index(0.005)
    buckets = {five: 50, five + 1: 40, five + 2: 10}
    assert percentile(buckets, 0.5) == pytest.approx(0.005)
    assert percentile(buckets, 0.25) == pytest.approx(0.00375)
    # rank 90 is the last of bucket 1; rank 95 is halfway through bucket 2.
    assert percentile(buckets, 0.9) == pytest.approx(0.010)
    assert percentile(buckets, 0.95) == pytest.approx(0.0175)
    assert percentile(buckets, 1.0) == pytest.approx(0.025)
    assert percentile({}, 0.5) is None
    assert percentile({len(LATENCY_BOUNDS): 3}, 0.99) == LATENCY_BOUNDS[-1]


def test_exact_percentiles_use_the_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert exact_percentile(values, 0.5) == 50
    assert exact_percentile(values, 0.99) == 99
    assert exact_percentile([7.0], 0.99) == 7
    assert exact_percentile([], 0.5) is None


def test_series_summaries_give_the_exact_mean_and_the_error_rate() -> None:
    series = Series(count=4, errors=1, micros=10_000)
    series.add_bucket(LATENCY_BOUNDS.index(0.01), 4)  # all four in (5, 10 ms]
    summary = series.summary()
    assert summary["mean_ms"] == 2.5
    assert summary["error_rate"] == 0.25
    assert summary["p50_ms"] == 7.5
    assert Series().summary()["mean_ms"] is None


def test_keys_keep_their_labels_apart() -> None:
    made = key("req", "GET /a|b", None, 200, 3)
    assert split_key(made) == ["req", "GET /a/b", "-", "200", "3"]
    assert len(split_key(key("x", "y" * 1000))[1]) == 200


def test_the_timeline_has_one_zero_filled_value_per_minute_of_the_window() -> None:
    window = Window(5, NOW)
    first, last = window.first, window.last
    counts = {
        (first, key("req", "GET /health", "-", 200, 0)): 3,
        (first, key("req", "GET /health", "-", 500, 1)): 1,
        (last, key("req", "GET /x", "model", 200, 0)): 2,
        (last, key("req_us", "GET /x", "model", 200)): 9000,  # a duration, not a count
        (first - 1, key("req", "GET /health", "-", 200, 0)): 50,  # before the window
        (last, key("ingest", "github", 201, 5)): 7,  # another kind
    }
    assert per_minute(counts, window, ["req"]) == [4, 0, 0, 0, 2]
    assert per_minute(counts, window, ["ingest"]) == [0, 0, 0, 0, 7]
    assert per_minute({}, window, ["req"]) == [0] * 5
