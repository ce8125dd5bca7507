"""Shared fixtures: fake upstreams, databases (SQLite and PostgreSQL), the app, an API client.

PostgreSQL is the machine's running server (REGISTRY_TEST_POSTGRES_URL, default
postgresql://postgres@127.0.0.1:5432/test). Each pytest-xdist worker gets its own
database, migrated once and truncated before every test. Without a reachable
server the PostgreSQL cases are skipped, unless REGISTRY_TEST_REQUIRE_POSTGRES=1
(set by CI), which turns the skip into a failure.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from registry.app import build_registry, create_app
from registry.db import migrate
from registry.db.session import Database
from registry.domain.models import User
from registry.observability.logging import configure_logging
from registry.services.container import Registry
from registry.settings import DEFAULT_ADMIN_NAME, DEFAULT_ADMIN_PASSWORD, Settings
from tests.fakes import FakeUpstream
from tests.fakes.kaggle_content import KAGGLE_KEY, KAGGLE_USERNAME

PG_ADMIN_URL = os.environ.get(
    "REGISTRY_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REQUIRE_PG = os.environ.get("REGISTRY_TEST_REQUIRE_POSTGRES") == "1"
REDIS_URL = os.environ.get("REGISTRY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
REQUIRE_REDIS = os.environ.get("REGISTRY_TEST_REQUIRE_REDIS") == "1"
BACKENDS = ["sqlite", "postgres"]
TABLES = (
    "artifact_files",
    "artifact_groups",
    "artifacts",
    "audit_events",
    "group_members",
    "groups",
    "monitors",
    "tokens",
    "users",
    "stat_counters",
    "log_lines",
    "work_leases",
)
ADMIN = {"name": DEFAULT_ADMIN_NAME, "password": DEFAULT_ADMIN_PASSWORD}
# The seeded default admin as services see it (the first user of a fresh database).
ADMIN_USER = User(id=1, name=DEFAULT_ADMIN_NAME, is_admin=True)


@pytest.fixture(scope="session")
def worker_id(request: pytest.FixtureRequest) -> str:
    worker = getattr(request.config, "workerinput", {}).get("workerid")
    return str(worker or "main")


@pytest.fixture(scope="session", autouse=True)
def _logging() -> None:
    """Logging is configured once per process at startup (`registry.startup`)."""
    configure_logging(Settings())


@pytest.fixture(scope="session")
def upstream() -> Iterator[FakeUpstream]:
    with FakeUpstream() as fake:
        yield fake


def _pg_unavailable(reason: str) -> None:
    if REQUIRE_PG:
        pytest.fail(f"PostgreSQL is required (REGISTRY_TEST_REQUIRE_POSTGRES=1): {reason}")
    pytest.skip(f"PostgreSQL not reachable: {reason}")


@pytest.fixture(scope="session")
def pg_database_url(worker_id: str) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test worker."""
    # Unique per process: CI and a developer may run the suite on one server at once.
    name = f"registry_test_{worker_id}_{os.getpid()}".replace("-", "_")
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        _pg_unavailable(str(exc).strip())
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    url = f"{base}/{name}"
    db = Database(url)
    migrate.upgrade(db)
    db.dispose()
    yield url
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The machine's Redis (REGISTRY_TEST_REDIS_URL); tests keep to keys of their own
    (REDIS_KEY_PREFIX) because other runs may share it."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        if REQUIRE_REDIS:
            pytest.fail(f"Redis is required (REGISTRY_TEST_REQUIRE_REDIS=1): {exc}")
        pytest.skip(f"Redis not reachable: {exc}")
    return REDIS_URL


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix no other test uses; its keys are deleted afterwards."""
    import uuid

    import redis

    prefix = f"registry-test:{uuid.uuid4().hex}:"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)


def _truncate(url: str) -> None:
    db = Database(url)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
        conn.execute(text("UPDATE blob_epoch SET value = 0"))
    db.dispose()


def _database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'registry.db'}"
        db = Database(url)
        migrate.upgrade(db)
        db.dispose()
        return url
    url = str(request.getfixturevalue("pg_database_url"))
    _truncate(url)
    return url


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database: once on SQLite, once on PostgreSQL."""
    return _database_url(str(request.param), request, tmp_path)


