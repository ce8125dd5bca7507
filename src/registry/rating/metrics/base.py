"""What a metric returns. The engine adds the latency; metrics stay pure."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from registry.rating.context import RatingContext

Score = float | dict[str, float]


@dataclass(frozen=True)
class MetricResult:
    score: Score  # in [0, 1]; size_score is a per-device dict; reviewedness may be -1
    evidence: tuple[str, ...]  # short reasons, each naming the facts it used


MetricFn = Callable[[RatingContext], MetricResult]


def clamp(value: float) -> float:
    return max(0.0, min(1.0, value))
