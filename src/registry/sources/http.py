"""One way to build HTTP sessions for upstream APIs: pooled, retried, identified."""

from __future__ import annotations

from pathlib import Path

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from registry.domain.errors import RETRY_HINT, PayloadTooLarge, UpstreamUnavailable
from registry.storage.blobs import CHUNK_SIZE

USER_AGENT = "trustworthy-model-registry/0.1 (+https://github.com/)"


def make_session(retries: int, pool_size: int = 16) -> requests.Session:
    """A session that retries idempotent requests on connection errors and 5xx.

    Backoff is exponential (0.5 s, 1 s, 2 s ...) and honours Retry-After.
    """
    retry = Retry(
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
    adapter = HTTPAdapter(max_retries=retry, pool_connections=pool_size, pool_maxsize=pool_size)
    session = requests.Session()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    return session


def stream_to_file(response: requests.Response, dest: Path, max_bytes: int, what: str) -> int:
    """Write a streamed response body to `dest`, refusing more than `max_bytes`."""
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise PayloadTooLarge(f"{what} is {declared} bytes, over MAX_ARTIFACT_BYTES ({max_bytes})")
    size = 0
    try:
        with dest.open("wb") as out:
            for chunk in response.iter_content(CHUNK_SIZE):
                size += len(chunk)
                if size > max_bytes:
                    raise PayloadTooLarge(f"{what} is over MAX_ARTIFACT_BYTES ({max_bytes} bytes)")
                out.write(chunk)
    except requests.RequestException as exc:
        # A transfer cut short: the same request may well succeed next time.
        raise UpstreamUnavailable(f"downloading {what} failed: {exc}; {RETRY_HINT}") from exc
    return size
