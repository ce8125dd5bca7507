"""Blob store on a local folder: DATA_DIR/blobs/ab/cd/<sha256>."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from registry.storage.blobs import CHUNK_SIZE, check_digest


class LocalBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root  # created with the first blob: constructing touches nothing
        self._tmp = root / ".incoming"

    def _path(self, digest: str) -> Path:
        check_digest(digest)
        return self.root / digest[:2] / digest[2:4] / digest

    def put_file(self, digest: str, source: Path) -> None:
        target = self._path(digest)
        if target.exists():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        self._tmp.mkdir(parents=True, exist_ok=True)
        # Write under a temporary name inside the store, then rename: readers never
        # see a partly written blob, and a crash leaves only a stray temp file.
        # mktemp, because os.link needs a name that does not exist yet; the race it is
        # known for cannot hurt here: the folder is the store's own (not a shared /tmp),
        # and os.link and open("xb") fail rather than follow or overwrite what is there.
        tmp = Path(tempfile.mktemp(dir=self._tmp))  # noqa: S306  # nosec B306
        try:
            try:
                # Same file system (the ingest work folder lives in DATA_DIR too):
                # a hard link stores the file without copying a byte.
                os.link(source, tmp)
            except OSError:
                with tmp.open("xb") as out, source.open("rb") as src:
                    shutil.copyfileobj(src, out, CHUNK_SIZE)
                    out.flush()
                    os.fsync(out.fileno())
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def local_path(self, digest: str) -> Path | None:
        path = self._path(digest)
        return path if path.is_file() else None

    def exists(self, digest: str) -> bool:
        return self._path(digest).is_file()

    def size(self, digest: str) -> int:
        return self._path(digest).stat().st_size

    def read(self, digest: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        path = self._path(digest)
        fh = path.open("rb")  # raises FileNotFoundError before the first chunk is asked for
        return self._chunks(fh, start, end)

    @staticmethod
    def _chunks(fh: BinaryIO, start: int, end: int | None) -> Iterator[bytes]:
        with fh:
            fh.seek(start)
            remaining = None if end is None else end - start + 1
            while remaining is None or remaining > 0:
                want = CHUNK_SIZE if remaining is None else min(CHUNK_SIZE, remaining)
                chunk = fh.read(want)
                if not chunk:
                    return
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk

    def delete(self, digest: str) -> None:
        self._path(digest).unlink(missing_ok=True)

    def iter_blobs(self) -> Iterator[tuple[str, datetime]]:
        for path in self.root.glob("??/??/*"):
            if path.is_file() and len(path.name) == 64:
                yield path.name, datetime.fromtimestamp(path.stat().st_mtime, UTC)

    def clear(self) -> None:
        if not self.root.is_dir():
            return
        for sub in self.root.iterdir():
            if sub.is_dir() and len(sub.name) == 2:
                shutil.rmtree(sub, ignore_errors=True)
