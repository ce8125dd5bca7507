"""The dashboard's figures: requests and pipelines of the window, as tables.

The same shared per-minute figures as /health/components (every worker and
instance), grouped the way the dashboard's panels show them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from registry.observability.figures import SEPARATOR, Series, Window, minute_start
from registry.observability.health import Counts, collect, sums


def _rows(
    series: dict[str, Series], names: tuple[str, ...], split: Callable[[str], list[str]]
) -> list[dict[str, Any]]:
    rows = []
    for label, s in sorted(series.items(), key=lambda item: -item[1].count):
        rows.append(dict(zip(names, split(label), strict=True)) | s.summary())
    return rows


def _pair(labels: list[str]) -> str:
    return SEPARATOR.join(labels[:2])


def _split(label: str) -> list[str]:
    return label.split(SEPARATOR)


def request_panels(window: Window, counts: Counts) -> dict[str, Any]:
    def is_5xx(labels: list[str]) -> bool:
        return labels[2].startswith("5")

    total = collect(counts, "req", lambda _: "all", is_5xx).get("all", Series())
    by_route = collect(counts, "req", lambda labels: labels[0], is_5xx)
    # "-": requests about no artifact (health, search, sign-in ...).
    by_type = collect(
        counts, "req", lambda labels: "(none)" if labels[1] == "-" else labels[1], is_5xx
    )
    by_status = sums(counts, "req", lambda labels: labels[2])
    per_minute: dict[int, list[int]] = {m: [0, 0] for m in window.minute_list()}
    for (minute, name), value in counts.items():
        parts = name.split(SEPARATOR)
        if parts[0] == "req" and minute in per_minute:
            per_minute[minute][0] += value
            per_minute[minute][1] += value if parts[3].startswith("5") else 0
    return {
        "total": total.summary(),
        "by_route": _rows(by_route, ("route",), lambda label: [label]),
        "by_type": _rows(by_type, ("type",), lambda label: [label]),
        "by_status": dict(sorted(by_status.items())),
        "timeline": [
            {"bucket": minute_start(m).isoformat(), "requests": r, "errors": e}
            for m, (r, e) in per_minute.items()
        ],
    }


def pipeline_panels(counts: Counts) -> dict[str, Any]:
    ingest = collect(counts, "ingest", _pair)
    ratings = collect(
        counts, "rating", lambda labels: labels[0], lambda labels: labels[1] == "error"
    )
    ingested = sums(counts, "ingest_bytes", lambda labels: labels[0])
    refusals = sums(counts, "refusal", lambda labels: labels[0])
    upstream = sums(counts, "upstream", _pair)
    return {
        "ingest": _rows(ingest, ("source", "outcome"), _split),
        "ingested_bytes": [
            {"source": source, "bytes": value}
            for source, value in sorted(ingested.items(), key=lambda item: -item[1])
        ],
        "rating": _rows(ratings, ("metric",), lambda label: [label]),
        "refusals": [
            {"rule": rule, "count": value}
            for rule, value in sorted(refusals.items(), key=lambda item: -item[1])
        ],
        "upstream": [
            {"host": host, "status": status, "count": value}
            for (host, status), value in sorted(
                ((tuple(_split(label)), v) for label, v in upstream.items()),
                key=lambda item: -item[1],
            )
        ],
    }
