"""The download workload: 100 concurrent clients fetch one Tiny-LLM-sized bundle.

The registry (`registry serve`: gunicorn, SQLite) is seeded from the fake hub with
`small` small models and one model of about 25 MB (safetensors weights, tokenizer,
config). Each client has a token of its own, so every request does the registry's
whole work: token check and count, permission and visibility check, audit write,
then the bytes. The reference is nginx (Debian's nginx-light, started here on a free
port, `sendfile on`, as many worker processes as gunicorn has) serving the very same
bundle file from the blob folder, measured the same way. The client is curl, one
process running all transfers in parallel (`--parallel`), so the client's own cost is
small and the same for both. Rounds alternate registry and nginx; every figure is the
median over the rounds with its spread (the lowest and highest round). Both servers
are warm: the file is in the page cache after the first, untimed, round.

Worker models compared in the same run: gthread with the default threads, gthread
with more threads, and gevent (an async worker), all with the same worker count.
The peak resident memory of each gunicorn worker is sampled during the rounds.
"""

from __future__ import annotations

import os
import pwd
import shutil
import statistics
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests
from tests.fakes import FakeUpstream, default_catalog
from tests.fakes.catalog import FakeHfRepo, json_file, readme_file, safetensors_file
from tests.functional.server_process import ServerProcess, free_port

from bench.common import RssPeak, median_range, percentile, ratio_range, ratio_rounds

BIG = "bench/tiny-llm"
WORKERS = 2
CONFIGS = {
    "gthread, 8 threads": {"WEB_THREADS": "8"},
    "gthread, 32 threads": {"WEB_THREADS": "32"},
    "gevent, 1000 connections": {
        "GUNICORN_CMD_ARGS": "--worker-class gevent --worker-connections 1000"
    },
}
NGINX = "/usr/sbin/nginx"


VOCAB = {"model": {"vocab": {f"t{i}": i for i in range(32_000)}}}


def catalog(small: int) -> Any:
    cat = default_catalog()
    for i in range(small):
        repo = f"bench/small-{i}"
        cat.hf_repos.append(
            FakeHfRepo(
                repo_id=repo,
                files=[
                    readme_file({"license": "mit"}, f"# Small model {i}\n"),
                    json_file("config.json", {"model_type": "bench", "n": i}),
                    safetensors_file("model.safetensors", [("w", "F32", [64, 64])], seed=repo),
                ],
            )
        )
    # About Tiny-LLM's size: 6.2 M float32 parameters, its tokenizer and config.
    cat.hf_repos.append(
        FakeHfRepo(
            repo_id=BIG,
            files=[
                readme_file({"license": "apache-2.0"}, "# Tiny LLM\n\nFor the benchmark.\n"),
                json_file("config.json", {"model_type": "llama", "hidden_size": 192}),
                json_file("tokenizer_config.json", {"model_max_length": 1024}),
                json_file(
                    "tokenizer.json", {"model": {"vocab": {f"t{i}": i for i in range(32000)}}}
                ),
                safetensors_file("model.safetensors", [("w", "F32", [2490, 2490])], seed=BIG),
            ],
        )
    )
    return cat


