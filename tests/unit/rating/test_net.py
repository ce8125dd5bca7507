"""net_score: weights sum to 1, result in [0, 1], reviewedness -1 dropped."""

from __future__ import annotations

import math

import pytest

from registry.rating.metrics import METRICS, WEIGHTS, net_score
from registry.rating.metrics.base import Score
from tests.unit.rating.factories import make_context, rich_context

DEVICES = ["raspberry_pi", "jetson_nano", "desktop_pc", "aws_server"]


def all_scores(value: float) -> dict[str, Score]:
    scores: dict[str, Score] = dict.fromkeys(WEIGHTS, value)
    scores["size_score"] = dict.fromkeys(DEVICES, value)
    return scores


def net(scores: dict[str, Score]) -> float:
    result = net_score(scores)
    assert isinstance(result.score, float)
    assert result.evidence
    return result.score


def test_weights_sum_to_one_and_cover_every_metric() -> None:
    assert math.isclose(sum(WEIGHTS.values()), 1.0)
    assert set(WEIGHTS) == set(METRICS)
    assert all(w > 0 for w in WEIGHTS.values())


@pytest.mark.parametrize("value", [0.0, 0.25, 0.5, 1.0])
def test_uniform_scores_give_that_score(value: float) -> None:
    assert math.isclose(net(all_scores(value)), value)


def test_result_stays_in_range_even_for_bad_input() -> None:
    scores = all_scores(2.0)
    scores["license"] = float("nan")
    scores["bus_factor"] = -5.0
    assert 0.0 <= net(scores) <= 1.0


def test_raising_any_metric_never_lowers_net_score() -> None:
    for name in WEIGHTS:
        low, high = all_scores(0.3), all_scores(0.3)
        high[name] = {"aws_server": 0.9} if name == "size_score" else 0.9
        assert net(high) > net(low), name


def test_not_applicable_reviewedness_is_dropped_and_weights_renormalised() -> None:
    scores = all_scores(0.6)
    scores["reviewedness"] = -1.0
    assert math.isclose(net(scores), 0.6)
    scores["reviewedness"] = 0.0
    assert net(scores) < 0.6


def test_size_enters_as_the_mean_of_its_devices() -> None:
    scores = all_scores(0.0)
    scores["size_score"] = {"raspberry_pi": 0.0, "jetson_nano": 0.0, "desktop_pc": 1.0,
                            "aws_server": 1.0}  # fmt: skip
    assert math.isclose(net(scores), WEIGHTS["size_score"] * 0.5)


def test_missing_metric_counts_as_zero() -> None:
    scores = all_scores(1.0)
    del scores["license"]
    assert math.isclose(net(scores), 1.0 - WEIGHTS["license"])
    assert any("missing" in e for e in net_score(scores).evidence)


def test_bare_model_fails() -> None:
    ctx = make_context()
    scores = {name: fn(ctx).score for name, fn in METRICS.items()}
    assert net(scores) < 0.5


def test_rich_model_passes_and_beats_the_bare_one() -> None:
    bare, rich = make_context(), rich_context()
    bare_net = net({name: fn(bare).score for name, fn in METRICS.items()})
    rich_net = net({name: fn(rich).score for name, fn in METRICS.items()})
    assert rich_net > 0.8 > bare_net
