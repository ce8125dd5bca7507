"""The trust metrics: pure functions of a `RatingContext`, keyed by ModelRating field.

The engine runs each entry of `METRICS`, times it, then combines the scores with
`net_score`. Every metric documents its inputs, formula and failure mode in its module.
"""

from __future__ import annotations

from registry.rating.metrics import (
    bus_factor,
    code_quality,
    dataset_and_code,
    dataset_quality,
    license,
    performance_claims,
    ramp_up,
    reproducibility,
    reviewedness,
    size,
    tree,
)
from registry.rating.metrics.base import MetricFn, MetricResult, Score, clamp
from registry.rating.metrics.net import WEIGHTS, net_score

METRICS: dict[str, MetricFn] = {
    "ramp_up_time": ramp_up.score,
    "bus_factor": bus_factor.score,
    "performance_claims": performance_claims.score,
    "license": license.score,
    "size_score": size.score,
    "dataset_and_code_score": dataset_and_code.score,
    "dataset_quality": dataset_quality.score,
    "code_quality": code_quality.score,
    "reproducibility": reproducibility.score,
    "reviewedness": reviewedness.score,
    "tree_score": tree.score,
}

__all__ = ["METRICS", "WEIGHTS", "MetricFn", "MetricResult", "Score", "clamp", "net_score"]