def curl_all(
    url: str, tokens: list[str | None], out: Path, *, follow: bool = False
) -> dict[str, Any]:
    """All transfers at once; per transfer: status, bytes, seconds to the last byte
    (`follow`: through a redirect, as a client of `S3_DOWNLOAD=redirect` does)."""
    config = out.with_suffix(".curl")
    lines = []
    for token in tokens:
        lines += [f'url = "{url}"', 'output = "/dev/null"']
        if token:
            lines.append(f'header = "X-Authorization: {token}"')
        if follow:
            lines.append("location")
        lines += ['write-out = "%{http_code} %{size_download} %{time_total}\\n"', "next"]
    config.write_text("\n".join(lines[:-1]) + "\n")
    start = time.perf_counter()
    done = subprocess.run(
        ["curl", "-s", "--parallel", "--parallel-immediate", "--parallel-max", str(len(tokens)),
         "-K", str(config)],
        capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    wall = time.perf_counter() - start
    rows = [line.split() for line in done.stdout.splitlines() if line.strip()]
    ok = [(int(b), float(t)) for code, b, t in rows if code in ("200", "206")]
    if len(ok) != len(tokens):
        codes = sorted({row[0] for row in rows})
        raise RuntimeError(f"{len(tokens) - len(ok)} of {len(tokens)} downloads failed: {codes}")
    total = sum(b for b, _ in ok)
    return {
        "clients": len(tokens),
        "ok": len(ok),
        "wall_s": wall,
        "bytes": total,
        "throughput_mb_s": total / wall / 1e6,
        "latencies": [t for _, t in ok],
    }


def _nginx(root: Path, work: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    conf = work / "nginx.conf"
    # Started as root, nginx's workers would switch to `nobody`, who cannot enter the
    # private temporary folder: they stay the user that runs the benchmark.
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};" if os.geteuid() == 0 else ""
    conf.write_text(
        f"""{user}
worker_processes {WORKERS};
pid {work}/nginx.pid;
error_log {work}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    client_body_temp_path {work}/nginx-body;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        default_type application/zip;
    }}
}}
"""
    )
    proc = subprocess.Popen(
        [NGINX, "-p", str(work), "-c", str(conf), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(100):
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=1)
            return proc, port
        except requests.RequestException:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("nginx did not start")


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    def med(key: str) -> dict[str, float]:
        values = [r[key] for r in runs]
        return {"median": statistics.median(values), "min": min(values), "max": max(values)}

    for r in runs:
        lat = r.pop("latencies")
        r["mean_s"] = statistics.fmean(lat) if lat else float("nan")
        r["median_s"] = percentile(lat, 50)
        r["p99_s"] = percentile(lat, 99)
        r["cdf"] = sorted(lat)
    return {
        "runs": runs,
        **{k: med(k) for k in ("throughput_mb_s", "mean_s", "median_s", "p99_s")},
    }


def run(small: int = 500, clients: int = 100, rounds: int = 3) -> dict[str, Any]:
    upstream_catalog = catalog(small)
    with FakeUpstream(upstream_catalog) as upstream, tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        base_env = {
            "DATA_DIR": str(work / "data"),
            "HF_ENDPOINT": upstream.hf_endpoint,
            "GITHUB_API_URL": upstream.github_api_url,
            "BCRYPT_LOG_ROUNDS": "4",
            "JWT_SECRET": "bench-jwt-secret-0123456789abcdef",
            "SECRET_KEY": "bench-secret-key-0123456789abcdef",
            "WEB_CONCURRENCY": str(WORKERS),
            "TOKEN_MAX_USES": "0",
            "INGEST_POLICY": "none",
            "LOG_LEVEL": "WARNING",
            # The benchmark is one user seeding and downloading as fast as it can.
            "RATE_LIMITS_ENABLED": "false",
        }
        server = ServerProcess({**base_env, "PORT": str(free_port())}, work / "seed.log").start()
        try:
            admin = server.token()
            seed_start = time.perf_counter()

            def ingest(repo: str) -> dict[str, Any]:
                url = f"https://huggingface.co/{repo}"
                r = server.call("POST", "/artifact/model", admin, json={"url": url})
                r.raise_for_status()
                return dict(r.json())

            with ThreadPoolExecutor(4) as pool:
                list(pool.map(ingest, [f"bench/small-{i}" for i in range(small)]))
            big = ingest(BIG)
            seed_s = time.perf_counter() - seed_start
            tokens = [server.token() for _ in range(clients)]
            path = f"/download/{big['metadata']['id']}"
            sha = server.call("HEAD", path, admin).headers["ETag"].strip('"')
        finally:
            server.stop()
        blob = next((work / "data" / "blobs").glob(f"??/??/{sha}"))

        nginx_root = work / "nginx-root"
        nginx_root.mkdir()
        (nginx_root / "bundle.zip").hardlink_to(blob)  # the same file, not a copy
        nginx, nginx_port = _nginx(nginx_root, work)
        results: dict[str, list[dict[str, Any]]] = {"nginx": []}
        peaks: dict[str, int] = {}
        try:
            servers = {}
            for name, extra in CONFIGS.items():
                env = {**base_env, "PORT": str(free_port()), **extra}
                servers[name] = ServerProcess(env, work / f"{len(servers)}.log")
                results[name] = []
            nginx_url = f"http://127.0.0.1:{nginx_port}/bundle.zip"
            curl_all(nginx_url, [None] * clients, work / "warm")  # warm: not timed
            for name, srv in servers.items():
                srv.start()
                try:
                    assert srv.proc is not None
                    url = srv.base + path
                    curl_all(url, tokens, work / "warm")  # warm: not timed
                    sampler = RssPeak(srv.proc.pid)
                    sampler.start()
                    for _ in range(rounds):
                        results[name].append(curl_all(url, tokens, work / "r"))
                        if name == next(iter(CONFIGS)):  # nginx alternates with the default
                            reference = curl_all(nginx_url, [None] * clients, work / "n")
                            results["nginx"].append(reference)
                    sampler.stop.set()
                    sampler.join()
                    peaks[name] = sampler.peak
                finally:
                    srv.stop()
        finally:
            nginx.terminate()
            nginx.wait(timeout=30)
        bundle_bytes = blob.stat().st_size
        shutil.rmtree(work / "data", ignore_errors=True)
    summary = {name: summarize(runs) for name, runs in results.items()}
    default = summary[next(iter(CONFIGS))]
    ratios = ratio_rounds(default["runs"], summary["nginx"]["runs"])
    return {
        "small_models": small,
        "clients": clients,
        "rounds": rounds,
        "bundle_bytes": bundle_bytes,
        "seed_s": seed_s,
        "summary": summary,
        "ratios": ratios,
        "worker_rss_peak": peaks,
    }


def report(r: dict[str, Any]) -> str:
    lines = [
        f"{r['clients']} concurrent clients, each with its own token, download one "
        f"{r['bundle_bytes'] / 1e6:.1f} MB bundle; the registry holds {r['small_models']} "
        f"other models. Median of {r['rounds']} rounds (lowest-highest), both servers warm; "
        f"{WORKERS} worker processes each.",
        "",
        "| server | throughput MB/s | mean s | median s | p99 s | peak RSS of a worker |",
        "|---|---|---|---|---|---|",
    ]
    for name, s in r["summary"].items():
        peak = r["worker_rss_peak"].get(name)
        lines.append(
            f"| {'registry, ' + name if name != 'nginx' else 'nginx (sendfile)'} "
            f"| {median_range(s['throughput_mb_s'], '.0f')} | {median_range(s['mean_s'], '.2f')} "
            f"| {median_range(s['median_s'], '.2f')} | {median_range(s['p99_s'], '.2f')} "
            f"| {'' if peak is None else f'{peak / (1 << 20):.0f} MiB'} |"
        )
    lines += [
        "",
        f"- registry (default: {next(iter(CONFIGS))}) / nginx, round by round: throughput "
        f"{ratio_range(r['ratios'], 'throughput')}, goal at least 0.9; "
        f"p99 latency {ratio_range(r['ratios'], 'p99')}, goal at most 1.25",
    ]
    return "\n".join(lines)


def plot(r: dict[str, Any], folder: Path) -> list[Path]:
    """The latency CDF and the throughput bars, as PNGs in `folder`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    cdf_path = folder / "download-latency-cdf.png"
    fig, ax = plt.subplots(figsize=(7, 4))
    for name, s in r["summary"].items():
        lat = sorted(x for run in s["runs"] for x in run["cdf"])
        ys = [(i + 1) / len(lat) for i in range(len(lat))]
        ax.plot(lat, ys, label="nginx (sendfile)" if name == "nginx" else f"registry, {name}")
    ax.set_xlabel("seconds from request to last byte")
    ax.set_ylabel("fraction of downloads")
    ax.set_title(
        f"{r['clients']} concurrent downloads of a {r['bundle_bytes'] / 1e6:.0f} MB bundle"
    )
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(cdf_path, dpi=110)
    plt.close(fig)

    bars_path = folder / "download-throughput.png"
    fig, ax = plt.subplots(figsize=(7, 4))
    names = list(r["summary"])
    medians = [r["summary"][n]["throughput_mb_s"]["median"] for n in names]
    lows = [
        m - r["summary"][n]["throughput_mb_s"]["min"] for n, m in zip(names, medians, strict=True)
    ]
    highs = [
        r["summary"][n]["throughput_mb_s"]["max"] - m for n, m in zip(names, medians, strict=True)
    ]
    labels = ["nginx" if n == "nginx" else n.replace(", ", "\n") for n in names]
    ax.bar(labels, medians, yerr=[lows, highs], capsize=6, color="#4c72b0")
    ax.set_ylabel("MB/s (median of rounds, lowest-highest)")
    ax.set_title("Throughput of the download workload")
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(bars_path, dpi=110)
    plt.close(fig)
    return [cdf_path, bars_path]


if __name__ == "__main__":
    import json
    import sys

    quick = "--quick" in sys.argv
    res = run(small=50 if quick else 500, clients=100, rounds=3)
    print(report(res))
    if "--json" in sys.argv:
        Path(sys.argv[sys.argv.index("--json") + 1]).write_text(json.dumps(res, indent=2))
