"""Artifact sequence numbers are never reused on SQLite (AUTOINCREMENT).

Pagination offsets are `artifacts.seq` values. Without AUTOINCREMENT, SQLite gives
the next insert max(seq) + 1, so after the newest artifacts are deleted a new one
takes a number a client may already hold as its offset, and is skipped. SQLite
cannot add AUTOINCREMENT in place: the table is rebuilt (alembic batch mode), with
foreign keys off during the rebuild (see `registry.db.migrate`). PostgreSQL's
serial sequence never reuses a value, so nothing changes there.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 10:04:51.000000
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _rebuild_artifacts(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table(
        "artifacts", recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
    ):
        pass


def upgrade() -> None:
    _rebuild_artifacts(autoincrement=True)


def downgrade() -> None:
    _rebuild_artifacts(autoincrement=False)
