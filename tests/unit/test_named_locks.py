"""Named locks exclude each other per name and leave nothing behind when released."""

from __future__ import annotations

import threading

from registry.db.session import Database


def test_a_thousand_names_leave_no_lock_behind() -> None:
    db = Database("sqlite://")
    for i in range(1000):
        with db.named_lock(f"rating:{i}"):
            assert len(db._thread_locks) == 1
    assert db._thread_locks == {}


def test_the_same_name_is_exclusive_and_other_names_are_not() -> None:
    db = Database("sqlite://")
    events: list[str] = []
    first_in, second_waiting = threading.Event(), threading.Event()

    def second() -> None:
        second_waiting.set()
        with db.named_lock("rating:1"):
            events.append("second in")

    with db.named_lock("rating:1"):
        events.append("first in")
        first_in.set()
        worker = threading.Thread(target=second)
        worker.start()
        second_waiting.wait(5)
        # Wait until the second thread is queued on this very lock, then check that a
        # different name is free meanwhile.
        for _ in range(500):
            if db._thread_locks["rating:1"][1] == 2:
                break
            threading.Event().wait(0.01)
        assert db._thread_locks["rating:1"][1] == 2
        with db.named_lock("rating:2"):
            events.append("other name in")
        events.append("first out")
    worker.join(5)
    assert events == ["first in", "other name in", "first out", "second in"]
    assert db._thread_locks == {}
