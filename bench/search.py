"""Listing and search at scale, on SQLite and on PostgreSQL.

The corpus: `count` synthetic artifacts (100,000 by default) with 4 kB READMEs drawn
from a Zipf-distributed vocabulary of made-up words, inserted straight into the
database (the trigram index is kept by the same triggers and indexes an ingest uses).
Each operation goes through the service layer with the default budget (1 s):

- enumerate: one page of 100 of `*`, at a random offset;
- byName: an exact name;
- regex with a literal: `transformer|diffusion` (about 1 README in 97 has one);
- regex without a literal: `\\bqu[a-z]{6,9}\\b`, which must be matched against every text.

Reference, like with like and measured in the same run: RE2 (the same compiled
pattern) over the same names and READMEs already in memory, that is the cost of the
matching alone without the database or the index. Both are warm: the database file
and the texts are in memory after the first round, which is not timed.
"""

from __future__ import annotations

import contextlib
import random
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import re2
from sqlalchemy import event, insert, text
from tests.conftest import PG_ADMIN_URL

from bench.common import percentile, spread
from registry.db import migrate
from registry.db.models import ArtifactRow
from registry.db.repositories import ArtifactRepository, NameQuery
from registry.db.session import Database
from registry.domain.errors import BadRequest, NotFound
from registry.domain.models import User
from registry.services.search import SearchService

SYLLABLES = [
    "ka",
    "to",
    "ri",
    "mel",
    "sun",
    "vor",
    "ide",
    "ax",
    "pel",
    "qua",
    "zen",
    "lo",
    "tra",
    "nes",
    "bo",
    "fi",
    "du",
    "gre",
]
LITERAL = "transformer|diffusion"
NO_LITERAL = r"\bqu[a-z]{6,9}\b"
BUDGET_S = 1.0  # REGEX_BUDGET_SECONDS' default


