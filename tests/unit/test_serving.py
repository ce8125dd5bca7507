"""Gunicorn's settings come from the registry's environment, and gunicorn accepts them."""

from __future__ import annotations

from pathlib import Path

import pytest
from gunicorn.config import Config

from registry.serving import bind_address, gunicorn_options
from registry.settings import Settings, SettingsError

ALB_IDLE_TIMEOUT_SECONDS = 60


def _gunicorn(options: dict[str, object]) -> Config:
    """Feed the options through gunicorn's own validators, as loading the file does."""
    cfg = Config()
    for name, value in options.items():
        cfg.set(name, value)
    return cfg


def test_defaults_fit_a_small_instance_behind_a_load_balancer(tmp_path: Path) -> None:
    cfg = _gunicorn(gunicorn_options(Settings.from_env({}), shm=tmp_path))
    assert cfg.worker_class_str == "gthread"
    assert (cfg.workers, cfg.threads) == (2, 8)
    assert cfg.keepalive > ALB_IDLE_TIMEOUT_SECONDS
    assert cfg.timeout == 900 and cfg.graceful_timeout == 30
    assert cfg.bind == ["127.0.0.1:8080"]
    assert cfg.forwarded_allow_ips == ["127.0.0.1", "::1"]
    assert cfg.worker_tmp_dir == str(tmp_path)
    assert cfg.wsgi_app == "registry.wsgi:app"


def test_every_knob_comes_from_the_environment(tmp_path: Path) -> None:
    env = {
        "HOST": "0.0.0.0",
        "PORT": "9090",
        "WEB_CONCURRENCY": "3",
        "WEB_THREADS": "4",
        "REQUEST_TIMEOUT_SECONDS": "120",
        "INGEST_DEADLINE_SECONDS": "110",  # an ingest must end within the request timeout
        "GRACEFUL_TIMEOUT_SECONDS": "20",
        "KEEPALIVE_SECONDS": "90",
        "FORWARDED_ALLOW_IPS": " 10.0.0.0/16 , 10.1.0.0/16",
    }
    cfg = _gunicorn(gunicorn_options(Settings.from_env(env), shm=tmp_path / "absent"))
    assert cfg.bind == ["0.0.0.0:9090"]
    assert (cfg.workers, cfg.threads, cfg.timeout) == (3, 4, 120)
    assert (cfg.graceful_timeout, cfg.keepalive) == (20, 90)
    assert cfg.forwarded_allow_ips == ["10.0.0.0/16", "10.1.0.0/16"]
    assert cfg.worker_tmp_dir is None  # no /dev/shm: gunicorn's default temporary folder


def test_ipv6_hosts_are_bracketed() -> None:
    assert bind_address("::", 8080) == "[::]:8080"
    assert bind_address("10.0.0.5", 80) == "10.0.0.5:80"
    assert _gunicorn({"bind": [bind_address("::1", 8080)]}).address == [("::1", 8080)]


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"FORWARDED_ALLOW_IPS": "10.0.0.1/16"}, "FORWARDED_ALLOW_IPS"),
        ({"FORWARDED_ALLOW_IPS": "the-balancer"}, "FORWARDED_ALLOW_IPS"),
        ({"FORWARDED_ALLOW_IPS": ", ,"}, "FORWARDED_ALLOW_IPS"),
        ({"KEEPALIVE_SECONDS": "0"}, "KEEPALIVE_SECONDS"),
        ({"GRACEFUL_TIMEOUT_SECONDS": "soon"}, "GRACEFUL_TIMEOUT_SECONDS"),
    ],
)
def test_bad_values_name_the_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        Settings.from_env(env)


def test_any_proxy_may_be_trusted_explicitly() -> None:
    assert Settings.from_env({"FORWARDED_ALLOW_IPS": "*"}).forwarded_allow_ips == "*"
