"""GET /health/components: the spec's HealthComponentCollection, from the shared
figures (every worker and instance) and the probes.

Statuses, from the figures of the window and the latest probe:
- api: critical at 25 % or more 5xx answers, degraded at 5 % (both from 20 requests
  on) or a 99th percentile over 5 s; unknown when the figures cannot be read.
- database, blob-store: critical when the probe fails or hangs, degraded when it took
  over a second; the blob store is also degraded when a stored blob was found missing.
- rating-engine: degraded when 20 % or more metric runs failed (from 10 runs on).
- huggingface, github: critical when the probe gets no answer (or a 5xx), degraded
  when half the registry's calls to that host failed (from 5 calls on), unknown until
  the first probe in this process has answered.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from registry.observability.counters import BufferedCounters
from registry.observability.figures import Series, Window, minute_start
from registry.observability.health import (
    DESCRIPTIONS,
    NAMES,
    SLOW_P99_MS,
    Counts,
    Issue,
    collect,
    flat,
    probe_issue,
    status_of,
    sums,
    timeline_of,
)
from registry.observability.probes import CachedProbe, ProbeResult

MIN_REQUESTS, DEGRADED_5XX, CRITICAL_5XX = 20, 0.05, 0.25
MIN_RUNS, DEGRADED_FAILURES = 10, 0.2
MIN_CALLS, DEGRADED_CALL_FAILURES = 5, 0.5
SHOWN_DIGESTS = 5


def _component(
    ident: str,
    window: Window,
    issues: list[Issue],
    metrics: dict[str, Any],
    *,
    critical: bool = False,
    status: str | None = None,
    probe: ProbeResult | None = None,
    timeline: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    observed = probe.observed_at if probe is not None else window.end
    return {
        "id": ident,
        "status": status or status_of(issues, critical),
        "observed_at": observed.isoformat(),
        "metrics": metrics,
        "issues": [i.as_json() for i in issues],
        "_timeline": timeline,
    }


def _unreadable(ident: str, window: Window) -> dict[str, Any]:
    issue = Issue(
        "figures_unavailable",
        "error",
        "the shared figures cannot be read",
        "the database (or REDIS_URL's Redis) that keeps them does not answer; "
        "see the database component",
    )
    return _component(ident, window, [issue], {}, status="unknown")


def api(window: Window, counts: Counts | None) -> dict[str, Any]:
    if counts is None:
        return _unreadable("api", window)

    def is_5xx(labels: list[str]) -> bool:
        return labels[2].startswith("5")

    total = collect(counts, "req", lambda _: "all", is_5xx).get("all", Series())
    by_route = collect(counts, "req", lambda labels: labels[0], is_5xx)
    by_type = collect(counts, "req", lambda labels: labels[1] if labels[1] != "-" else None, is_5xx)
    client = collect(counts, "req", lambda _: "all", lambda labels: labels[2][:1] == "4")
    summary = total.summary()
    metrics: dict[str, Any] = {
        "requests": total.count,
        "errors": total.errors,
        "client_errors": client.get("all", Series()).errors,
        **{k: v for k, v in summary.items() if k not in {"count", "errors"} and v is not None},
        "requests_per_minute": round(total.count / window.minutes, 3),
    }
    for route, series in sorted(by_route.items()):
        metrics |= flat("route", route, _brief(series))
    for kind, series in sorted(by_type.items()):
        metrics |= flat("type", kind, _brief(series))
    issues = []
    rate = total.errors / total.count if total.count else 0.0
    if total.count >= MIN_REQUESTS and rate >= DEGRADED_5XX:
        issues.append(
            Issue(
                "server_errors",
                "error" if rate >= CRITICAL_5XX else "warning",
                f"{rate:.0%} of {total.count} requests answered 5xx",
                "the error lines in the logs (level error) name the cause of each",
            )
        )
    p99 = summary.get("p99_ms")
    if isinstance(p99, float) and p99 > SLOW_P99_MS:
        issues.append(Issue("slow_requests", "warning", f"99th percentile latency {p99:.0f} ms"))
    critical = total.count >= MIN_REQUESTS and rate >= CRITICAL_5XX
    return _component(
        "api",
        window,
        issues,
        metrics,
        critical=critical,
        timeline=timeline_of(window, counts, ["req"], "requests"),
    )


def _brief(series: Series) -> dict[str, Any]:
    s = series.summary()
    return {k: s[k] for k in ("count", "errors", "p50_ms", "p95_ms", "p99_ms") if s[k] is not None}


def store(
    ident: str, window: Window, counts: Counts | None, probe: ProbeResult | None
) -> dict[str, Any]:
    issues, critical = probe_issue(ident, probe)
    metrics: dict[str, Any] = {}
    if probe is not None:
        metrics["probe_latency_ms"] = round(probe.seconds * 1000, 2)
        metrics |= probe.figures
    if counts is not None:
        probes = collect(counts, "probe", lambda labels: labels[1] if labels[0] == ident else None)
        metrics["probes_failed"] = probes.get("fail", Series()).count
    if ident == "blob-store" and counts is not None:
        missing = sums(counts, "blob_missing", lambda labels: labels[0])
        metrics["missing_blob_reads"] = sum(missing.values())
        if missing:
            shown = sorted(missing, key=lambda d: -missing[d])[:SHOWN_DIGESTS]
            issues.append(
                Issue(
                    "blob_missing",
                    "error",
                    f"{len(missing)} stored blob(s) the database lists are missing",
                    "restore them from a backup or re-ingest their artifacts; missing: "
                    + ", ".join(shown),
                )
            )
    return _component(
        ident,
        window,
        issues,
        metrics,
        critical=critical,
        status=None if probe is not None or issues else "unknown",
        probe=probe,
        timeline=_probe_timeline(ident, window, counts),
    )


def _probe_timeline(ident: str, window: Window, counts: Counts | None) -> list[dict[str, Any]]:
    """Mean probe latency of each minute that had a probe (ms)."""
    per: dict[int, Series] = {}
    for (minute, name), value in (counts or {}).items():
        parts = name.split("|")
        if parts[0] == "probe" and parts[1] == ident:
            per.setdefault(minute, Series()).count += value
        elif parts[0] == "probe_us" and parts[1] == ident:
            per.setdefault(minute, Series()).micros += value
    return [
        {
            "bucket": minute_start(m).isoformat(),
            "value": round(s.micros / s.count / 1000, 2),
            "unit": "ms",
        }
        for m, s in sorted(per.items())
        if s.count
    ]


def rating(window: Window, counts: Counts | None) -> dict[str, Any]:
    if counts is None:
        return _unreadable("rating-engine", window)
    failed = lambda labels: labels[1] == "error"  # noqa: E731
    total = collect(counts, "rating", lambda _: "all", failed).get("all", Series())
    metrics: dict[str, Any] = {"metric_runs": total.count, "metric_failures": total.errors}
    for metric, series in sorted(
        collect(counts, "rating", lambda labels: labels[0], failed).items()
    ):
        metrics |= flat("metric", metric, _brief(series))
    refusals = sums(counts, "refusal", lambda labels: labels[0])
    metrics["policy_refusals"] = sum(refusals.values())
    for rule, count in sorted(refusals.items()):
        metrics[f"refusals{{rule={rule}}}"] = count
    issues = []
    if total.count >= MIN_RUNS and total.errors / total.count >= DEGRADED_FAILURES:
        issues.append(
            Issue(
                "metric_failures",
                "warning",
                f"{total.errors} of {total.count} metric runs failed",
                "a failed metric makes its model's rating incomplete: see which metric fails "
                "most above, and the rating errors in the logs",
            )
        )
    return _component(
        "rating-engine",
        window,
        issues,
        metrics,
        timeline=timeline_of(window, counts, ["rating"], "metric runs"),
    )


def upstream(
    ident: str, host: str, window: Window, counts: Counts | None, probe: ProbeResult | None
) -> dict[str, Any]:
    issues, critical = probe_issue(ident, probe)
    calls: dict[str, int] = {}
    if counts is not None:
        calls = sums(counts, "upstream", lambda labels: labels[1] if labels[0] == host else "")
        calls.pop("", None)
    total = sum(calls.values())
    failures = sum(v for status, v in calls.items() if status == "error" or status[:1] == "5")
    metrics: dict[str, Any] = {"host": host, "calls": total, "failed_calls": failures}
    metrics |= {f"calls{{status={s}}}": v for s, v in sorted(calls.items())}
    if probe is not None:
        metrics["probe_latency_ms"] = round(probe.seconds * 1000, 2)
    if total >= MIN_CALLS and failures / total >= DEGRADED_CALL_FAILURES:
        issues.append(
            Issue(
                f"{ident}_failing",
                "warning",
                f"{failures} of {total} calls to {host} failed",
                "ingests from it answer 502 meanwhile; the upstream lines in the logs say how",
            )
        )
    status = None if probe is not None else "unknown"
    if probe is None:
        issues.append(Issue("not_probed_yet", "info", "the first probe is under way"))
    return _component(
        ident,
        window,
        issues,
        metrics,
        critical=critical,
        status=status,
        probe=probe,
        timeline=timeline_of(
            window,
            {k: v for k, v in (counts or {}).items() if k[1].startswith(f"upstream|{host}|")},
            ["upstream"],
            "calls",
        ),
    )


def build_components(
    window: Window,
    counts: Counts | None,
    probed: Mapping[str, ProbeResult | None],
    hosts: Mapping[str, str],
) -> list[dict[str, Any]]:
    return [
        api(window, counts),
        store("database", window, counts, probed.get("database")),
        store("blob-store", window, counts, probed.get("blob-store")),
        rating(window, counts),
        *(upstream(i, hosts[i], window, counts, probed.get(i)) for i in ("huggingface", "github")),
    ]


class HealthReport:
    def __init__(
        self,
        counters: BufferedCounters,
        probes: Mapping[str, CachedProbe],
        hosts: Mapping[str, str],
        clock: Callable[[], float],
    ) -> None:
        self.counters = counters
        self.probes = probes  # component id -> probe: database, blob-store, huggingface, github
        self.hosts = hosts  # upstream component id -> host name its calls are counted under
        self.clock = clock

    def figures(self, window: Window) -> Counts | None:
        try:
            return self.counters.read(window.first, window.last)
        except Exception:
            return None

    def collection(
        self, minutes: int, timeline: bool, logs_url: Callable[[str], str]
    ) -> dict[str, Any]:
        window = Window(minutes, self.clock())
        counts = self.figures(window)
        probed = {name: probe.result() for name, probe in self.probes.items()}
        components = build_components(window, counts, probed, self.hosts)
        out = []
        for component in components:
            ident = component["id"]
            component["display_name"] = NAMES[ident]
            component["description"] = DESCRIPTIONS[ident]
            component["logs"] = [
                {"label": f"{NAMES[ident]}: recent log lines", "url": logs_url(ident)}
            ]
            series = component.pop("_timeline", None)
            if timeline and series is not None:
                component["timeline"] = series
            out.append(component)
        return {
            "components": out,
            "generated_at": window.end.isoformat(),
            "window_minutes": minutes,
        }
