"""Ratings, declared links (parents, datasets, code) and artifact origins.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 02:11:33.965955
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "artifact_links",
        sa.Column("artifact_seq", sa.Integer(), nullable=False),
        sa.Column("target_origin", sa.String(length=512), nullable=False),
        sa.Column("ref", sa.String(length=512), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("relationship", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["artifact_seq"], ["artifacts.seq"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("artifact_seq", "target_origin"),
    )
    with op.batch_alter_table("artifact_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_artifact_links_target_origin"), ["target_origin"], unique=False
        )

    op.create_table(
        "ratings",
        sa.Column("artifact_seq", sa.Integer(), nullable=False),
        sa.Column("artifact_version", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["artifact_seq"], ["artifacts.seq"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("artifact_seq"),
    )
    with op.batch_alter_table("artifacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("origin", sa.String(length=512), nullable=True))
        batch_op.create_index(batch_op.f("ix_artifacts_origin"), ["origin"], unique=False)

    # Origins of artifacts ingested before this revision, from their source keys.
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT seq, source_key FROM artifacts")).all()
    for seq, key in rows:
        origin = _origin_of(key)
        if origin:
            conn.execute(
                sa.text("UPDATE artifacts SET origin = :o WHERE seq = :s"), {"o": origin, "s": seq}
            )


def _origin_of(source_key: str) -> str | None:
    kind, _, rest = source_key.partition(":")
    if kind == "hf":
        repo_kind, _, rest = rest.partition(":")
        prefix = "hf-model" if repo_kind == "hf_model" else "hf-dataset"
        return f"{prefix}:{rest.split('@', 1)[0]}"
    if kind == "github":
        return f"github:{rest.split('@', 1)[0]}"
    return None


def downgrade() -> None:
    with op.batch_alter_table("artifacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_artifacts_origin"))
        batch_op.drop_column("origin")

    op.drop_table("ratings")
    with op.batch_alter_table("artifact_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_artifact_links_target_origin"))

    op.drop_table("artifact_links")
