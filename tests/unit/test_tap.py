"""The tap vouches for a file's hash only when it saw exactly the file's bytes."""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import SimpleNamespace

import httpx2

from registry.sources.tap import Tap, tapped, tapping

DATA = b"weights " * 1000


def _body(tap: Tap, method: str, status: int, data: bytes, **headers: str) -> bytes:
    stream = httpx2.ByteStream(data)
    out = tap.take(method, status, httpx2.Headers(headers), stream)
    return b"".join(out)


def _file(tmp_path: Path, data: bytes = DATA) -> Path:
    path = tmp_path / "model.safetensors"
    path.write_bytes(data)
    return path


def test_one_whole_plain_body_is_hashed_and_handed_on(tmp_path: Path) -> None:
    fed: list[bytes] = []
    tap = Tap(fed.append)
    assert _body(tap, "HEAD", 200, b"") == b""
    assert _body(tap, "GET", 302, b"see elsewhere") == b"see elsewhere"  # a redirect
    assert _body(tap, "GET", 200, DATA) == DATA  # the client still gets every byte
    assert b"".join(fed) == DATA
    assert tap.verdict(_file(tmp_path)) == (hashlib.sha256(DATA).hexdigest(), len(DATA))


def test_a_resumed_transfer_leaves_no_verdict(tmp_path: Path) -> None:
    tap = Tap()
    _body(tap, "GET", 200, DATA[:100])
    _body(tap, "GET", 206, DATA[100:])
    assert tap.verdict(_file(tmp_path)) is None


def test_a_second_full_body_leaves_no_verdict_and_stops_the_feed(tmp_path: Path) -> None:
    fed: list[bytes] = []
    tap = Tap(fed.append)
    _body(tap, "GET", 200, DATA[:100])
    _body(tap, "GET", 200, DATA)
    assert b"".join(fed) == DATA[:100]
    assert tap.verdict(_file(tmp_path)) is None


def test_an_encoded_body_is_not_the_file(tmp_path: Path) -> None:
    fed: list[bytes] = []
    tap = Tap(fed.append)
    _body(tap, "GET", 200, b"\x1f\x8b compressed", **{"Content-Encoding": "gzip"})
    assert fed == []
    assert tap.verdict(_file(tmp_path)) is None
    plain = Tap()
    _body(plain, "GET", 200, DATA, **{"Content-Encoding": "identity"})
    assert plain.verdict(_file(tmp_path)) is not None


def test_a_file_other_than_the_body_leaves_no_verdict(tmp_path: Path) -> None:
    tap = Tap()
    _body(tap, "GET", 200, DATA)
    assert tap.verdict(_file(tmp_path, DATA + b"more")) is None
    untouched = Tap()  # served from a local copy: no body at all
    assert untouched.verdict(_file(tmp_path)) is None


def test_error_bodies_are_not_counted(tmp_path: Path) -> None:
    tap = Tap()
    _body(tap, "GET", 503, b"try again")
    _body(tap, "GET", 200, DATA)
    assert tap.verdict(_file(tmp_path)) is not None


def test_responses_outside_a_tapped_download_pass_untouched() -> None:
    stream = httpx2.ByteStream(DATA)
    response = SimpleNamespace(status_code=200, headers=httpx2.Headers(), stream=stream)
    request = SimpleNamespace(method="GET")
    assert tapped(request, response) is stream
    with tapping() as tap:
        assert b"".join(tapped(request, response)) == DATA
    assert tap.size == len(DATA)
