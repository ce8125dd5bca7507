"""Figures every worker and instance shares: per-minute counters and recent log lines.

`stat_counters` holds one integer per (minute, key), added to by upserts from each
process's buffer (see `registry.observability.counters`); `log_lines` keeps the most
recent log lines for the dashboard. Both are pruned by the registry itself. With
REDIS_URL set, Redis holds the same figures and these tables stay empty.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08 09:12:40.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stat_counters",
        sa.Column("minute", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=512), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("minute", "key"),
    )
    op.create_table(
        "log_lines",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("logger", sa.String(length=128), nullable=False),
        sa.Column("event", sa.String(length=256), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("line", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("log_lines", schema=None) as batch_op:
        batch_op.create_index("ix_log_lines_request_id", ["request_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("log_lines", schema=None) as batch_op:
        batch_op.drop_index("ix_log_lines_request_id")
    op.drop_table("log_lines")
    op.drop_table("stat_counters")
