"""Validating a safetensors file's header without loading a tensor.

The format: an 8-byte little-endian header length N, N bytes of JSON (an object of
tensors, each `{"dtype", "shape", "data_offsets": [begin, end]}`, plus an optional
`__metadata__` of strings), then the tensors' bytes. A loader trusts the offsets to
slice the file, so the registry checks what the reference implementation checks: the
header fits in the file and is at most 100 MB of UTF-8 JSON, every dtype is known,
each tensor's byte length is its shape's element count times its dtype's size, and
the tensors, sorted by offset, tile the data section exactly (no gap, no overlap,
nothing past the end of the file and nothing after the last tensor).
"""

from __future__ import annotations

import json
import math
import struct
from pathlib import Path
from typing import Any

from registry.domain.errors import BadRequest

MAX_HEADER_BYTES = 100_000_000  # the reference implementation's own limit
# Bits per element of every dtype the safetensors format defines.
DTYPE_BITS = {
    "BOOL": 8, "U8": 8, "I8": 8, "F8_E5M2": 8, "F8_E4M3": 8, "F8_E8M0": 8,
    "I16": 16, "U16": 16, "F16": 16, "BF16": 16,
    "I32": 32, "U32": 32, "F32": 32,
    "I64": 64, "U64": 64, "F64": 64, "C64": 64,
    "F4": 4, "F6_E2M3": 6, "F6_E3M2": 6,
}  # fmt: skip


class InvalidSafetensors(BadRequest):
    """A .safetensors file whose header a loader could not trust (400)."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the header names {key!r} twice")
        out[key] = value
    return out


def _tensor_span(name: str, entry: Any) -> tuple[int, int]:
    """The [begin, end) byte range of one tensor, checked against its dtype and shape."""
    if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
        raise ValueError(f"tensor {name!r} must have exactly dtype, shape and data_offsets")
    dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
    if dtype not in DTYPE_BITS:
        raise ValueError(f"tensor {name!r} has an unknown dtype {dtype!r}")
    if not isinstance(shape, list) or not all(
        isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape
    ):
        raise ValueError(f"tensor {name!r} has a shape that is not a list of sizes")
    if (
        not isinstance(offsets, list)
        or len(offsets) != 2
        or not all(isinstance(o, int) and not isinstance(o, bool) and o >= 0 for o in offsets)
        or offsets[0] > offsets[1]
    ):
        raise ValueError(f"tensor {name!r} has data_offsets that are not [begin, end]")
    bits = math.prod(shape) * DTYPE_BITS[dtype]
    if bits % 8 or offsets[1] - offsets[0] != bits // 8:
        raise ValueError(
            f"tensor {name!r} is {dtype} of shape {shape}, which is not the "
            f"{offsets[1] - offsets[0]} bytes its data_offsets span"
        )
    return offsets[0], offsets[1]


def check_header(path: Path, name: str) -> None:
    """Raise InvalidSafetensors naming the file (`name`, its path in the artifact) and the
    problem; return when the header is valid."""
    size = path.stat().st_size
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
            if len(head) < 8:
                raise ValueError("the file is shorter than the 8-byte header length")
            (length,) = struct.unpack("<Q", head)
            if length > MAX_HEADER_BYTES:
                raise ValueError(f"the header length {length} is over {MAX_HEADER_BYTES} bytes")
            if 8 + length > size:
                raise ValueError(f"the header length {length} runs past the end of the file")
            raw = fh.read(length)
        if not raw.startswith(b"{"):
            raise ValueError("the header is not a JSON object")
        header = json.loads(raw.decode("utf-8"), object_pairs_hook=_unique_keys)
        if not isinstance(header, dict):
            raise ValueError("the header is not a JSON object")
        metadata = header.pop("__metadata__", {})
        if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
            raise ValueError("__metadata__ must map names to strings")
        spans = sorted(_tensor_span(name, entry) for name, entry in header.items())
        end = 0
        for begin, stop in spans:
            if begin != end:
                raise ValueError(f"the tensors' data has a gap or overlap at byte {end}")
            end = stop
        data = size - 8 - length
        if end != data:
            raise ValueError(f"the tensors cover {end} bytes, but the data section is {data}")
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise InvalidSafetensors(
            f"{name} is not a valid safetensors file: {exc}; a loader could not trust "
            "it, so it is refused"
        ) from exc
