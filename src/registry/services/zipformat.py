"""The bytes of the registry's zips: stored (uncompressed) entries, one fixed time,
fixed permissions, and each entry's CRC and size in a data descriptor after its bytes.

The descriptor is what lets a zip be written, and hashed, in one pass while its
entries' bytes are still arriving: nothing before an entry's data depends on the data.
`ZipLayout` only computes bytes; where they go (a file, a hash, a response) is its
callers' business. The output is byte for byte what Python's `zipfile` writes to an
unseekable file with the same entries (a test holds it to that), so any zip reader
opens it, and zip64 records appear exactly where `zipfile` would put them.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

_DOS_DATE = (0 << 9) | (1 << 5) | 1  # 1980-01-01, the earliest time a zip can hold
_DOS_TIME = 0
_DESCRIPTOR_FLAG = 0x08
_UTF8_FLAG = 0x800
_VERSION = 20
_ZIP64_VERSION = 45
_UNIX = 3  # "made by" system: the permissions below are Unix ones
_PERMISSIONS = 0o644 << 16

_LOCAL = struct.Struct("<4s2B4HL2L2H")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_END = struct.Struct("<4s4H2LH")
_END64 = struct.Struct("<4sQ2H2L4Q")
_END64_LOCATOR = struct.Struct("<4sLQL")
_DESCRIPTOR_SIGNATURE = 0x08074B50


def _name(arcname: str) -> tuple[bytes, int]:
    try:
        return arcname.encode("ascii"), _DESCRIPTOR_FLAG
    except UnicodeEncodeError:
        return arcname.encode("utf-8"), _DESCRIPTOR_FLAG | _UTF8_FLAG


def needs_zip64(size: int) -> bool:
    """Whether an entry of `size` bytes gets zip64 fields in its local header; decided
    before its bytes are written, as `zipfile` decides it (the limits are read from
    `zipfile` at each call, so its rules and this module's cannot drift apart)."""
    return size >= zipfile.ZIP64_LIMIT or size * 1.05 > zipfile.ZIP64_LIMIT


@dataclass
class _Entry:
    name: bytes
    flags: int
    offset: int
    zip64: bool
    crc: int = 0
    size: int = 0


class ZipLayout:
    """The bytes of a zip, entry by entry: `begin`, the entry's data, `end_entry`, and
    at last `finish`. `offset` is how many bytes the zip holds so far."""

    def __init__(self) -> None:
        self.offset = 0
        self._entries: list[_Entry] = []
        self._open: _Entry | None = None

    def begin(self, arcname: str, size: int) -> bytes:
        """The local header of an entry about to be written; `size` is its expected
        size (it decides zip64: `end_entry` refuses a size that would decide otherwise)."""
        if self._open is not None:
            raise RuntimeError("the previous entry is still open")
        name, flags = _name(arcname)
        entry = _Entry(name, flags, self.offset, needs_zip64(size))
        extra = struct.pack("<HHQQ", 1, 16, 0, 0) if entry.zip64 else b""
        field = 0xFFFFFFFF if entry.zip64 else 0
        header = _LOCAL.pack(
            b"PK\x03\x04",
            _ZIP64_VERSION if entry.zip64 else _VERSION,
            0,
            flags,
            zipfile.ZIP_STORED,
            _DOS_TIME,
            _DOS_DATE,
            0,  # the CRC and sizes follow the data, in the descriptor
            field,
            field,
            len(name),
            len(extra),
        )
        self._open = entry
        self.offset += len(header) + len(name) + len(extra)
        return header + name + extra

    def end_entry(self, crc: int, size: int) -> bytes:
        """The data descriptor of the open entry, whose `size` data bytes were written."""
        entry = self._open
        if entry is None:
            raise RuntimeError("no entry is open")
        if needs_zip64(size) != entry.zip64:
            # Same files, same bytes: the header must be the one their real size gives.
            raise ValueError(f"{size} bytes are not the size the entry's header was made for")
        entry.crc, entry.size = crc, size
        fmt = "<LLQQ" if entry.zip64 else "<LLLL"
        descriptor = struct.pack(fmt, _DESCRIPTOR_SIGNATURE, crc, size, size)
        self._entries.append(entry)
        self._open = None
        self.offset += size + len(descriptor)
        return descriptor

    def entry(self, arcname: str, size: int, chunks: Iterable[bytes]) -> Iterator[bytes]:
        """One whole entry of `size` bytes from `chunks`: header, data, descriptor."""
        yield self.begin(arcname, size)
        crc = written = 0
        for chunk in chunks:
            crc = zlib.crc32(chunk, crc)
            written += len(chunk)
            yield chunk
        yield self.end_entry(crc, written)

    def drop_open(self) -> None:
        """Forget the open entry, as if `begin` had not been called: its writer is
        starting it again from where the entry began (`offset` is that point again)."""
        if self._open is not None:
            self.offset = self._open.offset
            self._open = None

    def finish(self) -> bytes:
        """The central directory and the end records."""
        if self._open is not None:
            raise RuntimeError("an entry is still open")
        start = self.offset
        parts = [self._central(entry) for entry in self._entries]
        directory = b"".join(parts)
        count, size = len(self._entries), len(directory)
        end = b""
        if count > zipfile.ZIP_FILECOUNT_LIMIT or max(start, size) > zipfile.ZIP64_LIMIT:
            end64_at = start + size
            end = _END64.pack(b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, size, start)
            end += _END64_LOCATOR.pack(b"PK\x06\x07", 0, end64_at, 1)
            count, size, start = min(count, 0xFFFF), min(size, 0xFFFFFFFF), min(start, 0xFFFFFFFF)
        end += _END.pack(b"PK\x05\x06", 0, 0, count, count, size, start, 0)
        self.offset += len(directory) + len(end)
        return directory + end

    @staticmethod
    def _central(entry: _Entry) -> bytes:
        values: list[int] = []
        size_field = entry.size
        if entry.size > zipfile.ZIP64_LIMIT:
            values += [entry.size, entry.size]
            size_field = 0xFFFFFFFF
        offset_field = entry.offset
        if entry.offset > zipfile.ZIP64_LIMIT:
            values.append(entry.offset)
            offset_field = 0xFFFFFFFF
        extra = struct.pack(f"<HH{len(values)}Q", 1, 8 * len(values), *values) if values else b""
        version = _ZIP64_VERSION if values or entry.zip64 else _VERSION
        return (
            _CENTRAL.pack(
                b"PK\x01\x02",
                version,
                _UNIX,
                version,
                0,
                entry.flags,
                zipfile.ZIP_STORED,
                _DOS_TIME,
                _DOS_DATE,
                entry.crc,
                size_field,
                size_field,
                len(entry.name),
                len(extra),
                0,
                0,
                0,
                _PERMISSIONS,
                offset_field,
            )
            + entry.name
            + extra
        )
