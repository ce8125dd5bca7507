"""`make bench`: run every benchmark, print the report with its conditions, keep it in
bench/results/ and regenerate docs/performance.md's figures and plots.

`BENCH_QUICK=1` (or `--quick`) runs a smaller version of each (minutes, not a quarter
of an hour) and writes nothing: its figures are for a quick look, not for the docs.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import download, ingest, rating, s3_download, search
from bench.common import machine

RESULTS = Path(__file__).with_name("results")
ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def replace_between_markers(path: Path, text: str) -> None:
    """Put `text` between the bench markers of `path` (the figures of this run)."""
    body = path.read_text()
    head, found, rest = body.partition(START)
    _, found_end, tail = rest.partition(END)
    if not (found and found_end):
        raise SystemExit(f"{path}: the markers {START} and {END} are missing")
    path.write_text(f"{head}{START}\n{text.strip()}\n{END}{tail}")


def summary(r: dict[str, Any]) -> str:
    """The README's table: the headline figures of this run."""
    d, i, s = r["download"], r["ingest"], r["search"]
    tput = statistics.median(x["throughput"] for x in d["ratios"])
    p99 = statistics.median(x["p99"] for x in d["ratios"])
    default = d["summary"][next(iter(download.CONFIGS))]
    nginx = d["summary"]["nginx"]
    rows = [
        "| what | measured (median of runs) | reference, same run | ratio |",
        "|---|---|---|---|",
        f"| {d['clients']} clients download a {d['bundle_bytes'] / 1e6:.0f} MB bundle: throughput "
        f"| {default['throughput_mb_s']['median']:.0f} MB/s "
        f"| nginx, same file, sendfile: {nginx['throughput_mb_s']['median']:.0f} MB/s "
        f"| {tput:.2f} |",
        f"| the same: p99 latency | {default['p99_s']['median']:.2f} s "
        f"| nginx: {nginx['p99_s']['median']:.2f} s | {p99:.2f} |",
    ]
    for case, c in i["cases"].items():
        rows.append(
            f"| ingest of a {i['weights_mib']} MiB model over {case} "
            f"| {c['ingest_s']['median']:.2f} s "
            f"| `huggingface_hub` alone: {c['hub_client_s']['median']:.2f} s "
            f"| {c['ratio']['median']:.2f} |"
        )
    s3 = r.get("s3_download")
    if s3:
        moto = s3["summary"]["moto, presigned"]
        for mode in s3_download.MODES:
            ratio = statistics.median(x["throughput"] for x in s3["ratios"][mode])
            rows.append(
                f"| S3 storage, `S3_DOWNLOAD={mode}`: throughput "
                f"| {s3['summary'][mode]['throughput_mb_s']['median']:.0f} MB/s "
                f"| moto alone, presigned: {moto['throughput_mb_s']['median']:.0f} MB/s "
                f"| {ratio:.2f} |"
            )
    for backend in ("sqlite", "postgres"):
        b = s.get(backend) or {}
        if "regex_literal" not in b:
            continue
        lit = b["regex_literal"]
        rows.append(
            f"| {backend}, {s['artifacts']:,} artifacts: regex "
            f"`{lit['pattern'].replace('|', chr(92) + '|')}`, p99 "
            f"| {lit['p99_ms']:.0f} ms | RE2 over the same texts in memory: "
            f"{lit['re2_in_memory']['p50_ms']:.0f} ms (p50) | |"
        )
        rows.append(
            f"| {backend}: enumerate page / byName, p99 | {b['enumerate']['p99_ms']:.1f} ms / "
            f"{b['by_name']['p99_ms']:.1f} ms | | |"
        )
    return (
        "Figures of the last `make bench` (conditions, spreads and every figure: "
        "[docs/performance.md](docs/performance.md)):\n\n" + "\n".join(rows)
    )


def main() -> None:
    if "--publish" in sys.argv:  # the docs again from the stored run, without measuring
        publish(json.loads((RESULTS / "latest.json").read_text()))
        return
    quick = "--quick" in sys.argv or os.environ.get("BENCH_QUICK") == "1"
    conditions_before = machine()
    results: dict[str, Any] = {
        "download": download.run(small=50 if quick else 500, clients=100, rounds=3),
        "s3_download": s3_download.run(clients=20 if quick else 100, rounds=2 if quick else 3),
        "ingest": ingest.run(
            weights_mib=32 if quick else 256, rounds=3, huge_mib=None if quick else 1024
        ),
        "search": search.run(count=10_000 if quick else 100_000, quick=quick),
        "rating": rating.run(rounds=3 if quick else 7),
    }
    results["conditions"] = {"start": conditions_before, "end": machine()}
    results["when"] = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC{', quick run' if quick else ''}"
    print(render(results))
    if not quick:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "latest.json").write_text(json.dumps(results, indent=2, default=str))
        publish(results)


def render(results: dict[str, Any]) -> str:
    conditions = results.get("conditions", {})
    lines = [
        f"# Benchmarks ({results.get('when', 'time not recorded')})",
        "",
        f"Conditions at the start: {conditions.get('start', 'not recorded')}.",
        f"Conditions at the end: {conditions.get('end', 'not recorded')}.",
        "",
        "## The download workload (gunicorn against nginx, same file, same client)",
        "",
        download.report(results["download"]),
        "",
        "## Downloads from S3 storage (moto's server): proxy against redirect",
        "",
        s3_download.report(results["s3_download"]),
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
    return "\n".join(lines)


def publish(results: dict[str, Any]) -> None:
    """bench/results/latest.md, the plots, and the figures in the performance page and
    the README, all from one run."""
    text = render(results)
    (RESULTS / "latest.md").write_text(text)
    download.plot(results["download"], DOCS / "img")
    body = text.split("\n", 2)[2]  # the report without its title
    replace_between_markers(DOCS / "performance.md", body.replace("## ", "### "))
    replace_between_markers(ROOT / "README.md", summary(results))


if __name__ == "__main__":
    main()
