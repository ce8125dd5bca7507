"""Integrity errors are told apart by the constraint they break, alike on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError

from registry.db.constraints import UQ_ARTIFACT_SOURCE, UQ_USER_NAME, broken_unique_constraint
from registry.db.models import ArtifactFileRow, ArtifactRow, UserRow
from registry.db.session import Database

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _artifact(ident: str, source_key: str) -> ArtifactRow:
    return ArtifactRow(
        id=ident,
        type="model",
        name=ident,
        source_url="https://example.com/" + ident,
        source_key=source_key,
        readme="",
        card={},
        upstream={},
        size=0,
        bundle_sha256="0" * 64,
        bundle_size=0,
        version=1,
        created_at=NOW,
        updated_at=NOW,
    )


def _user(name: str) -> UserRow:
    return UserRow(name=name, password_hash="x", is_admin=False, created_at=NOW)


def _broken(db: Database, row: Any) -> str | None:
    with db.transaction() as session:
        session.add(row)
        with pytest.raises(IntegrityError) as caught:
            session.flush()
        session.rollback()
    return broken_unique_constraint(caught.value)


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    with database.transaction() as session:
        session.add(_artifact("1", "url:one"))
        session.add(_user("ada"))
    yield database
    database.dispose()


def test_the_same_source_twice_names_the_source_constraint(db: Database) -> None:
    assert _broken(db, _artifact("2", "url:one")) == UQ_ARTIFACT_SOURCE


def test_other_unique_constraints_get_their_own_names(db: Database) -> None:
    assert _broken(db, _artifact("1", "url:two")) == "artifacts_id_key"
    assert _broken(db, _user("ada")) == UQ_USER_NAME


def test_errors_that_are_not_unique_violations_name_nothing(db: Database) -> None:
    orphan = ArtifactFileRow(artifact_seq=987654, path="x", sha256="0" * 64, size=0, role="docs")
    assert _broken(db, orphan) is None  # a foreign key
    nameless = _user("bob")
    nameless.password_hash = None  # type: ignore[assignment]
    assert _broken(db, nameless) is None  # NOT NULL
