"""Operations commands of `registry`: backup, restore, verify, gc.

Each builds the registry from the environment (the same settings the server runs
with), calls one service and prints a summary; the work itself lives in
`registry.services.backup`, `registry.services.verify` and `registry.services.blobs`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from typing import Any

import click
from tqdm import tqdm

from registry.app import build_registry
from registry.db.session import Database
from registry.observability.logging import configure_logging
from registry.observability.probes import require_database
from registry.services.backup import BackupService, BackupSummary
from registry.services.container import Registry
from registry.services.verify import BlobRepairer, BlobVerifier, upstream_refetch
from registry.settings import Settings
from registry.startup import STALE_WORK, prepare_local_state
from registry.storage.archives import archive_s3_client, is_s3, open_reader, open_writer

LoadSettings = Callable[[], Settings]


def reachable(settings: Settings) -> None:
    """Raise StartupCheckFailed (one line) unless the database answers."""
    db = Database(settings.effective_database_url)
    try:
        require_database(db, write=False)
    finally:
        db.dispose()


@contextmanager
def _registry(settings: Settings) -> Iterator[Registry]:
    settings = prepare_local_state(settings)
    # Log lines on stderr in the server's format, apart from the command's own output
    # (stdout); not shipped to CloudWatch by a short command's background thread.
    configure_logging(replace(settings, enable_cloudwatch=False))
    reachable(settings)  # a clear refusal before anything starts talking to it
    registry = build_registry(settings)
    try:
        yield registry
    finally:
        registry.close()


@contextmanager
def _bar(total: int | None, unit: str, *, scale: bool = False) -> Iterator[Any]:
    """A progress bar on a terminal; nothing when output goes to a file or a pipe."""
    with tqdm(
        total=total,
        unit=unit,
        unit_scale=scale,
        unit_divisor=1024,
        disable=not sys.stderr.isatty(),
        file=sys.stderr,
        leave=False,
    ) as bar:
        yield bar


def _total(bar: Any) -> Callable[[int], None]:
    """Give a bar its total once the work is known (the archive's blob bytes)."""

    def planned(total: int) -> None:
        bar.total = total
        bar.refresh()

    return planned


def _s3(settings: Settings, location: str) -> Any:
    if not is_s3(location):
        return None
    return archive_s3_client(
        settings.aws_region, settings.aws_endpoint_url, settings.aws_credentials
    )


def _summary(verb: str, where: str, summary: BackupSummary) -> str:
    rows = sum(summary.tables.values())
    return (
        f"{verb} {where}: {summary.tables.get('artifacts', 0)} artifacts, "
        f"{summary.tables.get('users', 0)} users, {rows} rows in all, "
        f"{summary.blobs} blobs ({summary.blob_bytes} bytes)"
    )


def add_commands(
    cli: click.Group, settings: LoadSettings, upgrade: Callable[[Settings], None]
) -> None:
    """Register the operations commands on `cli`."""
    _add_archive_commands(cli, settings, upgrade)
    _add_integrity_commands(cli, settings)


def _add_archive_commands(
    cli: click.Group, settings: LoadSettings, upgrade: Callable[[Settings], None]
) -> None:

    @cli.command("backup", with_appcontext=False)
    @click.option(
        "--to", "target", required=True, metavar="PATH|s3://BUCKET/KEY",
        help="Where to write the archive (a tar file).",
    )  # fmt: skip
    def backup(target: str) -> None:
        """Write the database and every blob it references to one archive.

        The rows come from one consistent snapshot; the server may keep running.
        """
        config = settings()
        with _registry(config) as registry:
            service = BackupService(
                registry.db, registry.blobs, config.data_dir / "work", config.admin_name
            )
            sink = open_writer(target, _s3(config, target))
            with _bar(None, "B", scale=True) as bar:
                summary = service.backup(sink, progress=bar.update, planned=_total(bar))
        click.echo(_summary("backed up to", target, summary))

    @cli.command("restore", with_appcontext=False)
    @click.option(
        "--from", "source", required=True, metavar="PATH|s3://BUCKET/KEY",
        help="The archive `registry backup` wrote.",
    )  # fmt: skip
    @click.option(
        "--force", is_flag=True,
        help="Replace everything in a registry that is not empty (its blobs stay until gc).",
    )  # fmt: skip
    def restore(source: str, force: bool) -> None:
        """Restore an archive into this registry's database and blob store.

        The backends may differ from the ones backed up (a laptop's SQLite and folder
        into PostgreSQL and S3). The registry must be empty unless --force is given.
        """
        config = settings()
        upgrade(config)
        with _registry(config) as registry:
            service = BackupService(
                registry.db, registry.blobs, config.data_dir / "work", config.admin_name
            )
            reader = open_reader(source, _s3(config, source))
            try:
                with _bar(None, "B", scale=True) as bar:
                    summary = service.restore(
                        reader, force=force, progress=bar.update, planned=_total(bar)
                    )
            finally:
                reader.close()
        click.echo(_summary("restored from", source, summary))


def _add_integrity_commands(cli: click.Group, settings: LoadSettings) -> None:

    @cli.command("verify", with_appcontext=False)
    @click.option(
        "--repair", is_flag=True,
        help="Fetch damaged or missing files again from their upstream (when it still serves "
        "the same bytes) and rebuild damaged bundles.",
    )  # fmt: skip
    @click.option(
        "--workers", type=click.IntRange(1, 64), default=4, show_default=True,
        help="Blobs hashed at once.",
    )  # fmt: skip
    def verify(repair: bool, workers: int) -> None:
        """Re-hash every stored blob; report each one missing or not matching its sha256.

        Exits 1 when a problem remains (after --repair, one it could not repair).
        """
        config = settings()
        with _registry(config) as registry:
            verifier = BlobVerifier(registry.db, registry.blobs, workers=workers)
            digests, uses = verifier.targets()
            with _bar(len(digests), "blob") as bar:
                report = verifier.run(digests, uses, progress=bar.update)
            if repair and report.problems:
                refetch = upstream_refetch(registry.ingest.sources, config.hf_endpoint)
                BlobRepairer(verifier, refetch, config.data_dir / "work").repair(report, uses)
        for problem in report.problems:
            used = ", ".join(problem.artifacts) or "no artifact"
            state = "repaired" if problem.repaired else "NOT repaired" if repair else ""
            detail = f" ({problem.note})" if problem.note else ""
            click.echo(f"{problem.kind} {problem.digest} used by {used} {state}{detail}".rstrip())
        left = len(report.unrepaired)
        click.echo(
            f"checked {report.checked} blobs: {len(report.problems)} problems"
            + (f", {len(report.problems) - left} repaired" if repair else "")
        )
        if left:
            sys.exit(1)

    @cli.command("gc", with_appcontext=False)
    @click.option(
        "--grace-minutes", default=60, show_default=True, type=click.IntRange(0),
        help="Spare unreferenced blobs younger than this (an ingest may be about to use them).",
    )  # fmt: skip
    @click.option("--dry-run", is_flag=True, help="Only report what would be deleted.")
    def gc(grace_minutes: int, dry_run: bool) -> None:
        """Delete stored blobs that no artifact references (left by crashed ingests).

        Safe while the server runs: an ingest whose blobs go before it commits uploads
        them again.
        """
        grace = timedelta(minutes=grace_minutes)
        with _registry(settings()) as registry:
            # Work folders live as long as their ingest, which may outlast any grace
            # period given here: only those of processes long gone are removed.
            folders = registry.ingest.sweep_workdirs(STALE_WORK, dry_run=dry_run)
            report = registry.janitor.collect(grace, dry_run=dry_run)
        verb = "would be deleted" if dry_run else "deleted"
        click.echo(
            f"scanned {report.scanned} blobs: {report.deleted} {verb}, "
            f"{report.kept_recent} unreferenced but younger than {grace_minutes} min kept; "
            f"{folders} abandoned work folders {'would be removed' if dry_run else 'removed'}"
        )
