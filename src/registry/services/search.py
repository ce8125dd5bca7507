"""Finding artifacts by exact name and by regular expression.

User patterns run on RE2 (google-re2): matching is linear in the text, so no
pattern can backtrack catastrophically. Python's `re` never sees a user pattern. The
budget holds inside one README too (registry.services.regex_budget).

A pattern whose every match contains some literal text of three or more characters
is answered from a trigram index: the index names the candidates, RE2 confirms each
under the same budget. Any other pattern is matched against every name and README.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import re2

from registry.db import search_index
from registry.db.repositories import ArtifactRepository
from registry.db.session import Database
from registry.domain.errors import BadRequest, NotFound
from registry.domain.models import ArtifactSummary, ArtifactType, User
from registry.domain.regex_literals import required_literals
from registry.services.regex_budget import MAX_PROGRAM_MEMORY, SearchBudget


@dataclass(frozen=True)
class Found:
    """One page of a search: the matches, and the offset of the next page (None: last)."""

    items: list[ArtifactSummary]
    next_offset: str | None


def plain_text_pattern(text: str) -> str:
    """A plain-text query as a regex matching it literally, case-insensitively (RE2)."""
    return "(?i)" + str(re2.escape(text))


def compile_pattern(pattern: str, max_length: int) -> Any:
    if not pattern:
        raise BadRequest("regex must be a non-empty string")
    if len(pattern) > max_length:
        raise BadRequest(f"regex is longer than {max_length} characters")
    options = re2.Options()
    options.log_errors = False
    options.max_mem = MAX_PROGRAM_MEMORY
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", errors="replace")
        raise BadRequest(
            f"regex cannot be compiled: {reason} (the registry uses RE2 syntax: no "
            "look-around or back-references)"
        ) from exc


class SearchService:
    def __init__(
        self,
        db: Database,
        *,
        budget_seconds: float,
        max_pattern_length: int,
        max_scan_bytes: int = 64 << 10,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_scan_bytes = max_scan_bytes
        self.db = db
        self.budget_seconds = budget_seconds
        self.max_pattern_length = max_pattern_length
        self.clock = clock

    def by_name(self, name: str, viewer: User) -> list[ArtifactSummary]:
        if not name:
            raise BadRequest("name must be a non-empty string")
        with self.db.read() as session:
            found = ArtifactRepository(session, viewer).by_name(name)
        if not found:
            raise NotFound(f"no artifact is named {name!r}")
        return found

    def by_regex(self, pattern: str, viewer: User) -> list[ArtifactSummary]:
        """Artifacts `viewer` may see whose name or README contains a match
        (case-sensitive); a private artifact's README is not searched for outsiders."""
        found = [summary for _seq, summary in self._matches(pattern, viewer)]
        if not found:
            raise NotFound(f"no artifact name or README matches {pattern!r}")
        return found

    def page(
        self,
        pattern: str,
        types: Sequence[ArtifactType] | None,
        after_seq: int,
        size: int,
        viewer: User,
    ) -> Found:
        """Up to `size` artifacts after position `after_seq` whose name or README
        matches, under the same budget as `by_regex`; an empty page (not a 404) when
        nothing does. The next page's offset is the position of the last match."""
        found: list[tuple[int, ArtifactSummary]] = []
        more = False
        for match in self._matches(pattern, viewer, after_seq, types):
            if len(found) == size:
                more = True
                break
            found.append(match)
        next_offset = str(found[-1][0]) if more and found else None
        return Found([summary for _, summary in found], next_offset)

    def _matches(
        self,
        pattern: str,
        viewer: User,
        after_seq: int = 0,
        types: Sequence[ArtifactType] | None = None,
    ) -> Iterator[tuple[int, ArtifactSummary]]:
        """The matching artifacts in ingest order, each with its position: the index's
        candidates when the pattern needs some literal, else every artifact, each
        confirmed by RE2 under one budget (a 400 once it is spent)."""
        compiled = compile_pattern(pattern, self.max_pattern_length)
        budget = SearchBudget(
            compiled,
            seconds=self.budget_seconds,
            max_scan_bytes=self.max_scan_bytes,
            clock=self.clock,
        )
        needed = required_literals(pattern)
        with self.db.read() as session:
            seqs = None if needed is None else search_index.candidate_seqs(session, needed)
            rows = ArtifactRepository(session, viewer).iter_search_rows(after_seq, types, seqs)
            for seq, summary, readme in rows:
                if budget.search(summary.name) or (readme and budget.search(readme)):
                    yield seq, summary
                budget.done()
