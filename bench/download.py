"""Ingest and download of a large model through the real server (gunicorn).

Reference, measured in the same run:
- ingest: the Hugging Face client alone downloading the same files (hf_hub_download);
- download: reading the stored bundle straight from the blob folder on disk.
Memory: the gunicorn worker's resident set, sampled while it streams the bundle,
against the bundle's size.
"""

from __future__ import annotations

import hashlib
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import requests
from huggingface_hub import hf_hub_download
from tests.fakes import FakeUpstream, default_catalog
from tests.fakes.catalog import FakeHfRepo, json_file, readme_file, safetensors_file
from tests.functional.server_process import ServerProcess, free_port

from bench.common import children, mib, rss_bytes, timed

REPO = "bench/big-model"


def _catalog(weights_mib: int) -> Any:
    catalog = default_catalog()
    side = int((weights_mib * (1 << 20) / 4) ** 0.5)
    catalog.hf_repos.append(
        FakeHfRepo(
            repo_id=REPO,
            repo_type="model",
            files=[
                readme_file({"license": "mit"}, "# Big model\n\nFor the benchmark.\n"),
                json_file("config.json", {"model_type": "bench"}),
                safetensors_file("model.safetensors", [("w", "F32", [side, side])], seed=REPO),
            ],
        )
    )
    return catalog


class _Sampler(threading.Thread):
    def __init__(self, pids: list[int]) -> None:
        super().__init__(daemon=True)
        self.pids = pids
        self.peak = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.peak = max(self.peak, sum(rss_bytes(p) for p in self.pids))
            time.sleep(0.02)


def run(weights_mib: int = 256) -> dict[str, Any]:
    with FakeUpstream(_catalog(weights_mib)) as upstream, tempfile.TemporaryDirectory() as tmp:
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
        }
        server = ServerProcess(env, work / "server.log").start()
        try:
            token = server.token()
            start = time.perf_counter()
            resp = server.call(
                "POST", "/artifact/model", token, json={"url": f"https://huggingface.co/{REPO}"}
            )
            ingest_s = time.perf_counter() - start
            resp.raise_for_status()
            art = resp.json()

            def raw_hub_download() -> None:
                with tempfile.TemporaryDirectory() as d:
                    for name in ("README.md", "config.json", "model.safetensors"):
                        hf_hub_download(
                            REPO, name, local_dir=d, endpoint=upstream.hf_endpoint, token=False
                        )

            reference_ingest_s = timed(raw_hub_download, repeat=1)

            assert server.proc is not None
            workers = children(server.proc.pid)
            url = f"{server.base}/download/{art['metadata']['id']}"

            def download(suffix: str = "") -> tuple[int, str]:
                with requests.get(
                    url + suffix, headers={"X-Authorization": token}, stream=True, timeout=300
                ) as r:
                    r.raise_for_status()
                    h, n = hashlib.sha256(), 0
                    for chunk in r.iter_content(1 << 20):
                        h.update(chunk)
                        n += len(chunk)
                    return n, h.hexdigest()

            download()  # warm the page cache, like the disk reference below
            baseline = sum(rss_bytes(p) for p in workers)
            sampler = _Sampler(workers)
            sampler.start()
            start = time.perf_counter()
            size, digest = download()
            download_s = time.perf_counter() - start
            parts_start = time.perf_counter()
            parts_size, _ = download("?part=weights")
            parts_s = time.perf_counter() - parts_start
            sampler.done.set()
            sampler.join()

            blob = next((work / "data" / "blobs").glob(f"??/??/{digest}"))

            def read_from_disk() -> None:
                with blob.open("rb") as fh:
                    while fh.read(1 << 20):
                        pass

            disk_s = timed(read_from_disk)
        finally:
            server.stop()
    growth = max(0, sampler.peak - baseline)
    return {
        "bundle_bytes": size,
        "ingest_s": ingest_s,
        "reference_ingest_s": reference_ingest_s,
        "ingest_ratio": ingest_s / reference_ingest_s,
        "download_s": download_s,
        "disk_read_s": disk_s,
        "download_ratio": download_s / disk_s,
        "download_mib_per_s": size / (1 << 20) / download_s,
        "parts_bytes": parts_size,
        "parts_s": parts_s,
        "parts_ratio": parts_s / disk_s,
        "worker_rss_baseline": baseline,
        "worker_rss_growth": growth,
        "rss_growth_per_bundle_byte": growth / size,
    }


def report(r: dict[str, Any]) -> str:
    ingest = f"{r['ingest_s']:.2f} s; the hub client alone: {r['reference_ingest_s']:.2f} s"
    down = f"{r['download_s']:.2f} s ({r['download_mib_per_s']:.0f} MiB/s)"
    disk = f"{r['disk_read_s']:.3f} s"
    growth = f"{mib(r['worker_rss_growth'])} = {r['rss_growth_per_bundle_byte']:.3f} of the bundle"
    return "\n".join(
        [
            f"- bundle: {mib(r['bundle_bytes'])}",
            f"- ingest: {ingest} (ratio {r['ingest_ratio']:.2f})",
            f"- download: {down}; reading the blob from disk: {disk} "
            f"(ratio {r['download_ratio']:.1f})",
            f"- parts download (zip streamed on the fly, {mib(r['parts_bytes'])}): "
            f"{r['parts_s']:.2f} s (ratio to disk {r['parts_ratio']:.1f})",
            f"- worker memory: {mib(r['worker_rss_baseline'])} before; peak growth while "
            f"streaming {growth}",
        ]
    )
