"""The regex budget inside one artifact's text: work is counted, never timed."""

from __future__ import annotations

from typing import Any

import pytest

from registry.domain.errors import BadRequest
from registry.services.regex_budget import NS_PER_STEP, SearchBudget, program_size
from registry.services.search import compile_pattern

CAP = 64 << 10
ISSUE_PATTERNS = ["a.{999}c", "(?:a|b){0,1000}a.{999}c"]


class Spy:
    """A compiled pattern that records the texts it is asked to search."""

    def __init__(self, real: Any) -> None:
        self._regexp = real._regexp
        self.real = real
        self.lengths: list[int] = []

    def search(self, text: str) -> Any:
        self.lengths.append(len(text.encode("utf-8")))
        return self.real.search(text)


@pytest.mark.parametrize("pattern", ISSUE_PATTERNS)
def test_the_issues_patterns_are_refused_before_any_text_is_scanned(pattern: str) -> None:
    spy = Spy(compile_pattern(pattern, 4096))
    with pytest.raises(BadRequest, match=r"1 s budget \(REGEX_BUDGET_SECONDS\)"):
        SearchBudget(spy, seconds=1.0, max_scan_bytes=CAP)
    assert spy.lengths == []


def test_only_the_first_bytes_of_a_long_readme_are_scanned() -> None:
    spy = Spy(compile_pattern("needle", 4096))
    budget = SearchBudget(spy, seconds=1.0, max_scan_bytes=CAP, clock=lambda: 0.0)
    early = "needle " + "x" * (1 << 20)
    late = "x" * (1 << 20) + " needle"
    assert budget.search(early)
    assert not budget.search(late)  # past REGEX_MAX_SCAN_BYTES: not searched, as documented
    assert max(spy.lengths) <= CAP
    assert budget.scanned_bytes <= 2 * CAP


def test_a_multibyte_text_is_cut_on_a_character_boundary() -> None:
    budget = SearchBudget(compile_pattern("é", 4096), seconds=1.0, max_scan_bytes=1025)
    clipped = budget.clip("é" * 4096)
    assert clipped == "é" * 512 and len(clipped.encode()) <= 1025


def test_a_text_whose_worst_case_no_longer_fits_is_not_started() -> None:
    """The issue's pattern with a budget that admits one capped README, over a 1 MiB
    README: the first artifact is searched; once the clock says most of the budget went,
    the next is refused before RE2 sees it."""
    now = [0.0]
    spy = Spy(compile_pattern(ISSUE_PATTERNS[0], 4096))
    worst = CAP * program_size(spy) * NS_PER_STEP
    budget = SearchBudget(spy, seconds=worst * 1.5, max_scan_bytes=CAP, clock=lambda: now[0])
    readme = ("lorem ipsum dolor sit amet " * 40_000)[: 1 << 20]
    assert not budget.search(readme)  # a correct answer: no `a`, 999 characters, `c`
    now[0] = worst  # the first README took its worst case
    budget.done()
    with pytest.raises(BadRequest, match=r"REGEX_BUDGET_SECONDS.*after 1 artifacts"):
        budget.search(readme)
    assert spy.lengths == [CAP]


def test_simple_patterns_have_a_negligible_worst_case() -> None:
    # So the cap, not the worst-case estimate, decides for ordinary searches.
    assert program_size(compile_pattern("bert|gpt-2", 4096)) < 50
