"""Rating a model: cold (every upstream answer fetched) against warm (answers cached).

Reference, measured in the same run and interleaved: the same rating with the
upstream cache warm, which leaves only the registry's own work (scoring eleven metrics
in parallel). The upstreams are the local fakes on loopback, so "cold" here has no
network latency: against the real Hugging Face and GitHub each request adds a round
trip. Figures are medians of `rounds` runs with their interquartile range.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.fakes import FakeUpstream

from bench.common import spread
from registry.app import build_registry
from registry.db import migrate
from registry.db.session import Database
from registry.settings import Settings

MODEL = "https://huggingface.co/google-bert/bert-base-uncased"


def run(rounds: int = 5) -> dict[str, Any]:
    with FakeUpstream() as upstream, tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            data_dir=Path(tmp),
            hf_endpoint=upstream.hf_endpoint,
            github_api_url=upstream.github_api_url,
            bcrypt_log_rounds=4,
            upstream_retries=0,
        )
        db = Database(settings.effective_database_url)
        migrate.upgrade(db)
        db.dispose()
        registry = build_registry(settings)
        cold: list[float] = []
        warm: list[float] = []
        requests = 0
        for _ in range(rounds):
            registry.ratings.engine.gatherer.cache.clear()
            upstream.clear_logs()
            start = time.perf_counter()
            registry.ratings.rate_url(MODEL)
            cold.append(time.perf_counter() - start)
            requests = len(upstream.github_requests.snapshot()) + len(
                upstream.hf_requests.snapshot()
            )
            start = time.perf_counter()
            registry.ratings.rate_url(MODEL)
            warm.append(time.perf_counter() - start)
        registry.close()
    return {
        "cold_s": statistics.median(cold),
        "cold_spread_s": spread(cold),
        "warm_s": statistics.median(warm),
        "warm_spread_s": spread(warm),
        "ratio": statistics.median(cold) / statistics.median(warm),
        "upstream_requests_cold": requests,
        "rounds": rounds,
    }


def report(r: dict[str, Any]) -> str:
    return (
        f"- rating bert-base-uncased (card + config fetched, GitHub repository, datasets), "
        f"median of {r['rounds']} interleaved runs (interquartile range): "
        f"{r['cold_s'] * 1000:.0f} ms ({r['cold_spread_s'] * 1000:.0f}) with every upstream "
        f"answer fetched from the loopback fakes ({r['upstream_requests_cold']} requests); "
        f"{r['warm_s'] * 1000:.0f} ms ({r['warm_spread_s'] * 1000:.0f}) with them cached "
        f"(ratio {r['ratio']:.1f})"
    )
