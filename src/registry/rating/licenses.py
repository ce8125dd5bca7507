"""Licences: normalise what a card or repository declares to SPDX, and sort it into a category.

`classify(declared)` turns a declaration ("apache-2.0", "MIT OR Apache-2.0", "openrail",
"Apache License, Version 2.0", GitHub's "NOASSERTION") into a `LicenseInfo`: the SPDX
expression, its licence ids and one `LicenseCategory`. Licences SPDX does not list (the
hub's ML licences: OpenRAIL, Llama, Gemma ...) become `LicenseRef-<hub key>` ids, as the
SPDX specification prescribes for licences outside its list.

Everything is table-driven so the later compatibility analysis (a GitHub repository's
licence against a model's, after the ModelGo study of ML licences) reads the same tables:
`_REFS` (licences outside SPDX), `_ALIASES` (other spellings), `_EXACT` and `_PREFIXES`
(SPDX ids). The categories follow ModelGo's grouping: permissive; weak (file or library
level) copyleft; strong copyleft; network copyleft (obligations triggered by serving);
non-commercial; responsible-AI licences (use restrictions that must be passed on, as in
OpenRAIL and the Llama licences); proprietary or unknown; and none declared.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any, Literal, TypeVar

from license_expression import get_spdx_licensing


class LicenseCategory(StrEnum):
    PERMISSIVE = "permissive"
    WEAK_COPYLEFT = "weak_copyleft"
    STRONG_COPYLEFT = "strong_copyleft"
    NETWORK_COPYLEFT = "network_copyleft"
    NONCOMMERCIAL = "noncommercial"
    RESPONSIBLE_AI = "responsible_ai"
    PROPRIETARY_OR_UNKNOWN = "proprietary_or_unknown"
    NONE = "none"


C = LicenseCategory
_T = TypeVar("_T")
_LICENSING: Any = get_spdx_licensing()  # SPDX ids and their aliases, loaded once (~50 ms)
# Least restrictive first, for a product that embeds the model: use restrictions that
# travel with it (responsible AI) weigh less than relicensing the product (copyleft).
# A choice (OR) takes the earliest category, a conjunction (AND) the latest.
RESTRICTIVENESS: tuple[LicenseCategory, ...] = (
    C.PERMISSIVE,
    C.WEAK_COPYLEFT,
    C.RESPONSIBLE_AI,
    C.STRONG_COPYLEFT,
    C.NETWORK_COPYLEFT,
    C.NONCOMMERCIAL,
    C.PROPRIETARY_OR_UNKNOWN,
    C.NONE,
)

# Licences outside the SPDX list, by their hub key (also accepted as a spelling).
_REFS: dict[str, LicenseCategory] = {
    "openrail": C.RESPONSIBLE_AI,
    "openrail-pp": C.RESPONSIBLE_AI,  # the hub's "openrail++"
    "bigscience-openrail-m": C.RESPONSIBLE_AI,
    "creativeml-openrail-m": C.RESPONSIBLE_AI,
    "bigcode-openrail-m": C.RESPONSIBLE_AI,
    "bigscience-bloom-rail-1.0": C.RESPONSIBLE_AI,
    "llama2": C.RESPONSIBLE_AI,  # acceptable-use policy and a 700M-user clause
    "llama3": C.RESPONSIBLE_AI,
    "llama3.1": C.RESPONSIBLE_AI,
    "llama3.2": C.RESPONSIBLE_AI,
    "llama3.3": C.RESPONSIBLE_AI,
    "llama4": C.RESPONSIBLE_AI,
    "gemma": C.RESPONSIBLE_AI,
    "deepfloyd-if-license": C.NONCOMMERCIAL,
    "fair-noncommercial-research-license": C.NONCOMMERCIAL,
    "h-research": C.NONCOMMERCIAL,
    "intel-research": C.NONCOMMERCIAL,
    "apple-amlr": C.NONCOMMERCIAL,  # Apple ML research licence: research use only
    "apple-ascl": C.PERMISSIVE,  # Apple sample-code licence: MIT-like
    "openmdw-1.0": C.PERMISSIVE,
    "bsd": C.PERMISSIVE,  # every BSD variant is permissive
    "lgpl-lr": C.WEAK_COPYLEFT,
    "public-domain": C.PERMISSIVE,
    "cc": C.PROPRIETARY_OR_UNKNOWN,  # "some Creative Commons licence": could be NC or ND
    "other": C.PROPRIETARY_OR_UNKNOWN,
    "unknown": C.PROPRIETARY_OR_UNKNOWN,
}
_NOTHING = {"", "none", "no-license", "nolicense", "n-a", "null"}
_ALIASES: dict[str, str] = {
    **{key: f"LicenseRef-{key}" for key in _REFS},
    "openrail++": "LicenseRef-openrail-pp",
    "noassertion": "LicenseRef-other",  # GitHub: a licence file it could not identify
    "odbl": "ODbL-1.0",
    "odc-by": "ODC-By-1.0",
    "pddl": "PDDL-1.0",
    "c-uda": "C-UDA-1.0",
    "apache": "Apache-2.0",
    "apache2": "Apache-2.0",
    "apache-2": "Apache-2.0",
    "apache-license-2.0": "Apache-2.0",
    "apache-license-version-2.0": "Apache-2.0",
    "mit-license": "MIT",
    "the-mit-license": "MIT",
    "bsd-license": "LicenseRef-bsd",
    # An unversioned GNU licence lets the user pick any published version.
    "lgpl": "LGPL-2.0-or-later",
    "gfdl": "GFDL-1.1-or-later",
    "agpl": "AGPL-3.0-or-later",
    "gplv2": "GPL-2.0-only",
    "gplv3": "GPL-3.0-only",
    "lgplv3": "LGPL-3.0-only",
    "agplv3": "AGPL-3.0-only",
}

# SPDX ids whose prefix does not give their category away.
_PERMISSIVE_IDS = (
    "ISC", "Zlib", "Unlicense", "WTFPL", "0BSD", "BSL-1.0", "AFL-3.0", "ECL-2.0", "MS-PL",
    "NCSA", "X11", "PostgreSQL", "UPL-1.0", "PDDL-1.0", "ODC-By-1.0", "etalab-2.0", "CC-PDDC",
    "Unicode-DFS-2016", "HPND", "curl",
)  # fmt: skip
_EXACT: dict[str, LicenseCategory] = {
    **dict.fromkeys(_PERMISSIVE_IDS, C.PERMISSIVE),
    "Sleepycat": C.STRONG_COPYLEFT,
    "C-UDA-1.0": C.PROPRIETARY_OR_UNKNOWN,  # computational use only, no redistribution
}
# Checked in order, so the more specific prefix comes first (CC-BY-NC before CC-BY-).
_PREFIXES: tuple[tuple[str, LicenseCategory], ...] = (
    ("CC-BY-NC", C.NONCOMMERCIAL),
    ("PolyForm-Noncommercial", C.NONCOMMERCIAL),
    ("CC-BY-ND", C.PROPRIETARY_OR_UNKNOWN),  # no derivatives: fine-tuning is forbidden
    ("CC-BY-SA", C.WEAK_COPYLEFT),
    ("CC-BY-", C.PERMISSIVE),
    ("CC0-", C.PERMISSIVE),
    ("CDLA-Permissive", C.PERMISSIVE),
    ("CDLA-Sharing", C.WEAK_COPYLEFT),
    ("AGPL-", C.NETWORK_COPYLEFT),
    ("SSPL-", C.NETWORK_COPYLEFT),
    ("OSL-", C.NETWORK_COPYLEFT),
    ("RPL-", C.NETWORK_COPYLEFT),
    ("CPAL-", C.NETWORK_COPYLEFT),
    ("LGPL-", C.WEAK_COPYLEFT),
    ("GPL-", C.STRONG_COPYLEFT),
    ("GFDL-", C.STRONG_COPYLEFT),
    ("EUPL-", C.STRONG_COPYLEFT),
    ("CECILL-C", C.WEAK_COPYLEFT),
    ("CECILL-B", C.PERMISSIVE),
    ("CECILL-", C.STRONG_COPYLEFT),
    ("MPL-", C.WEAK_COPYLEFT),
    ("EPL-", C.WEAK_COPYLEFT),
    ("CDDL-", C.WEAK_COPYLEFT),
    ("CPL-", C.WEAK_COPYLEFT),
    ("MS-RL", C.WEAK_COPYLEFT),
    ("ODbL-", C.WEAK_COPYLEFT),
    ("LPPL-", C.WEAK_COPYLEFT),
    ("OFL-", C.WEAK_COPYLEFT),
    ("BUSL-", C.PROPRIETARY_OR_UNKNOWN),  # source-available, not open
    ("Elastic-", C.PROPRIETARY_OR_UNKNOWN),
    ("PolyForm-", C.PROPRIETARY_OR_UNKNOWN),
    ("BSD-", C.PERMISSIVE),
    ("MIT", C.PERMISSIVE),
    ("Apache-", C.PERMISSIVE),
    ("Artistic-", C.PERMISSIVE),
    ("Python-", C.PERMISSIVE),
    ("PSF-", C.PERMISSIVE),
)
# Exceptions that let proprietary code link: GPL plus one of these acts like the LGPL.
_LINKING_EXCEPTIONS = {"Classpath-exception-2.0", "GCC-exception-3.1", "LLVM-exception"}
# Beyond every permissive licence, the ids a work under LGPL-2.1 can combine with (the
# company's rule). MPL-2.0 qualifies through its "secondary licence" clause.
LGPL_2_1_COMPATIBLE: frozenset[str] = frozenset(
    {"LGPL-2.0-only", "LGPL-2.0-or-later", "LGPL-2.1-only", "LGPL-2.1-or-later",
     "LGPL-3.0-only", "LGPL-3.0-or-later", "MPL-2.0"}
)  # fmt: skip


@dataclass(frozen=True)
class LicenseOp:
    op: Literal["AND", "OR"]
    args: tuple[LicenseTree, ...]


LicenseTree = str | LicenseOp  # a leaf is one id, possibly "<id> WITH <exception>"


@dataclass(frozen=True)
class LicenseInfo:
    declared: str | None  # as written
    spdx: str | None  # normalised expression; None when nothing is declared
    tree: LicenseTree | None
    ids: tuple[str, ...]  # every licence id in the expression, in order
    category: LicenseCategory


def _slug(text: str) -> str:
    return re.sub(r"[\s_/]+", "-", text.strip().strip("\"'").lower().replace(",", ""))


def category(license_id: str) -> LicenseCategory:
    """The category of one normalised id (a `fold` leaf), proprietary_or_unknown if unlisted."""
    base, _, exception = license_id.partition(" WITH ")
    if base.startswith("LicenseRef-"):
        found = _REFS.get(base.removeprefix("LicenseRef-"), C.PROPRIETARY_OR_UNKNOWN)
    else:
        found = _EXACT.get(base) or next(
            (cat for prefix, cat in _PREFIXES if base.startswith(prefix)),
            C.PROPRIETARY_OR_UNKNOWN,
        )
    if found is C.STRONG_COPYLEFT and exception in _LINKING_EXCEPTIONS:
        return C.WEAK_COPYLEFT
    return found


def fold(tree: LicenseTree, leaf: Callable[[str], _T], pick: Callable[[str, list[_T]], _T]) -> _T:
    """Evaluate an expression bottom-up: `pick(op, values)` combines the values of one node."""
    if isinstance(tree, str):
        return leaf(tree)
    return pick(tree.op, [fold(arg, leaf, pick) for arg in tree.args])


def _pick_category(op: str, values: list[LicenseCategory]) -> LicenseCategory:
    ranks = [RESTRICTIVENESS.index(v) for v in values]
    return RESTRICTIVENESS[min(ranks) if op == "OR" else max(ranks)]


def _ref(slug: str) -> str:
    """A LicenseRef id for a name outside SPDX: an alias, or the name made id-safe."""
    if slug in _ALIASES:
        return _ALIASES[slug]
    rest = slug.removeprefix("licenseref-")
    return "LicenseRef-" + (re.sub(r"[^A-Za-z0-9.-]+", "-", rest).strip("-.") or "unknown")


def _canonical(symbol: Any, licensing: Any) -> str:
    """The id of one parsed symbol: SPDX's own key, an alias, or a LicenseRef."""
    if hasattr(symbol, "exception_symbol"):  # "<licence> WITH <exception>"
        base = _canonical(symbol.license_symbol, licensing)
        return f"{base} WITH {symbol.exception_symbol.key}"
    key = str(symbol.key)
    if not licensing.unknown_license_keys(symbol):
        return key
    return _ref(_slug(key))


