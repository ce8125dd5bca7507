"""What the health report is made of: figures grouped into series, issues, statuses."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from registry.observability.figures import Series, Window, minute_start, per_minute, split_key
from registry.observability.probes import ProbeResult

Counts = Mapping[tuple[int, str], int]
SLOW_PROBE = 1.0
SLOW_P99_MS = 5000.0

DESCRIPTIONS = {
    "api": "The HTTP API: requests answered, errors and latency across every worker.",
    "database": "The metadata database: artifacts, users, tokens, audit trail, shared figures.",
    "blob-store": "Where artifact files and bundles are kept, by sha256.",
    "rating-engine": "Rates models on the trust metrics and applies the ingest policy.",
    "huggingface": "The Hugging Face Hub models and datasets are ingested from.",
    "github": "The GitHub API code repositories are ingested from and rated with.",
}
NAMES = {
    "api": "HTTP API",
    "database": "Database",
    "blob-store": "Blob store",
    "rating-engine": "Rating engine",
    "huggingface": "Hugging Face Hub",
    "github": "GitHub API",
}


def collect(
    counts: Counts,
    kind: str,
    group: Callable[[list[str]], str | None],
    failed: Callable[[list[str]], bool] = lambda _: False,
) -> dict[str, Series]:
    """Series per group of the events of `kind` (keys `kind|labels...|bucket`, with
    their durations under `kind_us|labels...`)."""
    out: dict[str, Series] = {}
    for (_minute, name), value in counts.items():
        parts = split_key(name)
        if parts[0] == kind:
            labels = parts[1:-1]
            g = group(labels)
            if g is not None:
                series = out.setdefault(g, Series())
                series.count += value
                series.errors += value if failed(labels) else 0
                series.add_bucket(int(parts[-1]), value)
        elif parts[0] == f"{kind}_us":
            g = group(parts[1:])
            if g is not None:
                out.setdefault(g, Series()).micros += value
    return out


def sums(counts: Counts, kind: str, group: Callable[[list[str]], str]) -> dict[str, int]:
    """Totals per group of plain counters of `kind`."""
    out: dict[str, int] = {}
    for (_minute, name), value in counts.items():
        parts = split_key(name)
        if parts[0] == kind:
            g = group(parts[1:])
            out[g] = out.get(g, 0) + value
    return out


@dataclass(frozen=True)
class Issue:
    code: str
    severity: str  # info, warning, error
    summary: str
    details: str | None = None

    def as_json(self) -> dict[str, str]:
        out = {"code": self.code, "severity": self.severity, "summary": self.summary}
        return out | ({"details": self.details} if self.details else {})


def status_of(issues: Iterable[Issue], critical: bool = False) -> str:
    if critical:
        return "critical"
    return "degraded" if any(i.severity in {"warning", "error"} for i in issues) else "ok"


def flat(prefix: str, label: str, summary: Mapping[str, Any]) -> dict[str, Any]:
    """Nested figures as the spec's flat metric map: `p99_ms{route=GET /health}`."""
    return {f"{name}{{{prefix}={label}}}": value for name, value in summary.items()}


def host_of(url: str) -> str:
    return urlsplit(url).netloc


def timeline_of(
    window: Window, counts: Counts | None, kinds: Iterable[str], unit: str
) -> list[dict[str, Any]]:
    values = per_minute(counts or {}, window, kinds)
    return [
        {"bucket": minute_start(m).isoformat(), "value": v, "unit": unit}
        for m, v in zip(window.minute_list(), values, strict=True)
    ]


def probe_issue(component: str, result: ProbeResult | None) -> tuple[list[Issue], bool]:
    """Issues of a probe result, and whether it makes the component critical."""
    if result is None:
        return [], False
    if not result.ok:
        return [
            Issue(
                f"{component}_unreachable",
                "error",
                f"{NAMES[component]} probe failed",
                result.error,
            )
        ], True
    if result.seconds > SLOW_PROBE:
        return [
            Issue(
                f"{component}_slow",
                "warning",
                f"{NAMES[component]} probe took {result.seconds:.2f} s",
            )
        ], False
    return [], False
