"""Observability of a real server (`registry serve`: gunicorn, two workers): the
figures and Prometheus metrics add up across the workers, METRICS_PORT serves them
without a token, the session cookie is Secure behind a TLS proxy, and a server whose
database or blob store is unusable refuses to start, saying which and why."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import ADMIN
from tests.fakes import FakeUpstream
from tests.functional.server_process import ServerProcess, free_port, server_env
from tests.integration.conftest import s3_endpoint  # noqa: F401 - moto's server, a fixture

pytestmark = pytest.mark.slow
TRACKS = re.compile(
    r'^registry_http_requests_total\{method="GET",route="/tracks",status="200"\} (\S+)$', re.M
)


def start(tmp_path: Path, database_url: str, upstream: FakeUpstream, **extra: str) -> ServerProcess:
    env = server_env(
        tmp_path / "data",
        database_url,
        upstream,
        WEB_CONCURRENCY="2",
        WEB_THREADS="4",
        STATS_FLUSH_SECONDS="0.2",
        HEALTH_PROBE_SECONDS="0",
        LOG_FILE=str(tmp_path / "registry.log"),
        LOG_JSON="true",
        **extra,
    )
    return ServerProcess(env, tmp_path / "server.out").start()


@pytest.fixture
def two_workers(
    tmp_path: Path, database_url: str, upstream: FakeUpstream
) -> Iterator[ServerProcess]:
    server = start(tmp_path, database_url, upstream, METRICS_PORT=str(free_port()))
    yield server
    server.stop()


def burst_until_both_workers_answer(server: ServerProcess, log: Path) -> int:
    """GET /tracks on fresh connections until both workers have answered some; returns
    how many were sent."""
    sent = 0
    for _ in range(10):
        for _ in range(40):
            assert requests.get(f"{server.base}/tracks", timeout=10).status_code == 200
            sent += 1
        pids = {
            line["pid"]
            for line in map(json.loads, log.read_text().splitlines())
            if line.get("event") == "request" and line.get("route") == "/tracks"
        }
        if len(pids) >= 2:
            return sent
    pytest.fail("one worker answered every request")


def wait_for(check: Any, seconds: float = 15.0) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


def tracks_counted(text: str) -> float:
    found = TRACKS.search(text)
    return float(found.group(1)) if found else 0.0


def test_figures_and_metrics_add_up_across_two_workers(
    two_workers: ServerProcess, tmp_path: Path
) -> None:
    server = two_workers
    sent = burst_until_both_workers_answer(server, tmp_path / "registry.log")

    def api_count() -> bool:
        body = requests.get(f"{server.base}/health/components", timeout=10).json()
        api = next(c for c in body["components"] if c["id"] == "api")
        return api["metrics"].get("count{route=GET /tracks}") == sent

    assert wait_for(api_count), "the shared figures did not reach the number of requests sent"
    token = server.token()
    # Whichever worker answers a scrape, it shows every worker's count.
    scrapes = [tracks_counted(server.call("GET", "/metrics", token).text) for _ in range(6)]
    assert scrapes == [float(sent)] * 6
    assert requests.get(f"{server.base}/metrics", timeout=10).status_code == 403
    port = server.env["METRICS_PORT"]
    scraper = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10)
    assert scraper.status_code == 200 and tracks_counted(scraper.text) == float(sent)
    data = server.call("GET", "/dashboard/data", token).json()
    routes = {row["route"]: row["count"] for row in data["requests"]["by_route"]}
    assert routes["GET /tracks"] == sent
    secure_cookie_behind_a_tls_proxy(server)


def secure_cookie_behind_a_tls_proxy(server: ServerProcess) -> None:
    """The browser sign-in through gunicorn: behind a proxy that terminated TLS (here the
    test, from 127.0.0.1, which FORWARDED_ALLOW_IPS trusts by default) the cookie is Secure."""
    browser = requests.Session()
    for proto, secure in (("http", False), ("https", True)):
        page = browser.get(f"{server.base}/signin", timeout=10).text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert csrf
        form = {"username": ADMIN["name"], "password": ADMIN["password"], "csrf_token": csrf[1]}
        resp = browser.post(
            f"{server.base}/signin",
            data=form,
            headers={"X-Forwarded-Proto": proto},
            allow_redirects=False,
            timeout=10,
        )
        assert resp.status_code == 303
        assert ("Secure" in resp.headers["Set-Cookie"]) is secure
        assert "HttpOnly" in resp.headers["Set-Cookie"]


def test_figures_add_up_across_workers_in_redis_too(
    tmp_path: Path, upstream: FakeUpstream, redis_url: str, redis_prefix: str
) -> None:
    database = f"sqlite:///{tmp_path / 'registry.db'}"
    server = start(tmp_path, database, upstream, REDIS_URL=redis_url, REDIS_KEY_PREFIX=redis_prefix)
    try:
        sent = burst_until_both_workers_answer(server, tmp_path / "registry.log")

        def counted() -> bool:
            body = requests.get(f"{server.base}/health/components", timeout=10).json()
            api = next(c for c in body["components"] if c["id"] == "api")
            return api["metrics"].get("count{route=GET /tracks}") == sent

        assert wait_for(counted)
    finally:
        server.stop()
    import redis

    assert list(redis.Redis.from_url(redis_url).scan_iter(f"{redis_prefix}stats:*"))


def refused(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    settings = {
        "DATA_DIR": str(tmp_path / "data"),
        "BCRYPT_LOG_ROUNDS": "4",
        "PORT": str(free_port()),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "registry", "serve"],
        env={**os.environ, **settings},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_serve_refuses_a_database_that_does_not_answer(tmp_path: Path) -> None:
    port = free_port()
    done = refused(tmp_path, DATABASE_URL=f"postgresql://registry:pw@127.0.0.1:{port}/registry")
    assert done.returncode != 0
    shown = f"postgresql+psycopg://registry:***@127.0.0.1:{port}/registry"
    assert f"the registry cannot start: the database ({shown}) is not usable" in done.stderr
    assert "Traceback" not in done.stderr


def test_serve_refuses_a_missing_bucket(tmp_path: Path, s3_endpoint: str) -> None:  # noqa: F811
    bucket = f"absent-{uuid.uuid4().hex[:8]}"
    done = refused(tmp_path, AWS_S3_BUCKET=bucket, AWS_ENDPOINT_URL=s3_endpoint)
    assert done.returncode != 0
    assert f"the blob store (S3 bucket {bucket} at {s3_endpoint}) is not writable" in done.stderr
    assert "NoSuchBucket" in done.stderr
