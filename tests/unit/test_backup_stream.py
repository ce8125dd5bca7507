"""The pieces of a backup archive that need no database: reading blobs for tarfile."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from typing import Any

import pytest

from registry.services.backup_format import BackupError, HashingReader


class _Chunked:
    """A blob store that serves one blob in chunks of uneven sizes."""

    def __init__(self, data: bytes, sizes: list[int]) -> None:
        self.data = data
        self.sizes = sizes

    def read(self, digest: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        at = 0
        for size in self.sizes:
            yield self.data[at : at + size]
            at += size
        if at < len(self.data):
            yield self.data[at:]


@pytest.mark.parametrize("read_size", [1, 511, 16384, 1 << 20, -1])
def test_reads_return_exactly_what_is_asked_across_chunks(read_size: int) -> None:
    rng = random.Random(read_size)
    data = rng.randbytes(300_000)
    digest = hashlib.sha256(data).hexdigest()
    store: Any = _Chunked(data, [rng.randrange(1, 70_000) for _ in range(12)])
    reader = HashingReader(store, digest)
    out = []
    while piece := reader.read(read_size):
        if read_size > 0 and len(out) * read_size + len(piece) < len(data):
            assert len(piece) == read_size  # tarfile treats a short read as the end
        out.append(piece)
    assert b"".join(out) == data
    reader.check()


def test_a_blob_whose_bytes_changed_is_refused() -> None:
    data = b"weights" * 1000
    store: Any = _Chunked(data[:-1] + b"X", [100, 5000])
    reader = HashingReader(store, hashlib.sha256(data).hexdigest())
    while reader.read(4096):
        pass
    with pytest.raises(BackupError, match="does not match its sha256"):
        reader.check()
