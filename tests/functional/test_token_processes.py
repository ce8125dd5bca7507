"""Two registry servers (gunicorn, two workers each) on one PostgreSQL database, as two
app instances behind a load balancer: one token is spent across both, and exactly its
allowed number of calls succeed. TOKEN_MAX_USES is 50 here rather than the default
1000, to keep the test short; the count is the same conditional UPDATE either way.

Then: a changed default admin password survives a restart of `registry serve`."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.conftest import ADMIN
from tests.fakes import FakeUpstream
from tests.functional.server_process import ServerProcess, server_env

USES = 50


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_one_token_spent_across_two_servers_serves_exactly_its_uses(
    tmp_path: Path, database_url: str, upstream: FakeUpstream
) -> None:
    servers = [
        ServerProcess(
            server_env(
                tmp_path / f"data-{n}",
                database_url,
                upstream,
                TOKEN_MAX_USES=str(USES),
                WEB_CONCURRENCY="2",
                WEB_THREADS="4",
            ),
            tmp_path / f"server-{n}.log",
        )
        for n in range(2)
    ]
    try:
        for server in servers:  # one after the other: each migrates and seeds at start
            server.start()
        token = servers[0].token()

        def call(n: int) -> int:
            server = servers[n % 2]
            resp = server.call("POST", "/artifacts", token, json=[{"name": "*"}])
            return resp.status_code

        with ThreadPoolExecutor(12) as pool:
            statuses = list(pool.map(call, range(USES + 30)))
        assert statuses.count(200) == USES
        assert statuses.count(403) == 30
        # Both servers served some of the calls, and both now refuse the token.
        assert {servers[n % 2].base for n, s in enumerate(statuses) if s == 200} == {
            s.base for s in servers
        }
        for server in servers:
            late = server.call("POST", "/artifacts", token, json=[{"name": "*"}])
            assert late.status_code == 403 and "used up" in late.json()["message"]

        # The default admin's changed password survives a restart (seeding only creates).
        changed = "the-new-admin-passphrase"
        secret = {"password": changed, "current_password": ADMIN["password"]}
        fresh = servers[1].token()
        resp = servers[1].call("PUT", f"/users/{ADMIN['name']}", fresh, json={"secret": secret})
        assert resp.status_code == 200, resp.text
        servers[0].stop()
        servers[0].start()
        assert _login(servers[0], ADMIN["password"]) == 401
        assert _login(servers[0], changed) == 200
    finally:
        for server in servers:
            server.stop()


def _login(server: ServerProcess, password: str) -> int:
    body = {"user": {"name": ADMIN["name"], "is_admin": True}, "secret": {"password": password}}
    return requests.put(f"{server.base}/authenticate", json=body, timeout=30).status_code
