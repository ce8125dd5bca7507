"""Rating a model: cold (every upstream answer fetched) against warm (answers cached).

Reference, measured in the same run: the same rating with the upstream cache warm,
which leaves only the registry's own work (scoring eleven metrics in parallel).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from tests.fakes import FakeUpstream

from bench.common import timed
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
        cold = []
        for _ in range(rounds):
            registry.ratings.engine.gatherer.cache.clear()
            upstream.clear_logs()
            start = time.perf_counter()
            registry.ratings.rate_url(MODEL)
            cold.append(time.perf_counter() - start)
        requests = len(upstream.github_requests.snapshot()) + len(upstream.hf_requests.snapshot())
        warm = timed(lambda: registry.ratings.rate_url(MODEL), repeat=rounds)
        registry.close()
    best_cold = min(cold)
    return {
        "cold_s": best_cold,
        "warm_s": warm,
        "ratio": best_cold / warm,
        "upstream_requests_cold": requests,
    }


def report(r: dict[str, Any]) -> str:
    return (
        f"- rating bert-base-uncased (card + config fetched, GitHub repository, datasets): "
        f"{r['cold_s'] * 1000:.0f} ms with every upstream answer fetched "
        f"({r['upstream_requests_cold']} requests to the fake hub and GitHub); "
        f"{r['warm_s'] * 1000:.0f} ms with them cached (ratio {r['ratio']:.1f})"
    )
