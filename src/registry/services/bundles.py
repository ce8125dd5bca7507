"""Zip bundles: built once at ingest (stored, not compressed), or streamed on the fly.

Entries carry a fixed timestamp and permissions, so the same files always give the
same bytes: the bundle's sha256 (its ETag) changes only when its contents do.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from registry.storage.blobs import CHUNK_SIZE, sha256_file

_EPOCH = (1980, 1, 1, 0, 0, 0)


def _entry(arcname: str, size: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(arcname, date_time=_EPOCH)
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    info.file_size = size  # lets zipfile decide on zip64 before writing
    return info


def build_bundle(files: Iterable[tuple[str, Path, int]], dest: Path) -> tuple[str, int]:
    """Write (arcname, local file, size) entries to `dest`; return (sha256, size)."""
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        for arcname, local, size in sorted(files):
            with zf.open(_entry(arcname, size), "w") as out, local.open("rb") as src:
                while chunk := src.read(CHUNK_SIZE):
                    out.write(chunk)
    return sha256_file(dest)


class _Sink:
    """A write-only, unseekable file object: zipfile then emits data descriptors,
    which is what lets a zip be streamed without knowing CRCs in advance."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def drain(self) -> Iterator[bytes]:
        chunks, self.chunks = self.chunks, []
        yield from chunks


def stream_zip(
    entries: Iterable[tuple[str, int, Callable[[], Iterator[bytes]]]],
) -> Iterator[bytes]:
    """Yield a zip of (arcname, size, opener) entries chunk by chunk.

    Memory stays at about one chunk whatever the sizes: each opener is called only
    when its entry is written, and output is handed out as soon as it exists.
    """
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        for arcname, size, opener in sorted(entries, key=lambda e: e[0]):
            with zf.open(
                _entry(arcname, size), "w", force_zip64=size >= zipfile.ZIP64_LIMIT
            ) as out:
                for chunk in opener():
                    out.write(chunk)
                    yield from sink.drain()
            yield from sink.drain()
    yield from sink.drain()
