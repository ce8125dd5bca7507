"""tree_score: the health of the models this one derives from.

Inputs: `ctx.parents`: the upstream models found in config.json (`_name_or_path`), the
card (`base_model`) or an adapter config, each with its net_score when it is in the
registry and has been rated.

Formula:

    rated parents        the mean net_score of the parents that have one
    no parents at all    ROOT_SCORE = 1.0
    parents, none rated  UNRATED_SCORE = 0.5

Why 1.0 for a model without parents: tree_score measures what a model inherits, and a
model trained from scratch (bert-base, ResNet) inherits nothing. Its own metrics already
speak for it; a lower value would punish exactly the foundation models every lineage
starts from, and push their whole subtree down for no fault of theirs.

Why 0.5 for parents that are not rated: something is inherited, but nobody has judged
it. That is neither proof of health nor of harm, so the midpoint; the score moves as
soon as a parent is ingested and rated. (A card could hide its base model to get 1.0;
the lineage gatherer reads config.json and adapter configs too, which are harder to hide.)

Unrated parents are left out of the mean when at least one parent is rated. A parent
that neither the registry nor the Hub has (a deleted repository, a checkpoint folder
such as `output/checkpoint-500` in `_name_or_path`) is linked but not found: it is left
out as if it were not declared, and listed in the evidence.
"""

from __future__ import annotations

from registry.rating.context import RatingContext
from registry.rating.metrics.base import MetricResult, clamp

ROOT_SCORE = 1.0
UNRATED_SCORE = 0.5
STATES = {
    "absent": "no parent declared, or every one linked but not found: 1.0",
    "unknown": "parents found, none rated in the registry: 0.5",
    "error": "the Hub failed while asked whether a parent exists: not computed",
}


def score(ctx: RatingContext) -> MetricResult:
    lost = [p.ref for p in ctx.parents if not p.found]
    gone = (f"linked but not found, scored as absent: {', '.join(lost)}",) if lost else ()
    parents = [p for p in ctx.parents if p.found]
    if not parents:
        return MetricResult(ROOT_SCORE, ("no parent model: nothing inherited", *gone))
    rated = [p for p in parents if p.net_score is not None]
    unrated = [p.ref for p in parents if p.net_score is None]
    if not rated:
        return MetricResult(
            UNRATED_SCORE,
            (f"{len(unrated)} parent(s), none rated in the registry: {', '.join(unrated)}", *gone),
        )
    values = [clamp(p.net_score) for p in rated if p.net_score is not None]
    mean = sum(values) / len(values)
    evidence = [f"parent {p.ref} ({p.source}) net_score {p.net_score:.2f}" for p in rated]
    if unrated:
        evidence.append(f"left out, not rated: {', '.join(unrated)}")
    evidence.append(f"mean of {len(values)} rated parent(s): {mean:.2f}")
    return MetricResult(round(mean, 4), (*evidence, *gone))
