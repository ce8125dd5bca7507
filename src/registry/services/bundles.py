"""Zip bundles: built once at ingest (stored, not compressed), or streamed on the fly.

Both are laid out by `registry.services.zipformat` (a fixed time and permissions, each
entry's CRC in a data descriptor), so the same files always give the same bytes: the
bundle's sha256 (its ETag) changes only when its contents do.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from registry.services.bundle_writer import BundleWriter
from registry.services.zipformat import ZipLayout
from registry.storage.blobs import CHUNK_SIZE, sha256_file

_EPOCH = (1980, 1, 1, 0, 0, 0)


def build_bundle(files: Iterable[tuple[str, Path, int]], dest: Path) -> tuple[str, int]:
    """Write (arcname, local file, size) entries to `dest`; return (sha256, size).

    The same bytes an ingest's `BundleWriter` writes while the files download."""
    with BundleWriter(dest) as writer:
        return writer.finish([(arcname, local) for arcname, local, _size in files])


def build_legacy_bundle(files: Iterable[tuple[str, Path, int]], dest: Path) -> tuple[str, int]:
    """The bundle as ingests before data descriptors wrote it (`zipfile` going back to
    patch each header): what repairing one of those artifacts' bundles must rebuild."""
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        for arcname, local, size in sorted(files):
            info = zipfile.ZipInfo(arcname, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            info.file_size = size  # lets zipfile decide on zip64 before writing
            with zf.open(info, "w") as out, local.open("rb") as src:
                while chunk := src.read(CHUNK_SIZE):
                    out.write(chunk)
    return sha256_file(dest)


def stream_zip(
    entries: Iterable[tuple[str, int, Callable[[], Iterator[bytes]]]],
) -> Iterator[bytes]:
    """Yield a zip of (arcname, size, opener) entries chunk by chunk.

    Memory stays at about one chunk whatever the sizes: each opener is called only
    when its entry is written, and output is handed out as soon as it exists.
    """
    layout = ZipLayout()
    for arcname, size, opener in sorted(entries, key=lambda e: e[0]):
        yield from layout.entry(arcname, size, opener())
    yield layout.finish()
