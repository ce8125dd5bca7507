"""The depth scan that runs before any request body is parsed."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.api.json_limits import json_depth_exceeds, load_json
from registry.domain.errors import BadRequest


def _depth(value: object) -> int:
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    return 0


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("[]", 1),
        ('{"a": [1, {"b": []}]}', 4),
        ('["[[[[[[[[[["]', 1),  # brackets inside a string do not nest
        ('["\\"[[[[[[[[", {"k": "]]]]"}]', 2),  # an escaped quote does not end the string
        ('["\\\\", [[]]]', 3),  # an escaped backslash does not escape the quote after it
        ('"\\\\\\"[[[["', 0),
    ],
)
def test_depth_is_counted_outside_strings(text: str, depth: int) -> None:
    raw = text.encode()
    assert not json_depth_exceeds(raw, depth)
    assert json_depth_exceeds(raw, depth - 1) == (depth > 0)


json_values = st.recursive(
    st.none() | st.integers() | st.text(alphabet='[]{}"\\ab'),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=20,
)


@given(json_values)
def test_the_scan_agrees_with_the_parsed_depth(value: object) -> None:
    raw = json.dumps(value).encode()
    depth = _depth(value)
    assert not json_depth_exceeds(raw, depth)
    if depth:
        assert json_depth_exceeds(raw, depth - 1)


def test_a_deep_body_is_refused_before_parsing_and_names_the_limit() -> None:
    with pytest.raises(BadRequest, match="MAX_JSON_DEPTH"):
        load_json(b"[" * 500_000, 1 << 20, 32)


def test_an_oversized_body_names_max_json_bytes() -> None:
    with pytest.raises(BadRequest, match="MAX_JSON_BYTES"):
        load_json(b'"' + b"a" * 200 + b'"', 100, 32)


def test_a_body_within_the_limits_parses() -> None:
    assert load_json(b'[{"name": "*"}]', 100, 2) == [{"name": "*"}]
