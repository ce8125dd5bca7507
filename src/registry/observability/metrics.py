"""Prometheus metrics, correct under several gunicorn workers.

With PROMETHEUS_MULTIPROC_DIR set (the gunicorn configuration sets it, see
`registry.serving`), prometheus_client keeps every worker's values in files there and
`exposition()` adds them up, so successive scrapes agree whichever worker answers.
Without it (tests, `flask run`) the values are this process's own.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

from registry.observability.figures import LATENCY_BOUNDS

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST
# Ingest takes seconds to minutes: its own, longer buckets.
INGEST_BOUNDS = (0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0)


class PrometheusMetrics:
    """The registry's metrics, in a registry of their own (one per app, so tests can
    build several apps in one process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "registry_http_requests_total",
            "HTTP requests served",
            ["method", "route", "status"],
            registry=r,
        )
        self.latency = Histogram(
            "registry_http_request_seconds",
            "Time to produce a response (streamed bodies continue after it)",
            ["method", "route"],
            registry=r,
            buckets=LATENCY_BOUNDS,
        )
        self.ingest = Histogram(
            "registry_ingest_seconds",
            "Ingests and updates by source and outcome (the HTTP status answered)",
            ["source", "outcome"],
            registry=r,
            buckets=INGEST_BOUNDS,
        )
        self.ingested_bytes = Counter(
            "registry_ingested_bytes_total",
            "Bytes of files stored by successful ingests and updates",
            ["source"],
            registry=r,
        )
        self.rating = Histogram(
            "registry_rating_metric_seconds",
            "Time of each rating metric, fetching its facts included",
            ["metric", "outcome"],
            registry=r,
            buckets=LATENCY_BOUNDS,
        )
        self.refusals = Counter(
            "registry_policy_refusals_total",
            "Models the ingest policy refused, by failed rule",
            ["rule"],
            registry=r,
        )
        self.upstream = Counter(
            "registry_upstream_requests_total",
            "Requests to upstream services by host and status (error: no answer)",
            ["host", "status"],
            registry=r,
        )
        self.blob_missing = Counter(
            "registry_blob_missing_total",
            "Reads of blobs the database lists but the blob store does not have",
            registry=r,
        )

    def exposition(self) -> bytes:
        """The text format of every worker's values (or this process's alone)."""
        directory = os.environ.get(MULTIPROC_ENV)
        if directory:
            merged = CollectorRegistry()
            MultiProcessCollector(merged, path=directory)  # type: ignore[no-untyped-call]
            return generate_latest(merged)
        return generate_latest(self.registry)
