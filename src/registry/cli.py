"""The `registry` command: serve, db upgrade, create-user, rate, login, logout, pull, push,
and the operations commands (backup, restore, verify, gc: `registry.cli_ops`).

Failures an operator can fix (bad input, an unreachable database, a refused archive)
end in one line on stderr and exit status 1, never in a traceback."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import replace
from typing import Any, TextIO

import click
from botocore.exceptions import BotoCoreError, ClientError
from flask.cli import FlaskGroup
from sqlalchemy.exc import DBAPIError

from registry.app import build_registry
from registry.auth.permissions import EVERYDAY, listed, parse_permissions
from registry.cli_ops import add_commands, reachable
from registry.cli_remote import login, logout, pull, push
from registry.db import migrate
from registry.db.migrate import MigrationError
from registry.db.session import Database
from registry.domain.errors import RegistryError
from registry.domain.models import Permission
from registry.observability.logging import configure_logging
from registry.observability.probes import StartupCheckFailed
from registry.services.backup_format import BackupError
from registry.serving import GUNICORN_CONFIG, bind_address
from registry.settings import Settings, SettingsError
from registry.startup import (
    check_admin_password,
    check_backends,
    prepare_local_state,
    serving_app,
)
from registry.storage.archives import ArchiveError


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc


class RegistryGroup(FlaskGroup):
    """Flask's command group (commands may load the app), with the registry's own options
    and errors: each failure an operator can act on becomes a one-line message."""

    # The app adds no commands of its own, so listing or finding one never starts the
    # registry (Flask's group would, and `registry --help` would then touch the database).
    def list_commands(self, ctx: click.Context) -> list[str]:
        return click.Group.list_commands(self, ctx)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return click.Group.get_command(self, ctx, name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except RegistryError as exc:
            raise click.ClickException(exc.message) from exc
        except (SettingsError, StartupCheckFailed, BackupError, ArchiveError) as exc:
            raise click.ClickException(str(exc)) from exc
        except MigrationError as exc:
            raise click.ClickException(f"the database migration failed: {exc}") from exc
        except DBAPIError as exc:
            raise click.ClickException(f"the database failed: {_first_line(exc.orig)}") from exc
        except ClientError as exc:
            raise click.ClickException(f"S3 refused the request: {exc}") from exc
        except BotoCoreError as exc:
            raise click.ClickException(f"S3 cannot be reached: {exc}") from exc


def _first_line(error: object) -> str:
    return (str(error).strip().splitlines() or ["unknown error"])[0]


@click.group(
    cls=RegistryGroup,
    create_app=serving_app,
    add_default_commands=False,
    add_version_option=False,
    load_dotenv=False,
    set_debug_flag=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(
    package_name="trustworthy-model-registry",
    prog_name="registry",
    message="%(prog)s %(version)s",
)
def cli() -> None:
    """Trustworthy Model Registry: serve it, manage its users and data, and talk to one.

    Every setting comes from the environment (README, "Configuration"): DATABASE_URL,
    DATA_DIR, AWS_S3_BUCKET and the others apply to every command here.
    """


# Flask's own options (--app, --env-file, --debug) do not apply: the app is the registry.
cli.params = [p for p in cli.params if p.name not in {"app", "env_file", "debug"}]


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


@db_group.command("upgrade", with_appcontext=False)
def db_upgrade() -> None:
    """Create or migrate DATABASE_URL's schema and seed the default admin (idempotent)."""
    settings = _settings()
    reachable(prepare_local_state(settings))
    _upgrade(settings)
    registry = build_registry(prepare_local_state(settings))
    try:
        registry.users.seed()
    finally:
        registry.close()
    click.echo("database is at the latest schema; the default admin exists")


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
    # What the start-up checks log goes where the workers' lines go, in their format
    # (JSON in production). Not to CloudWatch: this process becomes gunicorn before a
    # shipping thread could send anything; the workers ship their own lines.
    configure_logging(replace(settings, enable_cloudwatch=False))
    try:
        # Reachable before migrating (a clear refusal, not a migration traceback), then
        # writable, with a blob store that takes a write, a read and a delete.
        reachable(settings)
        _upgrade(settings)
        registry = build_registry(settings)
        try:
            check_backends(registry)
            registry.users.seed()
            check_admin_password(registry)
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
    settings = prepare_local_state(_settings())
    reachable(settings)
    registry = build_registry(settings)
    chosen = parse_permissions(granted) if granted else EVERYDAY
    try:
        user = registry.users.create_user(name, password, admin, chosen)
    except RegistryError as exc:
        raise click.ClickException(exc.message) from exc
    finally:
        registry.close()
    held = ", ".join(listed(user.permissions))
    click.echo(f"created user {user.name} (admin={user.is_admin}; permissions: {held})")


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
add_commands(cli, _settings, _upgrade)


def main() -> None:
    cli(prog_name="registry")
