"""Access control: user permissions, groups, private artifacts, monitor programs, and
the outcome of monitored downloads in the audit trail.

Users that exist before this revision keep what they could do: upload, search and
download (admins: everything). Artifacts get their uploader as owner where that user
still exists.

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-09 09:12:40.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("permissions", sa.String(length=64), nullable=False, server_default="")
        )
    op.execute("UPDATE users SET permissions = 'download,search,upload'")

    op.create_table(
        "groups",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "group_members",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["groups.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("group_id", "user_id"),
    )
    with op.batch_alter_table("group_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_group_members_user_id"), ["user_id"], unique=False)

    op.create_table(
        "artifact_groups",
        sa.Column("artifact_seq", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["artifact_seq"], ["artifacts.seq"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["group_id"], ["groups.id"]),
        sa.PrimaryKeyConstraint("artifact_seq", "group_id"),
    )
    with op.batch_alter_table("artifact_groups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_artifact_groups_group_id"), ["group_id"], unique=False)

    op.create_table(
        "monitors",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("artifact_seq", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("program", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(["artifact_seq"], ["artifacts.seq"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("artifact_seq", "version", name="uq_monitors_version"),
    )
    with op.batch_alter_table("monitors", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_monitors_artifact_seq"), ["artifact_seq"], unique=False
        )

    # A plain column, no foreign key: SQLite would rebuild the table to add one, and
    # deleting a user clears it in the same transaction (UserRepository.delete).
    with op.batch_alter_table("artifacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_artifacts_owner_id"), ["owner_id"], unique=False)
    op.execute(
        "UPDATE artifacts SET owner_id = "
        "(SELECT users.id FROM users WHERE users.name = artifacts.created_by)"
    )

    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("outcome", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("detail", sa.JSON(), nullable=True))
        batch_op.create_index("ix_audit_user", ["user_name", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_user")
        batch_op.drop_column("detail")
        batch_op.drop_column("outcome")
    with op.batch_alter_table("artifacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_artifacts_owner_id"))
        batch_op.drop_column("owner_id")
    with op.batch_alter_table("monitors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monitors_artifact_seq"))
    op.drop_table("monitors")
    with op.batch_alter_table("artifact_groups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_artifact_groups_group_id"))
    op.drop_table("artifact_groups")
    with op.batch_alter_table("group_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_members_user_id"))
    op.drop_table("group_members")
    op.drop_table("groups")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("permissions")
