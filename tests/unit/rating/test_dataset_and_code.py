"""dataset_and_code_score: named and reachable data and code."""

from __future__ import annotations

from registry.rating.context import FileFact
from registry.rating.metrics import dataset_and_code
from tests.unit.rating.factories import make_context, make_dataset, make_github


def rate(**overrides: object) -> float:
    result = dataset_and_code.score(make_context(**overrides))
    assert isinstance(result.score, float)
    assert 0.0 <= result.score <= 1.0
    assert len(result.evidence) == 2
    return result.score


def test_nothing_named_scores_zero() -> None:
    assert rate() == 0.0


def test_linked_but_not_found_scores_as_absent_and_says_so() -> None:
    lost = make_dataset("acme/gone", found=False)
    found = make_dataset(found=True)
    assert rate(datasets=(lost,)) == rate() == 0.0
    assert rate(datasets=(lost, found)) == rate(datasets=(found,)) == 0.5
    assert rate(datasets=(make_dataset(found=False, in_registry=True),)) == 0.5
    result = dataset_and_code.score(make_context(datasets=(lost,), code_not_found=("acme/x",)))
    assert "linked but not found, scored as absent: acme/gone" in result.evidence[0]
    assert "linked but not found, scored as absent: acme/x" in result.evidence[1]


def test_code_levels() -> None:
    shipped = rate(files=(FileFact("modeling_tiny.py", 100, "code"),))
    fetched = rate(github=make_github())
    assert 0.0 < shipped < fetched
    assert rate(code_links=("https://github.com/org/x",), code_not_found=("org/x",)) == 0.0


def test_both_data_and_code_score_one() -> None:
    assert rate(datasets=(make_dataset(),), github=make_github()) == 1.0
