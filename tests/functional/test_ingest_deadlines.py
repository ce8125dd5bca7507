"""A trickling upstream is cut at the ingest's total deadline: 504 naming the budget,
nothing stored, no work folder left (a per-read timeout alone never trips on it)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from registry.services.container import Registry
from registry.sources import deadline
from registry.sources.http import _Bounded, observe_upstream
from tests.conftest import HF, Api, MakeApi
from tests.fakes import FakeUpstream

BODY = 4000  # bytes announced; at one byte per 0.05 s the transfer would take 200 s


class Trickle:
    """An HTTP server that answers every request with a body sent one byte at a time."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.sent = 0
        self.closed = threading.Event()
        self.stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.getsockname()[1]}/slow.bin"

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            conn.recv(65536)
            head = (
                "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                f"Content-Length: {BODY}\r\n\r\n"
            )
            try:
                conn.sendall(head.encode())
                for _ in range(BODY):
                    if self.stop.wait(0.05):
                        return
                    conn.sendall(b"x")
                    self.sent += 1
            except OSError:
                self.closed.set()  # the registry hung up on us

    def close(self) -> None:
        self.stop.set()
        self.server.close()


@pytest.fixture
def trickle() -> Iterator[Trickle]:
    server = Trickle()
    yield server
    server.close()


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"ingest_deadline": 1.0}, "INGEST_DEADLINE_SECONDS (1 s)"),
        (
            {"ingest_deadline": 60.0, "upstream_deadline_seconds": 1.0},
            "UPSTREAM_DEADLINE_SECONDS (1 s)",
        ),
    ],
)
def test_a_trickling_download_is_cut_at_the_deadline(
    make_api: MakeApi, trickle: Trickle, overrides: dict[str, float], named: str
) -> None:
    api, registry = make_api(upstream_timeout_seconds=10.0, **overrides)
    resp = api.call("POST", "/artifact/model", json={"url": trickle.url})
    assert resp.status_code == 504, resp.get_data(as_text=True)
    body = resp.get_json()
    assert body["error"] == "deadline_exceeded"
    assert named in body["message"] and "nothing was kept" in body["message"]
    # Cut well before the whole body came: the deadline, not the upstream, ended it.
    assert trickle.sent < BODY / 2
    assert trickle.closed.wait(5)
    _assert_nothing_kept(api, registry)


def _assert_nothing_kept(api: Api, registry: Registry) -> None:
    assert api.enumerate([{"name": "*"}]).get_json() == []
    work = registry.settings.data_dir / "work"
    assert [p for p in work.iterdir() if p.name.startswith("ingest-")] == []
    blobs = Path(registry.settings.data_dir / "blobs")
    assert not blobs.exists() or not any(p.is_file() for p in blobs.rglob("*"))
    assert api.call("GET", "/health").status_code == 200


def test_the_ingest_stops_between_steps_once_its_deadline_passed(make_api: MakeApi) -> None:
    """A slow policy (a rating) uses up the deadline: the ingest stops before storing."""
    api, registry = make_api(ingest_deadline=0.5)
    original = registry.ingest.policy

    class SlowPolicy:
        def check(self, *args: object) -> None:
            threading.Event().wait(0.6)
            original.check(*args)  # type: ignore[arg-type]

    registry.ingest.policy = SlowPolicy()  # type: ignore[assignment]
    from tests.conftest import BERT

    resp = api.call("POST", "/artifact/model", json={"url": BERT})
    assert resp.status_code == 504
    assert "rating" in resp.get_json()["message"]
    _assert_nothing_kept(api, registry)


def test_a_stalled_hub_download_is_cut_at_the_deadline(
    make_api: MakeApi, upstream: FakeUpstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fake hub stalls half-way through the weights until released. With the hub
    client's per-read timeout raised to 10 minutes, only the deadline's timer can end
    the transfer: the answer comes (a liveness bound far above the 2 s deadline, not a
    speed measurement), and it is a 504."""
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_DOWNLOAD_TIMEOUT", 600)
    monkeypatch.setattr(upstream.hub, "slow_timeout", 600.0)  # the stall lasts 10 minutes
    api, registry = make_api(ingest_deadline=2.0, upstream_timeout_seconds=30.0)
    upstream.release_slow.clear()
    upstream.hub.slow_stalled.clear()
    answers: list[Any] = []
    url = f"{HF}/fault/slow-download"
    worker = threading.Thread(
        target=lambda: answers.append(api.call("POST", "/artifact/model", json={"url": url})),
        daemon=True,
    )
    worker.start()
    try:
        worker.join(45)
        assert answers, "the ingest outlived its 2 s deadline by 45 s"
    finally:
        upstream.release_slow.set()
    assert upstream.hub.slow_stalled.is_set(), "the download never reached the stall"
    resp = answers[0]
    assert resp.status_code == 504, resp.get_data(as_text=True)
    assert "INGEST_DEADLINE_SECONDS (2 s)" in resp.get_json()["message"]
    _assert_nothing_kept(api, registry)


def test_a_hub_transfer_stops_at_the_deadline_between_chunks() -> None:
    chunks = iter([b"a", b"b", b"c"])
    with deadline.bounded(-1.0, "INGEST_DEADLINE_SECONDS (0 s)") as limit:
        body = _Bounded(chunks, limit, "http://hub.example/f", None)
        with pytest.raises(Exception, match="did not finish within INGEST_DEADLINE"):
            list(body)


def test_an_inner_deadline_never_extends_the_outer_one() -> None:
    with deadline.bounded(1.0, "outer") as outer, deadline.bounded(100.0, "inner") as inner:
        assert inner.at == outer.at and inner.what == "outer"
    assert deadline.current() is None


def test_a_hub_ingest_under_its_deadline_succeeds_with_the_process_hooks(
    make_api: MakeApi,
) -> None:
    """As `registry serve` runs it: the upstream observer wraps huggingface_hub's client
    and every hub body is bounded by the ingest's deadline; the client still reads it."""
    from tests.conftest import BERT

    api, registry = make_api(ingest_deadline=60.0)
    observe_upstream(registry.telemetry.upstream_call)
    try:
        resp = api.call("POST", "/artifact/model", json={"url": BERT})
    finally:
        observe_upstream(None)
    assert resp.status_code == 201, resp.get_data(as_text=True)
    artifact_id = resp.get_json()["metadata"]["id"]
    assert api.call("GET", f"/download/{artifact_id}").status_code == 200
