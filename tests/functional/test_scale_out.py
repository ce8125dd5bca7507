"""Scale-out: two registry processes (`registry serve`, different ports) on one
PostgreSQL database and one S3 bucket (moto's server) agree on everything, and keep
nothing on local disk but transient work folders."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import boto3
import pytest
import requests

from tests.conftest import BERT, FINETUNE, _truncate
from tests.fakes import FakeUpstream
from tests.functional.server_process import ServerProcess, server_env
from tests.integration.conftest import s3_endpoint  # noqa: F401 - moto's server, a fixture

pytestmark = pytest.mark.slow


@pytest.fixture
def bucket(s3_endpoint: str) -> str:  # noqa: F811 - the fixture imported above
    name = f"registry-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").create_bucket(Bucket=name)
    return name


@pytest.fixture
def two_servers(
    tmp_path: Path,
    pg_database_url: str,
    upstream: FakeUpstream,
    s3_endpoint: str,  # noqa: F811
    bucket: str,
) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    _truncate(pg_database_url)
    servers = []
    for name in ("a", "b"):
        (tmp_path / name / "tmp").mkdir(parents=True)
        env = server_env(
            tmp_path / name / "data",
            pg_database_url,
            upstream,
            AWS_S3_BUCKET=bucket,
            AWS_ENDPOINT_URL=s3_endpoint,
            TMPDIR=str(tmp_path / name / "tmp"),
            HEALTH_PROBE_SECONDS="0",
            STATS_FLUSH_SECONDS="0.2",
        )
        # One after the other, as an Auto Scaling group brings them up: the first
        # migrates the empty database.
        servers.append(ServerProcess(env, tmp_path / name / "server.out").start())
    yield servers[0], servers[1]
    for server in servers:
        server.stop()


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _files_left(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if not p.is_dir()]


def test_two_processes_on_one_database_and_bucket_agree(
    two_servers: tuple[ServerProcess, ServerProcess], tmp_path: Path
) -> None:
    a, b = two_servers
    token = a.token()  # tokens live in the database: one works on both

    created = a.call("POST", "/artifact/model", token, json={"url": BERT})
    assert created.status_code == 201, created.text
    art = created.json()
    ident, name = art["metadata"]["id"], art["metadata"]["name"]

    listed = b.call("POST", "/artifacts", token, json=[{"name": "*"}])
    assert listed.status_code == 200 and [m["id"] for m in listed.json()] == [ident]
    by_name = b.call("GET", f"/artifact/byName/{name}", token)
    assert by_name.status_code == 200 and by_name.json()[0]["id"] == ident
    by_regex = b.call("POST", "/artifact/byRegEx", token, json={"regex": "bert"})
    assert by_regex.status_code == 200 and ident in [m["id"] for m in by_regex.json()]
    rated = b.call("GET", f"/artifact/model/{ident}/rate", token)
    assert rated.status_code == 200 and "net_score" in rated.json()
    downloaded = b.call("GET", _path(art["data"]["download_url"]), token)
    assert downloaded.status_code == 200
    digest = hashlib.sha256(downloaded.content).hexdigest()
    assert downloaded.headers["ETag"] == f'"{digest}"'
    first = a.call("GET", _path(art["data"]["download_url"]), token)
    assert hashlib.sha256(first.content).hexdigest() == digest

    # The same upstream through both at once: the database lets exactly one win.
    def ingest(server: ServerProcess) -> requests.Response:
        return server.call("POST", "/artifact/model", token, json={"url": FINETUNE})

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(ingest, (a, b)))
    assert sorted(r.status_code for r in answers) == [201, 409], [r.text for r in answers]
    winner = next(r for r in answers if r.status_code == 201).json()["metadata"]["id"]
    for server in (a, b):
        ids = [
            m["id"] for m in server.call("POST", "/artifacts", token, json=[{"name": "*"}]).json()
        ]
        assert sorted(ids) == sorted([ident, winner])

    assert b.call("DELETE", "/reset", token).status_code == 200
    assert a.call("POST", "/artifacts", token, json=[{"name": "*"}]).json() == []
    assert a.call("GET", f"/artifacts/model/{ident}", token).status_code == 404

    for server in (a, b):
        server.stop()
    # Everything lives in PostgreSQL and S3: locally, only (now empty) work folders.
    for name in ("a", "b"):
        for folder in ("data", "tmp"):
            assert _files_left(tmp_path / name / folder) == [], (name, folder)
    assert os.listdir(tmp_path / "a" / "data") in ([], ["work"])
