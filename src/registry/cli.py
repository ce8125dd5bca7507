"""The `registry` command: serve, db upgrade, create-user, gc."""

from __future__ import annotations

import os
import sys
from datetime import timedelta

import click
from flask.cli import FlaskGroup

from registry.app import build_registry, create_app
from registry.db import migrate
from registry.db.session import Database
from registry.settings import Settings, SettingsError


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group(cls=FlaskGroup, create_app=create_app, add_default_commands=False)
def cli() -> None:
    """Trustworthy Model Registry."""


@cli.group("db")
def db_group() -> None:
    """Database schema commands."""


def _upgrade(settings: Settings) -> None:
    db = Database(settings.effective_database_url)
    try:
        migrate.upgrade(db)
    finally:
        db.dispose()


@db_group.command("upgrade", with_appcontext=False)
def db_upgrade() -> None:
    """Apply all migrations to DATABASE_URL."""
    settings = _settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    _upgrade(settings)
    click.echo("database is at the latest schema")


@cli.command("serve", with_appcontext=False)
def serve() -> None:
    """Migrate, seed the default admin, then run gunicorn on HOST:PORT."""
    settings = _settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    _upgrade(settings)
    registry = build_registry(settings)
    registry.users.seed()
    registry.close()
    args = [
        sys.executable,
        "-m",
        "gunicorn",
        "registry.wsgi:app",
        "--bind",
        f"{settings.host}:{settings.port}",
        "--worker-class",
        "gthread",
        "--workers",
        str(settings.workers),
        "--threads",
        str(settings.threads),
        "--timeout",
        str(settings.request_timeout_seconds),
        "--graceful-timeout",
        "30",
        # One control socket per user would collide between registries on one host.
        "--no-control-socket",
        "--forwarded-allow-ips",
        os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
    ]
    click.echo(f"registry listening on http://{settings.host}:{settings.port}", err=True)
    os.execv(sys.executable, args)  # noqa: S606 - replaces this process with gunicorn


@cli.command("create-user", with_appcontext=False)
@click.argument("name")
@click.option("--admin", is_flag=True, help="Give the user administrator rights.")
@click.password_option(help="The user's password (asked for when not given).")
def create_user(name: str, admin: bool, password: str) -> None:
    """Create a user who can authenticate with PUT /authenticate."""
    registry = build_registry(_settings())
    try:
        user = registry.users.create_user(name, password, admin)
    finally:
        registry.close()
    click.echo(f"created user {user.name} (admin={user.is_admin})")


@cli.command("gc", with_appcontext=False)
@click.option(
    "--grace-minutes", default=60, show_default=True, help="Spare blobs younger than this."
)
def gc(grace_minutes: int) -> None:
    """Delete stored blobs that no artifact references (left by crashed ingests)."""
    registry = build_registry(_settings())
    grace = timedelta(minutes=grace_minutes)
    try:
        folders = registry.ingest.sweep_workdirs(grace)
        report = registry.janitor.collect(grace)
    finally:
        registry.close()
    click.echo(
        f"scanned {report.scanned} blobs: {report.deleted} deleted, "
        f"{report.kept_recent} unreferenced but younger than {grace_minutes} min kept; "
        f"{folders} abandoned work folders removed"
    )


def main() -> None:
    cli(prog_name="registry")
