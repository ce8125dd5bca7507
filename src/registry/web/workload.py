"""The dashboard's workload runner: N concurrent downloads of one artifact, from inside
the server, measured.

Each of the N clients is a thread that sends `GET /download/<id>` through the whole
application (the WSGI app, not a socket): its own token check, the download's
permission check and audit write, the streamed bytes read to the end, as a real
client's request. The clients start together; each download's latency runs from its
request to its last byte. Bounds: at most WORKLOAD_MAX_CLIENTS clients, one run at a
time across every worker and instance (a database lock), and WORKLOAD_TIMEOUT_SECONDS
for the run, after which unfinished downloads stop and count as failed.
"""

from __future__ import annotations

import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from flask import Flask

from registry.observability.figures import exact_percentile

MB = 1_000_000


@dataclass
class Download:
    status: int = 0
    bytes: int = 0
    started: float = 0.0  # time.perf_counter() at the request and at its last byte
    ended: float = 0.0
    error: str | None = None

    @property
    def seconds(self) -> float:
        return self.ended - self.started

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.error is None


@dataclass
class WorkloadResult:
    artifact_id: str
    clients: int
    downloads: list[Download] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        """From the first request to the last byte of any download."""
        ran = [d for d in self.downloads if d.started]
        return max(d.ended for d in ran) - min(d.started for d in ran) if ran else 0.0

    def summary(self) -> dict[str, Any]:
        done = [d for d in self.downloads if d.ok]
        latencies = [d.seconds for d in done]
        moved = sum(d.bytes for d in self.downloads)
        failures = [d for d in self.downloads if not d.ok]
        return {
            "artifact_id": self.artifact_id,
            "clients": self.clients,
            "completed": len(done),
            "failed": len(failures),
            "failures": sorted({d.error or f"HTTP {d.status}" for d in failures})[:5],
            "bytes": moved,
            "seconds": round(self.seconds, 4),
            "throughput_mb_per_s": round(moved / MB / self.seconds, 3) if self.seconds else None,
            "downloads_per_s": round(len(done) / self.seconds, 3) if self.seconds else None,
            "mean_ms": _ms(statistics.fmean(latencies)) if latencies else None,
            "median_ms": _ms(statistics.median(latencies)) if latencies else None,
            "p99_ms": _ms(exact_percentile(latencies, 0.99)),
        }


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 2)


def run_downloads(
    app: Flask, artifact_id: str, tokens: list[str], timeout: float
) -> WorkloadResult:
    """Download `artifact_id` once per token, all at once; see the module docstring."""
    clients = len(tokens)
    start_together = threading.Barrier(clients)
    deadline = time.monotonic() + timeout
    path = f"/download/{artifact_id}"

    def one(token: str) -> Download:
        result = Download()
        client = app.test_client()
        try:
            start_together.wait(timeout=timeout)
        except threading.BrokenBarrierError:
            result.error = "the clients could not start together"
            return result
        result.started = time.perf_counter()
        try:
            response = client.get(path, headers={"X-Authorization": token}, buffered=False)
            result.status = response.status_code
            try:
                for chunk in response.response:
                    result.bytes += len(chunk)
                    if time.monotonic() > deadline:
                        result.error = f"stopped after WORKLOAD_TIMEOUT_SECONDS ({timeout:g} s)"
                        break
            finally:
                response.close()
        except Exception as exc:  # one failed client is a result, not a failed run
            result.error = f"{type(exc).__name__}: {exc}"
        result.ended = time.perf_counter()
        return result

    with ThreadPoolExecutor(clients, thread_name_prefix="workload") as pool:
        downloads = list(pool.map(one, tokens))
    return WorkloadResult(artifact_id, clients, downloads)
