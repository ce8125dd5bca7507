"""What a registry process does once, when it starts, before it serves anything.

The app factory (`registry.app`) only wires objects together; the steps that touch
the disk or the network are here, called by the entry points: `registry.wsgi` (each
gunicorn worker), the `registry` command, and the tests that want them. Among them,
the dependency check: a registry whose database or blob store is unreachable or
read-only refuses to start, saying which and why (`StartupCheckFailed`).
"""

from __future__ import annotations

import os
import secrets
import uuid
from datetime import timedelta
from pathlib import Path

import structlog
from flask import Flask

from registry.app import build_registry, create_app, describe_blob_store
from registry.db.session import normalize_database_url
from registry.observability.logging import attach_log_store, configure_logging
from registry.observability.probes import StartupCheckFailed, check_dependencies
from registry.services.container import Registry
from registry.settings import DEFAULT_SECRET, Settings
from registry.sources.http import observe_upstream

log = structlog.get_logger(__name__)

# Work folders of a process killed mid-ingest; a day old means no live ingest owns them.
STALE_WORK = timedelta(hours=24)


def prepare_local_state(settings: Settings) -> Settings:
    """Create DATA_DIR (and the SQLite file's folder) and, on a laptop, the kept secret.

    Returns the settings with that secret filled in."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = normalize_database_url(settings.effective_database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        Path(str(url.database)).parent.mkdir(parents=True, exist_ok=True)
    return _local_secret(settings)


def _local_secret(settings: Settings) -> Settings:
    """On a laptop with no secrets configured, use a random one kept in DATA_DIR.

    Tokens and browser sessions then survive restarts and every worker agrees on
    them, and no two installations share a signing key. Production refuses to start
    without a real JWT_SECRET and SECRET_KEY (Settings.validate), so this never
    applies there.
    """
    if settings.is_production or (
        settings.jwt_secret != DEFAULT_SECRET and settings.secret_key is not None
    ):
        return settings
    secret = _kept_secret(settings.data_dir / "secret.key")
    changes: dict[str, object] = {}
    if settings.jwt_secret == DEFAULT_SECRET:
        changes["jwt_secret"] = secret
    if settings.secret_key is None:
        changes["secret_key"] = secret
    return settings.with_overrides(**changes)


def _kept_secret(path: Path) -> str:
    """The secret in `path`, created once. Workers starting side by side all read the
    same one: it is written under a private name, then linked into place whole."""
    if not path.exists():
        draft = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_urlsafe(48))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another process published its secret first; use that one
        finally:
            draft.unlink()
    return path.read_text(encoding="ascii").strip()


def check_backends(registry: Registry) -> None:
    """Raise StartupCheckFailed unless the database and the blob store (and Redis, when
    REDIS_URL is set) are reachable and writable."""
    settings = registry.settings
    check_dependencies(
        registry.db, registry.blobs, settings.data_dir / "work", describe_blob_store(settings)
    )
    try:
        registry.telemetry.counters.store.read(0, 0)
    except Exception as exc:
        where = "REDIS_URL's Redis" if settings.redis_url else "the database"
        raise StartupCheckFailed(f"the shared figures ({where}) cannot be read: {exc}") from exc


def check_admin_password(registry: Registry) -> None:
    """In production, refuse to serve while the default admin still has the password
    published in the specification, unless ALLOW_DEFAULT_ADMIN_PASSWORD=true says it
    is wanted (then warn, at every start)."""
    settings = registry.settings
    if not settings.is_production or not registry.users.admin_has_published_password():
        return
    if settings.allow_default_admin_password:
        log.warning(
            "default_admin_password_allowed",
            admin=settings.admin_name,
            why="ALLOW_DEFAULT_ADMIN_PASSWORD=true: anyone who read the specification can "
            "sign in as the administrator",
        )
        return
    raise StartupCheckFailed(
        f"the default admin {settings.admin_name} still has the published password: set "
        "REGISTRY_ADMIN_PASSWORD (or REGISTRY_ADMIN_PASSWORD_FILE) to a new password and "
        "start again (or set ALLOW_DEFAULT_ADMIN_PASSWORD=true to keep the published one)"
    )


def start_registry(settings: Settings) -> Registry:
    """The startup steps, then the wiring: what a process serving requests runs once."""
    registry = build_registry(prepare_local_state(settings))
    try:
        check_backends(registry)
        check_admin_password(registry)
    except StartupCheckFailed:
        registry.close()
        raise
    registry.ingest.sweep_workdirs(STALE_WORK)
    # Process-wide: this process's log lines and upstream calls go to this registry.
    attach_log_store(registry.telemetry.logs)
    observe_upstream(registry.telemetry.upstream_call)
    return registry


def serving_app(settings: Settings | None = None) -> Flask:
    """Settings from the environment (a bad one stops here, named), logging, startup,
    then the app: the entry point of `registry.wsgi` and the `registry` command."""
    settings = settings or Settings.from_env()
    settings.validate()
    configure_logging(settings)
    return create_app(start_registry(settings))
