"""The regex search's time budget, driven by an injected clock (never by machine speed)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from registry.domain.errors import BadRequest, NotFound
from registry.domain.models import ArtifactType
from registry.services.container import Registry
from registry.services.search import SearchService
from tests.conftest import ADMIN_USER
from tests.fakes import FakeUpstream

ADMIN = ADMIN_USER


def _ticking(step: float) -> Callable[[], float]:
    """A clock that moves `step` seconds every time it is read."""
    now = [0.0]

    def clock() -> float:
        now[0] += step
        return now[0]

    return clock


@pytest.fixture
def three(registry: Registry, upstream: FakeUpstream) -> list[str]:
    return [
        registry.ingest.create(
            ArtifactType.CODE, f"{upstream.files_url}/files/weights.bin?v={i}", f"w{i}", ADMIN
        ).id
        for i in range(3)
    ]


def test_a_search_that_passes_its_budget_stops_with_a_400(
    registry: Registry, three: list[str]
) -> None:
    # One second per artifact scanned, 2.5 s allowed: the third artifact is one too many.
    search = SearchService(
        registry.db, budget_seconds=2.5, max_pattern_length=100, clock=_ticking(1.0)
    )
    with pytest.raises(BadRequest, match=r"2\.5 s budget after 3 artifacts"):
        search.by_regex("w", ADMIN)


def test_a_search_within_its_budget_answers_every_match(
    registry: Registry, three: list[str]
) -> None:
    # The last artifact is scanned exactly at the deadline: still within the budget.
    search = SearchService(
        registry.db, budget_seconds=3.0, max_pattern_length=100, clock=_ticking(1.0)
    )
    assert [a.id for a in search.by_regex("^w[0-9]$", ADMIN)] == three


def test_searches_for_nothing_are_refused_and_misses_are_named(registry: Registry) -> None:
    with pytest.raises(BadRequest, match=r"^name must be a non-empty string$"):
        registry.search.by_name("", ADMIN)
    with pytest.raises(NotFound, match=r"^no artifact is named 'ghost'$"):
        registry.search.by_name("ghost", ADMIN)
    with pytest.raises(NotFound, match=r"^no artifact name or README matches 'ghost'$"):
        registry.search.by_regex("ghost", ADMIN)


def test_a_page_of_the_web_search_keeps_the_budget_too(
    registry: Registry, three: list[str]
) -> None:
    search = SearchService(
        registry.db, budget_seconds=2.5, max_pattern_length=100, clock=_ticking(1.0)
    )
    with pytest.raises(BadRequest, match=r"2\.5 s budget"):
        search.page("w", None, 0, 10, ADMIN)


def test_web_search_pages_follow_positions_and_filter_types(
    registry: Registry, three: list[str]
) -> None:
    search = SearchService(registry.db, budget_seconds=60, max_pattern_length=100)
    first = search.page("^w[0-9]$", None, 0, 2, ADMIN)
    assert [a.id for a in first.items] == three[:2] and first.next_offset is not None
    second = search.page("^w[0-9]$", None, int(first.next_offset), 2, ADMIN)
    assert [a.id for a in second.items] == three[2:] and second.next_offset is None
    assert search.page("^w", (ArtifactType.MODEL,), 0, 10, ADMIN).items == []
    assert search.page("nothing-matches", None, 0, 10, ADMIN).items == []  # not a 404
