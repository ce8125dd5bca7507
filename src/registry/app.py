"""The app factory: the only place that picks backends and wires services together.

Nothing happens at import time; `create_app()` reads settings from the
environment unless it is given some.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from functools import partial
from pathlib import Path

from flask import Flask

from registry.api import register_api
from registry.db.session import Database
from registry.observability.logging import configure_logging
from registry.observability.requests import RequestMetrics, install_request_hooks
from registry.rating.cache import TTLCache
from registry.rating.engine import RatingEngine
from registry.rating.gather import Gatherer, RetryPolicy
from registry.rating.policy import Policy
from registry.rating.sandbox import run_example
from registry.services.artifacts import ArtifactService
from registry.services.blobs import BlobJanitor
from registry.services.container import Registry
from registry.services.download import DownloadService
from registry.services.ingest import IngestPolicy, IngestService
from registry.services.license_check import LicenseCheckService
from registry.services.lineage import LineageService
from registry.services.rating import RatingService
from registry.services.search import SearchService
from registry.services.users import UserService
from registry.settings import DEFAULT_SECRET, Settings
from registry.sources.base import Source, SourceKind
from registry.sources.github import GitHubSource
from registry.sources.github_client import GitHubClient
from registry.sources.hub_client import HubClient
from registry.sources.huggingface import HuggingFaceSource
from registry.sources.url import UrlSource
from registry.storage.blobs import BlobStore
from registry.storage.local import LocalBlobStore
from registry.storage.s3 import S3BlobStore

_STALE_WORK = timedelta(hours=24)


def make_blob_store(settings: Settings) -> BlobStore:
    if settings.aws_s3_bucket:
        return S3BlobStore(
            settings.aws_s3_bucket,
            region=settings.aws_region,
            endpoint_url=settings.aws_endpoint_url,
            prefix=settings.s3_prefix,
        )
    return LocalBlobStore(settings.data_dir / "blobs")


def make_sources(
    settings: Settings, github: GitHubClient, hf: HuggingFaceSource
) -> dict[SourceKind, Source]:
    return {
        SourceKind.HF_MODEL: hf,
        SourceKind.HF_DATASET: hf,
        SourceKind.GITHUB: GitHubSource(github, settings.max_artifact_bytes),
        SourceKind.URL: UrlSource(
            max_bytes=settings.max_artifact_bytes,
            timeout=settings.upstream_timeout_seconds,
            retries=settings.upstream_retries,
            deny_networks=settings.url_deny_networks,
        ),
    }


def _local_secret(settings: Settings) -> Settings:
    """On a laptop with no secrets configured, use a random one kept in DATA_DIR.

    Tokens then survive restarts and every worker agrees on them, and no two
    installations share a signing key. Production refuses to start without real
    secrets (Settings.validate), so this never applies there.
    """
    if settings.is_production or DEFAULT_SECRET not in (settings.jwt_secret, settings.secret_key):
        return settings
    path = settings.data_dir / "secret.key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        secret = path.read_text(encoding="ascii").strip()
    else:
        secret = secrets.token_urlsafe(48)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secret)
    changes = {}
    if settings.jwt_secret == DEFAULT_SECRET:
        changes["jwt_secret"] = secret
    if settings.secret_key == DEFAULT_SECRET:
        changes["secret_key"] = secret
    return settings.with_overrides(**changes)


def make_rating(
    settings: Settings,
    *,
    hub: HubClient,
    db: Database,
    blobs: BlobStore,
    github: GitHubClient,
    hf: HuggingFaceSource,
    work_root: Path,
) -> RatingService:
    runner = (
        partial(run_example, timeout_seconds=settings.rating_example_timeout_seconds)
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
    )


def build_registry(settings: Settings, policy: IngestPolicy | None = None) -> Registry:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings = _local_secret(settings)
    db = Database(settings.effective_database_url)
    blobs = make_blob_store(settings)
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
        settings, hub=hub, db=db, blobs=blobs, github=github, hf=hf, work_root=work_root
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
    )
    # Work folders of a process killed mid-ingest; a day old means no live ingest owns them.
    ingest.sweep_workdirs(_STALE_WORK)
    return Registry(
        settings=settings,
        db=db,
        blobs=blobs,
        users=users,
        artifacts=ArtifactService(
            db,
            blobs,
            users,
            page_size=settings.page_size,
            max_page_size=settings.max_page_size,
            max_queries=settings.max_queries,
        ),
        ingest=ingest,
        search=SearchService(
            db,
            budget_seconds=settings.regex_budget_seconds,
            max_pattern_length=settings.regex_max_pattern_length,
        ),
        downloads=DownloadService(db, blobs),
        janitor=BlobJanitor(db, blobs),
        ratings=ratings,
        lineage=LineageService(db, blobs, hf_endpoint=settings.hf_endpoint),
        licenses=LicenseCheckService(db, github, hf_endpoint=settings.hf_endpoint),
    )


def create_app(settings: Settings | None = None, registry: Registry | None = None) -> Flask:
    settings = settings or (registry.settings if registry else Settings.from_env())
    settings.validate()
    configure_logging(settings)
    registry = registry or build_registry(settings)
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=registry.settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        JSON_SORT_KEYS=False,
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["registry"] = registry
    install_request_hooks(app, RequestMetrics())
    register_api(app)
    return app