def make_settings(
    tmp_path: Path, database_url: str, upstream: FakeUpstream, **overrides: Any
) -> Settings:
    base = Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        hf_endpoint=upstream.hf_endpoint,
        github_api_url=upstream.github_api_url,
        kaggle_api_url=upstream.kaggle_api_url,
        kaggle_username=KAGGLE_USERNAME,
        kaggle_key=KAGGLE_KEY,
        bcrypt_log_rounds=4,
        jwt_secret="test-jwt-secret-0123456789abcdef",
        secret_key="test-secret-key-0123456789abcdef",
        upstream_retries=0,
        upstream_timeout_seconds=10.0,
        token_max_uses=0,
        url_deny_networks=("169.254.0.0/16",),
        # The fake upstreams listen on loopback, which user URLs may not reach by default.
        url_allow_networks=("127.0.0.0/8", "::1/128"),
        public_url=None,
        # Storage and API tests ingest bare fixtures; the rating tests set a policy.
        ingest_policy="none",
        # Some tests race many ingests of one user on purpose; the limit tests set theirs.
        ingest_max_per_user=16,
        ingest_max_concurrent=16,
        # Tests drive hundreds of calls a minute with one token; tests/functional/
        # test_limits_api.py turns the rate limits on.
        rate_limits_enabled=False,
    )
    return base.with_overrides(**overrides)


@pytest.fixture
def settings(tmp_path: Path, database_url: str, upstream: FakeUpstream) -> Settings:
    return make_settings(tmp_path, database_url, upstream)


@pytest.fixture
def registry(settings: Settings) -> Iterator[Registry]:
    reg = build_registry(settings)
    reg.users.seed()
    yield reg
    reg.close()


@pytest.fixture
def app(registry: Registry) -> Flask:
    return create_app(registry=registry)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


class Api:
    """A thin client for the spec's endpoints, carrying a token."""

    def __init__(self, client: FlaskClient, token: str | None = None) -> None:
        self.client = client
        self.token = token

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        h = {"X-Authorization": self.token} if self.token else {}
        return {**h, **(extra or {})}

    def login(self, name: str, password: str) -> Any:
        return self.client.put(
            "/authenticate",
            json={"user": {"name": name, "is_admin": False}, "secret": {"password": password}},
        )

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = self.headers(kwargs.pop("headers", None))
        return self.client.open(path, method=method, headers=headers, **kwargs)

    def ingest(self, kind: str, url: str, name: str | None = None, expect: int = 201) -> Any:
        body: dict[str, str] = {"url": url}
        if name is not None:
            body["name"] = name
        resp = self.call("POST", f"/artifact/{kind}", json=body)
        assert resp.status_code == expect, resp.get_data(as_text=True)
        return resp.get_json()

    def enumerate(self, queries: list[dict[str, Any]], offset: str | None = None) -> Any:
        path = "/artifacts" + (f"?offset={offset}" if offset is not None else "")
        return self.call("POST", path, json=queries)

    def download_path(self, artifact: dict[str, Any]) -> str:
        parts = urlsplit(str(artifact["data"]["download_url"]))
        return parts.path + (f"?{parts.query}" if parts.query else "")


MakeApi = Callable[..., tuple[Api, Registry]]


@pytest.fixture
def make_api(tmp_path: Path, database_url: str, upstream: FakeUpstream) -> Iterator[MakeApi]:
    """Build a registry with settings overrides and return an admin Api on it (and the
    registry); everything built is closed after the test."""
    made: list[Registry] = []

    def factory(**overrides: Any) -> tuple[Api, Registry]:
        settings = make_settings(
            tmp_path / f"registry-{len(made)}", database_url, upstream, **overrides
        )
        reg = build_registry(settings)
        reg.users.seed()
        made.append(reg)
        client = create_app(registry=reg).test_client()
        token = Api(client).login(ADMIN["name"], ADMIN["password"]).get_json()
        return Api(client, token), reg

    yield factory
    for reg in made:
        reg.close()


@pytest.fixture
def api(client: FlaskClient) -> Api:
    anonymous = Api(client)
    resp = anonymous.login(ADMIN["name"], ADMIN["password"])
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return Api(client, resp.get_json())


HF = "https://huggingface.co"
BERT = f"{HF}/google-bert/bert-base-uncased"
FINETUNE = f"{HF}/acme/bert-finetuned-sst2"
BOOKCORPUS = f"{HF}/datasets/bookcorpus/bookcorpus"
GH_BERT = "https://github.com/google-research/bert"
GH_WHISPER = "https://github.com/openai/whisper"


def screenshots_dir() -> Path:
    """Where the browser tests (tests/e2e) put their screenshots of every page."""
    return Path(os.environ.get("E2E_SCREENSHOTS", "var/screenshots")).resolve()


_SESSION_START = time.time()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Name the screenshots folder when this run's browser tests wrote to it."""
    shots = screenshots_dir()
    if shots.is_dir() and any(p.stat().st_mtime >= _SESSION_START for p in shots.glob("*.png")):
        terminalreporter.write_line(f"screenshots of the web pages (tests/e2e): {shots}")
