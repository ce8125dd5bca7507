"""license: whether the licence lets a company use the model inside LGPL-2.1 software.

Inputs: `ctx.license` (declared on the card, else on GitHub); failing that the card's
`license` field, then `ctx.github.license_spdx`. For "other"/"unknown" licences, whether
the terms can be read: the card's `license_name`/`license_link`, or a LICENSE file in the
model or code repository.

Formula: the declaration is normalised to SPDX and each licence id scored:

    1.0  permissive (MIT, BSD, Apache-2.0, ISC, Zlib, CC0, CC-BY, Unlicense ...), and the
         weak-copyleft licences compatible with LGPL-2.1 (the LGPLs, MPL-2.0)
    0.7  other weak copyleft (EPL, CDDL, CC-BY-SA, ODbL): usable, with file-level duties
    0.5  responsible-AI licences (OpenRAIL, Llama, Gemma): commercial use allowed, but use
         restrictions must be passed on to every user
    0.4  strong copyleft (GPL, EUPL): the whole combined work must become GPL
    0.3  network copyleft (AGPL, OSL): duties reach anyone who queries a served model
    0.2  non-commercial (CC-BY-NC*, research-only licences): unusable for a product
    0.1  proprietary or unidentified terms that can at least be read ("other" with a
         licence link or file, CC-BY-ND)
    0.0  nothing declared, or "other"/"unknown" with no terms to read

For an expression, OR takes the best alternative (the user chooses) and AND the worst
(every term applies).
"""

from __future__ import annotations

from pathlib import PurePosixPath

from registry.rating.context import RatingContext
from registry.rating.licenses import LicenseCategory, classify, fold, lgpl_2_1_compatible
from registry.rating.licenses import category as category_of
from registry.rating.metrics.base import MetricResult

C = LicenseCategory
CATEGORY_SCORES: dict[LicenseCategory, float] = {
    C.PERMISSIVE: 1.0,
    C.WEAK_COPYLEFT: 0.7,
    C.RESPONSIBLE_AI: 0.5,
    C.STRONG_COPYLEFT: 0.4,
    C.NETWORK_COPYLEFT: 0.3,
    C.NONCOMMERCIAL: 0.2,
    C.PROPRIETARY_OR_UNKNOWN: 0.1,
    C.NONE: 0.0,
}
COMPATIBLE_SCORE = 1.0
_LICENSE_STEMS = {"license", "licence", "copying", "license-agreement", "use_policy"}
_UNIDENTIFIED = {"LicenseRef-other", "LicenseRef-unknown"}
STATES = {
    "absent": "no licence on the card or the code repository: 0",
    "unknown": "'other'/'unknown' declared: 0.1 when the terms can be read, else 0",
    "error": "never from an upstream (the card, and GitHub's licence when fetched)",
}


def declared_license(ctx: RatingContext) -> tuple[str | None, str]:
    """The licence as declared, and where it was found."""
    if ctx.license:
        return ctx.license, "declared"
    card = ctx.card.get("license")
    if isinstance(card, list) and all(isinstance(x, str) for x in card) and card:
        return " AND ".join(card), "card"  # every listed licence applies
    if isinstance(card, str) and card.strip():
        return card, "card"
    if ctx.github and ctx.github.license_spdx:
        return ctx.github.license_spdx, "GitHub"
    return None, ""


def has_license_text(ctx: RatingContext) -> bool:
    """Whether the actual terms can be read: a link on the card or a licence file."""
    if ctx.card.get("license_link") or ctx.card.get("license_name"):
        return True
    paths = [f.path for f in ctx.files + ctx.upstream_files]
    paths += list(ctx.github.file_paths) if ctx.github else []
    return any(PurePosixPath(p).stem.lower() in _LICENSE_STEMS for p in paths)


def id_score(license_id: str, readable: bool) -> float:
    if lgpl_2_1_compatible(license_id):
        return COMPATIBLE_SCORE
    if license_id.partition(" WITH ")[0] in _UNIDENTIFIED and not readable:
        return 0.0
    return CATEGORY_SCORES[category_of(license_id)]


def score(ctx: RatingContext) -> MetricResult:
    declared, where = declared_license(ctx)
    info = classify(declared)
    if info.tree is None:
        return MetricResult(0.0, ("no licence declared on the card or the code repository",))
    readable = has_license_text(ctx)
    value = fold(
        info.tree,
        lambda leaf: id_score(leaf, readable),
        lambda op, values: max(values) if op == "OR" else min(values),
    )
    evidence = [f'licence "{declared}" ({where}) normalises to {info.spdx}']
    evidence.append(f"category: {info.category.value}")
    if any(lgpl_2_1_compatible(i) for i in info.ids):
        compatible = [i for i in info.ids if lgpl_2_1_compatible(i)]
        evidence.append(f"compatible with LGPL-2.1: {', '.join(compatible)}")
    if set(info.ids) & _UNIDENTIFIED:
        evidence.append(
            "the licence terms can be read (link or LICENSE file)"
            if readable
            else "no licence link or LICENSE file: the terms cannot be checked"
        )
    return MetricResult(value, tuple(evidence))
