"""May code under one licence fine-tune a model under another, and the result then be
run for inference or generation, by a company (commercial use)?

The decision is made per pair of licence *categories* (`licenses.LicenseCategory`),
from the table below, grounded in the ModelGo analysis of ML licences (Duan, Li, He,
"ModelGo: A Practical Tool for Machine Learning License Analysis", WWW 2024,
doi:10.1145/3589334.3645520) and in the licences' own compatibility statements; the
reasoning and sources for every row are in docs/license-compatibility.md.

The activity: run the code to fine-tune the model (the fine-tuned weights derive from
the model, not from the code), then run the code with the fine-tuned model to serve
inference or generate content. What can block it:
- no right at all: no licence (all rights reserved), or terms nobody can identify;
- non-commercial terms on either side (the registry serves a company);
- a copyleft code licence that forbids further restrictions (GPL, AGPL) combined in one
  running program with a model whose licence imposes use restrictions (OpenRAIL, Llama).

For licence expressions, OR lets the user pick the best option and AND binds every term.
"""

from __future__ import annotations

from dataclasses import dataclass

from registry.rating.licenses import LicenseCategory, LicenseInfo, LicenseTree, category, fold

C = LicenseCategory
_USABLE_CODE = {C.PERMISSIVE, C.WEAK_COPYLEFT, C.STRONG_COPYLEFT, C.NETWORK_COPYLEFT}
_NEVER = {C.NONCOMMERCIAL, C.PROPRIETARY_OR_UNKNOWN, C.NONE}

# model category -> the code categories it may be combined with for fine-tune + inference.
COMPATIBLE: dict[LicenseCategory, frozenset[LicenseCategory]] = {
    # Permissive weights can be used under any terms the code imposes, copyleft included.
    C.PERMISSIVE: frozenset(_USABLE_CODE | {C.RESPONSIBLE_AI}),
    # Weak copyleft / share-alike weights (LGPL, MPL, CC-BY-SA): derivatives keep the
    # model's licence; CC-BY-SA-4.0 is one-way compatible with GPL-3.0, so copyleft code
    # is fine; code with use restrictions (RAIL) would add terms share-alike forbids.
    C.WEAK_COPYLEFT: frozenset(_USABLE_CODE),
    # GPL weights: the program combining them must be GPL-compatible; AGPL-3.0 and
    # GPL-3.0 may be combined (GPL-3.0 section 13).
    C.STRONG_COPYLEFT: frozenset(_USABLE_CODE),
    C.NETWORK_COPYLEFT: frozenset(_USABLE_CODE),
    # Responsible-AI weights (OpenRAIL, Llama): fine-tuning and commercial serving are
    # allowed with use restrictions that must travel with the model; GPL/AGPL code
    # forbids adding such restrictions to the program it is part of.
    C.RESPONSIBLE_AI: frozenset({C.PERMISSIVE, C.WEAK_COPYLEFT, C.RESPONSIBLE_AI}),
    # Non-commercial, unidentified or absent model licences grant a company nothing.
    C.NONCOMMERCIAL: frozenset(),
    C.PROPRIETARY_OR_UNKNOWN: frozenset(),
    C.NONE: frozenset(),
}


@dataclass(frozen=True)
class Verdict:
    compatible: bool
    model_license: str | None
    code_license: str | None
    model_category: LicenseCategory
    code_category: LicenseCategory
    reason: str


def _pair(model_id: str, code_id: str) -> bool:
    return category(code_id) in COMPATIBLE[category(model_id)]


def _any_or_all(op: str, values: list[bool]) -> bool:
    return any(values) if op == "OR" else all(values)


def decide(model: LicenseInfo, code: LicenseInfo) -> Verdict:
    if model.tree is None or code.tree is None:
        missing = "model" if model.tree is None else "code"
        return Verdict(
            False, model.spdx, code.spdx, model.category, code.category,
            f"the {missing} declares no licence: nothing grants the right to use it",
        )  # fmt: skip
    code_tree: LicenseTree = code.tree
    ok = fold(
        model.tree,
        lambda m: fold(code_tree, lambda c: _pair(m, c), _any_or_all),
        _any_or_all,
    )
    if ok:
        reason = (
            f"code under {code.spdx} ({code.category.value}) may fine-tune and run a model "
            f"under {model.spdx} ({model.category.value})"
        )
    elif model.category in _NEVER or code.category in _NEVER:
        side, info = ("model", model) if model.category in _NEVER else ("code", code)
        reason = (
            f"the {side}'s licence {info.spdx} ({info.category.value}) grants no commercial use"
        )
    elif code.category in {C.STRONG_COPYLEFT, C.NETWORK_COPYLEFT}:
        reason = (
            f"{code.spdx} code forbids adding restrictions to the program it is part of, and "
            f"the model's licence {model.spdx} ({model.category.value}) imposes use restrictions"
        )
    else:
        reason = (
            f"the model's licence {model.spdx} ({model.category.value}) keeps derivatives under "
            f"its own terms, which forbid the use restrictions of {code.spdx} "
            f"({code.category.value})"
        )
    return Verdict(ok, model.spdx, code.spdx, model.category, code.category, reason)
