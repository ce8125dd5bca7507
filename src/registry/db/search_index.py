"""Queries on the regex search's trigram index (migration 0012).

The index only narrows: it returns every artifact whose name or README could match
(a superset), and the search confirms each candidate with RE2. On SQLite the FTS5
query is evaluated over name and README together, which admits a few more
candidates than per-field matching would, and so do PostgreSQL's set operations.
"""

from __future__ import annotations

from sqlalchemy import CompoundSelect, intersect, select, text, union
from sqlalchemy.orm import Session

from registry.db.models import ArtifactRow
from registry.domain.regex_literals import And, Lit, Query

# Objects the migrations create that the models do not declare (the models cannot
# express an FTS5 table or an operator-class GIN index portably).
OBJECTS = frozenset(
    {
        "artifacts_search",
        "artifacts_search_data",
        "artifacts_search_idx",
        "artifacts_search_content",
        "artifacts_search_docsize",
        "artifacts_search_config",
        "ix_artifacts_name_trgm",
        "ix_artifacts_readme_trgm",
    }
)


def include_object(obj: object, name: str | None, *_: object) -> bool:
    """Alembic's filter for comparing the models with a migrated database."""
    return name not in OBJECTS


def fts5_query(query: Query) -> str:
    """The FTS5 MATCH expression: each literal a quoted phrase, which the trigram
    tokenizer matches as a substring."""
    if isinstance(query, Lit):
        return '"' + query.text.replace('"', '""') + '"'
    joiner = " AND " if isinstance(query, And) else " OR "
    return "(" + joiner.join(fts5_query(p) for p in query.parts) + ")"


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _postgres_sets(query: Query) -> CompoundSelect[tuple[int]]:
    """The candidates as set operations over one-literal lookups. One LIKE per SELECT
    is what the planner reliably answers from a GIN index; an OR of several LIKEs is
    costed above a sequential scan (which it underestimates: every README it reads
    is detoasted) and would scan the table. The sets are a superset of per-field
    matching (an AND may find its literals in different fields): RE2 decides."""
    if isinstance(query, Lit):
        pattern = f"%{_escape_like(query.text)}%"
        return union(
            select(ArtifactRow.seq).where(ArtifactRow.name.like(pattern, escape="\\")),
            select(ArtifactRow.seq).where(ArtifactRow.readme.like(pattern, escape="\\")),
        )
    combine = intersect if isinstance(query, And) else union
    return combine(*(_postgres_sets(p) for p in query.parts))


def candidate_seqs(session: Session, query: Query) -> list[int]:
    """The `seq` of every artifact whose name or README may hold a match, ascending."""
    if session.get_bind().dialect.name == "sqlite":
        stmt = text(
            "SELECT rowid FROM artifacts_search WHERE artifacts_search MATCH :q ORDER BY rowid"
        )
        return list(session.scalars(stmt, {"q": fts5_query(query)}))
    found = _postgres_sets(query).subquery("candidates")
    return list(session.scalars(select(found.c.seq).order_by(found.c.seq)))
