"""Ingest of a large model through the real server, against the Hugging Face client alone.

The registry (`registry serve`) ingests a model whose weights are `weights_mib` MiB
from the fake hub on loopback; the reference, measured in the same run and
interleaved with it, is `huggingface_hub.snapshot_download` fetching the same
repository into an empty folder, in a process of its own as the registry's worker is
(bench/hub_client.py). Both are cold in the same way: every run downloads every byte
again (the registry's artifact is deleted between runs; the hub client gets a new
folder). Each figure is the median of `rounds` runs with the lowest and highest,
after one round of each that is not counted: the server's first ingest also loads
what it loads once (modules, the file scanner), the hub client's first call too.
The peak resident memory of the gunicorn worker is sampled during the ingests.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.fakes import FakeUpstream, default_catalog
from tests.fakes.catalog import FakeFile, FakeHfRepo, json_file, readme_file, safetensors_file
from tests.functional.server_process import ServerProcess, free_port

from bench.common import RssPeak

LINK_MB_S = 100  # a fast download from the Hub's CDN


class _Paced(FakeFile):
    """A file the fake hub sends no faster than `rate` bytes a second, as over a link."""

    def __init__(self, path: str, content: bytes, rate: float) -> None:
        super().__init__(path, content=content)
        self.rate = rate

    def iter_bytes(self, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        began, sent = time.monotonic(), 0
        for chunk in super().iter_bytes(start, end):
            yield chunk
            sent += len(chunk)
            ahead = sent / self.rate - (time.monotonic() - began)
            if ahead > 0:
                time.sleep(ahead)


def _repo(
    repo_id: str, weights_mib: int, *, in_memory: bool = True, rate: float | None = None
) -> FakeHfRepo:
    side = int((weights_mib * (1 << 20) / 4) ** 0.5)
    weights = safetensors_file("model.safetensors", [("w", "F32", [side, side])], seed=repo_id)
    if in_memory:
        # Served from memory, as a real hub serves stored bytes: generating them on
        # each request (the fakes' seeded generator) would take a core of this
        # two-core machine away from both sides of the comparison.
        content = b"".join(weights.iter_bytes())
        weights = FakeFile(weights.path, content=content)
        if rate is not None:
            weights = _Paced(weights.path, content, rate)
    return FakeHfRepo(
        repo_id=repo_id,
        files=[
            readme_file({"license": "mit"}, "# Big model\n\nFor the benchmark.\n"),
            json_file("config.json", {"model_type": "bench"}),
            weights,
        ],
    )


class _HubClient:
    """`huggingface_hub` in a process of its own (bench/hub_client.py)."""

    def __init__(self, endpoint: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.hub_client", endpoint],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            cwd=Path(__file__).resolve().parents[1],
        )  # fmt: skip

    def download(self, repo_id: str, folder: str) -> float:
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self.proc.stdin.write(f"{repo_id} {folder}\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline()
        if not answer:
            raise RuntimeError("the hub client process ended")
        return float(answer)

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)


def _spread(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


CASES = {
    "loopback": "bench/big-model",
    f"a {LINK_MB_S} MB/s link": "bench/big-model-link",
}


def run(weights_mib: int = 256, rounds: int = 3, huge_mib: int | None = 1024) -> dict[str, Any]:
    catalog = default_catalog()
    catalog.hf_repos.append(_repo(CASES["loopback"], weights_mib))
    link = _repo(CASES[f"a {LINK_MB_S} MB/s link"], weights_mib, rate=LINK_MB_S * 1e6)
    catalog.hf_repos.append(link)
    if huge_mib:
        catalog.hf_repos.append(_repo("bench/huge-model", huge_mib, in_memory=False))
    with FakeUpstream(catalog) as upstream, tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = {
            "PORT": str(free_port()),
            "DATA_DIR": str(work / "data"),
            "HF_ENDPOINT": upstream.hf_endpoint,
            "GITHUB_API_URL": upstream.github_api_url,
            "BCRYPT_LOG_ROUNDS": "4",
            "WEB_CONCURRENCY": "1",
            "TOKEN_MAX_USES": "0",
            "INGEST_POLICY": "none",
            "LOG_LEVEL": "WARNING",
            # The benchmark is one user seeding and downloading as fast as it can.
            "RATE_LIMITS_ENABLED": "false",
        }
        server = ServerProcess(env, work / "server.log").start()
        client = _HubClient(upstream.hf_endpoint)
        ours: dict[str, list[float]] = {case: [] for case in CASES}
        reference: dict[str, list[float]] = {case: [] for case in CASES}
        try:
            assert server.proc is not None
            token = server.token()
            peak = RssPeak(server.proc.pid)
            peak.start()
            for _ in range(rounds + 1):  # the first round of each is a warm-up
                for case, repo_id in CASES.items():
                    start = time.perf_counter()
                    resp = server.call(
                        "POST",
                        "/artifact/model",
                        token,
                        json={"url": f"https://huggingface.co/{repo_id}"},
                    )
                    ours[case].append(time.perf_counter() - start)
                    resp.raise_for_status()
                    art = resp.json()["metadata"]
                    deleted = server.call("DELETE", f"/artifacts/model/{art['id']}", token)
                    deleted.raise_for_status()
                    with tempfile.TemporaryDirectory(dir=work) as folder:
                        reference[case].append(client.download(repo_id, folder))
            peak_ingest = peak.peak
            huge: dict[str, Any] = {}
            if huge_mib:
                peak.peak = 0
                start = time.perf_counter()
                resp = server.call(
                    "POST",
                    "/artifact/model",
                    token,
                    json={"url": "https://huggingface.co/bench/huge-model"},
                )
                huge = {
                    "mib": huge_mib,
                    "status": resp.status_code,
                    "seconds": time.perf_counter() - start,
                    "worker_rss_peak": peak.peak,
                }
            peak.stop.set()
            peak.join()
        finally:
            client.close()
            server.stop()
    cases = {}
    for case in CASES:
        timed, alone = ours[case][1:], reference[case][1:]
        ratios = [o / r for o, r in zip(timed, alone, strict=True)]
        cases[case] = {
            "ingest_s": _spread(timed),
            "hub_client_s": _spread(alone),
            "ratio": _spread(ratios),
            "ratios": ratios,
        }
    return {
        "weights_mib": weights_mib,
        "rounds": rounds,
        "cases": cases,
        "worker_rss_peak": peak_ingest,
        "huge": huge,
    }


def _fmt(d: dict[str, float], unit: str = " s") -> str:
    return f"{d['median']:.2f}{unit} ({d['min']:.2f}-{d['max']:.2f})"


def report(r: dict[str, Any]) -> str:
    lines = [
        f"- ingest of a {r['weights_mib']} MiB model (download, verify, bundle, store) "
        f"over {case}, median of {r['rounds']} cold runs (lowest-highest): "
        f"{_fmt(c['ingest_s'])}; `huggingface_hub` alone (`snapshot_download`, its own "
        f"process) fetching the same repository: {_fmt(c['hub_client_s'])}; ratio "
        f"{_fmt(c['ratio'], '')} (goal at most 1.1)"
        for case, c in r["cases"].items()
    ]
    lines.append(
        f"- peak resident memory of the worker during those ingests: "
        f"{r['worker_rss_peak'] / (1 << 20):.0f} MiB"
    )
    huge = r.get("huge") or {}
    if huge:
        lines.append(
            f"- ingest of a {huge['mib']} MiB model: {huge['status']} after "
            f"{huge['seconds']:.1f} s; the worker's peak resident memory "
            f"{huge['worker_rss_peak'] / (1 << 20):.0f} MiB (goal under 300 MB)"
        )
    return "\n".join(lines)
