"""Plumbing shared by the fake servers: request logging, raw-path parsing, JSON and file bodies."""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from werkzeug.wrappers import Request, Response

from .records import FakeFile

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str  # decoded path, without the query string
    query: str
    headers: dict[str, str]
    status: int


@dataclass
class RequestLog:
    """Every request a fake answered, so tests can assert caching and once-only behaviour."""

    records: list[RequestRecord] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, record: RequestRecord) -> None:
        with self._lock:
            self.records.append(record)

    def snapshot(self) -> list[RequestRecord]:
        with self._lock:
            return list(self.records)

    def count(self, path: str | None = None, method: str | None = None) -> int:
        """Requests whose path equals ``path`` (any path if None), by method if given."""
        return sum(
            1
            for r in self.snapshot()
            if (path is None or r.path == path) and (method is None or r.method == method)
        )

    def counter(self) -> Counter[str]:
        """``"METHOD /path"`` -> number of requests."""
        return Counter(f"{r.method} {r.path}" for r in self.snapshot())

    def matching(self, needle: str) -> list[RequestRecord]:
        return [r for r in self.snapshot() if needle in r.path]

    def clear(self) -> None:
        with self._lock:
            self.records.clear()


def raw_segments(environ: WSGIEnvironment) -> list[str]:
    """Path segments, each percent-decoded *after* splitting.

    PATH_INFO is already decoded, which would turn a revision like ``refs%2Fheads%2Fmain`` or a
    tree path ``unet%2Fconfig.json`` into extra segments; the raw request target keeps them apart.
    """
    raw: str = environ.get("RAW_URI") or environ.get("REQUEST_URI") or ""
    if not raw:
        decoded: str = environ.get("PATH_INFO") or "/"
        return decoded.split("/")[1:]
    path = urlsplit(raw).path if raw.startswith(("http://", "https://")) else raw.partition("?")[0]
    return [unquote(segment) for segment in path.split("/")[1:]]


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(data), status=status, headers=headers, content_type="application/json"
    )


_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)


def parse_range(header: str | None, size: int) -> tuple[int, int] | str | None:
    """A single ``Range`` as ``(start, end_exclusive)``; None = no/ignored range; "bad" = 416."""
    if not header:
        return None
    match = _RANGE.match(header)
    if match is None:
        return None  # multi-range or garbage: like many servers, answer with the whole body
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:
        suffix = int(last)
        if suffix == 0:
            return "bad"
        return max(size - suffix, 0), size
    start = int(first)
    end = min(int(last) + 1, size) if last else size
    if start >= size or start >= end:
        return "bad"
    return start, end


def file_response(
    request: Request,
    file: FakeFile,
    headers: dict[str, str],
    body: Callable[[int, int], Iterable[bytes]] | None = None,
) -> Response:
    """Serve ``file`` with Range support: 200, 206 with Content-Range, or 416.

    ``body(start, end)`` lets a caller substitute the byte stream (the slow-download fault).
    """
    headers = {"Accept-Ranges": "bytes", "Content-Type": file.content_type, **headers}
    wanted = parse_range(request.headers.get("Range"), file.size)
    if wanted == "bad":
        headers["Content-Range"] = f"bytes */{file.size}"
        headers["Content-Length"] = "0"
        return Response(b"", status=416, headers=headers)
    status = 200
    start, end = 0, file.size
    if isinstance(wanted, tuple):
        start, end = wanted
        status = 206
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{file.size}"
    headers["Content-Length"] = str(end - start)
    stream = body(start, end) if body is not None else file.iter_bytes(start, end)
    # direct_passthrough: werkzeug must not buffer or re-encode the generator.
    return Response(stream, status=status, headers=headers, direct_passthrough=True)


class FakeApp:
    """A WSGI app that logs each request and dispatches to ``handle``."""

    def __init__(self) -> None:
        self.requests_seen = RequestLog()

    def handle(self, request: Request, segments: list[str]) -> Response:
        raise NotImplementedError

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        segments = raw_segments(environ)
        try:
            response = self.handle(request, segments)
        except Exception as error:  # a bug in a fake should read as a 500, not a hang
            response = json_response({"error": f"fake server bug: {error!r}"}, 500)
        self.requests_seen.add(
            RequestRecord(
                method=request.method,
                path=request.path,
                query=request.query_string.decode(),
                headers=dict(request.headers.items()),
                status=response.status_code,
            )
        )
        return response(environ, start_response)


def throttled(
    chunks: Iterator[bytes],
    start: int,
    stall_at: int,
    stalled: threading.Event,
    release: threading.Event,
    timeout: float,
) -> Iterator[bytes]:
    """Pass ``chunks`` (which begin at byte ``start``) through, pausing once at ``stall_at``."""
    position = start
    paused = False
    for chunk in chunks:
        rest = chunk
        if not paused and position + len(chunk) > stall_at:
            head = max(stall_at - position, 0)
            if head:
                yield chunk[:head]
                position += head
                rest = chunk[head:]
            paused = True
            stalled.set()
            release.wait(timeout)
        position += len(rest)
        yield rest
