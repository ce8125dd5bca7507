"""The nginx configuration the container runs in front of gunicorn."""

from __future__ import annotations

from pathlib import Path

from registry.front_proxy import _gunicorn_env, nginx_conf
from registry.settings import Settings


def test_the_proxy_buffers_both_ways_and_cuts_slow_clients(tmp_path: Path) -> None:
    conf = nginx_conf(Settings(port=9000, max_artifact_bytes=1 << 30), 9001, tmp_path)
    for directive in (
        "listen 127.0.0.1:9000;",
        "server 127.0.0.1:9001;",
        "proxy_request_buffering on;",
        "proxy_buffering on;",
        "client_header_timeout 10s;",
        "client_body_timeout 60s;",
        "send_timeout 60s;",
        f"client_max_body_size {(1 << 30) + (1 << 20)};",
        "keepalive_timeout 75s;",  # above an AWS load balancer's 60 s
        "keepalive_timeout 60s;",  # to gunicorn: below its 75 s
        "proxy_read_timeout 900s;",
        "server_tokens off;",
    ):
        assert directive in conf, directive


def test_gunicorn_behind_the_proxy_trusts_its_forwarded_headers() -> None:
    env = _gunicorn_env(Settings(port=8080, forwarded_allow_ips="10.0.0.0/16"), 8081)
    assert env["HOST"] == "127.0.0.1" and env["PORT"] == "8081"
    assert env["FORWARDED_ALLOW_IPS"] == "10.0.0.0/16,127.0.0.1,::1"
    assert _gunicorn_env(Settings(forwarded_allow_ips="*"), 1)["FORWARDED_ALLOW_IPS"] == "*"
