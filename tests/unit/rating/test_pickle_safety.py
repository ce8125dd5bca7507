"""pickle_safety: the score and evidence of a recorded pickle scan."""

from __future__ import annotations

from typing import Any

import pytest

from registry.rating import pickle_safety


def _entry(path: str, *imports: tuple[str, str, str], **extra: Any) -> dict[str, Any]:
    found = [{"module": m, "name": n, "safety": s} for m, n, s in imports]
    return {"path": path, "imports": found, "partial": False, **extra}


SAFE = ("collections", "OrderedDict", "innocuous")
ODD = ("fractions", "Fraction", "suspicious")
BAD = ("posix", "system", "dangerous")


@pytest.mark.parametrize(
    ("pickles", "score"),
    [
        ([], 1.0),
        ([_entry("a.bin"), _entry("b.pt", SAFE)], 1.0),
        ([_entry("a.bin", SAFE, ODD)], 0.5),
        ([{"path": "a.bin", "unreadable": "not a readable zip: x"}], 0.5),
        ([_entry("a.bin", SAFE), _entry("b.pkl", ODD, BAD)], 0.0),
        ([_entry("a.bin", SAFE), {"path": "b.pkl", "error": "ran past its limit"}], 0.0),
    ],
)
def test_the_worst_file_decides(pickles: list[dict[str, Any]], score: float) -> None:
    result = pickle_safety.score({"scanner": "picklescan 1.0.5", "pickles": pickles})
    assert result is not None and result.score == score


def test_the_evidence_names_each_file_and_import() -> None:
    scan = {"scanner": "picklescan 1.0.5", "pickles": [_entry("w/a.bin", SAFE, BAD, ODD)]}
    result = pickle_safety.score(scan)
    assert result is not None
    assert result.evidence == (
        "1 pickle file(s) scanned by picklescan 1.0.5, never unpickled",
        "w/a.bin: dangerous import posix.system",
    )
    assert pickle_safety.dangerous_findings(scan) == ["w/a.bin: dangerous import posix.system"]


def test_an_artifact_never_scanned_has_no_score() -> None:
    assert pickle_safety.score(None) is None
    assert pickle_safety.score({"pickles": []}) is not None
