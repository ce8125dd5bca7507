"""A file's bytes hashed as they come off the wire, so nothing reads the file again.

huggingface_hub writes each downloaded file itself; the registry sees its bytes only
as they pass through the HTTP client's transport (registry.sources.http). A `Tap`,
opened around one file's download (`tapping`), takes the body of the response that
carries the file: it hashes it and hands it on (to the bundle being written beside
the download). The tap vouches for its hash only when that is beyond doubt: exactly
one full, unencoded body (a 200), as many bytes as the file holds. A resumed
transfer (206), an encoded body, a retry or a file served from a local cache leaves
it without a verdict, and the caller reads the file instead.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2

_current: contextvars.ContextVar[Tap | None] = contextvars.ContextVar("registry_tap", default=None)


class Tap:
    def __init__(self, on_bytes: Callable[[bytes], None] | None = None) -> None:
        self.on_bytes = on_bytes
        self.sha256 = hashlib.sha256()
        self.size = 0
        self.bodies = 0
        self.doubtful = False

    def take(self, method: str, status: int, headers: Any, stream: Any) -> Any:
        """The response body to hand the client: `stream`, tapped when it is the file."""
        if method != "GET" or 300 <= status < 400:
            return stream  # metadata requests and redirects carry no file bytes
        encoding = str(headers.get("content-encoding", "") or "").strip().lower()
        if status != 200 or encoding not in ("", "identity"):
            if 200 <= status < 300:
                self.doubtful = True  # part of the file, or its bytes encoded
            return stream
        self.bodies += 1
        if self.bodies > 1:
            self.doubtful = True  # a second body: the first may not be what was kept
            self.on_bytes = None
            return stream
        return _Tapped(stream, self)

    def _update(self, data: bytes) -> None:
        self.sha256.update(data)
        self.size += len(data)
        if self.on_bytes is not None:
            self.on_bytes(data)

    def verdict(self, local: Path) -> tuple[str, int] | None:
        """(sha256, size) of the file at `local`, when the tap saw exactly its bytes."""
        if self.doubtful or self.bodies != 1 or local.stat().st_size != self.size:
            return None
        return self.sha256.hexdigest(), self.size


class _Tapped(httpx2.SyncByteStream):
    def __init__(self, inner: Any, tap: Tap) -> None:
        self.inner = inner
        self.tap = tap

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.inner:
            self.tap._update(chunk)
            yield chunk

    def close(self) -> None:
        self.inner.close()


@contextlib.contextmanager
def tapping(on_bytes: Callable[[bytes], None] | None = None) -> Iterator[Tap]:
    """Tap the file downloaded in this context (this thread, until the block ends)."""
    tap = Tap(on_bytes)
    token = _current.set(tap)
    try:
        yield tap
    finally:
        _current.reset(token)


def tapped(request: Any, response: Any) -> Any:
    """`response`'s body, through the tap of the download it belongs to, if any."""
    tap = _current.get()
    if tap is None:
        return response.stream
    return tap.take(request.method, response.status_code, response.headers, response.stream)
