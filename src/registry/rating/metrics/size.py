"""size_score: whether the weights fit each target device, as a dict of four scores.

Inputs: `ctx.weights_bytes` (the weight files the registry stored). When the registry
stored none, the upstream listing (`ctx.upstream_files`) stands in, less the files that
only repeat the same tensors in another format (see `sources.files`).

Formula, per device with a comfortable size c and a limit L (weights in bytes w):

    w <= c        1
    w >= L        0
    in between    1 - smoothstep(t), t = log(w / c) / log(L / c)

Log scale, because sizes span six orders of magnitude and a model twice the budget is
equally troublesome on every device; smoothstep (3t^2 - 2t^3) makes the fall gentle at
both ends. The budgets grow with the device (c and L never shrink), so a score never
falls on a bigger device, and t grows with w, so bigger weights never score higher.

No weights at all scores 0 on every device: an unknown size proves nothing about
fitting, and a model without weights cannot be deployed anywhere.
"""

from __future__ import annotations

import math

from registry.rating.context import RatingContext
from registry.rating.metrics.base import MetricResult, clamp
from registry.sources.files import redundant_weight_files

GB = 10**9
# device -> (comfortable, limit) in bytes of weights.
BUDGETS: dict[str, tuple[int, int]] = {
    # Raspberry Pi 4/5, 4 GB RAM, CPU only: the OS and Python take a gigabyte and
    # inference on a Cortex-A is slow past ~125M fp32 parameters.
    "raspberry_pi": (GB // 2, 4 * GB),
    # Jetson Nano: 4 GB shared by CPU and GPU; about 2 GB is left for a model under JetPack.
    "jetson_nano": (1 * GB, 4 * GB),
    # Desktop PC: a 8-24 GB consumer GPU and 16-64 GB RAM; a 7B fp16 model (14 GB) strains it.
    "desktop_pc": (8 * GB, 32 * GB),
    # AWS server: multi-GPU instances (4x A10G, 8x A100); a 70B fp16 model (140 GB) still
    # fits the largest, beyond half a terabyte none does without sharding tricks.
    "aws_server": (64 * GB, 512 * GB),
}
STATES = {
    "absent": "no weight files stored or listed upstream: 0 on every device",
    "unknown": "never: sizes come from the stored files or the upstream listing",
    "error": "never from an upstream",
}


def device_score(weights: int, comfortable: int, limit: int) -> float:
    if weights <= comfortable:
        return 1.0
    if weights >= limit:
        return 0.0
    t = math.log(weights / comfortable) / math.log(limit / comfortable)
    return clamp(1.0 - (3 * t * t - 2 * t * t * t))


def size_scores(weights: int) -> dict[str, float]:
    return {name: round(device_score(weights, c, lim), 4) for name, (c, lim) in BUDGETS.items()}


def _upstream_weights(ctx: RatingContext) -> int:
    weights = [f for f in ctx.upstream_files if f.role == "weights"]
    drop = redundant_weight_files(f.path for f in weights)
    return sum(f.size for f in weights if f.path not in drop)


def _human(size: int) -> str:
    return f"{size / GB:.2f} GB" if size >= GB else f"{size / 10**6:.0f} MB"


def score(ctx: RatingContext) -> MetricResult:
    weights, source = ctx.weights_bytes, "stored weight files"
    if weights <= 0:
        weights, source = _upstream_weights(ctx), "upstream weight files (not stored here)"
    if weights <= 0:
        zero = dict.fromkeys(BUDGETS, 0.0)
        return MetricResult(zero, ("no weight files: the size cannot be judged, scored 0",))
    scores = size_scores(weights)
    evidence = [f"{_human(weights)} of {source}"]
    evidence += [
        f"{name} {scores[name]:.2f}: comfortable up to {_human(comfortable)}, "
        f"hopeless past {_human(limit)}"
        for name, (comfortable, limit) in BUDGETS.items()
    ]
    return MetricResult(dict(scores), tuple(evidence))
