"""ramp_up_time: better documentation never scores lower."""

from __future__ import annotations

import pytest

from registry.rating.metrics import ramp_up
from tests.unit.rating.factories import RICH_README, make_context

DESCRIPTION = (
    "This model classifies the sentiment of English product reviews. It was fine-tuned "
    "from a small encoder on a public review corpus and is meant for dashboards. " * 3
)
USAGE = "## Usage\n\nLoad it with the pipeline helper and pass a list of strings.\n"
USAGE_CODE = "```python\nfrom transformers import pipeline\npipe = pipeline('x')\n```\n"
INSTALL = "Install first: `pip install transformers`.\n"
EXAMPLE = "```python\nprint(pipe(['great product']))\n```\n"
DOCS = "See the [documentation](https://example.org/docs/guide).\n"
LINK = "Made by [us](https://example.org/about).\n"
PIECES = [DESCRIPTION, USAGE, USAGE_CODE, INSTALL, EXAMPLE, DOCS, LINK]


def rate(readme: str) -> float:
    result = ramp_up.score(make_context(readme=readme))
    assert isinstance(result.score, float)
    return result.score


def test_no_card_scores_zero_with_a_reason() -> None:
    result = ramp_up.score(make_context(readme=""))
    assert result.score == 0.0
    assert result.evidence


def test_metadata_only_card_scores_zero() -> None:
    assert rate("---\nlicense: mit\n---\n") == 0.0


@pytest.mark.parametrize("piece", PIECES)
def test_adding_any_piece_of_documentation_never_lowers_the_score(piece: str) -> None:
    # Build cards from every subset prefix, then add the piece: never a lower score.
    for n in range(len(PIECES) + 1):
        card = "# Model\n\n" + "\n".join(PIECES[:n])
        assert rate(card + "\n" + piece) >= rate(card)


def test_each_feature_raises_the_score_of_a_bare_card() -> None:
    bare = rate("# Model\n")
    for piece in (DESCRIPTION, USAGE + USAGE_CODE, INSTALL, EXAMPLE, DOCS):
        assert rate("# Model\n\n" + piece) > bare, piece


def test_usage_code_counts_only_inside_a_usage_section() -> None:
    in_section = rate("# Model\n\n" + USAGE + USAGE_CODE)
    elsewhere = rate("# Model\n\n" + USAGE_CODE + "\n" + USAGE)
    assert in_section > elsewhere


def test_template_fillers_are_not_description() -> None:
    filler = "# Model\n\n" + "[More Information Needed]\n" * 50
    assert rate(filler) == rate("# Model\n")


def test_a_complete_card_scores_high_and_names_its_facts() -> None:
    result = ramp_up.score(make_context(readme=RICH_README))
    assert isinstance(result.score, float)
    assert result.score >= 0.8
    text = " ".join(result.evidence)
    assert "Usage" in text
    assert "python code block" in text
    assert "pip install" in text
