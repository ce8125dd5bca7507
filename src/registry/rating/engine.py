"""The rating engine: gather once, score every metric in parallel, never crash.

Latency of a metric = the time spent fetching the facets it reads (each fetched once,
shared) + the time it took to score. net_score's latency is the whole rating's wall
time. A metric that raises or passes its timeout becomes an error result naming it;
so does one whose facet could not be fetched, keeping the facet's error (which upstream
failed, and whether a retry may succeed). A score that could not be computed is None,
never a 0 that would read as a verdict.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

import structlog

from registry.rating.gather import FacetError, Gatherer, RatingSubject
from registry.rating.metrics import METRICS
from registry.rating.metrics.base import MetricResult, Score
from registry.rating.metrics.net import net_score

log = structlog.get_logger(__name__)

# Which gathered facets each metric reads (for its latency and its failure).
FACETS: dict[str, tuple[str, ...]] = {
    "ramp_up_time": (),
    "bus_factor": ("hf_commits", "github"),
    "performance_claims": (),
    "license": (),
    "size_score": (),
    "dataset_and_code_score": ("datasets", "github"),
    "dataset_quality": ("datasets",),
    "code_quality": ("github",),
    "reproducibility": ("example", "github"),
    "reviewedness": ("github",),
    "tree_score": ("parents",),
}
METRIC_ORDER = tuple(FACETS)


@dataclass(frozen=True)
class MetricOutcome:
    score: Score | None
    latency: float
    evidence: tuple[str, ...] = ()
    error: str | None = None
    causes: tuple[FacetError, ...] = ()  # the facets whose failure made it an error


@dataclass
class Rating:
    name: str
    category: str
    outcomes: dict[str, MetricOutcome]
    net: MetricOutcome

    @property
    def failed(self) -> list[str]:
        return [name for name in METRIC_ORDER if self.outcomes[name].error is not None]

    def upstream_failures(self) -> list[FacetError]:
        """The upstream failures behind the failed metrics, once each."""
        found: dict[str, FacetError] = {}
        for name in self.failed:
            for cause in self.outcomes[name].causes:
                if cause.upstream is not None:
                    found.setdefault(cause.message, cause)
        return list(found.values())

    def model_rating(self) -> dict[str, Any]:
        """The spec's ModelRating when nothing failed; a failed metric (and net_score
        then) is None, so that no consumer mistakes "not computed" for a score of 0."""
        out: dict[str, Any] = {"name": self.name, "category": self.category}
        net = self.net.score
        out["net_score"] = round(float(net), 4) if isinstance(net, float | int) else None
        out["net_score_latency"] = round(self.net.latency, 4)
        for name in METRIC_ORDER:
            outcome = self.outcomes[name]
            out[name] = _rounded(outcome.score)
            out[f"{name}_latency"] = round(outcome.latency, 4)
        return out

    def payload(self) -> dict[str, Any]:
        """What the registry stores: the ModelRating plus evidence and errors."""
        return {
            "rating": self.model_rating(),
            "evidence": {n: list(o.evidence) for n, o in self.outcomes.items()}
            | {"net_score": list(self.net.evidence)},
            "errors": {n: o.error for n, o in self.outcomes.items() if o.error}
            | ({"net_score": self.net.error} if self.net.error else {}),
        }


def _rounded(score: Score | None) -> Any:
    if isinstance(score, dict):
        return {k: round(float(v), 4) for k, v in score.items()}
    return None if score is None else round(float(score), 4)


class RatingEngine:
    def __init__(
        self, gatherer: Gatherer, *, metric_timeout: float = 10.0, workers: int = 6
    ) -> None:
        self.gatherer = gatherer
        self.metric_timeout = metric_timeout
        self.workers = workers

    def rate(self, subject: RatingSubject) -> Rating:
        start = time.perf_counter()
        gathered = self.gatherer.gather(subject)
        ctx = gathered.context
        outcomes: dict[str, MetricOutcome] = {}
        pool = ThreadPoolExecutor(self.workers, thread_name_prefix="metric")
        futures = {name: pool.submit(_timed, METRICS[name], ctx) for name in METRIC_ORDER}
        # One deadline for all: a stuck metric costs the timeout once, not once per metric.
        deadline = time.monotonic() + self.metric_timeout
        try:
            for name in METRIC_ORDER:
                facets = FACETS[name]
                fetch = sum(gathered.seconds.get(f, 0.0) for f in facets)
                broken = [(f, gathered.errors[f]) for f in facets if f in gathered.errors]
                if broken:
                    why = "; ".join(f"{f}: {e.message}" for f, e in broken)
                    causes = tuple(e for _, e in broken)
                    outcomes[name] = MetricOutcome(
                        None, fetch, (), f"could not fetch {why}", causes
                    )
                    continue
                try:
                    remaining = max(0.0, deadline - time.monotonic())
                    result, took = futures[name].result(timeout=remaining)
                except FutureTimeout:
                    outcomes[name] = MetricOutcome(
                        None,
                        fetch + self.metric_timeout,
                        (),
                        f"timed out after {self.metric_timeout:g} s",
                    )
                except Exception as exc:  # a broken metric is a result, never a crash
                    log.exception("metric_failed", metric=name)
                    outcomes[name] = MetricOutcome(None, fetch, (), f"{type(exc).__name__}: {exc}")
                else:
                    outcomes[name] = MetricOutcome(result.score, fetch + took, result.evidence)
        finally:
            # Do not wait for a stuck metric's thread; its result is already an error.
            pool.shutdown(wait=False, cancel_futures=True)
        failed = [n for n in METRIC_ORDER if outcomes[n].error]
        if failed:
            net = MetricOutcome(
                None,
                time.perf_counter() - start,
                (),
                "depends on failed metrics: " + ", ".join(failed),
            )
        else:
            combined = net_score({n: o.score for n, o in outcomes.items() if o.score is not None})
            net = MetricOutcome(combined.score, time.perf_counter() - start, combined.evidence)
        category = str(subject.upstream.get("pipeline_tag") or "MODEL")
        return Rating(subject.name, category, outcomes, net)


def _timed(fn: Any, ctx: Any) -> tuple[MetricResult, float]:
    start = time.perf_counter()
    result = fn(ctx)
    return result, time.perf_counter() - start
