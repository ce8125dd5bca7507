"""The pickle scanner's own process: `python -m registry.rating.pickle_worker`.

Reads `{"paths": [...], "memory_bytes": N, "expand_bytes": N}` as JSON on stdin and
writes one JSON line per file: the imports picklescan found in it, each with its
safety level, or the reason it could not be read. Nothing here unpickles: picklescan
disassembles the opcodes (`pickletools.genops`) and lists the imports a load would make.

It runs in a process of its own because disassembling a hostile pickle costs memory in
proportion to its opcodes: its address space is capped before picklescan is imported,
and the registry kills it at the scan's deadline.
"""

from __future__ import annotations

import bz2
import gzip
import json
import logging
import lzma
import resource
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

# Compressed pickles (joblib's compress=..., pandas' to_pickle("x.pkl.gz")) are loaded
# through a decompressor, so they are scanned through one too.
_ZLIB_STARTS = (b"\x78\x01", b"\x78\x5e", b"\x78\x9c", b"\x78\xda")


class _Zlib:
    """A read-only stream over a zlib stream, like gzip.open for zlib."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.inflate = zlib.decompressobj()

    def read(self, size: int) -> bytes:
        while True:
            chunk = self.raw.read(size)
            if not chunk:
                return self.inflate.flush()
            out = self.inflate.decompress(chunk)
            if out:
                return out

    def __enter__(self) -> _Zlib:
        return self

    def __exit__(self, *exc: object) -> None:
        self.raw.close()


def _opener(head: bytes) -> Callable[[Path], Any] | None:
    if head.startswith(b"\x1f\x8b"):
        return gzip.open
    if head.startswith(b"BZh"):
        return bz2.open
    if head.startswith(b"\xfd7zXZ\x00"):
        return lzma.open
    if head[:2] in _ZLIB_STARTS:
        return lambda path: _Zlib(path.open("rb"))
    return None


def _expanded(path: Path, folder: Path, limit: int) -> Path | None:
    """The decompressed copy of a compressed file (at most `limit` bytes), else None."""
    with path.open("rb") as fh:
        opener = _opener(fh.read(8))
    if opener is None:
        return None
    target = folder / "expanded"
    written = 0
    with opener(path) as src, target.open("wb") as out:
        while chunk := src.read(1 << 20):
            written += len(chunk)
            if written > limit:
                raise ValueError(f"it decompresses to more than {limit} bytes")
            out.write(chunk)
    return target


def _scan(path: Path, expand_limit: int) -> dict[str, Any]:
    from picklescan.scanner import scan_bytes

    with tempfile.TemporaryDirectory(prefix="pickle-scan-") as folder:
        expanded = _expanded(path, Path(folder), expand_limit)
        target = expanded or path
        # picklescan picks the torch reader by suffix; a decompressed file is a plain pickle.
        suffix = ".pkl" if expanded else path.suffix.lower()
        with target.open("rb") as fh:
            result = scan_bytes(fh, path.name, suffix)
    imports = sorted({(g.module, g.name, g.safety.value) for g in result.globals})
    return {
        "imports": [{"module": m, "name": n, "safety": s} for m, n, s in imports],
        "partial": bool(result.scan_err),
        "compressed": expanded is not None,
    }


def _results(paths: list[str], expand_limit: int) -> Iterator[dict[str, Any]]:
    for path in paths:
        try:
            found = _scan(Path(path), expand_limit)
        except zipfile.BadZipFile as exc:  # starts like torch's zip format, is no zip
            found = {"unreadable": f"not a readable zip: {exc}"[:500]}
        except Exception as exc:  # one unreadable file is that file's result, not the run's
            found = {"error": f"{type(exc).__name__}: {exc}"[:500]}
        yield {"path": path, **found}


def main() -> None:
    request = json.load(sys.stdin)
    memory = int(request["memory_bytes"])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    logging.disable(logging.CRITICAL)  # picklescan logs each finding; the JSON says it
    for result in _results(list(request["paths"]), int(request["expand_bytes"])):
        sys.stdout.write(json.dumps(result) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
