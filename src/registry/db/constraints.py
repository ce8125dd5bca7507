"""Which unique constraint an IntegrityError broke, named alike on both backends.

Services map a broken constraint to the answer it means (two ingests of one source:
409 naming the winner) and let every other integrity error through as the bug it is.
PostgreSQL names the constraint itself; SQLite names only the columns, which are
looked up in the models. Unnamed constraints get PostgreSQL's default names
(`users_name_key`, `tokens_pkey`), so a caller compares one string on either backend.
"""

from __future__ import annotations

import re

from sqlalchemy import PrimaryKeyConstraint, UniqueConstraint
from sqlalchemy.exc import IntegrityError

from registry.db.models import Base

UQ_ARTIFACT_SOURCE = "uq_artifacts_type_source"
UQ_USER_NAME = "users_name_key"

_PG_UNIQUE_VIOLATION = "23505"
_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (.+)$")


def _unique_constraints() -> dict[tuple[str, tuple[str, ...]], str]:
    names: dict[tuple[str, tuple[str, ...]], str] = {}
    for table in Base.metadata.tables.values():
        for constraint in table.constraints:
            if not isinstance(constraint, UniqueConstraint | PrimaryKeyConstraint):
                continue
            columns = tuple(c.name for c in constraint.columns)
            default = (
                f"{table.name}_pkey"
                if isinstance(constraint, PrimaryKeyConstraint)
                else f"{table.name}_{'_'.join(columns)}_key"
            )
            names[(table.name, columns)] = str(constraint.name or default)
    return names


_BY_COLUMNS = _unique_constraints()


def broken_unique_constraint(exc: IntegrityError) -> str | None:
    """The name of the unique (or primary key) constraint `exc` reports; None when it
    is another kind of integrity error (foreign key, NOT NULL, check)."""
    diag = getattr(exc.orig, "diag", None)
    if diag is not None:  # psycopg
        if getattr(exc.orig, "sqlstate", None) != _PG_UNIQUE_VIOLATION:
            return None
        name = diag.constraint_name
        return str(name) if name else None
    match = _SQLITE_UNIQUE.search(str(exc.orig))
    if match is None:
        return None
    qualified = [c.strip() for c in match.group(1).split(",")]
    table = qualified[0].split(".", 1)[0]
    columns = tuple(c.split(".", 1)[-1] for c in qualified)
    return _BY_COLUMNS.get((table, columns))
