"""Queries on the regex search's trigram index (migration 0012).

The index only narrows: it returns every artifact whose name or README could match
(a superset), and the search confirms each candidate with RE2. On SQLite the FTS5
query is evaluated over name and README together, which admits a few more
candidates than per-field matching would; on PostgreSQL it is per field.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, or_, select, text
from sqlalchemy.orm import InstrumentedAttribute, Session

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


def _like(column: InstrumentedAttribute[str], query: Query) -> ColumnElement[bool]:
    if isinstance(query, Lit):
        return column.like(f"%{_escape_like(query.text)}%", escape="\\")
    parts = [_like(column, p) for p in query.parts]
    return and_(*parts) if isinstance(query, And) else or_(*parts)


def candidate_seqs(session: Session, query: Query) -> list[int]:
    """The `seq` of every artifact whose name or README may hold a match, ascending."""
    if session.get_bind().dialect.name == "sqlite":
        stmt = text(
            "SELECT rowid FROM artifacts_search WHERE artifacts_search MATCH :q ORDER BY rowid"
        )
        return list(session.scalars(stmt, {"q": fts5_query(query)}))
    cond = or_(_like(ArtifactRow.name, query), _like(ArtifactRow.readme, query))
    return list(session.scalars(select(ArtifactRow.seq).where(cond).order_by(ArtifactRow.seq)))
