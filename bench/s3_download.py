"""Downloads from S3 storage: the registry proxying the bytes against redirecting the
client to a presigned URL (`S3_DOWNLOAD=proxy` and `=redirect`), on moto's server.

The registry stores its blobs in a bucket of moto's S3 server (its own process, the
real S3 protocol) and is seeded with the download workload's big model. Clients, each
with its own token, download the bundle (curl, all transfers in parallel) from a
registry that proxies the bytes and from one that answers a 302 to a presigned URL
(curl follows it to moto). The reference, measured the same way in the same run, is
moto serving the same object to the same clients through a presigned URL, without the
registry. Rounds alternate the three; every figure is the median over the rounds with
the lowest and highest. Everything is warm: one untimed round of each first.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import boto3
import requests
from tests.fakes import FakeUpstream
from tests.functional.server_process import ServerProcess, free_port

from bench.common import median_range, ratio_range, ratio_rounds
from bench.download import BIG, WORKERS, catalog, curl_all, summarize

MODES = ("proxy", "redirect")


def _moto(port: int, log: Path) -> subprocess.Popen[bytes]:
    moto = Path(sys.executable).with_name("moto_server")
    proc = subprocess.Popen(
        [str(moto), "-H", "127.0.0.1", "-p", str(port)],
        stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    for _ in range(100):
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=1)
            return proc
        except requests.RequestException:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("moto's server did not start")


def run(clients: int = 100, rounds: int = 3) -> dict[str, Any]:
    with FakeUpstream(catalog(0)) as upstream, tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        port = free_port()
        moto = _moto(port, work / "moto.log")
        endpoint = f"http://127.0.0.1:{port}"
        bucket = f"bench-{uuid.uuid4().hex[:8]}"
        s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
        s3.create_bucket(Bucket=bucket)
        env = {
            "DATA_DIR": str(work / "data"),
            "HF_ENDPOINT": upstream.hf_endpoint,
            "GITHUB_API_URL": upstream.github_api_url,
            "AWS_S3_BUCKET": bucket,
            "AWS_ENDPOINT_URL": endpoint,
            "BCRYPT_LOG_ROUNDS": "4",
            "JWT_SECRET": "bench-jwt-secret-0123456789abcdef",
            "SECRET_KEY": "bench-secret-key-0123456789abcdef",
            "WEB_CONCURRENCY": str(WORKERS),
            "TOKEN_MAX_USES": "0",
            "INGEST_POLICY": "none",
            "LOG_LEVEL": "WARNING",
            "RATE_LIMITS_ENABLED": "false",
        }
        servers = {
            mode: ServerProcess(
                {**env, "PORT": str(free_port()), "S3_DOWNLOAD": mode}, work / f"{mode}.log"
            )
            for mode in MODES
        }
        results: dict[str, list[dict[str, Any]]] = {"moto, presigned": [], **{m: [] for m in MODES}}
        try:
            for server in servers.values():
                server.start()
            seeder = servers["proxy"]
            admin = seeder.token()
            made = seeder.call(
                "POST", "/artifact/model", admin, json={"url": f"https://huggingface.co/{BIG}"}
            )
            made.raise_for_status()
            path = f"/download/{made.json()['metadata']['id']}"
            sha = seeder.call("HEAD", path, admin).headers["ETag"].strip('"')
            key = next(
                o["Key"]
                for o in s3.list_objects_v2(Bucket=bucket)["Contents"]
                if o["Key"].endswith(sha)
            )
            size = s3.head_object(Bucket=bucket, Key=key)["ContentLength"]
            direct = s3.generate_presigned_url(
                "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=3600
            )
            tokens: list[str | None] = [seeder.token() for _ in range(clients)]
            anonymous: list[str | None] = [None] * clients

            def measure(name: str, out: Path) -> dict[str, Any]:
                if name in servers:
                    url = servers[name].base + path
                    return curl_all(url, tokens, out, follow=name == "redirect")
                return curl_all(direct, anonymous, out)

            for name in results:
                measure(name, work / "warm")  # warm: not timed
            for _ in range(rounds):
                for name, runs in results.items():
                    runs.append(measure(name, work / "r"))
        finally:
            for server in servers.values():
                server.stop()
            moto.terminate()
            moto.wait(timeout=30)
            shutil.rmtree(work / "data", ignore_errors=True)
    summary = {name: summarize(runs) for name, runs in results.items()}
    reference = summary["moto, presigned"]["runs"]
    ratios = {mode: ratio_rounds(summary[mode]["runs"], reference) for mode in MODES}
    return {
        "clients": clients,
        "rounds": rounds,
        "bundle_bytes": size,
        "summary": summary,
        "ratios": ratios,
    }


def report(r: dict[str, Any]) -> str:
    lines = [
        f"{r['clients']} concurrent clients, each with its own token, download one "
        f"{r['bundle_bytes'] / 1e6:.1f} MB bundle stored in moto's S3 server. Median of "
        f"{r['rounds']} rounds (lowest-highest), all warm; {WORKERS} registry workers.",
        "",
        "| how | throughput MB/s | mean s | median s | p99 s |",
        "|---|---|---|---|---|",
    ]
    names = {
        "proxy": "registry, `S3_DOWNLOAD=proxy` (bytes through the registry)",
        "redirect": "registry, `S3_DOWNLOAD=redirect` (302, then moto)",
        "moto, presigned": "moto alone, presigned URL (reference)",
    }
    for name, s in r["summary"].items():
        lines.append(
            f"| {names[name]} | {median_range(s['throughput_mb_s'], '.0f')} "
            f"| {median_range(s['mean_s'], '.2f')} | {median_range(s['median_s'], '.2f')} "
            f"| {median_range(s['p99_s'], '.2f')} |"
        )
    lines.append("")
    for mode, ratios in r["ratios"].items():
        lines.append(
            f"- `{mode}` / moto alone, round by round: throughput "
            f"{ratio_range(ratios, 'throughput')}, p99 {ratio_range(ratios, 'p99')}"
        )
    return "\n".join(lines)
