"""Total deadlines for upstream work: per ingest and per fetch.

A per-read timeout does not bound a transfer: an upstream sending one byte every few
seconds never trips it. So the ingest service opens a deadline (`bounded`) that the
fetch code below it reads from a context variable, without any source needing to know:

- `stream_to_file` (every requests-based download) cuts the connection at the
  deadline from a timer thread, which ends a read blocked on a trickling upstream;
- the Hugging Face transport checks it between the chunks it receives;
- the ingest checks it between its own steps, the last time just before it commits.

Crossing it raises `DeadlinePassed` (504), and nothing of the ingest is kept.
"""

from __future__ import annotations

import contextvars
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

from registry.domain.errors import DeadlinePassed

Clock = Callable[[], float]


@dataclass(frozen=True)
class Deadline:
    at: float  # time.monotonic() value
    what: str  # the budget, as the refusal names it
    fetch_seconds: float | None = None  # each upstream transfer's own budget, if any

    def remaining(self, clock: Clock = time.monotonic) -> float:
        return self.at - clock()

    def passed(self, doing: str) -> DeadlinePassed:
        return DeadlinePassed(f"{doing} did not finish within {self.what}; nothing was kept")

    def check(self, doing: str, clock: Clock = time.monotonic) -> None:
        if self.remaining(clock) <= 0:
            raise self.passed(doing)

    def for_fetch(self, clock: Clock = time.monotonic) -> Deadline:
        """The deadline of one upstream transfer starting now: its own budget, within
        this one."""
        if self.fetch_seconds is None or clock() + self.fetch_seconds >= self.at:
            return self
        seconds = self.fetch_seconds
        return Deadline(clock() + seconds, f"UPSTREAM_DEADLINE_SECONDS ({seconds:g} s)")


_current: contextvars.ContextVar[Deadline | None] = contextvars.ContextVar(
    "registry_deadline", default=None
)


def current() -> Deadline | None:
    return _current.get()


@contextmanager
def bounded(seconds: float, what: str, fetch_seconds: float | None = None) -> Iterator[Deadline]:
    """Run the block under a deadline `seconds` from now (or an earlier one already open)."""
    outer = _current.get()
    mine = Deadline(time.monotonic() + seconds, what, fetch_seconds)
    if outer is not None and outer.at <= mine.at:
        mine = Deadline(outer.at, outer.what, fetch_seconds or outer.fetch_seconds)
    token = _current.set(mine)
    try:
        yield mine
    finally:
        _current.reset(token)


def in_context(fn: Callable[..., Any]) -> Callable[..., Any]:
    """`fn`, to run in another thread (a download pool) under the caller's deadline:
    context variables do not cross into pool threads by themselves."""
    context = contextvars.copy_context()
    return lambda *args, **kwargs: context.copy().run(fn, *args, **kwargs)


def _shutdown(response: Any) -> None:
    """End any read blocked on `response`'s connection (urllib3, under requests)."""
    with suppress(Exception):
        connection = response.raw.connection
        sock = getattr(connection, "sock", None) if connection is not None else None
        if sock is not None:
            sock.shutdown(socket.SHUT_RDWR)


@contextmanager
def cut_at(deadline: Deadline | None, response: Any) -> Iterator[threading.Event]:
    """Within the block, `response`'s connection is shut at `deadline`; the event says
    whether that happened (a cut transfer may look like a short, complete one)."""
    cut = threading.Event()
    if deadline is None:
        yield cut
        return

    def fire() -> None:
        cut.set()
        _shutdown(response)

    timer = threading.Timer(max(0.0, deadline.remaining()), fire)
    timer.daemon = True
    timer.start()
    try:
        yield cut
    finally:
        timer.cancel()
