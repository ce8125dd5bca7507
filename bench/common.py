"""Helpers shared by the benchmarks."""

from __future__ import annotations

import contextlib
import os
import platform
import sqlite3
import statistics
import threading
import time
from pathlib import Path
from typing import Any


def rss_bytes(pid: int) -> int:
    """Resident set size of a process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def children(pid: int) -> list[int]:
    """Direct child processes (gunicorn's workers under its master)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Field 4 of /proc/<pid>/stat is the parent pid; the name field may hold spaces.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            found.append(int(entry.name))
    return found


class RssPeak(threading.Thread):
    """The largest resident set of any one worker under `master` (gunicorn's master
    process), sampled every 50 ms until `stop` is set."""

    def __init__(self, master: int) -> None:
        super().__init__(daemon=True)
        self.master = master
        self.peak = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            for pid in children(self.master):
                self.peak = max(self.peak, rss_bytes(pid))
            time.sleep(0.05)


def percentile(samples: list[float], q: float) -> float:
    """The q-th percentile (0-100), linear between the two nearest ranks."""
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    pos = (len(ordered) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def spread(samples: list[float]) -> float:
    """The interquartile range: how far apart the middle half of the runs lie."""
    return percentile(samples, 75) - percentile(samples, 25)


def median_range(d: dict[str, float], fmt: str) -> str:
    """A figure with its spread as the reports print it: "median (lowest-highest)"."""
    return f"{d['median']:{fmt}} ({d['min']:{fmt}}-{d['max']:{fmt}})"


def ratio_rounds(
    ours: list[dict[str, Any]], reference: list[dict[str, Any]]
) -> list[dict[str, float]]:
    """Round by round, a download run against its reference run of the same round:
    throughput and p99 latency as ratios."""
    return [
        {"throughput": r["throughput_mb_s"] / n["throughput_mb_s"], "p99": r["p99_s"] / n["p99_s"]}
        for r, n in zip(ours, reference, strict=True)
    ]


def ratio_range(ratios: list[dict[str, float]], key: str) -> str:
    """One ratio over the rounds, as the reports print it: "median (lowest-highest)"."""
    values = [x[key] for x in ratios]
    spread = {"median": statistics.median(values), "min": min(values), "max": max(values)}
    return median_range(spread, ".2f")


def mib(n: float) -> str:
    return f"{n / (1 << 20):.1f} MiB"


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def machine() -> str:
    """The conditions, printed with every result: the figures mean little without them."""
    return (
        f"{cpu_model()}, {os.cpu_count()} cores, load average {load_average()} (1, 5, 15 min), "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}; "
        "upstreams are local fakes on loopback"
    )
