"""Whole-table operations for backup and restore: emptiness, wiping, id sequences.

A restore inserts rows with their original ids; the id sequences must then continue
after the highest id the source registry ever handed out (not just the highest
surviving one: `artifacts.seq` is never reused, see migration 0003), so the next
insert neither collides nor reuses an id a client may still hold.
"""

from __future__ import annotations

from collections.abc import Iterable

from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Connection, Table, delete, func, select, text

from registry.db.models import ArtifactRow, AuditEventRow, GroupRow, MonitorRow, UserRow


def current_revision(conn: Connection) -> str | None:
    """The Alembic revision the database is at."""
    return MigrationContext.configure(conn).get_current_revision()


def is_empty(conn: Connection, admin_name: str) -> bool:
    """True for a registry with nothing in it but (perhaps) its seeded default admin."""
    for model in (ArtifactRow, GroupRow, AuditEventRow, MonitorRow):
        if conn.execute(select(func.count()).select_from(model)).scalar_one():
            return False
    others = select(func.count()).select_from(UserRow).where(UserRow.name != admin_name)
    return conn.execute(others).scalar_one() == 0


def wipe(conn: Connection, tables: Iterable[Table]) -> None:
    """Delete every row of `tables` (given parents first), children first."""
    for table in reversed(list(tables)):
        conn.execute(delete(table))


def _counter(table: Table) -> Column[int] | None:
    column = table.autoincrement_column
    return column if column is not None else None


def read_high_water(conn: Connection, tables: Iterable[Table]) -> dict[str, int]:
    """The highest id each table's sequence has handed out, by table name."""
    sqlite = conn.dialect.name == "sqlite"
    high: dict[str, int] = {}
    for table in tables:
        column = _counter(table)
        if column is None:
            continue
        value = int(conn.execute(select(func.max(column))).scalar() or 0)
        if sqlite and table.dialect_options["sqlite"].get("autoincrement"):
            kept = conn.execute(
                text("SELECT seq FROM sqlite_sequence WHERE name = :t"), {"t": table.name}
            ).scalar()
            value = max(value, int(kept or 0))
        elif not sqlite:
            kept = conn.execute(
                text("SELECT pg_sequence_last_value(pg_get_serial_sequence(:t, :c))"),
                {"t": table.name, "c": column.name},
            ).scalar()
            value = max(value, int(kept or 0))
        high[table.name] = value
    return high


def set_high_water(conn: Connection, tables: Iterable[Table], high: dict[str, int]) -> None:
    """Make each table's next id follow `high` (and the rows now in it)."""
    sqlite = conn.dialect.name == "sqlite"
    for table in tables:
        column = _counter(table)
        if column is None:
            continue
        present = int(conn.execute(select(func.max(column))).scalar() or 0)
        value = max(present, int(high.get(table.name, 0)))
        if sqlite:
            if table.dialect_options["sqlite"].get("autoincrement"):
                conn.execute(text("DELETE FROM sqlite_sequence WHERE name = :t"), {"t": table.name})
                conn.execute(
                    text("INSERT INTO sqlite_sequence (name, seq) VALUES (:t, :v)"),
                    {"t": table.name, "v": value},
                )
            continue
        conn.execute(
            text("SELECT setval(pg_get_serial_sequence(:t, :c), :v, :called)"),
            {"t": table.name, "c": column.name, "v": max(value, 1), "called": value > 0},
        )
