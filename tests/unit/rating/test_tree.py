"""tree_score: mean of the rated parents; documented values without them."""

from __future__ import annotations

from registry.rating.context import ParentFacts
from registry.rating.metrics import tree
from tests.unit.rating.factories import make_context


def parent(ref: str, net: float | None) -> ParentFacts:
    return ParentFacts(ref=ref, source="model_card", artifact_id=None, net_score=net)


def rate(*parents: ParentFacts) -> float:
    result = tree.score(make_context(parents=parents))
    assert isinstance(result.score, float)
    assert 0.0 <= result.score <= 1.0
    assert result.evidence
    return result.score


def test_a_root_model_scores_the_documented_root_value() -> None:
    assert rate() == tree.ROOT_SCORE == 1.0


def test_unrated_parents_score_the_documented_neutral_value() -> None:
    assert rate(parent("a/b", None)) == tree.UNRATED_SCORE == 0.5


def test_mean_of_rated_parents_ignoring_unrated_ones() -> None:
    assert rate(parent("a", 0.4), parent("b", 0.8), parent("c", None)) == 0.6


def test_better_parents_never_lower_the_score() -> None:
    assert rate(parent("a", 0.3)) < rate(parent("a", 0.9))


def test_a_parent_linked_but_not_found_scores_as_absent() -> None:
    gone = ParentFacts("output/checkpoint-500", "config_json", None, None, found=False)
    assert rate(gone) == tree.ROOT_SCORE
    assert rate(gone, parent("a/b", None)) == tree.UNRATED_SCORE
    assert rate(gone, parent("a/b", 0.8)) == 0.8
    result = tree.score(make_context(parents=(gone,)))
    assert "linked but not found, scored as absent: output/checkpoint-500" in result.evidence
