"""Properties every metric shares: registry keys, ranges, evidence, determinism, purity."""

from __future__ import annotations

import pytest

from registry.rating.context import RatingContext
from registry.rating.metrics import METRICS, MetricResult
from tests.unit.rating.factories import make_context, rich_context

FIELDS = {
    "ramp_up_time", "bus_factor", "performance_claims", "license", "size_score",
    "dataset_and_code_score", "dataset_quality", "code_quality", "reproducibility",
    "reviewedness", "tree_score",
}  # fmt: skip
DEVICES = {"raspberry_pi", "jetson_nano", "desktop_pc", "aws_server"}
CONTEXTS = {"bare": make_context, "rich": rich_context}


def test_metrics_are_keyed_by_model_rating_fields() -> None:
    assert set(METRICS) == FIELDS


def check_range(name: str, result: MetricResult) -> None:
    if name == "size_score":
        assert isinstance(result.score, dict)
        assert set(result.score) == DEVICES
        assert all(0.0 <= v <= 1.0 for v in result.score.values())
    elif name == "reviewedness":
        assert isinstance(result.score, float)
        assert result.score == -1.0 or 0.0 <= result.score <= 1.0
    else:
        assert isinstance(result.score, float)
        assert 0.0 <= result.score <= 1.0


@pytest.mark.parametrize("context", sorted(CONTEXTS))
@pytest.mark.parametrize("name", sorted(FIELDS))
def test_scores_in_range_with_non_empty_evidence(name: str, context: str) -> None:
    result = METRICS[name](CONTEXTS[context]())
    check_range(name, result)
    assert result.evidence
    assert all(isinstance(e, str) and e.strip() for e in result.evidence)


@pytest.mark.parametrize("name", sorted(FIELDS))
def test_same_context_gives_the_same_result(name: str) -> None:
    first: RatingContext = rich_context()
    second: RatingContext = rich_context()
    assert METRICS[name](first) == METRICS[name](second)
    assert METRICS[name](first) == METRICS[name](first)


def test_rich_context_outscores_bare_on_every_metric_but_tree() -> None:
    bare, rich = make_context(), rich_context()
    for name, fn in METRICS.items():
        if name in {"tree_score", "size_score"}:
            continue
        b, r = fn(bare).score, fn(rich).score
        assert isinstance(b, float)
        assert isinstance(r, float)
        assert r > b, name
