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


def test_reachable_beats_named_beats_nothing() -> None:
    lost = make_dataset(found=False)
    found = make_dataset(found=True)
    assert 0.0 < rate(datasets=(lost,)) < rate(datasets=(found,))
    assert rate(datasets=(make_dataset(found=False, in_registry=True),)) == rate(datasets=(found,))


def test_code_levels() -> None:
    shipped = rate(files=(FileFact("modeling_tiny.py", 100, "code"),))
    linked = rate(code_links=("https://github.com/org/x",))
    fetched = rate(github=make_github())
    assert 0.0 < shipped < linked < fetched


def test_both_data_and_code_score_one() -> None:
    assert rate(datasets=(make_dataset(),), github=make_github()) == 1.0
