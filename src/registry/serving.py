"""How the registry is served: gunicorn's settings, derived from `Settings`.

`registry serve` runs `gunicorn --config python:registry.gunicorn_conf` once it has
migrated the database, and the container image runs `registry serve`, so a laptop,
Compose and AWS all serve with these settings. This module has no side effects on
import; `gunicorn_conf` is the thin file gunicorn loads.

The defaults fit a t3.small (2 vCPU, 2 GiB): two worker processes, one per vCPU, each
with eight threads, because a request mostly waits on the database, S3 or an upstream
hub rather than computing; the two workers and their libraries take about 0.5 GiB,
leaving the rest to the page cache that downloads stream through.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from registry.settings import Settings

WSGI_APP = "registry.wsgi:app"
GUNICORN_CONFIG = "python:registry.gunicorn_conf"
# Workers touch a heartbeat file every second; on a busy host a container's overlay
# disk can stall that write long enough for the arbiter to kill a healthy worker, so
# the file goes to memory. Gunicorn creates it there itself, unlinked, mode 0600, so
# the shared folder holds nothing another user could read or swap.
SHM = Path("/dev/shm")  # noqa: S108  # nosec B108
# prometheus_client's multiprocess mode: read when prometheus_client is first imported,
# so it is set in the arbiter before any worker forks (and this module never imports it).
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
_OWN_DIR = "REGISTRY_OWNS_PROMETHEUS_DIR"


def bind_address(host: str, port: int) -> str:
    """`host:port`, with an IPv6 host in brackets as gunicorn expects."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def gunicorn_options(settings: Settings, shm: Path = SHM) -> dict[str, object]:
    """The gunicorn settings, by gunicorn's own names, for these registry settings."""
    return {
        "wsgi_app": WSGI_APP,
        "bind": [bind_address(settings.host, settings.port)],
        "worker_class": "gthread",
        "workers": settings.workers,
        "threads": settings.threads,
        "timeout": settings.request_timeout_seconds,
        "graceful_timeout": settings.graceful_timeout_seconds,
        # Must exceed the idle timeout of whatever sits in front (an ALB's is 60 s),
        # or the proxy may reuse a connection gunicorn has just closed and answer 502.
        "keepalive": settings.keepalive_seconds,
        "forwarded_allow_ips": settings.forwarded_allow_ips,
        # One control socket per user would collide between registries on one host.
        "control_socket_disable": True,
        "worker_tmp_dir": str(shm) if shm.is_dir() else None,
        # The app logs every request itself, as JSON with its request id.
        "accesslog": None,
        # Prometheus across workers (multiprocess mode) and METRICS_PORT.
        "on_starting": lambda server: prepare_metrics_dir(shm),
        "when_ready": lambda server: serve_metrics_port(settings),
        "child_exit": lambda server, worker: forget_worker(worker.pid),
        "on_exit": lambda server: remove_metrics_dir(),
    }


def prepare_metrics_dir(shm: Path = SHM) -> Path:
    """An empty folder for the workers' metric files, named in PROMETHEUS_MULTIPROC_DIR.

    The operator's folder when they set one (emptied: values of a previous run would add
    up with this one's), else a fresh one in memory, removed when gunicorn exits."""
    configured = os.environ.get(MULTIPROC_ENV)
    if configured:
        path = Path(configured)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):
            stale.unlink()
    else:
        path = Path(
            tempfile.mkdtemp(prefix="registry-prometheus-", dir=shm if shm.is_dir() else None)
        )
        os.environ[_OWN_DIR] = str(path)
    os.environ[MULTIPROC_ENV] = str(path)
    return path


def forget_worker(pid: int) -> None:
    """A worker has exited: its gauges go (its counters keep counting in the sums)."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]


def serve_metrics_port(settings: Settings) -> Any:
    """With METRICS_PORT set, serve every worker's metrics there, without a token, from
    the arbiter (for a scraper inside the network; keep the port closed to the world)."""
    if settings.metrics_port is None:
        return None
    from prometheus_client import REGISTRY, CollectorRegistry, start_http_server
    from prometheus_client.multiprocess import MultiProcessCollector

    merged = REGISTRY
    if os.environ.get(MULTIPROC_ENV):
        merged = CollectorRegistry()
        MultiProcessCollector(merged)  # type: ignore[no-untyped-call]
    return start_http_server(settings.metrics_port, addr=settings.host, registry=merged)


def remove_metrics_dir() -> None:
    owned = os.environ.pop(_OWN_DIR, None)
    if owned:
        shutil.rmtree(owned, ignore_errors=True)
