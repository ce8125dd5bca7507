"""Apply the Alembic migrations that ship inside the package."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection

from registry.db.session import Database

MIGRATIONS = Path(__file__).with_name("migrations")


class MigrationError(RuntimeError):
    """A migration left the database inconsistent; it was rolled back."""


def alembic_config(db: Database) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", db.url.render_as_string(hide_password=False))
    return cfg


@contextmanager
def _migration_connection(db: Database) -> Iterator[Connection]:
    """One transaction for the whole run.

    On SQLite, table rebuilds (batch mode) drop and re-create a table; with foreign
    keys enforced, dropping `artifacts` would cascade-delete every file, link and
    rating row. SQLite only accepts the pragma outside a transaction, so it is
    switched off on the raw connection first, and the references are checked
    before the transaction commits.
    """
    with db.engine.connect() as conn:
        raw = conn.connection.driver_connection if db.is_sqlite else None
        if raw is not None:
            raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with conn.begin():
                yield conn
                if raw is not None:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise MigrationError(f"the migration broke references: {broken[:5]}")
        finally:
            if raw is not None:
                raw.execute("PRAGMA foreign_keys=ON")


def run(db: Database, direction: str, revision: str) -> None:
    """`direction` is "upgrade" or "downgrade", to `revision` ("head", "base", "0002"...)."""
    cfg = alembic_config(db)
    with _migration_connection(db) as conn:
        cfg.attributes["connection"] = conn
        getattr(command, direction)(cfg, revision)


def upgrade(db: Database, revision: str = "head") -> None:
    run(db, "upgrade", revision)
