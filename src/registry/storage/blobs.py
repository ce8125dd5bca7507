"""The blob store interface: content-addressed files, keyed by their sha256.

Backends turn vendor errors into built-in ones: a missing blob is always
`FileNotFoundError`, an unreachable backend `StorageUnavailable`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Protocol

CHUNK_SIZE = 1 << 20
_DIGEST = re.compile(r"^[0-9a-f]{64}$")


def check_digest(digest: str) -> str:
    """Refuse anything that is not a sha256 hex digest: digests become paths and keys."""
    if not _DIGEST.match(digest):
        raise ValueError(f"not a sha256 hex digest: {digest!r}")
    return digest


def sha256_file(path: Path) -> tuple[str, int]:
    """Stream a file through sha256; returns (hex digest, size in bytes)."""
    h = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK_SIZE):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


class BlobStore(Protocol):
    """Where file contents live. Every method is safe to call from many threads."""

    def put_file(self, digest: str, source: Path) -> None:
        """Store `source` under `digest` (the caller hashed it). Idempotent."""

    def exists(self, digest: str) -> bool: ...

    def size(self, digest: str) -> int:
        """Size in bytes; FileNotFoundError when absent."""
        ...

    def read(self, digest: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Yield the bytes [start, end] (end inclusive, None = to the end) in chunks."""
        ...

    def delete(self, digest: str) -> None:
        """Remove a blob; removing an absent blob is not an error."""

    def local_path(self, digest: str) -> Path | None:
        """The blob as a file on this host, when the backend keeps it in one (a program
        can then be shown it without a copy); None for remote backends."""
        ...

    def iter_blobs(self) -> Iterator[tuple[str, datetime]]:
        """Every stored digest with its last-modified time (for garbage collection)."""
        ...

    def clear(self) -> None:
        """Remove every blob (registry reset)."""
