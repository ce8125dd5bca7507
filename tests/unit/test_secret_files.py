"""Secrets from files (`<VAR>_FILE`), AWS credentials, the admin password setting and
debug mode: the production-safety settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from registry.secret_files import SECRET_FILE_VARIABLES
from registry.settings import Settings, SettingsError

PRODUCTION = {"FLASK_ENV": "production", "SECRET_KEY": "k" * 32}


def test_a_secret_is_read_from_its_file_without_the_final_newline(tmp_path: Path) -> None:
    jwt = tmp_path / "jwt"
    jwt.write_text("j" * 40 + "\n")
    database = tmp_path / "database"
    database.write_text("postgresql://registry:p%40ss@db:5432/registry\n")
    admin = tmp_path / "admin"
    admin.write_text("a long unusual passphrase\n")
    settings = Settings.from_env(
        {
            **PRODUCTION,
            "JWT_SECRET_FILE": str(jwt),
            "DATABASE_URL_FILE": str(database),
            "REGISTRY_ADMIN_PASSWORD_FILE": str(admin),
        }
    )
    assert settings.jwt_secret == "j" * 40
    assert settings.database_url == "postgresql://registry:p%40ss@db:5432/registry"
    assert settings.admin_password == "a long unusual passphrase"


def test_every_secret_file_variable_names_a_setting() -> None:
    from dataclasses import fields

    read = {f.metadata.get("env") for f in fields(Settings)}
    assert set(SECRET_FILE_VARIABLES) <= read


@pytest.mark.parametrize("variable", SECRET_FILE_VARIABLES)
def test_a_variable_and_its_file_together_are_refused(tmp_path: Path, variable: str) -> None:
    secret = tmp_path / "secret"
    secret.write_text("s" * 32)
    with pytest.raises(SettingsError, match=f"{variable} and {variable}_FILE are both set"):
        Settings.from_env({variable: "t" * 32, f"{variable}_FILE": str(secret)})


def test_an_unreadable_or_empty_secret_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(SettingsError, match=r"JWT_SECRET_FILE: cannot read .*nowhere"):
        Settings.from_env({"JWT_SECRET_FILE": str(missing)})
    empty = tmp_path / "empty"
    empty.write_text("\n")
    with pytest.raises(SettingsError, match=r"SECRET_KEY_FILE: .* is empty"):
        Settings.from_env({"SECRET_KEY_FILE": str(empty)})
    huge = tmp_path / "huge"
    huge.write_bytes(b"x" * (1 << 20))
    with pytest.raises(SettingsError, match=r"HF_TOKEN_FILE: .* larger than a secret"):
        Settings.from_env({"HF_TOKEN_FILE": str(huge)})


def test_a_weak_admin_password_is_refused_naming_the_variable() -> None:
    with pytest.raises(SettingsError, match="REGISTRY_ADMIN_PASSWORD is too weak"):
        Settings.from_env({"REGISTRY_ADMIN_PASSWORD": "CHANGE-ME"})
    assert Settings.from_env({}).admin_password.startswith("correcthorse")


def test_aws_credentials_go_together() -> None:
    with pytest.raises(SettingsError, match="AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"):
        Settings.from_env({"AWS_ACCESS_KEY_ID": "id"})
    assert Settings.from_env({}).aws_credentials == {}
    keys = Settings.from_env(
        {"AWS_ACCESS_KEY_ID": "id", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "t"}
    ).aws_credentials
    assert keys == {
        "aws_access_key_id": "id",
        "aws_secret_access_key": "secret",
        "aws_session_token": "t",
    }


def test_production_refuses_debug_mode() -> None:
    secrets = {**PRODUCTION, "JWT_SECRET": "j" * 32}
    with pytest.raises(SettingsError, match="refuses FLASK_DEBUG=true"):
        Settings.from_env({**secrets, "FLASK_DEBUG": "1"})
    assert not Settings.from_env(secrets).flask_debug
    assert Settings.from_env({"FLASK_DEBUG": "true"}).flask_debug  # a laptop may
