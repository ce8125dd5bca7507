"""Leases on capped work: the ingests running now, per user and in total.

A row per (lease, scope) with its expiry (Unix seconds), so a slot held by a process
that died is free again once it expires (see `registry.limits.stores`). With
REDIS_URL set, Redis holds the leases and this table stays empty.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 23:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "work_leases",
        sa.Column("lease", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=128), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("lease", "scope"),
    )
    with op.batch_alter_table("work_leases", schema=None) as batch_op:
        batch_op.create_index("ix_work_leases_expires_at", ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("work_leases", schema=None) as batch_op:
        batch_op.drop_index("ix_work_leases_expires_at")
    op.drop_table("work_leases")
