import pytest

from registry.db.session import normalize_database_url
from registry.settings import Settings, SettingsError


def test_defaults_suit_a_laptop() -> None:
    s = Settings.from_env({})
    assert (s.host, s.port) == ("127.0.0.1", 8080)
    assert s.effective_database_url.startswith("sqlite:///")
    assert s.aws_s3_bucket is None


def test_environment_overrides() -> None:
    s = Settings.from_env(
        {
            "PORT": "9000",
            "HOST": "0.0.0.0",
            "DATA_DIR": "/srv/reg",
            "PUBLIC_URL": "https://r.example/",
            "KEEP_ALL_WEIGHT_FORMATS": "true",
            "AWS_S3_BUCKET": "b",
        }
    )
    assert s.port == 9000 and s.host == "0.0.0.0"
    assert str(s.data_dir) == "/srv/reg"
    assert s.public_url == "https://r.example"
    assert s.keep_all_weight_formats and s.aws_s3_bucket == "b"


@pytest.mark.parametrize(
    "env", [{"PORT": "eighty"}, {"PORT": "0"}, {"KEEP_ALL_WEIGHT_FORMATS": "maybe"}]
)
def test_malformed_values_are_refused(env: dict[str, str]) -> None:
    with pytest.raises(SettingsError):
        Settings.from_env(env)


def test_production_refuses_default_secrets() -> None:
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        Settings.from_env({"FLASK_ENV": "production"})
    ok = Settings.from_env(
        {"FLASK_ENV": "production", "SECRET_KEY": "a" * 32, "JWT_SECRET": "b" * 32}
    )
    assert ok.is_production and ok.log_json


@pytest.mark.parametrize(
    ("raw", "driver"),
    [
        ("postgresql://u:p@db.example:5432/reg", "postgresql+psycopg"),
        ("postgres://u:p@db.example/reg", "postgresql+psycopg"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg"),
        ("sqlite:////tmp/x.db", "sqlite"),
    ],
)
def test_database_urls_in_the_usual_forms(raw: str, driver: str) -> None:
    assert normalize_database_url(raw).drivername == driver


def test_unsupported_database_is_refused() -> None:
    with pytest.raises(ValueError, match="postgresql"):
        normalize_database_url("mysql://u@h/d")


def test_ingest_policy_is_checked_at_start() -> None:
    assert Settings.from_env({"INGEST_POLICY": "all>=0.5"}).ingest_policy == "all>=0.5"
    with pytest.raises(SettingsError, match="INGEST_POLICY"):
        Settings.from_env({"INGEST_POLICY": "speed>=1"})
