"""Production does not start with the published admin password, unless told to."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from registry.app import build_registry, create_app
from registry.observability.probes import StartupCheckFailed
from registry.services.container import Registry
from registry.settings import DEFAULT_ADMIN_NAME, DEFAULT_ADMIN_PASSWORD, Settings
from registry.startup import start_registry
from tests.conftest import Api

NEW_PASSWORD = "a-long-unusual-admin-passphrase"


def _production(settings: Settings, **overrides: object) -> Settings:
    return settings.with_overrides(flask_env="production", **overrides)


def _seeded(settings: Settings) -> None:
    reg = build_registry(settings)
    reg.users.seed()
    reg.close()


def _signs_in(registry: Registry, password: str) -> bool:
    client = create_app(registry=registry).test_client()
    return Api(client).login(DEFAULT_ADMIN_NAME, password).status_code == 200


def test_production_refuses_the_published_password_naming_the_variable(
    settings: Settings,
) -> None:
    _seeded(settings)
    with pytest.raises(StartupCheckFailed, match="REGISTRY_ADMIN_PASSWORD") as refused:
        start_registry(_production(settings))
    assert "ALLOW_DEFAULT_ADMIN_PASSWORD" in str(refused.value)
    # Development does not mind (make serve, the tests, a laptop).
    start_registry(settings).close()


def test_allowing_it_starts_with_a_warning_every_time(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    _seeded(settings)
    allowed = _production(settings, allow_default_admin_password=True)
    for _ in range(2):
        with caplog.at_level(logging.WARNING):
            caplog.clear()
            registry = start_registry(allowed)
        registry.close()
        assert "default_admin_password_allowed" in caplog.text


def test_a_configured_password_is_used_when_seeding(settings: Settings) -> None:
    configured = _production(settings, admin_password=NEW_PASSWORD)
    _seeded(configured)
    registry = start_registry(configured)
    try:
        assert _signs_in(registry, NEW_PASSWORD)
        assert not _signs_in(registry, DEFAULT_ADMIN_PASSWORD)
    finally:
        registry.close()


def test_setting_it_later_replaces_the_published_password_but_not_a_chosen_one(
    settings: Settings, tmp_path: Path
) -> None:
    _seeded(settings)  # seeded before the variable was set: the published password
    configured = _production(settings, admin_password=NEW_PASSWORD)
    _seeded(configured)
    registry = start_registry(configured)
    try:
        assert _signs_in(registry, NEW_PASSWORD)
        assert not _signs_in(registry, DEFAULT_ADMIN_PASSWORD)
    finally:
        registry.close()
    # An administrator's own choice survives any later value of the variable.
    _seeded(settings.with_overrides(admin_password="yet-another-long-passphrase"))
    registry = build_registry(settings)
    try:
        assert _signs_in(registry, NEW_PASSWORD)
    finally:
        registry.close()
