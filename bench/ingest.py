"""Ingest of a large model through the real server, against the Hugging Face client alone.

The registry (`registry serve`) ingests a model whose weights are `weights_mib` MiB
from the fake hub on loopback; the reference, measured in the same run and
interleaved with it, is `huggingface_hub.hf_hub_download` fetching the same files
into an empty folder. Both are cold in the same way: every run downloads every byte
again (the registry's artifact is deleted between runs; the hub client gets a new
folder). Each figure is the median of `rounds` runs with the lowest and highest,
after one round of each that is not counted: the server's first ingest also loads
what it loads once (modules, the file scanner), the hub client's first call too.
The peak resident memory of the gunicorn worker is sampled during the ingests.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from huggingface_hub import hf_hub_download
from tests.fakes import FakeUpstream, default_catalog
from tests.fakes.catalog import FakeHfRepo, json_file, readme_file, safetensors_file
from tests.functional.server_process import ServerProcess, free_port

from bench.common import RssPeak

FILES = ("README.md", "config.json", "model.safetensors")


def _repo(repo_id: str, weights_mib: int) -> FakeHfRepo:
    side = int((weights_mib * (1 << 20) / 4) ** 0.5)
    return FakeHfRepo(
        repo_id=repo_id,
        files=[
            readme_file({"license": "mit"}, "# Big model\n\nFor the benchmark.\n"),
            json_file("config.json", {"model_type": "bench"}),
            safetensors_file("model.safetensors", [("w", "F32", [side, side])], seed=repo_id),
        ],
    )


def _spread(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def run(weights_mib: int = 256, rounds: int = 3, huge_mib: int | None = 1024) -> dict[str, Any]:
    catalog = default_catalog()
    catalog.hf_repos.append(_repo("bench/big-model", weights_mib))
    if huge_mib:
        catalog.hf_repos.append(_repo("bench/huge-model", huge_mib))
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
        ours: list[float] = []
        reference: list[float] = []
        try:
            assert server.proc is not None
            token = server.token()
            peak = RssPeak(server.proc.pid)
            peak.start()
            for _ in range(rounds + 1):  # the first round of each is a warm-up
                start = time.perf_counter()
                resp = server.call(
                    "POST",
                    "/artifact/model",
                    token,
                    json={"url": "https://huggingface.co/bench/big-model"},
                )
                ours.append(time.perf_counter() - start)
                resp.raise_for_status()
                art = resp.json()["metadata"]
                server.call("DELETE", f"/artifacts/model/{art['id']}", token).raise_for_status()
                with tempfile.TemporaryDirectory(dir=work) as folder:
                    start = time.perf_counter()
                    for name in FILES:
                        hf_hub_download(
                            "bench/big-model",
                            name,
                            local_dir=folder,
                            endpoint=upstream.hf_endpoint,
                            token=False,
                        )
                    reference.append(time.perf_counter() - start)
            ours, reference = ours[1:], reference[1:]
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
            server.stop()
    ratios = [o / r for o, r in zip(ours, reference, strict=True)]
    return {
        "weights_mib": weights_mib,
        "rounds": rounds,
        "ingest_s": _spread(ours),
        "hub_client_s": _spread(reference),
        "ratio": _spread(ratios),
        "ratios": ratios,
        "worker_rss_peak": peak_ingest,
        "huge": huge,
    }


def _fmt(d: dict[str, float], unit: str = " s") -> str:
    return f"{d['median']:.2f}{unit} ({d['min']:.2f}-{d['max']:.2f})"


def report(r: dict[str, Any]) -> str:
    lines = [
        f"- ingest of a {r['weights_mib']} MiB model (download, verify, bundle, store), median "
        f"of {r['rounds']} cold runs (lowest-highest): {_fmt(r['ingest_s'])}; "
        f"`huggingface_hub` alone downloading the same files: {_fmt(r['hub_client_s'])}; "
        f"ratio {_fmt(r['ratio'], '')} (goal at most 1.1)",
        f"- peak resident memory of the worker during those ingests: "
        f"{r['worker_rss_peak'] / (1 << 20):.0f} MiB",
    ]
    huge = r.get("huge") or {}
    if huge:
        lines.append(
            f"- ingest of a {huge['mib']} MiB model: {huge['status']} after "
            f"{huge['seconds']:.1f} s; the worker's peak resident memory "
            f"{huge['worker_rss_peak'] / (1 << 20):.0f} MiB (goal under 300 MB)"
        )
    return "\n".join(lines)
