"""One object every observed event goes through: Prometheus, the shared figures, and
CloudWatch embedded metrics.

Each event updates this process's Prometheus metrics (added up across workers by the
multiprocess mode) and the per-minute figures shared by every worker and instance
(the database or Redis, see `counters`), which the health report and the dashboard
read. With ENABLE_CLOUDWATCH_METRICS=true the request and ingest log lines carry
CloudWatch's embedded metric format, so the figures reach CloudWatch Metrics from
the logs, without API calls of their own.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import structlog

from registry.observability.counters import BufferedCounters
from registry.observability.figures import bucket_of, key
from registry.observability.logstore import StoreHandler
from registry.observability.metrics import PrometheusMetrics

log = structlog.get_logger("registry.pipeline")

# The names the AWS template's error-rate alarm reads (deploy/aws/registry.yaml).
REQUESTS_METRIC, ERRORS_METRIC = "Requests", "ServerErrors"


@dataclass(frozen=True)
class Emf:
    """CloudWatch embedded metric format: a `_aws` member tells CloudWatch Logs which
    fields of a JSON log line are metrics, in which namespace and with which dimensions."""

    namespace: str

    def fields(
        self, dimensions: dict[str, str], metrics: dict[str, tuple[float, str]]
    ) -> dict[str, Any]:
        return {
            "_aws": {
                "Timestamp": int(time.time() * 1000),
                "CloudWatchMetrics": [
                    {
                        "Namespace": self.namespace,
                        # [] also publishes each metric without dimensions: what the alarms read.
                        "Dimensions": [[], list(dimensions)] if dimensions else [[]],
                        "Metrics": [{"Name": n, "Unit": unit} for n, (_, unit) in metrics.items()],
                    }
                ],
            },
            **dimensions,
            **{name: value for name, (value, _) in metrics.items()},
        }


class Telemetry:
    def __init__(
        self,
        counters: BufferedCounters,
        logs: StoreHandler,
        emf: Emf | None = None,
        prometheus: PrometheusMetrics | None = None,
    ) -> None:
        self.counters = counters
        self.logs = logs
        self.emf = emf
        self.prometheus = prometheus or PrometheusMetrics()

    def _timed(self, kind: str, labels: Sequence[object], seconds: float) -> None:
        """One event with its latency: a count in its latency bucket, and its duration."""
        self.counters.add(key(kind, *labels, bucket_of(seconds)))
        self.counters.add(key(f"{kind}_us", *labels), int(seconds * 1_000_000))

    def request(
        self, method: str, route: str, status: int, seconds: float, artifact_type: str | None
    ) -> dict[str, Any]:
        """Count a request; returns the fields its log line carries for CloudWatch."""
        self.prometheus.requests.labels(method, route, str(status)).inc()
        self.prometheus.latency.labels(method, route).observe(seconds)
        self._timed("req", (f"{method} {route}", artifact_type, status), seconds)
        if self.emf is None:
            return {}
        return self.emf.fields(
            {},
            {
                REQUESTS_METRIC: (1, "Count"),
                ERRORS_METRIC: (1 if status >= 500 else 0, "Count"),
                "Latency": (round(seconds * 1000, 3), "Milliseconds"),
            },
        )

    def ingest_finished(self, source: str, outcome: int, seconds: float, size: int) -> None:
        self.prometheus.ingest.labels(source, str(outcome)).observe(seconds)
        self._timed("ingest", (source, outcome), seconds)
        if size:
            self.prometheus.ingested_bytes.labels(source).inc(size)
            self.counters.add(key("ingest_bytes", source), size)
        emf = (
            self.emf.fields(
                {"Source": source, "Outcome": str(outcome)},
                {"IngestSeconds": (round(seconds, 3), "Seconds"), "IngestedBytes": (size, "Bytes")},
            )
            if self.emf
            else {}
        )
        log.info(
            "ingest_finished", source=source, outcome=outcome, seconds=seconds, bytes=size, **emf
        )

    def rating_metric(self, metric: str, seconds: float, failed: bool) -> None:
        outcome = "error" if failed else "ok"
        self.prometheus.rating.labels(metric, outcome).observe(seconds)
        self._timed("rating", (metric, outcome), seconds)

    def policy_refused(self, rules: Sequence[str]) -> None:
        for rule in rules:
            self.prometheus.refusals.labels(rule).inc()
            self.counters.add(key("refusal", rule))

    def upstream_call(self, host: str, status: int | str) -> None:
        self.prometheus.upstream.labels(host, str(status)).inc()
        self.counters.add(key("upstream", host, status))

    def blob_missing(self, digest: str) -> None:
        self.prometheus.blob_missing.inc()
        self.counters.add(key("blob_missing", digest))

    def probe(self, component: str, ok: bool, seconds: float) -> None:
        self._timed("probe", (component, "ok" if ok else "fail"), seconds)

    def close(self) -> None:
        self.counters.close()
        self.logs.close()
