import re

import pytest

from registry.domain.errors import BadRequest
from registry.domain.names import validate_artifact_id, validate_artifact_name
from registry.services.ids import new_artifact_id


@pytest.mark.parametrize(
    "name",
    ["bert-base-uncased", "Audience Classifier v2", "模型-ü", "x'; DROP TABLE artifacts;--", "a/b"],
)
def test_visible_names_are_kept_exactly(name: str) -> None:
    assert validate_artifact_name(name) == name


@pytest.mark.parametrize(
    "name", ["", "   ", "*", " padded", "tab\there", "zero\u200bwidth", "x" * 256]
)
def test_bad_names_are_refused(name: str) -> None:
    with pytest.raises(BadRequest):
        validate_artifact_name(name)


def test_ids_match_the_spec_pattern_and_do_not_repeat() -> None:
    ids = {new_artifact_id() for _ in range(20_000)}
    assert len(ids) == 20_000
    assert all(re.fullmatch(r"[a-zA-Z0-9-]+", i) for i in ids)


def test_consecutive_ids_are_not_sequential() -> None:
    a, b = int(new_artifact_id()), int(new_artifact_id())
    assert abs(a - b) > 1_000_000  # fails with probability about 2e-13


@pytest.mark.parametrize("bad", ["", "a b", "../x", "x" * 65, "id;drop"])
def test_bad_ids_are_refused(bad: str) -> None:
    with pytest.raises(BadRequest):
        validate_artifact_id(bad)
