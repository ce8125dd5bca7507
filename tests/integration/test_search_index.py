"""The regex search's trigram index answers exactly what a scan of every text answers,
after inserts, updates, deletes and resets, on SQLite (FTS5) and PostgreSQL (pg_trgm)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import re2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from registry.db import search_index
from registry.db.models import ArtifactRow
from registry.db.repositories import ArtifactRepository
from registry.db.session import Database
from registry.domain.errors import NotFound
from registry.domain.regex_literals import required_literals
from registry.services.search import SearchService
from tests.conftest import ADMIN_USER

WORDS = ["bert", "base", "llama", "abc", "a-b_c%", "Größe", "KBc", 'q"t', "xyz", "\u212abc"]
TEXTS = st.lists(
    st.one_of(st.sampled_from(WORDS), st.text(alphabet="abcxyz- %_", max_size=4)), max_size=6
).map(" ".join)
PATTERNS = st.one_of(
    st.sampled_from(WORDS),
    st.lists(st.sampled_from(WORDS), min_size=2, max_size=3).map("|".join),
    st.tuples(st.sampled_from(WORDS), st.sampled_from(WORDS)).map(".*".join),
    st.tuples(st.sampled_from(WORDS), st.sampled_from(["+", "?", "*", "{2}", ""])).map(
        lambda t: f"({t[0]}){t[1]}"
    ),
    st.sampled_from([r"a.c", r"\bbase\b", "^bert", "xyz$", "(?i)bert", r"\w+", "[a-c]{3}"]),
)
OPS = st.lists(
    st.one_of(
        st.tuples(st.just("insert"), TEXTS, TEXTS),
        st.tuples(st.just("update"), st.integers(0, 9), TEXTS, st.none() | TEXTS),
        st.tuples(st.just("delete"), st.integers(0, 9)),
        st.tuples(st.just("reset")),
    ),
    max_size=12,
)


def _row(n: int, name: str, readme: str) -> ArtifactRow:
    now = datetime.now(UTC)
    return ArtifactRow(
        id=f"a{n}",
        type="model",
        name=name,
        source_url=f"https://example.invalid/{n}",
        source_key=f"test:{n}",
        readme=readme,
        card={},
        upstream={},
        size=0,
        bundle_sha256="0" * 64,
        bundle_size=0,
        version=1,
        created_at=now,
        updated_at=now,
    )


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


def _apply(db: Database, ops: list[tuple[object, ...]]) -> None:
    with db.transaction() as session:
        ArtifactRepository(session).delete_all()
    for n, op in enumerate(ops):
        with db.transaction() as session:
            repo = ArtifactRepository(session)
            rows = list(session.scalars(select(ArtifactRow).order_by(ArtifactRow.seq)))
            if op[0] == "insert":
                repo.add(_row(n, str(op[1]), str(op[2])))
            elif op[0] == "reset":
                repo.delete_all()
            elif rows:
                row = rows[int(str(op[1])) % len(rows)]
                if op[0] == "delete":
                    repo.delete(row)
                else:
                    row.name = str(op[2])
                    if op[3] is not None:
                        row.readme = str(op[3])


def _scan(db: Database, pattern: str) -> list[str]:
    compiled = re2.compile(pattern)
    with db.read() as session:
        rows = session.execute(
            select(ArtifactRow.id, ArtifactRow.name, ArtifactRow.readme).order_by(ArtifactRow.seq)
        ).all()
    return [i for i, name, readme in rows if compiled.search(name) or compiled.search(readme)]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=OPS, patterns=st.lists(PATTERNS, min_size=1, max_size=4))
def test_index_and_confirm_answer_what_a_full_scan_answers(
    db: Database, ops: list[tuple[object, ...]], patterns: list[str]
) -> None:
    _apply(db, ops)
    search = SearchService(db, budget_seconds=60.0, max_pattern_length=1000)
    for pattern in patterns:
        try:
            found = [a.id for a in search.by_regex(pattern, ADMIN_USER)]
        except NotFound:
            found = []
        assert found == _scan(db, pattern), pattern


def test_the_index_narrows_to_the_texts_holding_the_literals(db: Database) -> None:
    # Without this, a search that ignored the index and scanned would pass the above.
    _apply(
        db,
        [
            ("insert", "alpha", "has transformer inside"),
            ("insert", "beta", "nothing here"),
            ("insert", "transformer-x", ""),
            ("update", 1, "beta", "now a diffusion model"),
            ("delete", 0),
        ],
    )
    needed = required_literals("transformer|diffusion")
    assert needed is not None
    with db.read() as session:
        seqs = search_index.candidate_seqs(session, needed)
        names = [session.scalar(select(ArtifactRow.name).where(ArtifactRow.seq == s)) for s in seqs]
    assert names == ["beta", "transformer-x"]


def test_the_index_is_migrated_with_its_triggers(db: Database) -> None:
    with db.read() as session:
        if db.is_sqlite:
            found = session.scalars(
                text("SELECT name FROM sqlite_master WHERE name LIKE 'artifacts_search%'")
            )
            expected = {"artifacts_search_insert", "artifacts_search_update"}
            expected |= {"artifacts_search_delete", "artifacts_search"}
        else:
            found = session.scalars(
                text("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%_trgm'")
            )
            expected = {"ix_artifacts_name_trgm", "ix_artifacts_readme_trgm"}
        assert expected <= set(found)
