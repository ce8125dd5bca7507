"""Run the registry as users do (`registry serve`: migrations, seed, gunicorn) in a
subprocess, so tests can kill it the hard way and start it again."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

from tests.conftest import ADMIN
from tests.fakes import FakeUpstream


def server_env(
    data_dir: Path, database_url: str, upstream: FakeUpstream, **extra: str
) -> dict[str, str]:
    """The environment of a test server: the fakes as upstreams, quick hashing, one worker."""
    return {
        "PORT": str(free_port()),
        "DATA_DIR": str(data_dir),
        "DATABASE_URL": database_url,
        "HF_ENDPOINT": upstream.hf_endpoint,
        "GITHUB_API_URL": upstream.github_api_url,
        "BCRYPT_LOG_ROUNDS": "4",
        "JWT_SECRET": "server-test-jwt-secret-0123456789",
        "SECRET_KEY": "server-test-secret-key-0123456789",
        "WEB_CONCURRENCY": "1",
        "INGEST_POLICY": "none",
        **extra,
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        self.port = int(env["PORT"])
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.argv = ["serve"]  # the `registry` command line after the program name

    def start(self, timeout: float = 60.0) -> ServerProcess:
        out = self.log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "registry", *self.argv],
            env={**os.environ, **self.env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: kill takes the workers too
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log.read_text()}")
            try:
                if requests.get(f"{self.base}/health", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError(f"server did not answer /health in {timeout} s:\n{self.log.read_text()}")

    def kill(self) -> None:
        """SIGKILL the whole process group: no cleanup code runs."""
        if self.proc is not None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)
            self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
            self.proc = None

    def token(self) -> str:
        body = {
            "user": {"name": ADMIN["name"], "is_admin": True},
            "secret": {"password": ADMIN["password"]},
        }
        resp = requests.put(f"{self.base}/authenticate", json=body, timeout=30)
        resp.raise_for_status()
        return str(resp.json())

    def call(self, method: str, path: str, token: str, **kwargs: Any) -> requests.Response:
        headers = {"X-Authorization": token, **kwargs.pop("headers", {})}
        return requests.request(method, f"{self.base}{path}", headers=headers, timeout=60, **kwargs)
