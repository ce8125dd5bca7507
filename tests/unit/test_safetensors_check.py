"""The safetensors header check: what a loader would trust, refused when the file lies."""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import pytest

from registry.rating.safetensors_check import InvalidSafetensors, check_header
from tests.fakes.records import safetensors_bytes


def _file(tmp_path: Path, header: Any, data: bytes, raw: bytes | None = None) -> Path:
    encoded = raw if raw is not None else json.dumps(header).encode()
    path = tmp_path / "w.safetensors"
    path.write_bytes(struct.pack("<Q", len(encoded)) + encoded + data)
    return path


def _tensor(dtype: str, shape: list[int], begin: int, end: int) -> dict[str, Any]:
    return {"dtype": dtype, "shape": shape, "data_offsets": [begin, end]}


def test_valid_files_pass(tmp_path: Path) -> None:
    (tmp_path / "a.safetensors").write_bytes(safetensors_bytes(1000))
    check_header(tmp_path / "a.safetensors", "a.safetensors")
    header = {
        "__metadata__": {"format": "pt"},
        "b": _tensor("BF16", [2, 3], 16, 28),
        "a": _tensor("F32", [2, 2], 0, 16),  # listed out of order: offsets decide
        "empty": _tensor("I64", [0, 4], 28, 28),
        "nibbles": _tensor("F4", [4], 28, 30),
    }
    check_header(_file(tmp_path, header, bytes(30)), "w.safetensors")


@pytest.mark.parametrize(
    ("header", "data", "raw", "says"),
    [
        (None, b"", b"", "the header is not a JSON object"),
        (None, b"", b"[1, 2]", "the header is not a JSON object"),
        (None, b"", b"{not json", "Expecting property name"),
        ({"w": _tensor("F32", [4], 0, 16)}, bytes(8), None, "cover 16 bytes, but the data"),
        ({"w": _tensor("F32", [4], 0, 16)}, bytes(20), None, "the data section is 20"),
        ({"w": _tensor("F32", [4], 0, 12)}, bytes(12), None, "not the 12 bytes"),
        ({"w": _tensor("Q8", [4], 0, 4)}, bytes(4), None, "unknown dtype 'Q8'"),
        ({"w": _tensor("U8", [-4], 0, 4)}, bytes(4), None, "not a list of sizes"),
        ({"w": _tensor("U8", [4], 4, 0)}, bytes(4), None, "not [begin, end]"),
        (
            {"a": _tensor("U8", [4], 0, 4), "b": _tensor("U8", [4], 2, 6)},
            bytes(6),
            None,
            "a gap or overlap at byte 4",
        ),
        (
            {"a": _tensor("U8", [4], 0, 4), "b": _tensor("U8", [4], 6, 10)},
            bytes(10),
            None,
            "a gap or overlap at byte 4",
        ),
        ({"w": {"dtype": "U8", "shape": [1]}}, bytes(1), None, "exactly dtype, shape and data"),
        ({"__metadata__": {"n": 1}}, b"", None, "__metadata__ must map names to strings"),
        (None, bytes(1), b'{"w": {}, "w": {}}', "names 'w' twice"),
        ({"w": _tensor("F4", [3], 0, 2)}, bytes(2), None, "not the 2 bytes"),  # 12 bits
    ],
)
def test_a_header_a_loader_could_not_trust_is_refused_naming_the_file(
    tmp_path: Path, header: Any, data: bytes, raw: bytes | None, says: str
) -> None:
    path = _file(tmp_path, header, data, raw)
    with pytest.raises(InvalidSafetensors) as caught:
        check_header(path, "unet/w.safetensors")
    assert caught.value.status == 400
    assert caught.value.message.startswith("unet/w.safetensors is not a valid safetensors file: ")
    assert says in caught.value.message


def test_header_lengths_that_do_not_fit_are_refused_before_reading(tmp_path: Path) -> None:
    short = tmp_path / "short.safetensors"
    short.write_bytes(b"\x01\x00")
    with pytest.raises(InvalidSafetensors, match="shorter than the 8-byte header length"):
        check_header(short, "short.safetensors")
    past = tmp_path / "past.safetensors"
    past.write_bytes(struct.pack("<Q", 1000) + b"{}")
    with pytest.raises(InvalidSafetensors, match="runs past the end of the file"):
        check_header(past, "past.safetensors")
    huge = tmp_path / "huge.safetensors"
    huge.write_bytes(struct.pack("<Q", 2**62) + b"{}")
    with pytest.raises(InvalidSafetensors, match="is over 100000000 bytes"):
        check_header(huge, "huge.safetensors")
