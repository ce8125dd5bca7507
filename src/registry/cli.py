"""The `registry` command: serve, db upgrade, create-user, gc, rate, login, logout, pull, push."""

from __future__ import annotations

import json
import os
import sys
from datetime import timedelta
from typing import TextIO

import click
from flask.cli import FlaskGroup

from registry.app import build_registry
from registry.auth.permissions import EVERYDAY, listed, parse_permissions
from registry.cli_remote import login, logout, pull, push
from registry.db import migrate
from registry.db.session import Database
from registry.domain.errors import RegistryError
from registry.domain.models import Permission
from registry.observability.probes import StartupCheckFailed, require_database
from registry.serving import GUNICORN_CONFIG, bind_address
from registry.settings import Settings, SettingsError
from registry.startup import check_backends, prepare_local_state, serving_app


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group(cls=FlaskGroup, create_app=serving_app, add_default_commands=False)
def cli() -> None:
    """Trustworthy Model Registry."""


@cli.group("db")
def db_group() -> None:
    """Database schema commands."""


def _upgrade(settings: Settings) -> None:
    # The startup step first: folders and the laptop's kept secret exist before any
    # server worker starts (they would otherwise race to create the secret).
    prepare_local_state(settings)
    db = Database(settings.effective_database_url)
    try:
        migrate.upgrade(db)
    finally:
        db.dispose()


def _reachable(settings: Settings) -> None:
    db = Database(settings.effective_database_url)
    try:
        require_database(db, write=False)
    finally:
        db.dispose()


@db_group.command("upgrade", with_appcontext=False)
def db_upgrade() -> None:
    """Apply all migrations to DATABASE_URL."""
    _upgrade(_settings())
    click.echo("database is at the latest schema")


@cli.command("serve", with_appcontext=False)
@click.option("--host", help="Address to listen on (default: HOST, else 127.0.0.1).")
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    help="Port to listen on (default: PORT, else 8080).",
)
def serve(host: str | None, port: int | None) -> None:
    """Migrate, seed the default admin, then run gunicorn on HOST:PORT."""
    env = dict(os.environ)
    # The options travel as HOST/PORT so the gunicorn config and the app, both of
    # which read the environment, agree with what was asked for here.
    if host is not None:
        env["HOST"] = host
    if port is not None:
        env["PORT"] = str(port)
    try:
        settings = Settings.from_env(env)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc
    settings = prepare_local_state(settings)
    try:
        # Reachable before migrating (a clear refusal, not a migration traceback), then
        # writable, with a blob store that takes a write, a read and a delete.
        _reachable(settings)
        _upgrade(settings)
        registry = build_registry(settings)
        try:
            check_backends(registry)
            registry.users.seed()
        finally:
            registry.close()
    except StartupCheckFailed as exc:
        raise click.ClickException(f"the registry cannot start: {exc}") from exc
    except SettingsError as exc:  # e.g. examples enabled on a host that cannot jail them
        raise click.ClickException(str(exc)) from exc
    args = [sys.executable, "-m", "gunicorn", "--config", GUNICORN_CONFIG]
    address = bind_address(settings.host, settings.port)
    click.echo(f"registry listening on http://{address}", err=True)
    os.execve(sys.executable, args, env)  # noqa: S606 - replaces this process with gunicorn


@cli.command("create-user", with_appcontext=False)
@click.argument("name")
@click.option("--admin", is_flag=True, help="Give the user administrator rights.")
@click.option(
    "--permission",
    "granted",
    multiple=True,
    type=click.Choice([p.value for p in Permission if p is not Permission.ADMIN]),
    help="A permission to grant (repeatable; default: upload, search and download).",
)
@click.password_option(help="The user's password (asked for when not given).")
def create_user(name: str, admin: bool, granted: tuple[str, ...], password: str) -> None:
    """Create a user who can authenticate with PUT /authenticate."""
    registry = build_registry(prepare_local_state(_settings()))
    chosen = parse_permissions(granted) if granted else EVERYDAY
    try:
        user = registry.users.create_user(name, password, admin, chosen)
    except RegistryError as exc:
        raise click.ClickException(exc.message) from exc
    finally:
        registry.close()
    held = ", ".join(listed(user.permissions))
    click.echo(f"created user {user.name} (admin={user.is_admin}; permissions: {held})")


@cli.command("gc", with_appcontext=False)
@click.option(
    "--grace-minutes", default=60, show_default=True, help="Spare blobs younger than this."
)
def gc(grace_minutes: int) -> None:
    """Delete stored blobs that no artifact references (left by crashed ingests)."""
    registry = build_registry(prepare_local_state(_settings()))
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


for _command in (login, logout, pull, push):
    cli.add_command(_command)


def main() -> None:
    cli(prog_name="registry")
