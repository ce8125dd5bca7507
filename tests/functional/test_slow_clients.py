"""Slow clients against the real stack (nginx in front of gunicorn, as the container runs
it): 50 slowloris sockets and 50 downloaders that never read a large bundle leave
`/health` and the API answering (it answers; no speed is asserted)."""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from registry.front_proxy import nginx_conf
from registry.settings import Settings
from tests.fakes import FakeUpstream
from tests.functional.server_process import free_port, server_env

pytestmark = pytest.mark.skipif(
    shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists(),
    reason="nginx is not installed (.ci/run installs nginx-light)",
)
CLIENTS = 50


@pytest.fixture
def stack(tmp_path: Path, database_url: str, upstream: FakeUpstream) -> Iterator[str]:
    """`python -m registry.front_proxy` with two gunicorn threads: without nginx, two
    slow clients would be enough to stall it."""
    env = server_env(
        tmp_path / "data", database_url, upstream, WEB_THREADS="2", KEEPALIVE_SECONDS="75"
    )
    env["PATH"] = os.environ.get("PATH", "") + ":/usr/sbin"
    env["PORT"] = str(_port_pair())  # nginx on PORT, gunicorn on PORT + 1
    base = f"http://127.0.0.1:{env['PORT']}"
    log = (tmp_path / "stack.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "registry.front_proxy"],
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 240  # a loaded CI machine starts slowly
        while True:
            assert proc.poll() is None, (tmp_path / "stack.log").read_text()
            try:
                if requests.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, (tmp_path / "stack.log").read_text()
            time.sleep(0.3)
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def _port_pair() -> int:
    """A free port whose successor is free too (the machine is shared: checked, not hoped)."""
    for _ in range(50):
        port = free_port()
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise RuntimeError("no two consecutive free ports")


def _token(base: str) -> str:
    from tests.conftest import ADMIN

    body = {"user": {"name": ADMIN["name"], "is_admin": True}, "secret": ADMIN}
    body["secret"] = {"password": ADMIN["password"]}
    resp = requests.put(f"{base}/authenticate", json=body, timeout=30)
    resp.raise_for_status()
    return str(resp.json())


def _random_safetensors(nbytes: int) -> bytes:
    """A valid safetensors file of incompressible bytes (one U8 tensor)."""
    header = {"weight": {"dtype": "U8", "shape": [nbytes], "data_offsets": [0, nbytes]}}
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)
    return struct.pack("<Q", len(encoded)) + encoded + random.Random(9).randbytes(nbytes)


def _big_bundle(base: str, token: str, tmp_path: Path) -> str:
    """A model whose bundle (stored, not compressed) is far bigger than socket buffers."""
    archive = tmp_path / "big.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("README.md", "# big\n")
        zf.writestr("model.safetensors", _random_safetensors(24 << 20))
    resp = requests.post(
        f"{base}/artifact/model?name=big",
        data=archive.read_bytes(),
        headers={"X-Authorization": token, "Content-Type": "application/zip"},
        timeout=120,
    )
    assert resp.status_code == 201, resp.text
    return str(resp.json()["metadata"]["id"])


def _slowloris(port: int, stop: threading.Event) -> list[socket.socket]:
    socks = []
    for _ in range(CLIENTS):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: registry\r\n")
        socks.append(sock)

    def drip() -> None:
        n = 0
        while not stop.wait(1.0):
            n += 1
            for sock in socks:
                with contextlib.suppress(OSError):
                    sock.sendall(f"X-Slow-{n}: 1\r\n".encode())

    threading.Thread(target=drip, daemon=True).start()
    return socks


def _non_readers(port: int, path: str, token: str) -> list[socket.socket]:
    socks = []
    for _ in range(CLIENTS):
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.settimeout(5)
        sock.connect(("127.0.0.1", port))
        request = f"GET {path} HTTP/1.1\r\nHost: registry\r\nX-Authorization: {token}\r\n\r\n"
        sock.sendall(request.encode())
        socks.append(sock)  # and never read a byte
    return socks


def test_slowloris_and_non_reading_downloaders_leave_the_server_answering(
    stack: str, tmp_path: Path
) -> None:
    port = int(stack.rsplit(":", 1)[1])
    token = _token(stack)
    artifact = _big_bundle(stack, token, tmp_path)
    stop = threading.Event()
    held = _slowloris(port, stop) + _non_readers(port, f"/download/{artifact}", token)
    try:
        time.sleep(3)  # every download has started and filled what buffers it can
        for _ in range(3):
            assert requests.get(f"{stack}/health", timeout=30).status_code == 200
            listed = requests.post(
                f"{stack}/artifacts",
                json=[{"name": "*"}],
                headers={"X-Authorization": token},
                timeout=30,
            )
            assert listed.status_code == 200 and listed.json()[0]["id"] == artifact
    finally:
        stop.set()
        for sock in held:
            sock.close()


def test_nginx_accepts_the_configuration(tmp_path: Path) -> None:
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp_path / sub).mkdir()
    conf = tmp_path / "nginx.conf"
    conf.write_text(nginx_conf(Settings(port=9000), 9001, tmp_path))
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    checked = subprocess.run(
        [nginx, "-t", "-e", "stderr", "-c", str(conf)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stderr


def test_a_bad_setting_stops_it_with_one_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "registry.front_proxy"],
        env={**os.environ, "PORT": "abc"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == "registry: PORT must be a whole number, got 'abc'"
