"""The details' stored net score belongs to the artifact's current version only."""

from __future__ import annotations

from registry.db.models import ArtifactRow, RatingRow
from registry.services.details import _net_score


def test_a_rating_of_an_earlier_version_is_not_shown() -> None:
    rating = RatingRow(artifact_version=1, payload={"rating": {"net_score": 0.5}})
    assert _net_score(rating, ArtifactRow(version=1)) == 0.5
    assert _net_score(rating, ArtifactRow(version=2)) is None
    assert _net_score(None, ArtifactRow(version=1)) is None
    broken = RatingRow(artifact_version=1, payload={"rating": {"net_score": "high"}})
    assert _net_score(broken, ArtifactRow(version=1)) is None
