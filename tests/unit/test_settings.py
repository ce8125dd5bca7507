import re
from dataclasses import fields
from pathlib import Path

import pytest

from registry.db.session import normalize_database_url
from registry.settings import Settings, SettingsError

README = Path(__file__).resolve().parents[2] / "README.md"


def test_defaults_suit_a_laptop() -> None:
    s = Settings.from_env({})
    assert (s.host, s.port) == ("127.0.0.1", 8080)
    assert s.effective_database_url.startswith("sqlite:///")
    assert s.aws_s3_bucket is None
    assert s.secret_key is None and not s.log_json


def test_environment_overrides() -> None:
    s = Settings.from_env(
        {
            "PORT": "9000",
            "HOST": "0.0.0.0",
            "DATA_DIR": "/srv/reg",
            "PUBLIC_URL": "https://r.example/",
            "KEEP_ALL_WEIGHT_FORMATS": "true",
            "AWS_S3_BUCKET": "b",
            "AWS_DEFAULT_REGION": "eu-west-1",
            "REGEX_BUDGET_SECONDS": "0.25",
            "REGEX_MAX_PATTERN_LENGTH": "100",
            "URL_DENY_NETWORKS": "10.0.0.0/8, fd00::/8",
            "LOG_LEVEL": "debug",
        }
    )
    assert s.port == 9000 and s.host == "0.0.0.0"
    assert str(s.data_dir) == "/srv/reg"
    assert s.public_url == "https://r.example"
    assert s.keep_all_weight_formats and s.aws_s3_bucket == "b"
    assert s.aws_region == "eu-west-1"
    assert (s.regex_budget_seconds, s.regex_max_pattern_length) == (0.25, 100)
    assert s.url_deny_networks == ("10.0.0.0/8", "fd00::/8")
    assert s.log_level == "DEBUG"


@pytest.mark.parametrize(
    ("variable", "raw"),
    [
        ("REGEX_BUDGET_SECONDS", "0"),
        ("REGEX_BUDGET_SECONDS", "-1"),
        ("REGEX_BUDGET_SECONDS", "nan"),
        ("REGEX_BUDGET_SECONDS", "inf"),
        ("REGEX_BUDGET_SECONDS", "soon"),
        ("UPSTREAM_TIMEOUT_SECONDS", "0"),
        ("RATING_METRIC_TIMEOUT_SECONDS", "0"),
        ("RATING_EXAMPLE_TIMEOUT_SECONDS", "-5"),
        ("RATING_CACHE_SECONDS", "-1"),
        ("PORT", "0"),
        ("PORT", "70000"),
        ("PORT", "eighty"),
        ("BCRYPT_LOG_ROUNDS", "3"),
        ("BCRYPT_LOG_ROUNDS", "32"),
        ("TOKEN_TTL_SECONDS", "0"),
        ("TOKEN_MAX_USES", "-1"),
        ("MAX_REQUEST_BYTES", "10"),
        ("PAGE_SIZE", "0"),
        ("MAX_PAGE_SIZE", "0"),
        ("MAX_QUERIES", "0"),
        ("MAX_ARTIFACT_BYTES", "0"),
        ("MAX_ARTIFACT_BYTES", "1.5"),
        ("UPSTREAM_RETRIES", "-1"),
        ("UPSTREAM_RETRIES", "11"),
        ("DOWNLOAD_WORKERS", "0"),
        ("REGEX_MAX_PATTERN_LENGTH", "0"),
        ("WEB_CONCURRENCY", "0"),
        ("WEB_THREADS", "0"),
        ("REQUEST_TIMEOUT_SECONDS", "0"),
        ("LOG_LEVEL", "LOUD"),
        ("FLASK_ENV", "prod"),
        ("KEEP_ALL_WEIGHT_FORMATS", "maybe"),
        ("LOG_JSON", "perhaps"),
        ("ENABLE_CLOUDWATCH", "2"),
        ("RATING_EXECUTE_EXAMPLES", "sure"),
        ("HF_ENDPOINT", "huggingface.co"),
        ("GITHUB_API_URL", "ftp://api.github.com"),
        ("PUBLIC_URL", "/registry"),
        ("AWS_ENDPOINT_URL", "localhost:9000"),
        ("URL_DENY_NETWORKS", "169.254.0.0/16,metadata"),
        ("DATABASE_URL", "mysql://u@h/d"),
        ("DATABASE_URL", "::not a url::"),
        ("INGEST_POLICY", "speed>=1"),
        ("S3_DOWNLOAD", "presign"),
        ("S3_PRESIGN_SECONDS", "0"),
        ("S3_PRESIGN_SECONDS", "86400"),
    ],
)
def test_a_bad_value_is_refused_naming_its_variable(variable: str, raw: str) -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({variable: raw})
    assert variable in str(refused.value)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"PAGE_SIZE": "500", "MAX_PAGE_SIZE": "100"}, ["PAGE_SIZE", "MAX_PAGE_SIZE"]),
        ({"AWS_S3_PREFIX": "team/"}, ["AWS_S3_PREFIX", "AWS_S3_BUCKET"]),
        ({"UPSTREAM_TIMEOUT_SECONDS": "900"}, ["UPSTREAM_TIMEOUT_SECONDS", "REQUEST_TIMEOUT"]),
        ({"REGEX_BUDGET_SECONDS": "30", "REQUEST_TIMEOUT_SECONDS": "20"}, ["REGEX_BUDGET"]),
        ({"S3_DOWNLOAD": "redirect"}, ["S3_DOWNLOAD", "AWS_S3_BUCKET"]),
    ],
)
def test_combinations_that_cannot_work_are_refused(env: dict[str, str], named: list[str]) -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_env(env)
    assert all(name in str(refused.value) for name in named)


