"""performance_claims: how well the card backs its quality with evaluation evidence.

Inputs: `ctx.card` (the `model-index` metadata, `tags` such as "arxiv:1810.04805") and
`ctx.readme`.

Formula: a weighted sum of four features in [0, 1], each non-decreasing as evidence is
added:

    model_index  0.40  metric values with a number in `model-index` results / 3, capped
                       (machine-readable results: the strongest claim, checkable by tools)
    table        0.25  1 for a markdown table with numbers under a heading about
                       evaluation / results / benchmarks / performance; 0.5 for such a
                       table elsewhere
    benchmarks   0.25  distinct named benchmarks (GLUE, SQuAD, MMLU, ImageNet ...) on a
                       line with a score (a decimal or a percentage) / 2, capped
    paper        0.10  a link to a paper (arXiv, DOI, OpenReview, ACL Anthology, PapersWithCode)
                       or an arxiv tag

Fails (0) for a card that claims nothing measurable; prose such as "state of the art"
without numbers earns nothing.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from registry.rating.context import RatingContext
from registry.rating.examples import sections, strip_front_matter, without_code
from registry.rating.metrics.base import MetricResult, clamp

WEIGHTS = {"model_index": 0.40, "table": 0.25, "benchmarks": 0.25, "paper": 0.10}
INDEX_VALUES = 3
BENCHMARK_COUNT = 2
BENCHMARKS = (
    "GLUE", "SuperGLUE", "SQuAD", "MMLU", "MMLU-Pro", "ImageNet", "COCO", "HellaSwag", "ARC",
    "TruthfulQA", "GSM8K", "HumanEval", "MBPP", "WinoGrande", "BoolQ", "PIQA", "LAMBADA",
    "WikiText", "MNLI", "SST-2", "CoNLL", "WMT", "LibriSpeech", "Common Voice", "CIFAR-10",
    "CIFAR-100", "MS MARCO", "BEIR", "MTEB", "BIG-Bench", "BBH", "MATH", "DROP", "XNLI",
    "STS-B", "QQP", "CoLA", "RTE", "MRPC", "Natural Questions", "TriviaQA", "ADE20K",
    "Cityscapes", "Kinetics", "VQAv2", "MMMU", "MT-Bench", "AlpacaEval", "IFEval", "GPQA",
    "Pascal VOC", "FLEURS", "XTREME", "Penn Treebank", "OpenBookQA", "SIQA",
)  # fmt: skip
# All-caps names (ARC, MATH, DROP) are ordinary words in lower case: match them exactly.
# "MNLI-(m/mm)" names MNLI, but "CIFAR-100" is not CIFAR-10 nor "MMLU-Pro" MMLU.
_BENCH_RE = {
    name: re.compile(
        rf"(?<![\w-]){re.escape(name)}(?![\w]|-\w)", 0 if name.upper() == name else re.I
    )
    for name in BENCHMARKS
}
# A cheap word test finds the lines that may name a benchmark; only those are read name
# by name (56 patterns over every line of a megabyte card would take seconds).
_FIRST_WORDS = frozenset(re.split(r"[\s-]", name)[0].lower() for name in BENCHMARKS)


def _may_name_a_benchmark(text: str) -> bool:
    return not _FIRST_WORDS.isdisjoint(re.findall(r"[a-z0-9]+", text.lower()))


SCORE = re.compile(r"(?<![\w.])(\d{1,3}\.\d+|\.\d+|\d{1,3}(\.\d+)?\s?%)(?![\w.])")
# "84.2", "91%", "71.2 ± 0.3", "84.6/83.4"
_CELL_NUMBER = re.compile(r"^[-+]?\d+(\.\d+)?\s*%?(\s*[/±]\s*\d+(\.\d+)?\s*%?)*$")
_SEPARATOR = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$")
EVAL_TITLE = re.compile(r"eval|result|benchmark|performance|metric|accuracy|leaderboard", re.I)
PAPER = re.compile(
    r"arxiv\.org/(abs|pdf)/|doi\.org/|openreview\.net/|aclanthology\.org/|paperswithcode\.com/",
    re.I,
)
STATES = {
    "absent": "the card claims nothing measurable: 0",
    "unknown": "never",
    "error": "never from an upstream (it reads only the card)",
}


def index_values(card: dict[str, Any]) -> list[str]:
    """'<metric> on <dataset>' for each numeric metric in the card's model-index."""
    found: list[str] = []
    entries = card.get("model-index") or []
    for entry in entries if isinstance(entries, list) else [entries]:
        results = entry.get("results", []) if isinstance(entry, dict) else []
        for result in results if isinstance(results, list) else []:
            if not isinstance(result, dict):
                continue
            dataset = result.get("dataset") or {}
            where = (
                (dataset.get("name") or dataset.get("type")) if isinstance(dataset, dict) else ""
            )
            metrics = result.get("metrics")
            for metric in metrics if isinstance(metrics, list) else []:
                value = metric.get("value") if isinstance(metric, dict) else None
                if _is_number(value):
                    name = metric.get("name") or metric.get("type") or "metric"
                    found.append(f"{name} on {where or 'a dataset'}")
    return found


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    return isinstance(value, str) and bool(_CELL_NUMBER.match(value.strip()))


