"""A trigram index over artifact names and READMEs, for regex search.

A regex search asks this index for the artifacts holding the literals every match
needs (`registry.domain.regex_literals`), then confirms each with RE2.

- PostgreSQL: `pg_trgm` GIN indexes on `artifacts.name` and `artifacts.readme`. They
  are part of the table, so every insert, update, delete and TRUNCATE keeps them
  current in its own transaction. `pg_trgm` is a trusted extension (PostgreSQL 13+):
  the database's owner may create it.
- SQLite: an FTS5 table with the trigram tokenizer (case-sensitive, like the search),
  reading its text from `artifacts` (external content), kept current by triggers, so
  the index changes in the same transaction as the row whatever code path writes it.
  A later migration that rebuilds `artifacts` (batch mode) drops these triggers with
  the old table and must create them again (`_create_sqlite`).

Revision ID: 0012
Revises: 0008
Create Date: 2026-11-29 22:50:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0008"
branch_labels = None
depends_on = None

_SQLITE_UP = [
    "CREATE VIRTUAL TABLE artifacts_search USING fts5(name, readme, content='artifacts', "
    "content_rowid='seq', tokenize='trigram case_sensitive 1')",
    "INSERT INTO artifacts_search(artifacts_search) VALUES ('rebuild')",
    "CREATE TRIGGER artifacts_search_insert AFTER INSERT ON artifacts BEGIN "
    "INSERT INTO artifacts_search(rowid, name, readme) VALUES (new.seq, new.name, new.readme); "
    "END",
    "CREATE TRIGGER artifacts_search_delete AFTER DELETE ON artifacts BEGIN "
    "INSERT INTO artifacts_search(artifacts_search, rowid, name, readme) "
    "VALUES ('delete', old.seq, old.name, old.readme); "
    "END",
    "CREATE TRIGGER artifacts_search_update AFTER UPDATE OF seq, name, readme ON artifacts BEGIN "
    "INSERT INTO artifacts_search(artifacts_search, rowid, name, readme) "
    "VALUES ('delete', old.seq, old.name, old.readme); "
    "INSERT INTO artifacts_search(rowid, name, readme) VALUES (new.seq, new.name, new.readme); "
    "END",
]
_SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS artifacts_search_update",
    "DROP TRIGGER IF EXISTS artifacts_search_delete",
    "DROP TRIGGER IF EXISTS artifacts_search_insert",
    "DROP TABLE IF EXISTS artifacts_search",
]
_POSTGRES_UP = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_artifacts_name_trgm ON artifacts USING gin (name gin_trgm_ops)",
    "CREATE INDEX ix_artifacts_readme_trgm ON artifacts USING gin (readme gin_trgm_ops)",
]
# The extension stays: other schemas in the database may use it.
_POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS ix_artifacts_readme_trgm",
    "DROP INDEX IF EXISTS ix_artifacts_name_trgm",
]


def _run(statements: list[str]) -> None:
    for statement in statements:
        op.execute(statement)


def _create_sqlite() -> None:
    _run(_SQLITE_UP)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _create_sqlite()
    else:
        _run(_POSTGRES_UP)


def downgrade() -> None:
    _run(_SQLITE_DOWN if op.get_bind().dialect.name == "sqlite" else _POSTGRES_DOWN)