def test_settings_built_in_code_are_checked_the_same_way() -> None:
    with pytest.raises(SettingsError, match="REGEX_BUDGET_SECONDS"):
        Settings(regex_budget_seconds=0).validate()
    with pytest.raises(SettingsError, match="URL_DENY_NETWORKS"):
        Settings(url_deny_networks=("nope",)).validate()
    Settings().validate()


def test_production_requires_strong_jwt_and_session_secrets() -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({"FLASK_ENV": "production"})
    assert "JWT_SECRET" in str(refused.value) and "SECRET_KEY" in str(refused.value)
    # SECRET_KEY signs the browser sign-in's session cookies: required, and strong.
    with pytest.raises(SettingsError, match="SECRET_KEY") as refused:
        Settings.from_env({"FLASK_ENV": "production", "JWT_SECRET": "b" * 32})
    assert "JWT_SECRET" not in str(refused.value)
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        Settings.from_env({"FLASK_ENV": "production", "JWT_SECRET": "b" * 32, "SECRET_KEY": "x"})
    with pytest.raises(SettingsError, match="JWT_SECRET"):
        Settings.from_env(
            {"FLASK_ENV": "production", "JWT_SECRET": "short", "SECRET_KEY": "k" * 32}
        )
    ok = Settings.from_env(
        {"FLASK_ENV": "production", "JWT_SECRET": "b" * 32, "SECRET_KEY": "k" * 32}
    )
    assert ok.is_production and ok.log_json and ok.secret_key == "k" * 32


def test_every_variable_is_in_the_readme_table_and_every_row_is_read() -> None:
    read = {str(f.metadata["env"]) for f in fields(Settings) if "env" in f.metadata}
    table = README.read_text().split("## Configuration", 1)[1].split("\n## ", 1)[0]
    documented = set()
    for row in table.splitlines():
        if row.startswith("| `"):
            documented |= set(re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1]))
    # Read by others: the `registry login/pull/push` client, prometheus_client (the
    # gunicorn configuration sets it, see registry.serving).
    elsewhere = {
        "REGISTRY_URL",
        "XDG_CONFIG_HOME",
        "REGISTRY_TOKEN",
        "PROMETHEUS_MULTIPROC_DIR",
    }
    assert documented - elsewhere == read


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