def _cells(row: str) -> list[str]:
    return [c.strip().strip("*_ ") for c in row.strip("|").split("|")]


def numeric_tables(text: str) -> list[str]:
    """Markdown tables (header, `|---|` separator, rows) with a number in some cell."""
    lines = [line.strip() for line in without_code(text).splitlines()]
    tables = []
    for i, line in enumerate(lines[1:], start=1):
        if _SEPARATOR.match(line) and "|" in lines[i - 1]:
            rows = list(itertools.takewhile(lambda row: "|" in row, lines[i + 1 :]))
            if any(_CELL_NUMBER.match(cell) for row in rows for cell in _cells(row)):
                tables.append("\n".join([lines[i - 1], *rows]))
    return tables


def scored_benchmarks(text: str) -> list[str]:
    """Benchmarks named on a line that carries a score, or anywhere in a table of numbers
    (a header row names them, the rows below hold the scores)."""
    found: dict[str, None] = {}
    for line in without_code(text).splitlines():
        if not _may_name_a_benchmark(line):
            continue
        for name, pattern in _BENCH_RE.items():
            if pattern.search(line) and SCORE.search(pattern.sub(" ", line)):
                found[name] = None
    for table in numeric_tables(text):
        if _may_name_a_benchmark(table):
            found.update((n, None) for n, pattern in _BENCH_RE.items() if pattern.search(table))
    return list(found)


def _table_reason(eval_table: str | None, any_table: bool) -> str:
    if eval_table:
        return f'card has a results table with numbers under "{eval_table}"'
    if any_table:
        return "card has a table with numbers outside any evaluation section"
    return "card has no table of results"


def score(ctx: RatingContext) -> MetricResult:
    body = strip_front_matter(ctx.readme)
    values = index_values(ctx.card)
    eval_sections = [s for s in sections(body) if EVAL_TITLE.search(s.title)]
    eval_table = next((s.title for s in eval_sections if numeric_tables(s.body)), None)
    any_table = eval_table is not None or bool(numeric_tables(body))
    benchmarks = scored_benchmarks(body)
    tags = ctx.card.get("tags")
    tags = tags if isinstance(tags, list) else []
    paper = PAPER.search(body) or any(
        isinstance(t, str) and t.lower().startswith("arxiv:") for t in tags
    )
    features = {
        "model_index": min(1.0, len(values) / INDEX_VALUES),
        "table": 1.0 if eval_table else (0.5 if any_table else 0.0),
        "benchmarks": min(1.0, len(benchmarks) / BENCHMARK_COUNT),
        "paper": 1.0 if paper else 0.0,
    }
    evidence = [
        f"model-index reports {len(values)} metric value(s)"
        + (f": {', '.join(values[:3])}" if values else ""),
        _table_reason(eval_table, any_table),
        f"benchmarks quoted with scores: {', '.join(benchmarks)}"
        if benchmarks
        else "no named benchmark quoted with a score",
        "card cites a paper" if paper else "card cites no paper (arXiv, DOI ...)",
    ]
    total = clamp(sum(WEIGHTS[name] * value for name, value in features.items()))
    return MetricResult(round(total, 4), tuple(evidence))
