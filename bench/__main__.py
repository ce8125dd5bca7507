"""`make bench`: run every benchmark, print the report with its conditions, keep it in
bench/results/ and regenerate docs/performance.md's figures and plots.

`BENCH_QUICK=1` (or `--quick`) runs a smaller version of each (minutes, not a quarter
of an hour) and writes nothing: its figures are for a quick look, not for the docs.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench import download, ingest, rating, search
from bench.common import machine

RESULTS = Path(__file__).with_name("results")
DOCS = Path(__file__).resolve().parents[1] / "docs"


def main() -> None:
    quick = "--quick" in sys.argv or os.environ.get("BENCH_QUICK") == "1"
    conditions_before = machine()
    results = {
        "download": download.run(small=50 if quick else 500, clients=100, rounds=3),
        "ingest": ingest.run(
            weights_mib=32 if quick else 256, rounds=3, huge_mib=None if quick else 1024
        ),
        "search": search.run(count=10_000 if quick else 100_000, quick=quick),
        "rating": rating.run(rounds=3 if quick else 7),
    }
    lines = [
        f"# Benchmarks ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC{', quick run' if quick else ''})",
        "",
        f"Conditions at the start: {conditions_before}.",
        f"Conditions at the end: {machine()}.",
        "",
        "## The download workload (gunicorn against nginx, same file, same client)",
        "",
        download.report(results["download"]),
        "",
        "## Ingest and memory",
        "",
        ingest.report(results["ingest"]),
        "",
        "## Listing and search",
        "",
        search.report(results["search"]),
        "",
        "## Rating",
        "",
        rating.report(results["rating"]),
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if not quick:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "latest.md").write_text(text)
        (RESULTS / "latest.json").write_text(json.dumps(results, indent=2, default=str))
        download.plot(results["download"], DOCS / "img")


if __name__ == "__main__":
    main()
