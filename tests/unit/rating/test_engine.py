"""The engine: parallel metrics, per-metric failure and timeout, facet failures."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from registry.rating import engine as engine_module
from registry.rating.engine import METRIC_ORDER, RatingEngine
from registry.rating.gather import FacetError, Gathered, RatingSubject
from registry.rating.metrics.base import MetricResult
from registry.rating.policy import Policy, PolicyError
from tests.unit.rating.factories import rich_context

SUBJECT = RatingSubject(
    name="m", repo_id="org/m", hub_model=True, readme="", card={}, config={}, files=(),
    upstream={"pipeline_tag": "fill-mask"}, links=(), parents=(),
)  # fmt: skip


class StubGatherer:
    def __init__(self, errors: dict[str, FacetError] | None = None) -> None:
        self.errors = errors or {}

    def gather(self, subject: RatingSubject) -> Gathered:
        seconds = dict.fromkeys(("hf_commits", "github", "datasets", "example", "parents"), 0.25)
        return Gathered(rich_context(), seconds, dict(self.errors))


def _engine(errors: dict[str, FacetError] | None = None, timeout: float = 5.0) -> RatingEngine:
    return RatingEngine(StubGatherer(errors), metric_timeout=timeout)  # type: ignore[arg-type]


def test_every_metric_is_scored_and_latency_includes_its_facets() -> None:
    rating = _engine().rate(SUBJECT)
    assert rating.failed == []
    assert rating.category == "fill-mask"
    out = rating.model_rating()
    assert out["net_score"] > 0.5
    assert out["bus_factor_latency"] >= 0.5  # hf_commits + github, 0.25 s each
    assert out["license_latency"] < 0.25  # reads no facet
    assert all(rating.outcomes[m].evidence for m in METRIC_ORDER)


def test_a_raising_metric_becomes_an_error_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(ctx: Any) -> MetricResult:
        raise ZeroDivisionError("bad data")

    monkeypatch.setitem(engine_module.METRICS, "performance_claims", broken)
    rating = _engine().rate(SUBJECT)
    assert rating.failed == ["performance_claims"]
    assert "ZeroDivisionError" in (rating.outcomes["performance_claims"].error or "")
    assert rating.net.error and "performance_claims" in rating.net.error
    assert rating.outcomes["license"].score == 1.0  # the others are unaffected


def test_a_stuck_metric_times_out_without_holding_the_others(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    release = threading.Event()

    def stuck(ctx: Any) -> MetricResult:
        release.wait(30)
        return MetricResult(1.0, ("late",))

    monkeypatch.setitem(engine_module.METRICS, "ramp_up_time", stuck)
    try:
        rating = _engine(timeout=0.2).rate(SUBJECT)
    finally:
        release.set()
    assert rating.failed == ["ramp_up_time"]
    assert "timed out" in (rating.outcomes["ramp_up_time"].error or "")


def test_a_failed_facet_fails_only_the_metrics_that_read_it() -> None:
    down = FacetError("GitHub answered 500", upstream="GitHub", transient=True)
    rating = _engine({"github": down}).rate(SUBJECT)
    assert set(rating.failed) == {
        "bus_factor", "dataset_and_code_score", "code_quality", "reproducibility", "reviewedness",
    }  # fmt: skip
    assert "GitHub answered 500" in (rating.outcomes["reviewedness"].error or "")
    assert rating.outcomes["reviewedness"].causes == (down,)
    assert rating.upstream_failures() == [down]  # once, though five metrics read it
    payload = rating.payload()
    assert set(payload["errors"]) == set(rating.failed) | {"net_score"}


def test_a_score_that_could_not_be_computed_is_never_reported_as_zero() -> None:
    rating = _engine({"datasets": FacetError("hub down", "Hugging Face", True)}).rate(SUBJECT)
    out = rating.model_rating()
    assert out["dataset_quality"] is None and out["dataset_and_code_score"] is None
    assert out["net_score"] is None
    assert out["license"] == 1.0  # what was computed is still shown
    assert rating.payload()["errors"]["net_score"].startswith("depends on failed metrics")


def test_policy_parsing_and_verdicts() -> None:
    sizes = {"raspberry_pi": 0.1, "jetson_nano": 0.4, "desktop_pc": 1.0, "aws_server": 1.0}
    rating = {"net_score": 0.6, "license": 0.2, "reviewedness": -1.0, "size_score": sizes}
    assert Policy.parse("net_score>=0.5").violations(rating, {}) == []
    assert Policy.parse("none").violations(rating, {}) == []
    found = Policy.parse("license>=0.5, size_score.raspberry_pi>0.5").violations(rating, {})
    assert len(found) == 2 and "license=0.2" in found[0]
    assert Policy.parse("size_score>=0.9").violations(rating, {}) == []  # best device
    # `all` skips reviewedness's -1 ("not applicable") and names what fails.
    every = Policy.parse("all>=0.5").violations(rating, {})
    assert any(v.startswith("license") for v in every) and not any(
        "reviewedness" in v for v in every
    )
    assert (
        "could not be computed" in Policy.parse("license>=0.5").violations({}, {"license": "x"})[0]
    )
    for bad in ("net_score=>0.5", "speed>=1", "license>=high", "net_score"):
        with pytest.raises(PolicyError):
            Policy.parse(bad)
