"""An ingest's bundle, written and hashed while its files are still downloading.

A source hands each file's bytes to the writer as they come off the wire (`feed`),
and says when the file is whole on disk (`complete`). A thread writes the bundle in
name order: the entry it is on is written from those bytes as they arrive, so the
bundle is done, hashed, moments after the last download ends, and no downloaded file
is read again. Bytes of an entry that is not yet the bundle's turn wait in memory, up
to a bound (`memory`). Past it, a transfer waits for the writer (at most
`wait_seconds`) when every entry before it is already being fetched, so that waiting
cannot hold up what it waits for; otherwise its bytes are dropped, and the entry is
read from its file once whole. The entry being written holds at most `memory` bytes
of its own (so at most twice `memory` wait in all): a transfer faster than the writer
waits for it. A source that could not vouch
for what it fed (a retried or re-encoded transfer) says so with `live=False`, and
that entry, too, is read from its file. An entry started
from live bytes that turn out unusable is rewound (the file is truncated, the hash
restored from a copy) and written again from its file. The result is byte for byte
what `build_bundle` makes of the same files, whatever arrived in which order.
"""

from __future__ import annotations

import hashlib
import threading
import time
import zlib
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from registry.services.zipformat import ZipLayout, needs_zip64
from registry.storage.blobs import CHUNK_SIZE

DEFAULT_MEMORY = 16 << 20
DEFAULT_WAIT_SECONDS = 30.0


class _Aborted(Exception):
    pass


@dataclass
class _Slot:
    name: str
    expected: int | None
    chunks: deque[bytes] = field(default_factory=deque)
    buffered: int = 0
    begun: bool = False  # its transfer has started: it completes without help
    live: bool = True  # the bytes fed so far are the file's first bytes
    local: Path | None = None  # set once the file is whole on disk


