"""`make bench`: run every benchmark, print the report, keep it in bench/results/."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench import download, rating, search
from bench.common import machine

RESULTS = Path(__file__).with_name("results")


def main() -> None:
    quick = "--quick" in sys.argv
    results = {
        "download": download.run(weights_mib=32 if quick else 256),
        "search": search.run(count=500 if quick else 5000),
        "rating": rating.run(rounds=2 if quick else 5),
    }
    lines = [
        f"# Benchmarks ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine()})",
        "",
        "## Ingest and download (real gunicorn server, fake hub on loopback)",
        download.report(results["download"]),
        "",
        "## Regex search",
        search.report(results["search"]),
        "",
        "## Rating",
        rating.report(results["rating"]),
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if not quick:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "latest.md").write_text(text)
        (RESULTS / "latest.json").write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
