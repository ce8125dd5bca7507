"""A worker killed in the middle of an ingest: after restart no half-artifact is
visible, nothing of other artifacts is lost, and `registry gc` tidies up."""

from __future__ import annotations

import contextlib
import hashlib
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import BERT
from tests.fakes import FakeUpstream
from tests.functional.server_process import ServerProcess, server_env

SLOW = "https://huggingface.co/fault/slow-download"


@pytest.mark.slow
def test_kill_during_ingest_leaves_no_trace(
    tmp_path: Path, database_url: str, upstream: FakeUpstream
) -> None:
    env = server_env(
        tmp_path / "data", database_url, upstream, TOKEN_MAX_USES="0", UPSTREAM_RETRIES="0"
    )
    server = ServerProcess(env, tmp_path / "server.log").start()
    upstream.release_slow.clear()
    upstream.hub.slow_stalled.clear()
    try:
        token = server.token()
        bert = server.call("POST", "/artifact/model", token, json={"url": BERT}).json()
        bert_zip = server.call("GET", f"/download/{bert['metadata']['id']}", token).content

        def doomed_ingest() -> None:
            with contextlib.suppress(requests.RequestException):  # the server dies under it
                server.call("POST", "/artifact/model", token, json={"url": SLOW})

        thread = threading.Thread(target=doomed_ingest, daemon=True)
        thread.start()
        assert upstream.hub.slow_stalled.wait(30), "the ingest never reached the upstream stall"
        assert any((tmp_path / "data" / "work").iterdir()), "an ingest is in flight"
        server.kill()
        thread.join(30)

        server.start()
        # The killed worker's work folder names a process that is gone: the restart
        # removed it, and gc finds nothing more to remove.
        assert not any((tmp_path / "data" / "work").iterdir())
        token = server.token()
        listing = server.call("POST", "/artifacts", token, json=[{"name": "*"}]).json()
        assert listing == [bert["metadata"]]
        assert server.call("GET", "/artifact/byName/slow-download", token).status_code == 404
        again = server.call("GET", f"/download/{bert['metadata']['id']}", token)
        assert again.content == bert_zip
        assert again.headers["ETag"] == f'"{hashlib.sha256(bert_zip).hexdigest()}"'

        # gc removes only the work folders of processes gone for a day (a younger one
        # may belong to an ingest still running): let a day pass for the killed one.
        two_days_ago = time.time() - 2 * 86400
        for folder in (tmp_path / "data" / "work").iterdir():
            os.utime(folder, (two_days_ago, two_days_ago))
        gc = subprocess.run(
            [sys.executable, "-m", "registry", "gc", "--grace-minutes", "0"],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        assert "0 abandoned work folders removed" in gc.stdout
        assert not any((tmp_path / "data" / "work").iterdir())

        # The registry is fully usable: the same upstream ingests once it answers.
        upstream.release_slow.set()
        retry = server.call("POST", "/artifact/model", token, json={"url": SLOW})
        assert retry.status_code == 201, retry.text
        listed = server.call("POST", "/artifacts", token, json=[{"name": "*"}]).json()
        assert listed == [bert["metadata"], retry.json()["metadata"]]
        assert retry.json()["metadata"]["name"] == "slow-download"
    finally:
        upstream.release_slow.set()
        server.stop()
