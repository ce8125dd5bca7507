"""Ingest work folders and who owns them.

Each ingest stages its files in a folder of its own under DATA_DIR/work. A process
killed mid-ingest leaves its folder behind; `sweep` removes such leftovers without
touching the folder of an ingest still running in another process (`registry gc`
runs beside the server). The folder's name records the host and process that made
it: a folder of this host whose process is gone is abandoned at once, any other only
once it is older than a day (no ingest lives that long: INGEST_DEADLINE_SECONDS).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import time
import uuid
from datetime import timedelta
from pathlib import Path

_UNSAFE = re.compile(r"[^A-Za-z0-9.]+")
_OWNED = re.compile(r"^ingest-(?P<host>[A-Za-z0-9.]+)-(?P<pid>\d+)-[0-9a-f]{32}$")


def _host() -> str:
    return _UNSAFE.sub(".", socket.gethostname())[:64] or "host"


def new_workdir(work_root: Path) -> Path:
    """A fresh folder name under `work_root` naming this host and process."""
    return work_root / f"ingest-{_host()}-{os.getpid()}-{uuid.uuid4().hex}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive, and not ours to judge
        return True
    return True


def abandoned(folder: Path, older_than: timedelta, now: float | None = None) -> bool:
    """Whether no running ingest can own `folder`.

    A reused pid only keeps a folder longer (the safe direction)."""
    owned = _OWNED.match(folder.name)
    if owned and owned["host"] == _host() and not _alive(int(owned["pid"])):
        return True
    # A live owner, another host's process or an older name: only age tells.
    cutoff = (time.time() if now is None else now) - older_than.total_seconds()
    return folder.stat().st_mtime <= cutoff


def sweep(work_root: Path, older_than: timedelta, *, dry_run: bool = False) -> int:
    """Remove the abandoned work folders under `work_root`; returns how many (with
    `dry_run`, how many would go, removing nothing)."""
    work_root.mkdir(parents=True, exist_ok=True)
    removed = 0
    for entry in work_root.iterdir():
        try:
            if abandoned(entry, older_than):
                if not dry_run:
                    shutil.rmtree(entry, ignore_errors=True)
                removed += 1
        except FileNotFoundError:
            continue
    return removed


class WorkDir:
    """A private folder for one ingest, removed whatever happens."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> Path:
        self.path.mkdir(parents=True)
        return self.path

    def __exit__(self, *exc: object) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
