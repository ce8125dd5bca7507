"""What the ingest gate answers for an incomplete rating: never a verdict on the model."""

from __future__ import annotations

from registry.domain.errors import RatingFailed, UpstreamError, UpstreamUnavailable
from registry.rating.engine import METRIC_ORDER, MetricOutcome, Rating
from registry.rating.gather import FacetError
from registry.services.rating import _incomplete


def _rating(**failed: MetricOutcome) -> Rating:
    outcomes = {n: failed.get(n, MetricOutcome(1.0, 0.0, ("fine",))) for n in METRIC_ORDER}
    net = MetricOutcome(None, 0.0, (), "depends on failed metrics: " + ", ".join(failed))
    return Rating("m", "MODEL", outcomes, net)


def _failed(why: str, *causes: FacetError) -> MetricOutcome:
    return MetricOutcome(None, 0.0, (), why, causes)


def test_an_upstream_that_may_pass_is_a_502_saying_so() -> None:
    down = FacetError("Hugging Face answered 503 for dataset a/b; a retry may succeed",
                      "Hugging Face", transient=True)  # fmt: skip
    error = _incomplete("m", _rating(dataset_quality=_failed("could not fetch", down)))
    assert type(error) is UpstreamUnavailable and error.status == 502
    assert error.message.count("a retry may succeed") == 1
    assert "Hugging Face answered 503 for dataset a/b" in error.message
    assert error.details["upstream"] == "Hugging Face"
    assert set(error.details["missing"]) == {"dataset_quality", "net_score"}  # type: ignore[arg-type]


def test_a_lasting_refusal_is_a_502_without_the_promise() -> None:
    gated = FacetError("dataset a/b is gated on Hugging Face", "Hugging Face", transient=False)
    down = FacetError("GitHub answered 500; a retry may succeed", "GitHub", transient=True)
    rating = _rating(
        dataset_quality=_failed("could not fetch", gated), code_quality=_failed("x", down)
    )
    error = _incomplete("m", rating)
    assert type(error) is UpstreamError and error.status == 502
    assert "a retry may succeed" not in error.message
    assert error.details["upstream"] == "GitHub, Hugging Face"


def test_a_failure_of_the_registry_itself_is_a_500() -> None:
    error = _incomplete("m", _rating(license=_failed("ZeroDivisionError: division by zero")))
    assert type(error) is RatingFailed and error.status == 500
    assert "ZeroDivisionError" in error.message
