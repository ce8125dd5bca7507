"""One way to build HTTP sessions for upstream APIs: pooled, retried, identified, and
observed: every call's host and status (or `error` when nothing answered) goes to the
process's upstream observer (`observe_upstream`), huggingface_hub's calls included.
huggingface_hub's response bodies also pass the tap of the download they belong to
(registry.sources.tap), which hashes them on their way to disk.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx2
import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from registry.domain.errors import RETRY_HINT, PayloadTooLarge, UpstreamUnavailable
from registry.sources import deadline
from registry.sources.tap import tapped
from registry.storage.blobs import CHUNK_SIZE

USER_AGENT = "trustworthy-model-registry/0.1 (+https://github.com/)"


UpstreamObserver = Callable[[str, int | str], None]
_observer: list[UpstreamObserver] = []  # one slot: set once per process, at startup


def observe_upstream(observer: UpstreamObserver | None) -> None:
    """Send every upstream call of this process to `observer` (None: to nobody).

    A process-wide slot because huggingface_hub keeps one HTTP client per process."""
    _observer[:] = [observer] if observer else []
    bound_hub_transfers()


_hub_client_installed: list[bool] = []


def bound_hub_transfers() -> None:
    """Make huggingface_hub's client this module's: its calls observed (when there is an
    observer) and its transfers under the deadline of the work they are part of
    (registry.sources.deadline). Idempotent; process-wide, as huggingface_hub's client is."""
    if _hub_client_installed:
        return
    import huggingface_hub

    huggingface_hub.set_client_factory(_observed_hub_client)
    _hub_client_installed.append(True)


def _notify(url: str, status: int | str) -> None:
    if _observer:
        # Counting must never break an upstream call.
        with contextlib.suppress(Exception):
            _observer[0](urlsplit(url).netloc or "unknown", status)


class ObservedAdapter(HTTPAdapter):
    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        try:
            response = super().send(request, *args, **kwargs)
        except requests.RequestException:
            _notify(request.url or "", "error")
            raise
        _notify(request.url or "", response.status_code)
        return response


def _observed_hub_client() -> Any:
    """huggingface_hub's default client, with its calls counted like the others'."""
    from huggingface_hub.utils._http import default_client_factory

    client = default_client_factory()

    class Observed(httpx2.BaseTransport):
        def __init__(self, inner: Any) -> None:
            self.inner = inner

        def handle_request(self, request: Any) -> Any:
            try:
                response = self.inner.handle_request(request)
            except httpx2.TransportError:
                _notify(str(request.url), "error")
                raise
            _notify(str(request.url), response.status_code)
            response.stream = tapped(request, response)
            limit = deadline.current()
            if limit is not None:
                network = response.extensions.get("network_stream")
                response.stream = _Bounded(response.stream, limit, str(request.url), network)
            return response

        def close(self) -> None:
            self.inner.close()

    client._transport = Observed(client._transport)
    return client


class _Bounded(httpx2.SyncByteStream):
    """A hub response body under the deadline of the work it is part of: each chunk is
    checked as it arrives, and a timer shuts the connection's socket at the deadline, so
    a stalled or trickling transfer ends then, not at the next per-read timeout."""

    def __init__(self, inner: Any, limit: deadline.Deadline, url: str, network: Any) -> None:
        self.inner = inner
        self.limit = limit.for_fetch()
        self.url = url
        self.cut = threading.Event()
        self.closed = False
        sock = network.get_extra_info("socket") if network is not None else None
        self.timer = threading.Timer(max(0.0, self.limit.remaining()), self._fire, [sock])
        self.timer.daemon = True
        self.timer.start()

    def _fire(self, sock: Any) -> None:
        if self.closed or sock is None:
            return  # the connection may serve another request by now: leave it be
        self.cut.set()
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)

    def __iter__(self) -> Iterator[bytes]:
        doing = f"downloading {self.url}"
        try:
            for chunk in self.inner:
                self.limit.check(doing)
                yield chunk
        except Exception as exc:
            if self.cut.is_set():
                raise self.limit.passed(doing) from exc
            raise
        if self.cut.is_set():
            raise self.limit.passed(doing)

    def close(self) -> None:
        self.closed = True
        self.timer.cancel()
        self.inner.close()


def make_retry(retries: int) -> Retry:
    """Retry idempotent requests on connection errors and 5xx.

    Backoff is exponential (0.5 s, 1 s, 2 s ...) and honours Retry-After.
    """
    return Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        backoff_factor=0.5,
        status_forcelist=(500, 502, 503, 504),
        allowed_methods=frozenset({"GET", "HEAD"}),
        raise_on_status=False,
        respect_retry_after_header=True,
    )


def make_session(retries: int, pool_size: int = 16) -> requests.Session:
    """A session for the configured upstreams: pooled, retried (`make_retry`)."""
    adapter = ObservedAdapter(
        max_retries=make_retry(retries), pool_connections=pool_size, pool_maxsize=pool_size
    )
    session = requests.Session()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    return session


def stream_to_file(
    response: requests.Response,
    dest: Path,
    max_bytes: int,
    what: str,
    *,
    on_chunk: Callable[[bytes], None] | None = None,
) -> int:
    """Write a streamed response body to `dest`, refusing more than `max_bytes`, and cut
    at the deadline of the work it is part of (registry.sources.deadline); returns its
    size. `on_chunk` sees each piece on its way to disk (a hash that then need not read
    the file again)."""
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise PayloadTooLarge(f"{what} is {declared} bytes, over MAX_ARTIFACT_BYTES ({max_bytes})")
    outer = deadline.current()
    limit = outer.for_fetch() if outer is not None else None
    size = 0
    with deadline.cut_at(limit, response) as cut:
        try:
            with dest.open("wb") as out:
                for chunk in response.iter_content(CHUNK_SIZE):
                    size += len(chunk)
                    if size > max_bytes:
                        raise PayloadTooLarge(
                            f"{what} is over MAX_ARTIFACT_BYTES ({max_bytes} bytes)"
                        )
                    out.write(chunk)
                    if on_chunk is not None:
                        on_chunk(chunk)
                    if limit is not None:
                        limit.check(f"downloading {what}")
        except requests.RequestException as exc:
            if cut.is_set() and limit is not None:
                raise limit.passed(f"downloading {what}") from exc
            # A transfer cut short: the same request may well succeed next time. The cause
            # stays in the log: told to the caller, it would map the host's network.
            raise UpstreamUnavailable(
                f"downloading {what} stopped before its end; {RETRY_HINT}"
            ) from exc
        if cut.is_set() and limit is not None:
            raise limit.passed(f"downloading {what}")
    return size