class BundleWriter:
    """Writes the bundle of a set of files to `dest`; `finish` returns (sha256, size).

    Use it as a context manager: leaving it without `finish` stops its thread."""

    def __init__(
        self,
        dest: Path,
        memory: int = DEFAULT_MEMORY,
        wait_seconds: float = DEFAULT_WAIT_SECONDS,
    ) -> None:
        self.dest = dest
        self.memory = memory
        self.wait_seconds = wait_seconds
        self._cond = threading.Condition()
        self._slots: dict[str, _Slot] = {}
        self._order: list[str] = []
        self._position: dict[str, int] = {}
        self._turn = 0  # the index in `_order` of the entry being written
        self._buffered = 0
        self._aborted = False
        self._thread: threading.Thread | None = None
        self._result: tuple[str, int] | None = None
        self._error: BaseException | None = None
        self._hash = hashlib.sha256()
        self._layout = ZipLayout()

    # --- the source's side (request and download threads) ---

    def plan(self, entries: Iterable[tuple[str, int | None]]) -> None:
        """The bundle's entries (name, expected size or None), before any bytes arrive."""
        with self._cond:
            if self._thread is not None:
                raise RuntimeError("the bundle's entries are already planned")
            for name, expected in entries:
                if name in self._slots:
                    raise ValueError(f"{name} is planned twice")
                self._slots[name] = _Slot(name, expected)
            self._order = sorted(self._slots)
            self._position = {name: i for i, name in enumerate(self._order)}
            self._thread = threading.Thread(target=self._run, name="bundle-writer", daemon=True)
            self._thread.start()

    def begin(self, name: str) -> None:
        """The transfer of `name` starts: it will complete without anyone's help."""
        with self._cond:
            slot = self._slots.get(name)
            if slot is not None:
                slot.begun = True

    def feed(self, name: str, data: bytes) -> None:
        """The next bytes of `name`, straight from the transfer; waits while the bytes
        waiting in memory are at their bound, when waiting is safe (see above)."""
        give_up = time.monotonic() + self.wait_seconds
        with self._cond:
            slot = self._slots.get(name)
            while True:
                if slot is None or not slot.live or slot.local is not None or self._aborted:
                    return
                position = self._position[name]
                # A chunk is taken whole: one larger than the bound still goes alone.
                if position == self._turn:  # being written: only its own bytes count
                    if not slot.chunks or slot.buffered + len(data) <= self.memory:
                        break
                elif not self._buffered or self._buffered + len(data) <= self.memory:
                    break
                elif not self._ahead_underway(position):
                    self._drop(slot)  # waiting could hold up the entries before it
                    return
                remaining = give_up - time.monotonic()
                if remaining <= 0:
                    self._drop(slot)
                    return
                self._cond.wait(remaining)
            slot.chunks.append(data)
            slot.buffered += len(data)
            self._buffered += len(data)
            self._cond.notify_all()

    def _ahead_underway(self, position: int) -> bool:
        """Under the lock: every entry before `position` is whole or being fetched."""
        before = (self._slots[n] for n in self._order[:position])
        return all(s.begun or s.local is not None for s in before)

    def complete(self, name: str, local: Path, *, live: bool) -> None:
        """`name` is whole at `local`; `live`: the bytes fed for it are exactly its bytes."""
        with self._cond:
            slot = self._slots.get(name)
            if slot is None or slot.local is not None:
                return
            if not live:
                self._drop(slot)
            slot.local = local
            self._cond.notify_all()

    # --- the ingest's side ---

    def finish(self, files: Iterable[tuple[str, Path]]) -> tuple[str, int]:
        """Complete the entries nobody completed from `files` (name, local path), wait
        for the bundle and return (sha256, size). A plan that named other entries than
        `files` is abandoned, and the bundle built from `files` alone."""
        files = list(files)
        if self._thread is None:
            self.plan((name, local.stat().st_size) for name, local in files)
        elif set(self._slots) != {name for name, _local in files}:
            self.close()
            with BundleWriter(self.dest, self.memory) as fresh:
                return fresh.finish(files)
        for name, local in files:
            self.complete(name, local, live=False)
        assert self._thread is not None
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result

    def close(self) -> None:
        """Stop the writer thread, whatever it is doing (idempotent)."""
        with self._cond:
            self._aborted = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> BundleWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- the writer thread ---

    def _drop(self, slot: _Slot) -> None:
        """Under the lock: forget `slot`'s live bytes; its file will be read instead."""
        slot.live = False
        self._buffered -= slot.buffered
        slot.chunks.clear()
        slot.buffered = 0
        self._cond.notify_all()

    def _wait(self, ready: Callable[[], bool]) -> None:
        """Under the lock: wait until `ready()` or the writer is stopped."""
        self._cond.wait_for(lambda: self._aborted or ready())
        if self._aborted:
            raise _Aborted

    def _run(self) -> None:
        try:
            with self.dest.open("wb") as out:
                for turn, name in enumerate(self._order):
                    with self._cond:
                        self._turn = turn
                        self._cond.notify_all()  # a transfer waiting for its turn goes on
                    self._entry(self._slots[name], out)
                self._emit(out, self._layout.finish())
            self._result = (self._hash.hexdigest(), self._layout.offset)
        except _Aborted:
            pass
        except BaseException as exc:  # handed to finish(), which raises it in its thread
            self._error = exc
            with self._cond:
                self._aborted = True  # sources stop feeding a writer that has failed

    def _emit(self, out: BinaryIO, data: bytes) -> None:
        self._hash.update(data)
        out.write(data)

    def _entry(self, slot: _Slot, out: BinaryIO) -> None:
        start, hashed = self._layout.offset, self._hash.copy()
        with self._cond:
            self._wait(lambda: bool(slot.chunks) or slot.local is not None or not slot.live)
            live = slot.live
        if live:
            if self._follow(slot, out):
                return
            self._layout.drop_open()  # rewind: the entry is written again from its file
            out.seek(start)
            out.truncate()
            self._hash = hashed
        with self._cond:
            self._wait(lambda: slot.local is not None)
        assert slot.local is not None
        self._from_file(slot.name, slot.local, out)

    def _follow(self, slot: _Slot, out: BinaryIO) -> bool:
        """Write `slot` from its live bytes; False when they turn out unusable."""
        expected = slot.expected if slot.expected is not None else 0
        self._emit(out, self._layout.begin(slot.name, expected))
        crc = size = 0
        while True:
            with self._cond:
                self._wait(lambda: bool(slot.chunks) or slot.local is not None or not slot.live)
                if not slot.live:
                    return False
                # One chunk at a time: what waits in memory is what `memory` counts.
                chunk = slot.chunks.popleft() if slot.chunks else b""
                slot.buffered -= len(chunk)
                self._buffered -= len(chunk)
                whole = slot.local if not slot.chunks else None  # no more bytes will come
                if chunk:
                    self._cond.notify_all()  # room for a waiting transfer
            crc = zlib.crc32(chunk, crc)
            size += len(chunk)
            self._emit(out, chunk)
            if whole is not None:
                if size != whole.stat().st_size or needs_zip64(size) != needs_zip64(expected):
                    return False
                self._emit(out, self._layout.end_entry(crc, size))
                return True

    def _from_file(self, name: str, local: Path, out: BinaryIO) -> None:
        with local.open("rb") as src:
            chunks = iter(lambda: src.read(CHUNK_SIZE), b"")
            for piece in self._layout.entry(name, local.stat().st_size, chunks):
                self._emit(out, piece)
