"""The `registry` command: serve, db upgrade, create-user, gc, rate."""

from __future__ import annotations

import json
import os
import sys
from datetime import timedelta
from typing import TextIO

import click
from flask.cli import FlaskGroup

from registry.app import build_registry, create_app
from registry.db import migrate
from registry.db.session import Database
from registry.domain.errors import RegistryError
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
    try:
        registry = build_registry(settings)
    except SettingsError as exc:  # e.g. examples enabled on a host that cannot jail them
        raise click.ClickException(str(exc)) from exc
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


@cli.command("rate", with_appcontext=False)
@click.argument("urls", nargs=-1)
@click.option(
    "--file",
    "url_file",
    type=click.File("r"),
    help="A file with one Hugging Face model URL per line ('#' starts a comment).",
)
def rate(urls: tuple[str, ...], url_file: TextIO | None) -> None:
    """Rate Hugging Face models without ingesting them: one NDJSON line per model.

    Each line holds the ModelRating fields. Problems go to stderr; the exit status is
    1 when any URL could not be rated.
    """
    wanted = list(urls)
    if url_file is not None:
        wanted += [ln.split("#", 1)[0].strip() for ln in url_file]
    wanted = [u for u in wanted if u]
    if not wanted:
        raise click.UsageError("give at least one URL, or --file with URLs")
    settings = _settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    _upgrade(settings)
    registry = build_registry(settings)
    failures = 0
    try:
        for url in wanted:
            try:
                rating, _objections = registry.ratings.rate_url(url)
            except RegistryError as exc:
                click.echo(f"{url}: {exc.message}", err=True)
                failures += 1
                continue
            click.echo(json.dumps(rating.model_rating()))
            for metric in rating.failed:
                click.echo(f"{url}: {metric} failed: {rating.outcomes[metric].error}", err=True)
            failures += bool(rating.failed)
    finally:
        registry.close()
    if failures:
        sys.exit(1)


def main() -> None:
    cli(prog_name="registry")
