"""Regex search over names and READMEs.

Reference, measured in the same run: Python's `re` matching the same pattern over
the same texts already in memory (the cost of matching alone, no database). The
pathological pattern shows why user patterns never reach `re`.
"""

from __future__ import annotations

import contextlib
import random
import re
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import timed
from registry.db import migrate
from registry.db.models import ArtifactRow
from registry.db.session import Database
from registry.domain.errors import NotFound
from registry.services.search import SearchService

WORDS = [
    "model", "data", "train", "eval", "token", "layer", "weight",
    "bias", "attention", "vision", "audio", "text", "graph",
]  # fmt: skip


def _row(id_: str, name: str, readme: str, now: datetime) -> ArtifactRow:
    return ArtifactRow(
        id=id_,
        type="model",
        name=name,
        source_url=f"https://example.invalid/{id_}",
        source_key=f"bench:{id_}",
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


def _populate(db: Database, count: int, readme_bytes: int) -> list[tuple[str, str]]:
    rng = random.Random(461)
    now = datetime.now(UTC)
    texts = []
    with db.transaction() as session:
        for i in range(count):
            words = []
            while sum(len(w) + 1 for w in words) < readme_bytes:
                words.append(rng.choice(WORDS))
            readme = " ".join(words)
            if i % 97 == 0:
                readme += " transformer"
            name = f"artifact-{i}-{rng.choice(WORDS)}"
            session.add(_row(str(10**18 + i), name, readme, now))
            texts.append((name, readme))
    return texts


def _re_time_on_pathological(n: int, limit_s: float = 20.0) -> float | None:
    """Seconds Python's re needs for (a+)+$ on 'a'*n + '!', or None past the limit."""
    code = (
        "import re, time; t = time.perf_counter(); "
        f"re.search(r'(a+)+$', 'a' * {n} + '!'); print(time.perf_counter() - t)"
    )
    try:
        out = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=limit_s,
            check=True,
        )
    except subprocess.TimeoutExpired:
        return None
    return float(out.stdout)


def run(count: int = 5000, readme_bytes: int = 4096) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'bench.db'}")
        migrate.upgrade(db)
        texts = _populate(db, count, readme_bytes)
        service = SearchService(db, budget_seconds=30.0, max_pattern_length=4096)
        pattern = "transformer|diffusion"
        registry_s = timed(lambda: service.by_regex(pattern))
        hits = len(service.by_regex(pattern))
        compiled = re.compile(pattern)
        reference_s = timed(
            lambda: [n for n, r in texts if compiled.search(n) or compiled.search(r)]
        )

        def pathological() -> None:
            with contextlib.suppress(NotFound):
                service.by_regex("(a+)+$")

        with db.transaction() as session:
            session.add(_row("1", "a" * 30 + "!", "a" * 100_000 + "!", datetime.now(UTC)))
        re2_pathological_s = timed(pathological)
        db.dispose()
    re_times = {n: _re_time_on_pathological(n) for n in (20, 22, 24)}
    return {
        "artifacts": count,
        "readme_bytes": readme_bytes,
        "hits": hits,
        "registry_s": registry_s,
        "reference_re_in_memory_s": reference_s,
        "ratio": registry_s / reference_s,
        "re2_pathological_s": re2_pathological_s,
        "re_pathological_s": re_times,
    }


def report(r: dict[str, Any]) -> str:
    re_line = ", ".join(
        f"{n + 1} chars: {'over 20 s' if t is None else f'{t:.2f} s'}"
        for n, t in r["re_pathological_s"].items()
    )
    corpus = f"{r['artifacts']} artifacts with {r['readme_bytes']} B READMEs"
    ours = f"{r['registry_s'] * 1000:.0f} ms through the database with RE2"
    ref = f"{r['reference_re_in_memory_s'] * 1000:.0f} ms"
    return "\n".join(
        [
            f"- {corpus}, pattern `transformer|diffusion` ({r['hits']} hits): {ours}; "
            f"`re` over the same texts in memory: {ref} (ratio {r['ratio']:.2f})",
            f"- `(a+)+$` over all of them plus a 100 kB README of 'a's: "
            f"{r['re2_pathological_s'] * 1000:.0f} ms with RE2; Python's `re` on one short "
            f"string of 'a's ending in '!': {re_line}",
        ]
    )
