"""Byte ranges of stored files, shared by /download and the Hub-compatible API."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from flask import Response, request

from registry.domain.errors import RangeNotSatisfiable
from registry.services.download import Use
from registry.storage.blobs import CHUNK_SIZE


@dataclass(frozen=True)
class Span:
    start: int
    end: int  # inclusive
    status: int  # 200 for the whole body, 206 for a part of it
    content_range: str | None


def transfer_use() -> Use:
    """Does this request start a download (audited, decided by a monitor), resume one,
    or read no bytes?

    A HEAD reads no bytes; a Range that does not begin at byte 0 continues a transfer
    an earlier request started. Everything else is a new download.
    """
    if request.method == "HEAD":
        return Use.LOOK
    rng = request.range
    if rng is None or not rng.ranges or rng.ranges[0][0] == 0:
        return Use.START
    return Use.RESUME


def requested_span(size: int, etag: str, what: str) -> Span:
    """The part of a `size`-byte body the request asks for (Range, If-Range)."""
    rng = request.range
    if_range = request.headers.get("If-Range")
    if rng is not None and (if_range is None or if_range.strip() == f'"{etag}"'):
        span = rng.range_for_length(size)
        if span is None and len(rng.ranges) == 1:
            raise RangeNotSatisfiable(
                f"the range {request.headers.get('Range')} lies outside the {size}-byte {what}",
                size=size,
            )
        if span is not None:  # several ranges at once are answered with the whole body
            start, end = span[0], span[1] - 1
            return Span(start, end, 206, f"bytes {start}-{end}/{size}")
    return Span(0, size - 1, 200, None)


def not_modified(etag: str) -> bool:
    return request.if_none_match.contains(etag) or request.if_none_match.star_tag


def ranged_response(
    size: int,
    etag: str,
    what: str,
    read: Callable[[int, int], Iterator[bytes]],
    *,
    headers: dict[str, str],
    mimetype: str,
    open_file: Callable[[int], BinaryIO | None] | None = None,
) -> Response:
    """Stream `read(start, end)` for the requested span, with the range headers.

    With `open_file(start)` (the blob as a local file, positioned at `start`) and a
    server that offers `wsgi.file_wrapper` (gunicorn), the file itself is the body:
    gunicorn then moves the bytes with sendfile(2), from the page cache to the socket
    without passing through Python, and stops at Content-Length, which bounds a range
    (PEP 3333 requires a server never to send more than Content-Length)."""
    span = requested_span(size, etag, what)
    length = span.end - span.start + 1
    headers = {**headers, "Accept-Ranges": "bytes", "Content-Length": str(length)}
    if span.content_range:
        headers["Content-Range"] = span.content_range
    if request.method == "HEAD":
        return Response(status=span.status, mimetype=mimetype, headers=headers)
    body: Iterable[bytes] = iter([b""])
    if size:
        wrapper: Callable[[BinaryIO, int], Iterable[bytes]] | None
        wrapper = request.environ.get("wsgi.file_wrapper")
        fh = open_file(span.start) if wrapper is not None and open_file is not None else None
        if wrapper is not None and fh is not None:
            body = wrapper(fh, CHUNK_SIZE)
        else:
            body = read(span.start, span.end)
    return Response(
        body, status=span.status, mimetype=mimetype, headers=headers, direct_passthrough=True
    )