def _parse_expression(text: str, licensing: Any) -> Any:
    try:
        return licensing.parse(text, validate=False)
    except Exception:  # malformed input raises ExpressionError, IndexError, AssertionError ...
        return None


def _tree(expr: Any, licensing: Any) -> LicenseTree:
    if isinstance(expr, licensing.AND | licensing.OR):
        op: Literal["AND", "OR"] = "AND" if isinstance(expr, licensing.AND) else "OR"
        return LicenseOp(op, tuple(_tree(arg, licensing) for arg in expr.args))
    return _canonical(expr, licensing)


def _render(tree: LicenseTree, top: bool = True) -> str:
    if isinstance(tree, str):
        return tree
    text = f" {tree.op} ".join(_render(arg, top=False) for arg in tree.args)
    return text if top else f"({text})"


def _parse(declared: str) -> LicenseTree | None:
    slug = _slug(declared)
    if slug in _NOTHING:
        return None
    if slug in _ALIASES:  # checked first: "openrail++" or "MIT License" would not parse
        return _ALIASES[slug]
    licensing = _LICENSING
    # One licence in another spelling ("Apache 2.0", '"mit"') is an SPDX key once slugged.
    single = _parse_expression(slug, licensing)
    if single is not None and hasattr(single, "key") and not licensing.unknown_license_keys(single):
        return str(single.key)
    expr = _parse_expression(declared, licensing)
    if expr is None:
        return _ref(slug)
    return _tree(expr, licensing)


def normalize(declared: str | None) -> str | None:
    """The SPDX expression for a declaration, None when nothing is declared."""
    return classify(declared).spdx


@lru_cache(maxsize=4096)
def classify(declared: str | None) -> LicenseInfo:
    tree = _parse(declared) if declared else None
    if tree is None:
        return LicenseInfo(declared, None, None, (), C.NONE)
    ids = fold(tree, lambda leaf: (leaf,), lambda _op, vals: tuple(i for v in vals for i in v))
    return LicenseInfo(declared, _render(tree), tree, ids, fold(tree, category, _pick_category))


def lgpl_2_1_compatible(license_id: str) -> bool:
    """Whether code under LGPL-2.1 may be combined with a work under this one id."""
    base = license_id.partition(" WITH ")[0]
    return base in LGPL_2_1_COMPATIBLE or category(license_id) is C.PERMISSIVE


def declared(*candidates: object) -> str | None:
    """The first licence declared among `candidates` (card field, then fallbacks).

    Cards may list several licences; the user may pick any of them, so a list reads
    as an OR expression.
    """
    for value in candidates:
        if isinstance(value, list):
            value = " OR ".join(str(v) for v in value if v)  # noqa: PLW2901
        if value:
            return str(value)
    return None
