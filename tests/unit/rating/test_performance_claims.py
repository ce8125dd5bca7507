"""performance_claims: measurable evidence raises the score; adjectives do not."""

from __future__ import annotations

from typing import Any

from registry.rating.metrics import performance_claims
from tests.unit.rating.factories import RICH_CARD, RICH_README, make_context

TABLE = "## Evaluation\n\n| Task | Acc |\n|---|---|\n| MNLI | 84.2 |\n"
BENCH = "We reach 88.1 on GLUE and 90.2 F1 on SQuAD.\n"
PAPER = "Paper: https://arxiv.org/abs/1810.04805\n"


def rate(readme: str = "", card: dict[str, Any] | None = None) -> float:
    result = performance_claims.score(make_context(readme=readme, card=card or {}))
    assert isinstance(result.score, float)
    assert 0.0 <= result.score <= 1.0
    assert result.evidence
    return result.score


def test_no_claims_scores_zero() -> None:
    assert rate() == 0.0
    assert rate("# Model\n\nThe best model, state of the art on everything.\n") == 0.0


def test_each_kind_of_evidence_raises_the_score() -> None:
    base = rate("# Model\n")
    assert rate("# Model\n", RICH_CARD) > base
    assert rate("# Model\n" + TABLE) > base
    assert rate("# Model\n" + BENCH) > base
    assert rate("# Model\n" + PAPER) > base
    assert rate("# Model\n", {"tags": ["arxiv:1810.04805"]}) > base


def test_adding_evidence_never_lowers_the_score() -> None:
    pieces = [TABLE, BENCH, PAPER]
    for i in range(len(pieces)):
        card = "# Model\n" + "".join(pieces[:i])
        assert rate(card + pieces[i]) >= rate(card)
        assert rate(card, RICH_CARD) >= rate(card)


def test_a_results_table_counts_more_under_an_evaluation_heading() -> None:
    elsewhere = "## Notes\n\n| Task | Acc |\n|---|---|\n| x | 84.2 |\n"
    assert rate(TABLE) > rate(elsewhere) > 0.0


def test_benchmark_without_a_number_is_not_a_claim() -> None:
    assert rate("We evaluated on GLUE and SQuAD.\n") == 0.0


def test_model_index_values_must_be_numbers() -> None:
    card = {"model-index": [{"results": [{"metrics": [{"type": "acc", "value": "high"}]}]}]}
    assert rate("", card) == 0.0
    assert rate("", {"model-index": "garbage"}) == 0.0


def test_rich_card_scores_high_and_names_benchmarks() -> None:
    result = performance_claims.score(make_context(readme=RICH_README, card=RICH_CARD))
    assert isinstance(result.score, float)
    assert result.score >= 0.9
    assert any("GLUE" in e for e in result.evidence)


def test_benchmarks_named_in_a_table_header_count_when_the_table_has_scores() -> None:
    header_table = (
        "## Evaluation results\n\n| Task | MNLI-(m/mm) | QQP | SST-2 |\n"
        "|:---:|:---:|:---:|:---:|\n|  | 84.6/83.4 | 71.2 | 93.5 |\n"
    )
    result = performance_claims.score(make_context(readme=header_table))
    assert any("MNLI" in e and "SST-2" in e for e in result.evidence)
    words_only = header_table.replace("84.6/83.4 | 71.2 | 93.5", "good | fine | ok")
    assert rate(words_only) < rate(header_table)


def test_benchmark_names_do_not_match_longer_names() -> None:
    result = performance_claims.score(make_context(readme="Top-1 95.1 on CIFAR-100.\n"))
    assert "benchmarks quoted with scores: CIFAR-100" in result.evidence
