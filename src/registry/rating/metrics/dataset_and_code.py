"""dataset_and_code_score: are the training data and the code named, and can one reach them?

Inputs: `ctx.datasets` (each with `found` / `in_registry`), `ctx.github` (the linked
repository, fetched), `ctx.code_links` (GitHub URLs on the card) and the code files the
model repository itself ships (`ctx.files` with role "code").

Formula: half for the data, half for the code, each in [0, 1]:

    data  0 when no dataset is named; else NAMED_CREDIT + (1 - NAMED_CREDIT) * reachable
          share (found on the hub or in the registry): naming it already helps an
          auditor, reaching it lets one inspect it
    code  1.0 a linked GitHub repository that was fetched
          0.5 GitHub links on the card that could not be fetched
          0.4 no link, but the model repository ships its own code (modeling_*.py ...)
          0.0 nothing

Fails (0) when the card names neither data nor code.
"""

from __future__ import annotations

from registry.rating.context import RatingContext
from registry.rating.metrics.base import MetricResult, clamp

DATA_WEIGHT = 0.5
CODE_WEIGHT = 0.5
NAMED_CREDIT = 0.3
CODE_FETCHED = 1.0
CODE_LINKED = 0.5
CODE_SHIPPED = 0.4


def data_part(ctx: RatingContext) -> tuple[float, str]:
    if not ctx.datasets:
        return 0.0, "card names no training dataset"
    reachable = [d for d in ctx.datasets if d.found or d.in_registry]
    share = len(reachable) / len(ctx.datasets)
    names = ", ".join(d.ref for d in ctx.datasets[:3])
    more = f" (+{len(ctx.datasets) - 3} more)" if len(ctx.datasets) > 3 else ""
    return (
        NAMED_CREDIT + (1 - NAMED_CREDIT) * share,
        f"{len(reachable)} of {len(ctx.datasets)} named dataset(s) reachable: {names}{more}",
    )


def code_part(ctx: RatingContext) -> tuple[float, str]:
    if ctx.github is not None:
        return CODE_FETCHED, f"code repository {ctx.github.full_name} linked and fetched"
    if ctx.code_links:
        return CODE_LINKED, f"card links code ({ctx.code_links[0]}) that could not be fetched"
    shipped = [f.path for f in ctx.files if f.role == "code"]
    if shipped:
        return CODE_SHIPPED, f"no code repository, but the model ships {len(shipped)} code file(s)"
    return 0.0, "no code repository linked and no code shipped"


def score(ctx: RatingContext) -> MetricResult:
    data, data_reason = data_part(ctx)
    code, code_reason = code_part(ctx)
    total = clamp(DATA_WEIGHT * data + CODE_WEIGHT * code)
    return MetricResult(round(total, 4), (data_reason, code_reason))
