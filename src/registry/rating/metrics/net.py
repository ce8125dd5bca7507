"""net_score: one number for the whole rating, a weighted mean of the eleven metrics.

Inputs: the scores of the other metrics, keyed by their ModelRating field name.

Formula: net = sum(w_m * s_m) / sum(w_m) over the metrics that apply, with `WEIGHTS`
below (they sum to 1):

    size_score     enters as the mean of its four devices: users deploy on all of them,
                   and unlike the best device, the mean does not let a 300 GB model pass
                   as small because one AWS server can hold it
    reviewedness   -1 means "no GitHub repository, not applicable": it is dropped and
                   the other weights renormalised, so a model without code is neither
                   rewarded nor punished twice (code_quality already scores it 0)
    missing        a metric absent from the input (it crashed) counts as 0: an
                   unmeasured quality earns no trust

Every score is clamped to [0, 1] first, so net_score is in [0, 1].
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from registry.rating.metrics.base import MetricResult, Score, clamp

# Why each weight (the sum is 1). Calibrated on the fixture families (docs/rating.md):
# what a team needs to adopt a model (a licence it may use, a card it can start from,
# traceable data and code, evidence of quality) weighs more than what nearly every model
# gets for free (small weights, no parents), so an empty card cannot pass on freebies.
WEIGHTS: dict[str, float] = {
    # A licence the customer cannot use (or none) blocks adoption outright.
    "license": 0.15,
    # How soon a team gets value from the model: the card is its documentation.
    "ramp_up_time": 0.15,
    # Traceable data and code make audits possible at all.
    "dataset_and_code_score": 0.12,
    # Measured evaluation results are the main reason to pick one model over another.
    "performance_claims": 0.10,
    # An example that runs is the best single proof that the artefact works as shipped.
    "reproducibility": 0.10,
    # Bad training data is a hidden defect of the model.
    "dataset_quality": 0.08,
    # Whether someone will fix it tomorrow; hub repos are often single-author, so moderate.
    "bus_factor": 0.07,
    # Code the model depends on for training or inference.
    "code_quality": 0.06,
    # What the model inherits from its parents; 1 for a model without any.
    "tree_score": 0.06,
    # Review is a strong signal but often not applicable (no GitHub).
    "reviewedness": 0.06,
    # Deployability; nearly every model fits a server, so it separates little.
    "size_score": 0.05,
}
NOT_APPLICABLE = -1.0


def _unit(value: float) -> float:
    return clamp(value) if math.isfinite(value) else 0.0  # NaN or infinity counts as 0


def component(name: str, score: Score | None) -> float | None:
    """The value a metric contributes, or None when it does not apply."""
    if score is None:
        return 0.0
    if isinstance(score, dict):
        values = [_unit(v) for v in score.values()]
        return sum(values) / len(values) if values else 0.0
    if name == "reviewedness" and score == NOT_APPLICABLE:
        return None
    return _unit(score)


def net_score(scores: Mapping[str, Score]) -> MetricResult:
    total = weight = 0.0
    parts = []
    for name, w in WEIGHTS.items():
        value = component(name, scores.get(name))
        if value is None:
            parts.append(f"{name} not applicable, its weight {w:.2f} spread over the others")
            continue
        total += w * value
        weight += w
        missing = "" if name in scores else " (missing, counted as 0)"
        parts.append(f"{name} {value:.2f} x {w:.2f}{missing}")
    net = clamp(total / weight) if weight else 0.0
    applicable = sum(1 for name in WEIGHTS if component(name, scores.get(name)) is not None)
    evidence = (f"weighted mean of {applicable} applicable metrics: {net:.3f}", *parts)
    return MetricResult(round(net, 4), evidence)
