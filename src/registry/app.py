"""The app factory: the only place that picks backends and wires services together.

Wiring only: nothing here touches the disk or the network, at import time or when
called. What a process does once at start (folders, the laptop secret, sweeping
stale work folders, logging) is in `registry.startup`.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from flask import Flask

from registry.api import json_limits, register_api
from registry.db.session import Database
from registry.limits.guards import BcryptGate, IngestSlots, LoginGuard, RateLimiter
from registry.limits.stores import DatabaseLimits, LimitStore, RedisLimits
from registry.observability.components import HealthReport
from registry.observability.counters import BufferedCounters, DatabaseCounters, RedisCounters
from registry.observability.health import host_of
from registry.observability.logstore import DatabaseLogs, RedisLogs, StoreHandler
from registry.observability.probes import (
    PROBE_WAIT,
    CachedProbe,
    Check,
    blob_store_check,
    database_check,
    upstream_check,
)
from registry.observability.requests import install_request_hooks
from registry.observability.telemetry import Emf, Telemetry
from registry.rating.cache import TTLCache
from registry.rating.engine import RatingEngine
from registry.rating.file_scan import FileScanner, ScanLimits
from registry.rating.gather import Gatherer, RetryPolicy
from registry.rating.policy import Policy
from registry.rating.sandbox import run_example
from registry.sandbox import Jail, JailConfig
from registry.sandbox.monitor import run_monitor
from registry.services.accounts import AccountService
from registry.services.artifacts import ArtifactService
from registry.services.audit import AuditService
from registry.services.blobs import BlobJanitor
from registry.services.container import Registry
from registry.services.details import DetailsService
from registry.services.download import DownloadService
from registry.services.groups import GroupService
from registry.services.hub_mirror import HubMirrorService
from registry.services.ingest import IngestService
from registry.services.ingest_gate import IngestPolicy
from registry.services.license_check import LicenseCheckService
from registry.services.lineage import LineageService
from registry.services.monitors import MonitorRunner, MonitorService
from registry.services.rating import RatingService
from registry.services.search import SearchService
from registry.services.uploads import UploadService
from registry.services.users import UserService
from registry.settings import Settings, SettingsError
from registry.sources.archive import ArchiveLimits
from registry.sources.base import Source, SourceKind
from registry.sources.egress import EgressPolicy
from registry.sources.github import GitHubSource
from registry.sources.github_client import GitHubClient
from registry.sources.hub_client import HubClient
from registry.sources.huggingface import HuggingFaceSource
from registry.sources.kaggle import KaggleSource
from registry.sources.upload import UploadSource
from registry.sources.url import UrlSource
from registry.storage.blobs import BlobStore
from registry.storage.local import LocalBlobStore
from registry.storage.s3 import S3BlobStore
from registry.web import register_web


def make_blob_store(settings: Settings) -> BlobStore:
    if settings.aws_s3_bucket:
        return S3BlobStore(
            settings.aws_s3_bucket,
            region=settings.aws_region,
            endpoint_url=settings.aws_endpoint_url,
            prefix=settings.s3_prefix,
            credentials=settings.aws_credentials,
        )
    return LocalBlobStore(settings.data_dir / "blobs")


def describe_blob_store(settings: Settings) -> str:
    """The blob store as an operator names it, for messages."""
    if settings.aws_s3_bucket:
        where = f" at {settings.aws_endpoint_url}" if settings.aws_endpoint_url else ""
        return f"S3 bucket {settings.aws_s3_bucket}{where}"
    return f"folder {settings.data_dir / 'blobs'}"


def _local_space(root: Path) -> dict[str, int]:
    usage = shutil.disk_usage(root if root.exists() else root.parent)
    return {"disk_free_bytes": usage.free, "disk_used_bytes": usage.used}


def make_redis(settings: Settings) -> Any:
    """A Redis client for REDIS_URL (connecting lazily), or None."""
    if not settings.redis_url:
        return None
    import redis

    return redis.Redis.from_url(
        settings.redis_url, socket_timeout=5, socket_connect_timeout=5, health_check_interval=30
    )


def make_telemetry(settings: Settings, db: Database, redis_client: Any) -> Telemetry:
    if redis_client is not None:
        counters: Any = RedisCounters(redis_client, settings.redis_key_prefix)
        logs: Any = RedisLogs(redis_client, settings.log_retain_lines, settings.redis_key_prefix)
    else:
        counters = DatabaseCounters(db)
        logs = DatabaseLogs(db, settings.log_retain_lines)
    return Telemetry(
        BufferedCounters(counters, settings.stats_flush_seconds),
        StoreHandler(logs, settings.stats_flush_seconds),
        Emf(settings.cloudwatch_metrics_namespace) if settings.enable_cloudwatch_metrics else None,
    )


def make_limit_store(db: Database, redis_client: Any, settings: Settings) -> LimitStore:
    """Where limits are counted: Redis when REDIS_URL is set, else the database."""
    if redis_client is not None:
        return RedisLimits(redis_client, settings.redis_key_prefix)
    return DatabaseLimits(db)


def make_health(
    settings: Settings, db: Database, blobs: BlobStore, telemetry: Telemetry
) -> HealthReport:
    space = None if settings.aws_s3_bucket else partial(_local_space, settings.data_dir / "blobs")
    github_headers = (
        {"Authorization": f"Bearer {settings.github_token}"} if settings.github_token else {}
    )
    checks: dict[str, tuple[Check, float, float]] = {
        "database": (database_check(db), settings.health_probe_seconds, PROBE_WAIT),
        "blob-store": (
            blob_store_check(blobs, settings.data_dir / "work", db, space),
            settings.health_probe_seconds,
            PROBE_WAIT,
        ),
        # Upstream probes never hold up a health request (wait 0): the last result is shown.
        "huggingface": (
            upstream_check(f"{settings.hf_endpoint}/api/models?limit=1"),
            settings.upstream_probe_seconds,
            0.0,
        ),
        "github": (
            upstream_check(f"{settings.github_api_url}/rate_limit", github_headers),
            settings.upstream_probe_seconds,
            0.0,
        ),
    }
    probes = {
        name: CachedProbe(
            check, ttl, wait, partial(lambda n, r: telemetry.probe(n, r.ok, r.seconds), name)
        )
        for name, (check, ttl, wait) in checks.items()
    }
    hosts = {
        "huggingface": host_of(settings.hf_endpoint),
        "github": host_of(settings.github_api_url),
    }
    return HealthReport(telemetry.counters, probes, hosts, time.time)


def make_sources(
    settings: Settings, github: GitHubClient, hf: HuggingFaceSource
) -> dict[SourceKind, Source]:
    limits = ArchiveLimits(
        max_expanded_bytes=settings.archive_max_expanded_bytes,
        max_ratio=settings.archive_max_ratio,
        max_entries=settings.archive_max_entries,
    )
    return {
        SourceKind.HF_MODEL: hf,
        SourceKind.HF_DATASET: hf,
        SourceKind.GITHUB: GitHubSource(github, settings.max_artifact_bytes, limits),
        SourceKind.URL: UrlSource(
            max_bytes=settings.max_artifact_bytes,
            timeout=settings.upstream_timeout_seconds,
            retries=settings.upstream_retries,
            policy=EgressPolicy.from_settings(
                settings.url_allow_networks,
                settings.url_deny_networks,
                resolve_seconds=settings.upstream_timeout_seconds,
            ),
            archive_limits=limits,
        ),
        SourceKind.KAGGLE: KaggleSource(
            settings.kaggle_api_url,
            settings.kaggle_username,
            settings.kaggle_key,
            timeout=settings.upstream_timeout_seconds,
            retries=settings.upstream_retries,
            max_bytes=settings.max_artifact_bytes,
            archive_limits=limits,
        ),
        SourceKind.UPLOAD: UploadSource(
            _upload_staging(settings), settings.max_artifact_bytes, limits
        ),
    }


def _upload_staging(settings: Settings) -> Path:
    return settings.data_dir / "work" / "uploads"


def make_jail(settings: Settings) -> Jail:
    """The jail card examples and monitor programs run in (registry.sandbox)."""
    return Jail(
        JailConfig(
            bwrap=settings.sandbox_bwrap,
            python=settings.sandbox_python,
            node=settings.sandbox_node,
            memory_bytes=settings.sandbox_memory_mb << 20,
            pids=settings.sandbox_pids,
            tmp_bytes=settings.sandbox_tmp_mb << 20,
            output_bytes=settings.sandbox_output_bytes,
        )
    )


def check_jail(settings: Settings, jail: Jail) -> None:
    """Refuse to start when examples are to be run and this host cannot build the jail:
    there is no unconfined way to run them."""
    if not settings.rating_execute_examples:
        return
    reason = jail.probe_python()
    if reason is not None:
        raise SettingsError(
            "RATING_EXECUTE_EXAMPLES=true, but the example jail cannot be built on this "
            f"host: {reason}. Install bubblewrap, allow user namespaces, or set "
            "RATING_EXECUTE_EXAMPLES=false."
        )


def make_rating(
    settings: Settings,
    *,
    hub: HubClient,
    db: Database,
    blobs: BlobStore,
    github: GitHubClient,
    hf: HuggingFaceSource,
    work_root: Path,
    telemetry: Telemetry,
    jail: Jail,
    users: UserService,
) -> RatingService:
    runner = (
        partial(run_example, timeout_seconds=settings.rating_example_timeout_seconds, jail=jail)
        if settings.rating_execute_examples
        else None
    )
    gatherer = Gatherer(
        hub,
        github,
        TTLCache(settings.rating_cache_seconds),
        run_example=runner,
        # Upstream failures that may pass are retried within the upstream timeout.
        retry=RetryPolicy(
            attempts=settings.upstream_retries,
            backoff=0.5,
            budget=settings.upstream_timeout_seconds,
        ),
    )
    engine = RatingEngine(gatherer, metric_timeout=settings.rating_metric_timeout_seconds)
    return RatingService(
        db,
        blobs,
        engine,
        Policy.parse(settings.ingest_policy),
        hf,
        hf_endpoint=settings.hf_endpoint,
        work_root=work_root,
        canonical=hub.canonical_id,
        telemetry=telemetry,
        charge=users.charge,
    )


def make_monitors(
    settings: Settings, db: Database, blobs: BlobStore, work_root: Path, jail: Jail
) -> MonitorService:
    """Sensitive models' monitor programs, run in the jail (`registry.sandbox.monitor`).
    On a host that cannot build it, each run is a refusal saying why: there is no
    unconfined way to run an uploader's program."""
    runner: MonitorRunner = partial(run_monitor, jail, timeout=settings.monitor_timeout_seconds)
    return MonitorService(
        db,
        blobs,
        runner,
        work_root=work_root,
        concurrency=settings.monitor_concurrency,
        resume_window=timedelta(seconds=settings.monitor_resume_seconds),
        wait_seconds=settings.monitor_timeout_seconds,
    )


