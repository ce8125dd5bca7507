"""Reading a jail run's output: never past the deadline, never more than the cap."""

from __future__ import annotations

import os
import selectors
import subprocess
import time
from enum import Enum

_CHUNK = 1 << 16


class Stop(Enum):
    DEADLINE = "time"
    OUTPUT = "output"


class OutputReader:
    """Collects stdout (and stderr, when not merged) of a process, at most `cap` bytes each."""

    def __init__(self, proc: subprocess.Popen[bytes], cap: int) -> None:
        self.cap = cap
        self._selector = selectors.DefaultSelector()
        self._buffers: dict[str, bytearray] = {}
        self._streams = [s for s in (proc.stdout, proc.stderr) if s is not None]
        for name, stream in (("out", proc.stdout), ("err", proc.stderr)):
            if stream is not None:
                self._buffers[name] = bytearray()
                self._selector.register(stream, selectors.EVENT_READ, name)

    def read_until(self, deadline: float) -> Stop | None:
        """Read until every stream is closed (None), the deadline passes, or a stream
        exceeds the cap; a program that floods its output is stopped, not followed."""
        while self._selector.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return Stop.DEADLINE
            for key, _ in self._selector.select(remaining):
                chunk = os.read(key.fd, _CHUNK)
                if not chunk:
                    self._selector.unregister(key.fileobj)
                    continue
                buffer = self._buffers[key.data]
                room = self.cap - len(buffer)
                buffer += chunk[:room]
                if len(chunk) > room:
                    return Stop.OUTPUT
        return None

    def text(self, stream: str = "out") -> str:
        return bytes(self._buffers.get(stream, b"")).decode("utf-8", errors="replace")

    def close(self) -> None:
        self._selector.close()
        for stream in self._streams:
            stream.close()
