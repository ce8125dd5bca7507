"""license: permissive and LGPL-compatible score best; restrictive lower; nothing scores 0."""

from __future__ import annotations

import pytest

from registry.rating.context import FileFact
from registry.rating.metrics import license as license_metric
from tests.unit.rating.factories import make_context, make_github


def rate(declared: str | None, **overrides: object) -> float:
    result = license_metric.score(make_context(license=declared, **overrides))
    assert isinstance(result.score, float)
    assert 0.0 <= result.score <= 1.0
    assert result.evidence
    return result.score


@pytest.mark.parametrize(
    "declared", ["apache-2.0", "mit", "bsd-3-clause", "lgpl-2.1", "lgpl-3.0", "isc", "cc0-1.0"]
)
def test_clear_lgpl_compatible_licences_score_one(declared: str) -> None:
    assert rate(declared) == 1.0


def test_noncommercial_scores_below_apache() -> None:
    assert rate("cc-by-nc-4.0") < rate("apache-2.0")
    assert rate("cc-by-nc-4.0") <= 0.25


def test_restrictive_licences_sit_between() -> None:
    apache, nc = rate("apache-2.0"), rate("cc-by-nc-4.0")
    for declared in ("openrail", "llama2", "gpl-3.0", "agpl-3.0"):
        assert nc < rate(declared) < apache, declared


def test_network_copyleft_is_not_better_than_strong_copyleft() -> None:
    assert rate("agpl-3.0") <= rate("gpl-3.0") < rate("lgpl-2.1")


def test_no_licence_scores_zero() -> None:
    assert rate(None) == 0.0
    assert rate("none") == 0.0


def test_other_or_unknown_without_terms_scores_zero() -> None:
    assert rate("other") == 0.0
    assert rate("unknown") == 0.0


def test_other_with_readable_terms_scores_above_zero() -> None:
    assert rate("other", card={"license_link": "https://example.org/LICENSE"}) > 0.0
    licence_file = (FileFact("LICENSE.md", 1000, "docs"),)
    assert rate("other", files=licence_file) > rate("other")


def test_dual_licence_takes_the_better_option_and_conjunction_the_worse() -> None:
    assert rate("MIT OR cc-by-nc-4.0") == rate("mit")
    assert rate("MIT AND cc-by-nc-4.0") == rate("cc-by-nc-4.0")


def test_falls_back_to_the_card_then_github() -> None:
    assert rate(None, card={"license": "mit"}) == 1.0
    assert rate(None, card={"license": ["mit", "cc-by-nc-4.0"]}) == rate("cc-by-nc-4.0")
    assert rate(None, github=make_github(license_spdx="MIT")) == 1.0


def test_evidence_names_the_normalised_licence() -> None:
    result = license_metric.score(make_context(license="apache-2.0"))
    assert "Apache-2.0" in result.evidence[0]
