"""Downloads through the WSGI file wrapper (sendfile under gunicorn) carry exactly the
bytes and headers of the streamed path, for whole files and for every kind of range."""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO

import pytest
from flask import Flask

from tests.conftest import BOOKCORPUS, Api
from tests.fakes import FakeUpstream
from tests.functional.server_process import ServerProcess, server_env

LARGE = "https://huggingface.co/acme/large-weights"
RANGES = [None, "bytes=0-99", "bytes=100-", "bytes=-50", "bytes=1000-1999", "bytes=5-5"]
COMPARED = ("Content-Length", "Content-Range", "ETag", "Accept-Ranges", "Content-Type")


def _headers(range_: str | None) -> dict[str, str]:
    return {"Range": range_} if range_ else {}


class _Recorder:
    """A `wsgi.file_wrapper` that notes what it was handed, then reads like gunicorn's
    fallback: from the file's position to its end (this range runs to the end)."""

    used: list[tuple[str, int]] = []

    def __init__(self, fh: BinaryIO, block: int) -> None:
        self.fh = fh
        self.block = block
        _Recorder.used.append((fh.name, fh.tell()))

    def __iter__(self) -> Any:
        while chunk := self.fh.read(self.block):
            yield chunk

    def close(self) -> None:
        self.fh.close()


def test_the_file_wrapper_is_handed_the_blob_at_the_range_start(app: Flask, api: Api) -> None:
    art = api.ingest("dataset", BOOKCORPUS)
    path = api.download_path(art)
    client = app.test_client()
    _Recorder.used.clear()
    headers = {"X-Authorization": str(api.token), "Range": "bytes=100-"}
    resp = client.get(path, headers=headers, environ_base={"wsgi.file_wrapper": _Recorder})
    slow = api.call("GET", path, headers={"Range": "bytes=100-"})
    assert resp.status_code == slow.status_code == 206
    assert resp.get_data() == slow.get_data()
    assert len(_Recorder.used) == 1
    name, position = _Recorder.used[0]
    assert position == 100
    assert Path(name).name == resp.headers["ETag"].strip('"')  # the bundle's blob itself


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_gunicorn_sendfile_serves_what_the_streamed_path_serves(
    tmp_path: Path, database_url: str, upstream: FakeUpstream, api: Api
) -> None:
    """The registry under gunicorn (which sends files with sendfile) against the same
    registry through the test client (no file wrapper: Python streams the chunks)."""
    art = api.ingest("model", LARGE)
    path = api.download_path(art)
    data_dir = tmp_path / "data"  # the `api` fixture's registry, shared with the server
    server = ServerProcess(
        server_env(
            data_dir,
            database_url,
            upstream,
            JWT_SECRET="test-jwt-secret-0123456789abcdef",
            SECRET_KEY="test-secret-key-0123456789abcdef",
            TOKEN_MAX_USES="0",
        ),
        tmp_path / "server.log",
    ).start()
    try:
        for range_ in RANGES:
            fast = server.call("GET", path, str(api.token), headers=_headers(range_))
            slow = api.call("GET", path, headers=_headers(range_))
            assert fast.status_code == slow.status_code, range_
            assert fast.content == slow.get_data(), range_
            for name in COMPARED:
                assert fast.headers.get(name) == slow.headers.get(name), (range_, name)
    finally:
        server.stop()
