"""Migrations on a real database: down and up again, and the data migration of 0002."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from registry.db import migrate
from registry.db.session import Database

INSERT = text(
    "INSERT INTO artifacts (id, type, name, source_url, source_key, readme, card, upstream, size,"
    " bundle_sha256, bundle_size, version, created_at, updated_at)"
    " VALUES (:i, :t, :i, 'u', :k, '', '{}', '{}', 0, :d, 0, 1, :n, :n)"
)
ROWS = [
    (
        "1",
        "model",
        "hf:hf_model:google-bert/bert-base-uncased@:",
        "hf-model:google-bert/bert-base-uncased",
    ),
    (
        "2",
        "dataset",
        "hf:hf_dataset:bookcorpus/bookcorpus@main:",
        "hf-dataset:bookcorpus/bookcorpus",
    ),
    ("3", "code", "github:openai/whisper@v1:whisper", "github:openai/whisper"),
    ("4", "model", "url:https://example.com/w.bin", None),
]


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    migrate.upgrade(database)  # leave the worker's database fully migrated
    database.dispose()


def _to(db: Database, revision: str, direction: str) -> None:
    migrate.run(db, direction, revision)


def test_upgrade_to_0002_backfills_the_origins_of_older_artifacts(db: Database) -> None:
    _to(db, "0001", "downgrade")
    now = datetime.now(UTC).replace(tzinfo=None)
    with db.engine.begin() as conn:
        for ident, kind, key, _ in ROWS:
            conn.execute(INSERT, {"i": ident, "t": kind, "k": key, "d": "0" * 64, "n": now})
    _to(db, "head", "upgrade")
    with db.engine.connect() as conn:
        found = dict(conn.execute(text("SELECT id, origin FROM artifacts")).all())
    assert found == {ident: origin for ident, _, _, origin in ROWS}


def test_every_migration_goes_down_and_up_again(db: Database) -> None:
    _to(db, "base", "downgrade")
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 0
    _to(db, "head", "upgrade")
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT value FROM blob_epoch WHERE id = 1")).scalar() == 0


def test_upgrade_to_0003_keeps_every_row_and_stops_reusing_sequence_numbers(
    db: Database,
) -> None:
    _to(db, "0002", "downgrade")
    now = datetime.now(UTC).replace(tzinfo=None)
    with db.engine.begin() as conn:
        for ident, kind, key, _ in ROWS:
            conn.execute(INSERT, {"i": ident, "t": kind, "k": key, "d": "0" * 64, "n": now})
        seqs = dict(conn.execute(text("SELECT id, seq FROM artifacts")).all())
        conn.execute(
            text(
                "INSERT INTO artifact_files (artifact_seq, path, sha256, size, role)"
                " VALUES (:s, 'model.bin', :d, 1, 'weights')"
            ),
            {"s": seqs["1"], "d": "1" * 64},
        )
        conn.execute(
            text(
                "INSERT INTO ratings (artifact_seq, artifact_version, computed_at, payload)"
                " VALUES (:s, 1, :n, '{}')"
            ),
            {"s": seqs["1"], "n": now},
        )
    _to(db, "head", "upgrade")
    with db.engine.begin() as conn:
        # The SQLite rebuild must not cascade-delete the rows that point at artifacts.
        assert conn.execute(text("SELECT count(*) FROM artifact_files")).scalar() == 1
        assert conn.execute(text("SELECT count(*) FROM ratings")).scalar() == 1
        assert dict(conn.execute(text("SELECT id, seq FROM artifacts")).all()) == seqs
        newest = max(seqs.values())
        conn.execute(text("DELETE FROM artifacts WHERE seq = :s"), {"s": newest})
        conn.execute(INSERT, {"i": "5", "t": "model", "k": "url:x", "d": "0" * 64, "n": now})
        fresh = conn.execute(text("SELECT seq FROM artifacts WHERE id = '5'")).scalar()
        assert fresh is not None and fresh > newest
        # The constraints came through the rebuild: (type, source) is still unique.
        with pytest.raises(IntegrityError), conn.begin_nested():
            conn.execute(INSERT, {"i": "6", "t": "model", "k": "url:x", "d": "0" * 64, "n": now})
    with db.engine.connect() as conn:
        # Foreign keys are enforced again on the pooled connection after the run.
        if db.is_sqlite:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_upgrade_to_0005_keeps_what_existing_users_could_do_and_owns_their_artifacts(
    db: Database,
) -> None:
    _to(db, "0003", "downgrade")
    now = datetime.now(UTC).replace(tzinfo=None)
    with db.engine.begin() as conn:
        for name, admin in (("alice", False), ("root", True)):
            conn.execute(
                text(
                    "INSERT INTO users (name, password_hash, is_admin, created_at)"
                    " VALUES (:n, 'x', :a, :t)"
                ),
                {"n": name, "a": admin, "t": now},
            )
        for ident, kind, key, _ in ROWS[:2]:
            conn.execute(INSERT, {"i": ident, "t": kind, "k": key, "d": "0" * 64, "n": now})
        conn.execute(text("UPDATE artifacts SET created_by = 'alice' WHERE id = '1'"))
        conn.execute(text("UPDATE artifacts SET created_by = 'gone' WHERE id = '2'"))
    _to(db, "head", "upgrade")
    with db.engine.connect() as conn:
        users = dict(conn.execute(text("SELECT name, permissions FROM users")).all())
        owners = dict(
            conn.execute(
                text("SELECT a.id, u.name FROM artifacts a LEFT JOIN users u ON u.id = a.owner_id")
            ).all()
        )
    assert users == {"alice": "download,search,upload", "root": "download,search,upload"}
    assert owners == {"1": "alice", "2": None}


def test_upgrade_to_0007_makes_source_keys_canonical_without_merging_artifacts(
    db: Database,
) -> None:
    _to(db, "0006", "downgrade")
    now = datetime.now(UTC).replace(tzinfo=None)
    insert = text(
        "INSERT INTO artifacts (id, type, name, source_url, source_key, readme, card, upstream,"
        " size, bundle_sha256, bundle_size, version, created_at, updated_at)"
        " VALUES (:i, :t, :i, 'u', :k, '', '{}', :u, 0, :d, 0, 1, :n, :n)"
    )
    rows = [
        ("a", "model", "hf:hf_model:acme/m@main:", "{}", "hf:hf_model:acme/m@:"),
        ("b", "model", "hf:hf_model:acme/m@main:onnx", "{}", "hf:hf_model:acme/m@:onnx"),
        ("c", "model", "hf:hf_model:acme/m@v2:", "{}", "hf:hf_model:acme/m@v2:"),
        # The bare key exists already: the default-branch one keeps its old key.
        ("d", "dataset", "hf:hf_dataset:acme/d@:", "{}", "hf:hf_dataset:acme/d@:"),
        ("e", "dataset", "hf:hf_dataset:acme/d@main:", "{}", "hf:hf_dataset:acme/d@main:"),
        (
            "f",
            "code",
            "github:acme/tool@master:",
            '{"default_branch": "master"}',
            "github:acme/tool@:",
        ),
        (
            "g",
            "code",
            "github:acme/lib@main:",
            '{"default_branch": "develop"}',
            "github:acme/lib@main:",
        ),
        ("h", "model", "url:https://example.com/w.bin", "{}", "url:https://example.com/w.bin"),
        (
            "i",
            "model",
            "hf:hf_model:bert-base-uncased@main:",
            '{"repo_id": "google-bert/bert-base-uncased"}',
            "hf:hf_model:google-bert/bert-base-uncased@:",
        ),
    ]
    with db.engine.begin() as conn:
        for ident, kind, key, upstream, _ in rows:
            conn.execute(
                insert, {"i": ident, "t": kind, "k": key, "u": upstream, "d": "0" * 64, "n": now}
            )
    _to(db, "head", "upgrade")
    with db.engine.connect() as conn:
        found = dict(conn.execute(text("SELECT id, source_key FROM artifacts")).all())
    assert found == {ident: expected for ident, *_, expected in rows}
