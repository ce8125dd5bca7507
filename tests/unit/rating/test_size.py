"""size_score: monotone in device and in weight size; no weights explained."""

from __future__ import annotations

import itertools

from registry.rating.context import FileFact
from registry.rating.metrics import size
from tests.unit.rating.factories import GB, make_context, weights

DEVICES = ["raspberry_pi", "jetson_nano", "desktop_pc", "aws_server"]
SIZES = [0.01, 0.3, 0.5, 0.7, 1, 1.5, 2, 3, 4, 6, 8, 12, 16, 30, 60, 100, 200, 400, 600, 2000]


def scores_for(gigabytes: float) -> dict[str, float]:
    result = size.score(make_context(files=(weights(int(gigabytes * GB)),)))
    assert isinstance(result.score, dict)
    assert result.evidence
    return result.score


def test_reports_the_four_devices_in_range() -> None:
    for gb in SIZES:
        scores = scores_for(gb)
        assert list(scores) == DEVICES
        assert all(0.0 <= v <= 1.0 for v in scores.values())


def test_scores_never_decrease_with_device_size() -> None:
    for gb in SIZES:
        scores = scores_for(gb)
        values = [scores[d] for d in DEVICES]
        assert values == sorted(values), (gb, scores)


def test_bigger_weights_never_score_higher_on_any_device() -> None:
    for small, big in itertools.pairwise(SIZES):
        s, b = scores_for(small), scores_for(big)
        for device in DEVICES:
            assert b[device] <= s[device], (device, small, big)


def test_tiny_model_fits_everywhere_and_huge_model_nowhere() -> None:
    assert set(scores_for(0.01).values()) == {1.0}
    assert set(scores_for(2000).values()) == {0.0}


def test_falls_smoothly_between_fitting_and_not() -> None:
    pi = [scores_for(gb)["raspberry_pi"] for gb in (0.6, 1, 2, 3)]
    assert all(0.0 < v < 1.0 for v in pi)


def test_no_weights_scores_zero_and_says_so() -> None:
    result = size.score(make_context())
    assert result.score == dict.fromkeys(DEVICES, 0.0)
    assert "no weight files" in result.evidence[0]


def test_upstream_listing_stands_in_without_stored_weights() -> None:
    upstream = (
        FileFact("model.safetensors", 2 * GB, "weights"),
        FileFact("pytorch_model.bin", 2 * GB, "weights"),  # same tensors, another format
    )
    result = size.score(make_context(upstream_files=upstream))
    assert result.score == scores_for(2)
    assert "upstream" in result.evidence[0]


def test_only_weight_files_count() -> None:
    files = (weights(GB // 10), FileFact("data.parquet", 100 * GB, "data"))
    assert size.score(make_context(files=files)).score == scores_for(0.1)
