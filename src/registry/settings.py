"""One typed settings object, read from the environment.

Every knob of the registry is an environment variable with a default that is safe
on a laptop. `Settings.from_env()` is the only place that reads `os.environ` for
configuration; everything else receives a `Settings`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

DEFAULT_SECRET = "dev-insecure-change-me"  # noqa: S105 - refused in production below
DEFAULT_ADMIN_NAME = "ece30861defaultadminuser"
# A licence the company may use, and enough evidence overall (docs/rating.md says why).
DEFAULT_INGEST_POLICY = "license>=0.5,net_score>=0.35"
# The spec's published default credential; `make serve` seeds it, reset restores it.
DEFAULT_ADMIN_PASSWORD = "correcthorsebatterystaple123(!__+@**(A'\"`;DROP TABLE artifacts;"  # noqa: S105


class SettingsError(ValueError):
    """A configuration value is missing or malformed."""


def _bool(raw: str | None, default: bool) -> bool:
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"expected a boolean (true/false), got {raw!r}")


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from exc
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from exc


def _str(env: Mapping[str, str], name: str, default: str | None = None) -> str | None:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip()


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    data_dir: Path = field(default_factory=lambda: Path("var"))
    database_url: str | None = None
    aws_s3_bucket: str | None = None
    aws_region: str = "us-east-1"
    aws_endpoint_url: str | None = None
    s3_prefix: str = ""
    secret_key: str = DEFAULT_SECRET
    jwt_secret: str = DEFAULT_SECRET
    github_token: str | None = None
    hf_token: str | None = None
    hf_endpoint: str = "https://huggingface.co"
    github_api_url: str = "https://api.github.com"
    public_url: str | None = None
    log_level: str = "INFO"
    log_file: str | None = None
    log_json: bool = False
    enable_cloudwatch: bool = False
    cloudwatch_log_group: str = "trustworthy-model-registry"
    bcrypt_log_rounds: int = 12
    flask_env: str = "development"
    admin_name: str = DEFAULT_ADMIN_NAME
    admin_password: str = DEFAULT_ADMIN_PASSWORD
    token_ttl_seconds: int = 10 * 3600
    token_max_uses: int = 1000
    max_request_bytes: int = 1 << 20
    page_size: int = 100
    max_page_size: int = 1000
    max_queries: int = 100
    keep_all_weight_formats: bool = False
    max_artifact_bytes: int = 50 << 30
    upstream_timeout_seconds: float = 30.0
    upstream_retries: int = 3
    download_workers: int = 4
    regex_budget_seconds: float = 1.0
    regex_max_pattern_length: int = 4096
    url_deny_networks: tuple[str, ...] = ("169.254.0.0/16", "fe80::/10", "fd00:ec2::/32")
    ingest_policy: str = DEFAULT_INGEST_POLICY
    rating_execute_examples: bool = False
    rating_example_timeout_seconds: float = 30.0
    rating_cache_seconds: float = 3600.0
    rating_metric_timeout_seconds: float = 10.0
    workers: int = 2
    threads: int = 8
    request_timeout_seconds: int = 900

    @property
    def is_production(self) -> bool:
        return self.flask_env == "production"

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'registry.db').resolve()}"

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    def validate(self) -> None:
        if self.is_production:
            weak = [
                name
                for name, value in (
                    ("SECRET_KEY", self.secret_key),
                    ("JWT_SECRET", self.jwt_secret),
                )
                if value == DEFAULT_SECRET or len(value) < 16
            ]
            if weak:
                raise SettingsError(
                    "FLASK_ENV=production refuses default or short secrets: set "
                    + " and ".join(weak)
                    + " to random strings of at least 16 characters"
                )
        if not 4 <= self.bcrypt_log_rounds <= 31:
            raise SettingsError("BCRYPT_LOG_ROUNDS must be between 4 and 31")
        from registry.rating.policy import Policy, PolicyError

        try:
            Policy.parse(self.ingest_policy)
        except PolicyError as exc:
            raise SettingsError(str(exc)) from exc

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        e: Mapping[str, str] = os.environ if env is None else env
        flask_env = _str(e, "FLASK_ENV", "development") or "development"
        deny = _str(e, "URL_DENY_NETWORKS")
        settings = cls(
            host=_str(e, "HOST", "127.0.0.1") or "127.0.0.1",
            port=_int(e, "PORT", 8080, minimum=1),
            data_dir=Path(_str(e, "DATA_DIR", "var") or "var"),
            database_url=_str(e, "DATABASE_URL"),
            aws_s3_bucket=_str(e, "AWS_S3_BUCKET"),
            aws_region=_str(e, "AWS_REGION", None)
            or _str(e, "AWS_DEFAULT_REGION", "us-east-1")
            or "us-east-1",
            aws_endpoint_url=_str(e, "AWS_ENDPOINT_URL"),
            s3_prefix=_str(e, "AWS_S3_PREFIX", "") or "",
            secret_key=_str(e, "SECRET_KEY", DEFAULT_SECRET) or DEFAULT_SECRET,
            jwt_secret=_str(e, "JWT_SECRET", DEFAULT_SECRET) or DEFAULT_SECRET,
            github_token=_str(e, "GITHUB_TOKEN"),
            hf_token=_str(e, "HF_TOKEN"),
            hf_endpoint=(_str(e, "HF_ENDPOINT", "https://huggingface.co") or "").rstrip("/"),
            github_api_url=(_str(e, "GITHUB_API_URL", "https://api.github.com") or "").rstrip("/"),
            public_url=(_str(e, "PUBLIC_URL") or "").rstrip("/") or None,
            log_level=(_str(e, "LOG_LEVEL", "INFO") or "INFO").upper(),
            log_file=_str(e, "LOG_FILE"),
            log_json=_bool(e.get("LOG_JSON"), flask_env == "production"),
            enable_cloudwatch=_bool(e.get("ENABLE_CLOUDWATCH"), False),
            cloudwatch_log_group=_str(e, "CLOUDWATCH_LOG_GROUP", "trustworthy-model-registry")
            or "trustworthy-model-registry",
            bcrypt_log_rounds=_int(e, "BCRYPT_LOG_ROUNDS", 12, minimum=4),
            flask_env=flask_env,
            token_ttl_seconds=_int(e, "TOKEN_TTL_SECONDS", 10 * 3600, minimum=1),
            token_max_uses=_int(e, "TOKEN_MAX_USES", 1000, minimum=0),
            max_request_bytes=_int(e, "MAX_REQUEST_BYTES", 1 << 20, minimum=1024),
            page_size=_int(e, "PAGE_SIZE", 100, minimum=1),
            max_page_size=_int(e, "MAX_PAGE_SIZE", 1000, minimum=1),
            max_queries=_int(e, "MAX_QUERIES", 100, minimum=1),
            keep_all_weight_formats=_bool(e.get("KEEP_ALL_WEIGHT_FORMATS"), False),
            max_artifact_bytes=_int(e, "MAX_ARTIFACT_BYTES", 50 << 30, minimum=1),
            upstream_timeout_seconds=_float(e, "UPSTREAM_TIMEOUT_SECONDS", 30.0),
            upstream_retries=_int(e, "UPSTREAM_RETRIES", 3, minimum=0),
            download_workers=_int(e, "DOWNLOAD_WORKERS", 4, minimum=1),
            regex_budget_seconds=_float(e, "REGEX_BUDGET_SECONDS", 1.0),
            url_deny_networks=tuple(n.strip() for n in deny.split(",") if n.strip())
            if deny is not None
            else cls.url_deny_networks,
            ingest_policy=_str(e, "INGEST_POLICY", DEFAULT_INGEST_POLICY) or DEFAULT_INGEST_POLICY,
            rating_execute_examples=_bool(e.get("RATING_EXECUTE_EXAMPLES"), False),
            rating_example_timeout_seconds=_float(e, "RATING_EXAMPLE_TIMEOUT_SECONDS", 30.0),
            rating_cache_seconds=_float(e, "RATING_CACHE_SECONDS", 3600.0),
            rating_metric_timeout_seconds=_float(e, "RATING_METRIC_TIMEOUT_SECONDS", 10.0),
            workers=_int(e, "WEB_CONCURRENCY", 2, minimum=1),
            threads=_int(e, "WEB_THREADS", 8, minimum=1),
            request_timeout_seconds=_int(e, "REQUEST_TIMEOUT_SECONDS", 900, minimum=1),
        )
        settings.validate()
        return settings
