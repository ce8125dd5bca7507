"""How rows and blobs become members of a backup archive, and back.

Rows are JSON objects, one a line, with datetimes in ISO 8601 (UTC); blobs are read
for tarfile in exact-size pieces and checked against their sha256 on the way.
"""

from __future__ import annotations

import hashlib
import json
import tarfile
from datetime import datetime
from typing import Any

from sqlalchemy import Table

from registry.db.models import UTCDateTime
from registry.storage.blobs import BlobStore


class BackupError(RuntimeError):
    """The backup or restore cannot go on; the message says why and what to do."""


def encode_row(table: Table, row: Any) -> bytes:
    values = {}
    for column in table.columns:
        value = row._mapping[column]
        values[column.name] = value.isoformat() if isinstance(value, datetime) else value
    return json.dumps(values, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"


def decode_row(table: Table, line: bytes) -> dict[str, Any]:
    raw = json.loads(line)
    if not isinstance(raw, dict) or set(raw) != {c.name for c in table.columns}:
        raise BackupError(f"a row of table {table.name} does not have its columns")
    for column in table.columns:
        value = raw[column.name]
        if isinstance(column.type, UTCDateTime) and value is not None:
            raw[column.name] = datetime.fromisoformat(value)
    return raw


class HashingReader:
    """A blob as a file object for tarfile, checked against its digest as it is read.

    tarfile wants exactly `size` bytes per read; the blob comes in larger chunks, which
    are handed out by offset so that no byte is copied more than once."""

    def __init__(self, blobs: BlobStore, digest: str) -> None:
        self.digest = digest
        self._chunks = blobs.read(digest)
        self._chunk = b""
        self._offset = 0
        self._hash = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        parts = []
        wanted = size
        while wanted != 0:
            if self._offset >= len(self._chunk):
                chunk = next(self._chunks, None)
                if chunk is None:
                    break
                self._hash.update(chunk)
                self._chunk, self._offset = chunk, 0
            left = len(self._chunk) - self._offset
            take = left if wanted < 0 else min(wanted, left)
            parts.append(self._chunk[self._offset : self._offset + take])
            self._offset += take
            if wanted > 0:
                wanted -= take
        return b"".join(parts)

    def check(self) -> None:
        if self._hash.hexdigest() != self.digest:
            raise BackupError(
                f"the stored blob {self.digest} does not match its sha256: run "
                "`registry verify --repair` before backing up"
            )


def first_line(error: object) -> str:
    return (str(error).strip().splitlines() or ["unknown error"])[0]


def add_member(tar: tarfile.TarFile, name: str, size: int, fileobj: Any) -> None:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o600
    info.mtime = 0  # the same registry backs up to the same bytes
    tar.addfile(info, fileobj)


class BytesReader:
    def __init__(self, data: bytes) -> None:
        self._data = memoryview(data)

    def read(self, size: int = -1) -> bytes:
        size = len(self._data) if size < 0 else size
        out, self._data = bytes(self._data[:size]), self._data[size:]
        return out