def _vocabulary(rng: random.Random, size: int = 5000) -> list[str]:
    return ["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 4))) for _ in range(size)]


def _populate(db: Database, count: int, readme_bytes: int) -> list[tuple[str, str]]:
    rng = random.Random(461)
    words = _vocabulary(rng)
    weights = [1 / (i + 1) for i in range(len(words))]
    now = datetime.now(UTC)
    texts: list[tuple[str, str]] = []
    rows: list[dict[str, Any]] = []
    table = ArtifactRow.__table__

    def flush() -> None:
        if rows:
            with db.transaction() as session:
                session.execute(insert(table), rows)
            rows.clear()

    for i in range(count):
        readme = " ".join(rng.choices(words, weights, k=readme_bytes // 5))[:readme_bytes]
        if i % 97 == 0:
            readme = readme[:2000] + " transformer " + readme[2013:]
        name = f"{rng.choice(words)}-{i}"
        texts.append((name, readme))
        rows.append(
            {
                "id": f"{10**17 + i}",
                "type": "model",
                "name": name,
                "source_url": f"https://example.invalid/{i}",
                "source_key": f"bench:{i}",
                "readme": readme,
                "card": {},
                "upstream": {},
                "size": 0,
                "bundle_sha256": "0" * 64,
                "bundle_size": 0,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
        if len(rows) == 2000:
            flush()
    flush()
    return texts


def _before_search_index(db: Database) -> str:
    """The revision just before migration 0012 (which builds the search index)."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config(db))
    down = script.get_revision("0012").down_revision
    assert isinstance(down, str)
    return down


def _plan(db: Database, fn: Callable[[], object]) -> list[str]:
    """The query plan of the last statement `fn` runs (EXPLAIN, as the database
    chose it for these parameters): proof that an index answers it."""
    seen: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        seen.append((statement, params))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    statement, params = next(
        (st, pa) for st, pa in reversed(seen) if st.lstrip().upper().startswith("SELECT")
    )
    prefix = "EXPLAIN QUERY PLAN " if db.is_sqlite else "EXPLAIN "
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql(prefix + statement, params).all()
    return [str(row[-1]) for row in rows]


def _times(fn: Callable[[], object], rounds: int, *, warm: bool = True) -> list[float]:
    if warm:  # not timed
        with contextlib.suppress(NotFound, BadRequest):
            fn()
    out = []
    for _ in range(rounds):
        start = time.perf_counter()
        with contextlib.suppress(NotFound, BadRequest):
            fn()
        out.append(time.perf_counter() - start)
    return out


def _summary(samples: list[float]) -> dict[str, float]:
    return {
        "p50_ms": percentile(samples, 50) * 1000,
        "p99_ms": percentile(samples, 99) * 1000,
        "spread_ms": spread(samples) * 1000,
        "n": len(samples),
    }


def _measure(url: str, count: int, quick: bool) -> dict[str, Any]:
    db = Database(url)
    # The corpus goes in before the search index's migration, which then indexes it
    # as it would an existing registry's artifacts (faster than row by row).
    migrate.upgrade(db, _before_search_index(db))
    start = time.perf_counter()
    texts = _populate(db, count, 4096)
    load_s = time.perf_counter() - start
    start = time.perf_counter()
    migrate.upgrade(db)
    with db.engine.begin() as conn:
        conn.execute(text("ANALYZE"))  # what autovacuum leaves after a bulk load
    index_s = time.perf_counter() - start
    rng = random.Random(7)
    search = SearchService(db, budget_seconds=BUDGET_S, max_pattern_length=4096)
    # A user who is no administrator: every query carries the visibility condition.
    viewer = User(id=2, name="reader", is_admin=False)
    many, few = (50, 7) if quick else (300, 15)

    def enumerate_page() -> object:
        # What ArtifactService.enumerate runs: one keyset page (plus one row to know
        # whether another page follows).
        with db.read() as session:
            return ArtifactRepository(session, viewer).page(
                [NameQuery("*")], rng.randrange(count), 101
            )

    def by_name() -> object:
        return search.by_name(texts[rng.randrange(count)][0], viewer)

    outcome: dict[str, str] = {}

    def regex(pattern: str) -> Callable[[], object]:
        def run() -> object:
            try:
                found = search.by_regex(pattern, viewer)
            except BadRequest as exc:
                outcome[pattern] = f"400: {exc}"
                raise
            outcome[pattern] = f"{len(found)} found"
            return found

        return run

    def in_memory(pattern: str) -> Callable[[], object]:
        compiled = re2.compile(pattern)
        return lambda: [n for n, r in texts if compiled.search(n) or compiled.search(r)]

    result = {
        "load_s": load_s,
        "index_s": index_s,
        "plans": {"enumerate": _plan(db, enumerate_page), "by_name": _plan(db, by_name)},
        "enumerate": _summary(_times(enumerate_page, many)),
        "by_name": _summary(_times(by_name, many)),
    }
    for key, pattern in (("regex_literal", LITERAL), ("regex_no_literal", NO_LITERAL)):
        # Interleaved: the database path, then the in-memory reference, round by round.
        ours: list[float] = []
        ref: list[float] = []
        mine, theirs = regex(pattern), in_memory(pattern)
        _times(mine, 0)
        _times(theirs, 0)
        for _ in range(few):
            ours += _times(mine, 1, warm=False)
            ref += _times(theirs, 1, warm=False)
        result[key] = {
            "pattern": pattern,
            "outcome": outcome.get(pattern, ""),
            **_summary(ours),
            "re2_in_memory": _summary(ref),
        }
    db.dispose()
    return result


def run(count: int = 100_000, quick: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"artifacts": count, "readme_bytes": 4096}
    with tempfile.TemporaryDirectory() as tmp:
        out["sqlite"] = _measure(f"sqlite:///{Path(tmp) / 'bench.db'}", count, quick)
    name = "registry_bench_search"
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        out["postgres"] = {"skipped": str(exc).strip()}
        return out
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        out["postgres"] = _measure(f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}", count, quick)
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return out


def _cell(text: str) -> str:
    """Text for a markdown table cell (a | would end the cell)."""
    return text.replace("|", "\\|")


def _row(label: str, s: dict[str, float]) -> str:
    return f"| {label} | {s['p50_ms']:.1f} | {s['p99_ms']:.1f} | {s['spread_ms']:.1f} | {s['n']} |"


def report(r: dict[str, Any]) -> str:
    lines = [
        f"{r['artifacts']:,} artifacts with {r['readme_bytes']} B READMEs, through the "
        f"service layer, default budget {BUDGET_S:g} s; both sides warm. Spread: the "
        "interquartile range.",
    ]
    for backend in ("sqlite", "postgres"):
        b = r.get(backend, {})
        if "skipped" in b or not b:
            lines += ["", f"{backend}: skipped ({b.get('skipped', 'not run')})"]
            continue
        lines += [
            "",
            f"**{backend}** (corpus inserted in {b['load_s']:.0f} s, then indexed by "
            f"migration 0012 in {b['index_s']:.0f} s)",
            "",
            "| operation | p50 ms | p99 ms | spread ms | runs |",
            "|---|---|---|---|---|",
            _row("enumerate: a page of 100", b["enumerate"]),
            _row("byName", b["by_name"]),
        ]
        plans = b["plans"]
        for key, label in (("regex_literal", "with a literal"), ("regex_no_literal", "no literal")):
            s = b[key]
            lines += [
                _row(f"regex {label} `{_cell(s['pattern'])}` ({_cell(s['outcome'])})", s),
                _row("  reference: RE2 over the same texts in memory", s["re2_in_memory"]),
            ]
        lines.append("")
        for op, plan in plans.items():
            lines.append(f"- plan of {op}: " + " / ".join(p.strip() for p in plan))
    return "\n".join(lines)


if __name__ == "__main__":
    import json
    import sys

    quick = "--quick" in sys.argv
    res = run(10_000 if quick else 100_000, quick)
    print(report(res))
    if "--json" in sys.argv:
        Path(sys.argv[sys.argv.index("--json") + 1]).write_text(json.dumps(res, indent=2))