def build_registry(settings: Settings, policy: IngestPolicy | None = None) -> Registry:
    jail = make_jail(settings)
    check_jail(settings, jail)
    db = Database(settings.effective_database_url)
    blobs = make_blob_store(settings)
    redis_client = make_redis(settings)
    telemetry = make_telemetry(settings, db, redis_client)
    limits = make_limit_store(db, redis_client, settings)
    janitor = BlobJanitor(db, blobs)
    work_root = settings.data_dir / "work"
    github = GitHubClient(
        settings.github_api_url,
        settings.github_token,
        timeout=settings.upstream_timeout_seconds,
        retries=settings.upstream_retries,
    )
    users = UserService(
        db,
        jwt_secret=settings.jwt_secret,
        bcrypt_rounds=settings.bcrypt_log_rounds,
        admin_name=settings.admin_name,
        admin_password=settings.admin_password,
        token_ttl=timedelta(seconds=settings.token_ttl_seconds),
        token_max_uses=settings.token_max_uses,
        login_guard=LoginGuard.from_settings(limits, settings),
        bcrypt_gate=BcryptGate(settings.bcrypt_max_concurrent),
    )
    hf = HuggingFaceSource(
        endpoint=settings.hf_endpoint,
        token=settings.hf_token,
        timeout=settings.upstream_timeout_seconds,
        workers=settings.download_workers,
        max_bytes=settings.max_artifact_bytes,
        keep_all_weight_formats=settings.keep_all_weight_formats,
    )
    hub = HubClient(settings.hf_endpoint, settings.hf_token, settings.upstream_timeout_seconds)
    ratings = make_rating(
        settings,
        hub=hub,
        db=db,
        blobs=blobs,
        github=github,
        hf=hf,
        work_root=work_root,
        telemetry=telemetry,
        jail=jail,
        users=users,
    )
    ingest = IngestService(
        db,
        blobs,
        make_sources(settings, github, hf),
        hf_endpoint=settings.hf_endpoint,
        work_root=work_root,
        policy=policy or ratings,
        upload_workers=settings.download_workers,
        canonical=hub.canonical_id,
        janitor=janitor,
        telemetry=telemetry,
        file_check=FileScanner(
            ScanLimits(
                timeout_seconds=settings.pickle_scan_timeout_seconds,
                memory_bytes=settings.pickle_scan_memory_mb << 20,
            )
        ),
        slots=IngestSlots.from_settings(limits, settings),
        deadline_seconds=settings.ingest_deadline_seconds,
        fetch_deadline_seconds=settings.upstream_deadline_seconds,
    )
    monitors = make_monitors(settings, db, blobs, work_root, jail)
    presign: Callable[[str, str], str] | None = None
    if settings.s3_download == "redirect" and isinstance(blobs, S3BlobStore):
        store, seconds = blobs, settings.s3_presign_seconds

        def presign(digest: str, filename: str) -> str:
            return store.presigned_url(digest, seconds, filename)

    downloads = DownloadService(db, blobs, users, monitors=monitors, presign=presign)
    return Registry(
        settings=settings,
        db=db,
        blobs=blobs,
        users=users,
        artifacts=ArtifactService(
            db,
            blobs,
            users,
            janitor,
            page_size=settings.page_size,
            max_page_size=settings.max_page_size,
            max_queries=settings.max_queries,
        ),
        ingest=ingest,
        search=SearchService(
            db,
            budget_seconds=settings.regex_budget_seconds,
            max_pattern_length=settings.regex_max_pattern_length,
            max_scan_bytes=settings.regex_max_scan_bytes,
        ),
        downloads=downloads,
        janitor=janitor,
        ratings=ratings,
        lineage=LineageService(db, blobs, hf_endpoint=settings.hf_endpoint),
        licenses=LicenseCheckService(db, github, hf_endpoint=settings.hf_endpoint),
        hub=HubMirrorService(
            db,
            downloads,
            hf_endpoint=settings.hf_endpoint,
            tree_page_size=settings.hub_tree_page_size,
        ),
        uploads=UploadService(ingest, _upload_staging(settings), settings.max_artifact_bytes),
        telemetry=telemetry,
        health=make_health(settings, db, blobs, telemetry),
        accounts=AccountService(
            db, users, page_size=settings.page_size, max_page_size=settings.max_page_size
        ),
        groups=GroupService(db),
        audit=AuditService(db, page_size=settings.page_size, max_page_size=settings.max_page_size),
        monitors=monitors,
        rate_limits=RateLimiter.from_settings(limits, settings),
        details=DetailsService(db),
    )


def create_app(registry: Registry) -> Flask:
    """The Flask application serving `registry` (see `registry.startup.serving_app`)."""
    app = Flask(__name__)
    app.config.update(
        # Signs the browser sign-in's session cookie (see registry.web.auth).
        SECRET_KEY=registry.settings.secret_key,
        MAX_CONTENT_LENGTH=registry.settings.max_request_bytes,
        JSON_SORT_KEYS=False,
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["registry"] = registry
    json_limits.install(app, registry.settings.max_json_bytes, registry.settings.max_json_depth)
    install_request_hooks(app, registry.telemetry)
    register_api(app, registry.settings.cors_allow_origins)
    register_web(app, timedelta(seconds=registry.settings.token_ttl_seconds))
    return app
