"""`registry serve` as an operator starts it: options beside the environment, gunicorn
configured from the same environment, and a one-line refusal of a bad setting."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
from pathlib import Path

import pytest

from registry.serving import GUNICORN_CONFIG
from tests.functional.server_process import ServerProcess, free_port


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATA_DIR": str(tmp_path / "data"),
        "BCRYPT_LOG_ROUNDS": "4",
        "WEB_CONCURRENCY": "1",
        "WEB_THREADS": "2",
        **extra,
    }


def _python(tmp_path: Path, env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    """`python -m ...` in a scratch folder (the app creates its data folder there)."""
    return subprocess.run(
        [sys.executable, "-m", *argv],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_host_and_port_options_win_over_the_environment(tmp_path: Path) -> None:
    ignored, wanted = free_port(), free_port()
    server = ServerProcess(_env(tmp_path, PORT=str(ignored), HOST="0.0.0.0"), tmp_path / "log")
    server.port, server.base = wanted, f"http://127.0.0.1:{wanted}"
    server.argv = ["serve", "--host", "127.0.0.1", "--port", str(wanted)]
    server.start()
    try:
        # One connection, two requests: gunicorn keeps it open between them, as a
        # load balancer reusing its connections needs.
        conn = http.client.HTTPConnection("127.0.0.1", wanted, timeout=10)
        for _ in range(2):
            conn.request("GET", "/health")
            resp = conn.getresponse()
            resp.read()
            assert resp.status == 200
            assert resp.getheader("Connection", "").lower() != "close"
        conn.close()
        with pytest.raises(ConnectionRefusedError):
            http.client.HTTPConnection("127.0.0.1", ignored, timeout=5).request("GET", "/health")
    finally:
        server.stop()
    assert f"listening on http://127.0.0.1:{wanted}" in (tmp_path / "log").read_text()


def test_gunicorn_reads_its_settings_from_the_environment(tmp_path: Path) -> None:
    env = _env(tmp_path, KEEPALIVE_SECONDS="91", WEB_THREADS="3", FORWARDED_ALLOW_IPS="10.0.0.0/16")
    # gunicorn loads the app to print its configuration, and the app refuses to start on a
    # database it cannot write to: migrate first, as `registry serve` does.
    assert _python(tmp_path, env, "registry", "db", "upgrade").returncode == 0
    done = _python(tmp_path, env, "gunicorn", "--config", GUNICORN_CONFIG, "--print-config")
    assert done.returncode == 0, done.stderr
    lines = (line.partition("=") for line in done.stdout.splitlines())
    printed = {name.strip(): value.strip() for name, _, value in lines}
    assert printed["keepalive"] == "91"
    assert printed["threads"] == "3"
    assert printed["worker_class"] == "gthread"
    assert printed["forwarded_allow_ips"] == "['10.0.0.0/16']"
    assert printed["wsgi_app"] == "registry.wsgi:app"


@pytest.mark.parametrize(
    ("argv", "extra", "says"),
    [
        (["serve"], {"FORWARDED_ALLOW_IPS": "10.0.0.1/16"}, "FORWARDED_ALLOW_IPS"),
        (["serve"], {"FLASK_ENV": "production"}, "JWT_SECRET"),
        (["serve", "--port", "0"], {}, "--port"),
    ],
)
def test_bad_settings_stop_serve_with_one_line(
    tmp_path: Path, argv: list[str], extra: dict[str, str], says: str
) -> None:
    env = _env(tmp_path, **extra)
    for name in ("SECRET_KEY", "JWT_SECRET"):
        env.pop(name, None)
    done = _python(tmp_path, env, "registry", *argv)
    assert done.returncode != 0
    assert says in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "data").exists(), "refused before touching the data folder"
