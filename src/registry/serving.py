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

from pathlib import Path

from registry.settings import Settings

WSGI_APP = "registry.wsgi:app"
GUNICORN_CONFIG = "python:registry.gunicorn_conf"
# Workers touch a heartbeat file every second; on a busy host a container's overlay
# disk can stall that write long enough for the arbiter to kill a healthy worker, so
# the file goes to memory. Gunicorn creates it there itself, unlinked, mode 0600.
SHM = Path("/dev/shm")  # noqa: S108


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
    }
