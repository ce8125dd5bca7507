"""dataset_and_code_score: are the training data and the code named, and can one reach them?

Inputs: `ctx.datasets` (each with `found` / `in_registry`), `ctx.github` (the linked
repository, fetched), `ctx.code_not_found` (linked repositories GitHub does not have) and
the code files the model repository itself ships (`ctx.files` with role "code").

Formula: half for the data, half for the code, each in [0, 1]:

    data  1.0 at least one named dataset can be reached (on the Hub or in the registry),
          so an auditor can inspect what the model learnt from; else 0
    code  1.0 a linked GitHub repository that was fetched
          0.4 no repository, but the model repository ships its own code (modeling_*.py)
          0.0 nothing

A dataset or repository the card links but the upstream does not have counts as not
named (it is listed in the evidence as "linked but not found").

Scores 0 when the card names neither data nor code that can be reached.
"""

from __future__ import annotations

from registry.rating.context import RatingContext
from registry.rating.metrics.base import MetricResult, clamp

DATA_WEIGHT = 0.5
CODE_WEIGHT = 0.5
DATA_REACHABLE = 1.0
CODE_FETCHED = 1.0
CODE_SHIPPED = 0.4
STATES = {
    "absent": "no dataset or code named, or named but linked-not-found: that half scores 0",
    "unknown": "never: what is named is either reached or not found",
    "error": "the Hub (datasets) or GitHub (code) failed: not computed",
}


def _names(refs: list[str]) -> str:
    more = f" (+{len(refs) - 3} more)" if len(refs) > 3 else ""
    return ", ".join(refs[:3]) + more


def data_part(ctx: RatingContext) -> tuple[float, str]:
    reachable = [d.ref for d in ctx.datasets if d.found or d.in_registry]
    lost = [d.ref for d in ctx.datasets if not (d.found or d.in_registry)]
    gone = f"; linked but not found, scored as absent: {_names(lost)}" if lost else ""
    if not reachable:
        return 0.0, "card names no training dataset that can be reached" + gone
    return DATA_REACHABLE, f"training data named and reachable: {_names(reachable)}{gone}"


def code_part(ctx: RatingContext) -> tuple[float, str]:
    gone = ctx.code_not_found
    lost = f"; linked but not found, scored as absent: {_names(list(gone))}" if gone else ""
    if ctx.github is not None:
        return CODE_FETCHED, f"code repository {ctx.github.full_name} linked and fetched{lost}"
    shipped = [f.path for f in ctx.files if f.role == "code"]
    if shipped:
        return (
            CODE_SHIPPED,
            f"no code repository, but the model ships {len(shipped)} code file(s){lost}",
        )
    return 0.0, f"no code repository linked and no code shipped{lost}"


def score(ctx: RatingContext) -> MetricResult:
    data, data_reason = data_part(ctx)
    code, code_reason = code_part(ctx)
    total = clamp(DATA_WEIGHT * data + CODE_WEIGHT * code)
    return MetricResult(round(total, 4), (data_reason, code_reason))
