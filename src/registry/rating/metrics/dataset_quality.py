"""dataset_quality: how trustworthy the named training datasets are, from their own cards.

Inputs: `ctx.datasets`: for each, its card text (`readme`) and metadata (`card`), licence,
size, downloads and likes. Nothing is downloaded: only what the gatherer recorded.

Formula: the mean over the named datasets of a per-dataset quality in [0, 1] (a dataset
that could not be found scores 0, since nobody can inspect it):

    words     0.20  prose words on its card / 300, capped (a documented dataset)
    topics    0.20  datasheet topics covered / 4: structure (fields, splits), provenance
                    (source, collection, curation), annotation, and known limitations
                    (bias, sensitive data, considerations), each a section title or paragraph
    license   0.20  1 for a licence that normalises to a known category, 0.5 for one
                    declared but unidentified ("other"), 0 for none
    size      0.10  its size is stated (`size_bytes`, `size_categories`, `dataset_info`)
    downloads 0.20  log10(1 + downloads) / 5, capped: 100k downloads is broad use
    likes     0.10  log10(1 + likes) / 2, capped: a hundred people vouch for it

Fails (0) when no dataset is named: no data to judge.
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


def _license(d: DatasetFacts) -> str | None:
    declared = d.license or d.card.get("license")
    if isinstance(declared, list):
        declared = " AND ".join(str(x) for x in declared)
    return declared if isinstance(declared, str) and declared.strip() else None


def _size_known(d: DatasetFacts) -> bool:
    return bool(d.size_bytes) or bool(d.card.get("size_categories") or d.card.get("dataset_info"))


def features(d: DatasetFacts) -> dict[str, float]:
    if not (d.found or d.in_registry):
        return dict.fromkeys(WEIGHTS, 0.0)
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
    if not (d.found or d.in_registry):
        return f"{d.ref}: not found, scored 0"
    topics = [name for name, p in TOPICS.items() if p.search(d.readme)]
    return (
        f"{d.ref} {value:.2f}: {prose_words(d.readme)} words on its card, "
        f"topics {', '.join(topics) or 'none'}; licence {_license(d) or 'none'}; "
        f"size {'stated' if _size_known(d) else 'unstated'}; "
        f"{d.downloads or 0} downloads, {d.likes or 0} likes"
    )


def score(ctx: RatingContext) -> MetricResult:
    if not ctx.datasets:
        return MetricResult(0.0, ("card names no dataset: nothing to judge",))
    values = [quality(d) for d in ctx.datasets]
    mean = sum(values) / len(values)
    evidence = [f"mean quality of {len(values)} named dataset(s)"]
    evidence += [_describe(d, v) for d, v in zip(ctx.datasets, values, strict=True)]
    return MetricResult(round(mean, 4), tuple(evidence))
