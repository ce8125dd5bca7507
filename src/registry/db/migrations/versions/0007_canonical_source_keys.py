"""Canonical source keys: a URL naming the default branch is the bare repository.

From this revision on, `huggingface.co/org/name/tree/main` and `huggingface.co/org/name`
are one source (every Hugging Face repository's default branch is `main`), and so is a
GitHub URL naming the repository's default branch, and a legacy Hugging Face id
(`bert-base-uncased`) and the repository the Hub moved it to. Keys of artifacts ingested before
are rewritten the same way: Hugging Face keys `...@main:...` lose the revision and a
legacy id becomes the id the Hub reported at ingest (kept in the upstream snapshot), GitHub
keys lose it when it is the default branch GitHub reported at ingest (kept in the
artifact's upstream snapshot). Where two artifacts of one type already hold the same
source, the canonical key stays with the one that has it (else the oldest) and the
other keeps its old key: a migration does not merge or delete what users stored.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 23:10:00.000000
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _canonical(key: str, upstream: Any) -> str:
    if isinstance(upstream, str):
        upstream = json.loads(upstream or "{}")
    if not isinstance(upstream, dict):
        upstream = {}
    kind, _, rest = key.partition(":")
    if kind == "hf":
        repo_kind, _, rest = rest.partition(":")
        repo, _, after = rest.partition("@")
        rev, _, sub = after.partition(":")
        moved = upstream.get("repo_id")  # the Hub's id at ingest: a legacy id's new home
        if "/" not in repo and isinstance(moved, str) and "/" in moved:
            repo = moved.lower()
        return f"hf:{repo_kind}:{repo}@{'' if rev == 'main' else rev}:{sub}"
    if kind == "github":
        repo, _, after = rest.partition("@")
        rev, _, sub = after.partition(":")
        default = upstream.get("default_branch")
        return f"github:{repo}@{'' if rev and rev == default else rev}:{sub}"
    return key


def upgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(
        sa.text("SELECT seq, type, source_key, upstream FROM artifacts ORDER BY seq")
    ).all()
    taken = {(kind, key) for _, kind, key, _ in rows}
    for seq, kind, key, upstream in rows:
        canonical = _canonical(key, upstream)
        if canonical == key or (kind, canonical) in taken:
            continue
        conn.execute(
            sa.text("UPDATE artifacts SET source_key = :k WHERE seq = :s"),
            {"k": canonical, "s": seq},
        )
        taken.discard((kind, key))
        taken.add((kind, canonical))


def downgrade() -> None:
    # Which rows held `@main` before cannot be told afterwards; the canonical keys still
    # name their sources, so older code keeps working on them.
    pass
