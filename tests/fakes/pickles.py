"""Pickles for the model-file checks: one that would run a command when loaded, one
shaped like a `torch.save` state dict, and a safetensors file whose header lies.

Built here rather than stored, so what each holds is visible. The malicious one is only
ever written to disk and served: if anything unpickled it, the marker file would appear.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import struct
import tempfile
import zipfile
from pathlib import Path

# Created by the malicious pickle's payload; a test asserts it never exists.
PICKLE_MARKER = Path(tempfile.gettempdir()) / "registry-fake-pickle-was-loaded"


class _RunsCommand:
    """Loading a pickle of this calls os.system(command): what a hostile upload does."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (self.command,))


def malicious_pickle(marker: Path = PICKLE_MARKER) -> bytes:
    """A state dict whose one tensor is a call to os.system (posix.system on Linux)."""
    return pickle.dumps({"weight": _RunsCommand(f"touch {marker}")}, protocol=2)


def _unicode(text: str) -> bytes:
    data = text.encode()
    return b"X" + struct.pack("<I", len(data)) + data


# What torch.save writes for {"weight": a 2x2 float tensor}: an OrderedDict whose values
# are rebuilt by torch._utils._rebuild_tensor_v2 from a persistent storage id. Written
# opcode by opcode, so neither torch nor this module's classes are needed to build it.
_TORCH_STATE_DICT = b"".join(
    [
        b"\x80\x02",
        b"ccollections\nOrderedDict\n)R",
        b"(",
        _unicode("weight"),
        b"ctorch._utils\n_rebuild_tensor_v2\n(",
        b"(" + _unicode("storage") + b"ctorch\nFloatStorage\n",
        _unicode("0") + _unicode("cpu") + b"K\x04tQ",
        b"K\x00(K\x02K\x02t(K\x02K\x01t\x89ccollections\nOrderedDict\n)Rt",
        b"R",
        b"u.",
    ]
)


def torch_state_dict_zip() -> bytes:
    """A `.bin`/`.pt` in torch's zip format (torch >= 1.6) holding a benign state dict."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("archive/data.pkl", _TORCH_STATE_DICT)
        zf.writestr("archive/byteorder", "little")
        zf.writestr("archive/data/0", struct.pack("<4f", 1.0, 2.0, 3.0, 4.0))
        zf.writestr("archive/version", "3\n")
    return buf.getvalue()


def lying_safetensors() -> bytes:
    """A safetensors header claiming 64 bytes of F32 [4, 4], over 16 bytes of data."""
    header = {"weight": {"dtype": "F32", "shape": [4, 4], "data_offsets": [0, 64]}}
    encoded = json.dumps(header).encode()
    encoded += b" " * (-len(encoded) % 8)
    return struct.pack("<Q", len(encoded)) + encoded + bytes(16)
