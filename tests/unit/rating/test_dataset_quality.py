"""dataset_quality: documented, licensed, sized, used datasets score higher."""

from __future__ import annotations

from dataclasses import replace

from registry.rating.context import DatasetFacts
from registry.rating.metrics import dataset_quality
from tests.unit.rating.factories import make_context, make_dataset

DOCUMENTED = (
    "# Data\n\n## Dataset Structure\nFields text and label.\n## Source Data\nCollected "
    "from forums.\n## Annotations\nBy crowd workers.\n## Bias and limitations\n"
    + "The texts come from English forums and reflect their users. "
    * 30
)


def rate(*datasets: DatasetFacts) -> float:
    result = dataset_quality.score(make_context(datasets=datasets))
    assert isinstance(result.score, float)
    assert 0.0 <= result.score <= 1.0
    assert result.evidence
    return result.score


def test_no_dataset_named_scores_zero() -> None:
    assert rate() == 0.0


def test_a_dataset_linked_but_not_found_scores_as_absent() -> None:
    assert rate(make_dataset(found=False, readme=DOCUMENTED, license="mit")) == 0.0
    result = dataset_quality.score(make_context(datasets=(make_dataset("acme/gone", found=False),)))
    assert "linked but not found, scored as absent: acme/gone" in result.evidence


def test_each_quality_raises_the_score() -> None:
    bare = make_dataset()
    base = rate(bare)
    for better in (
        replace(bare, readme=DOCUMENTED),
        replace(bare, license="cc-by-4.0"),
        replace(bare, card={"license": "mit"}),
        replace(bare, size_bytes=10**9),
        replace(bare, downloads=10_000),
        replace(bare, likes=50),
    ):
        assert rate(better) > base, better


def test_popularity_is_monotone() -> None:
    values = [rate(make_dataset(downloads=n)) for n in (0, 10, 1000, 100_000, 10**7)]
    assert values == sorted(values)


def test_a_dead_link_beside_a_good_dataset_is_left_out_of_the_mean() -> None:
    good = make_dataset(readme=DOCUMENTED, license="mit", downloads=10**6, likes=500)
    assert rate(good, make_dataset("acme/gone", found=False)) == rate(good) > 0.5


def test_evidence_names_each_dataset() -> None:
    result = dataset_quality.score(make_context(datasets=(make_dataset("squad"),)))
    assert any("squad" in e for e in result.evidence)
