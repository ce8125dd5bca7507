"""dataset_quality: how trustworthy the named training datasets are, from their own cards.

Inputs: `ctx.datasets`: for each, its card text (`readme`) and metadata (`card`), licence,
size, downloads and likes. Nothing is downloaded: only what the gatherer recorded.

Formula: the mean over the named datasets that can be reached of a per-dataset quality
in [0, 1] (a dataset the card links but the Hub does not have is left out, as if the
card had not named it, and listed as "linked but not found"):

    words     0.20  prose words on its card / 300, capped (a documented dataset)
    topics    0.20  datasheet topics covered / 4: structure (fields, splits), provenance
                    (source, collection, curation), annotation, and known limitations
                    (bias, sensitive data, considerations), each a section title or paragraph
    license   0.20  1 for a licence that normalises to a known category, 0.5 for one
                    declared but unidentified ("other"), 0 for none
    size      0.10  its size is stated (`size_bytes`, `size_categories`, `dataset_info`)
    downloads 0.20  log10(1 + downloads) / 5, capped: 100k downloads is broad use
    likes     0.10  log10(1 + likes) / 2, capped: a hundred people vouch for it

Scores 0 when no dataset is named or none can be reached: no data to judge.
"""

from __future__ import annotations

import math
import re

from registry.rating.context import DatasetFacts, RatingContext
from registry.rating.examples import prose_words
from registry.rating.licenses import LicenseCategory, classify
from registry.rating.metrics.base import MetricResult, clamp

WEIGHTS = {
    "words": 0.20,
    "topics": 0.20,
    "license": 0.20,
    "size": 0.10,
    "downloads": 0.20,
    "likes": 0.10,
}
CARD_WORDS = 300
TOPICS = {
    "structure": re.compile(r"structure|data fields|splits|schema|format", re.I),
    "provenance": re.compile(r"source data|collection|curation|creation|provenance", re.I),
    "annotation": re.compile(r"annotat|label(l)?ing", re.I),
    "limitations": re.compile(r"bias|limitation|sensitive|consideration|ethic", re.I),
}
_UNKNOWN = {LicenseCategory.NONE, LicenseCategory.PROPRIETARY_OR_UNKNOWN}
STATES = {
    "absent": "no dataset named, or none found (linked but not found): 0",
    "unknown": "a found dataset's licence is 'other'/'unknown': its licence feature is 0.5",
    "error": "the Hub failed while reading a dataset: not computed",
}


def _license(d: DatasetFacts) -> str | None:
    declared = d.license or d.card.get("license")
    if isinstance(declared, list):
        declared = " AND ".join(str(x) for x in declared)
    return declared if isinstance(declared, str) and declared.strip() else None


def _size_known(d: DatasetFacts) -> bool:
    return bool(d.size_bytes) or bool(d.card.get("size_categories") or d.card.get("dataset_info"))


def features(d: DatasetFacts) -> dict[str, float]:
    declared = _license(d)
    category = classify(declared).category
    return {
        "words": min(1.0, prose_words(d.readme) / CARD_WORDS),
        "topics": sum(1 for p in TOPICS.values() if p.search(d.readme)) / len(TOPICS),
        "license": 0.0 if declared is None else (0.5 if category in _UNKNOWN else 1.0),
        "size": 1.0 if _size_known(d) else 0.0,
        "downloads": min(1.0, math.log10(1 + max(0, d.downloads or 0)) / 5),
        "likes": min(1.0, math.log10(1 + max(0, d.likes or 0)) / 2),
    }


def quality(d: DatasetFacts) -> float:
    return clamp(sum(WEIGHTS[k] * v for k, v in features(d).items()))


def _describe(d: DatasetFacts, value: float) -> str:
    topics = [name for name, p in TOPICS.items() if p.search(d.readme)]
    return (
        f"{d.ref} {value:.2f}: {prose_words(d.readme)} words on its card, "
        f"topics {', '.join(topics) or 'none'}; licence {_license(d) or 'none'}; "
        f"size {'stated' if _size_known(d) else 'unstated'}; "
        f"{d.downloads or 0} downloads, {d.likes or 0} likes"
    )


def score(ctx: RatingContext) -> MetricResult:
    found = [d for d in ctx.datasets if d.found or d.in_registry]
    lost = [d.ref for d in ctx.datasets if not (d.found or d.in_registry)]
    gone = (f"linked but not found, scored as absent: {', '.join(lost)}",) if lost else ()
    if not found:
        return MetricResult(
            0.0, ("card names no dataset that can be found: nothing to judge", *gone)
        )
    values = [quality(d) for d in found]
    mean = sum(values) / len(values)
    evidence = [f"mean quality of {len(values)} named dataset(s)"]
    evidence += [_describe(d, v) for d, v in zip(found, values, strict=True)]
    return MetricResult(round(mean, 4), (*evidence, *gone))
