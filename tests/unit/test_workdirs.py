"""Ingest work folders: a dead process's folder goes at once, a live one's never early."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from registry.services import workdirs

DAY = timedelta(hours=24)


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_new_folder_names_this_host_and_process(tmp_path: Path) -> None:
    folder = workdirs.new_workdir(tmp_path)
    assert folder.parent == tmp_path
    assert f"-{os.getpid()}-" in folder.name
    assert workdirs._OWNED.match(folder.name)


def test_the_folder_of_a_running_ingest_is_kept_until_the_age_limit(tmp_path: Path) -> None:
    mine = workdirs.new_workdir(tmp_path)
    mine.mkdir()
    assert workdirs.sweep(tmp_path, DAY) == 0
    assert mine.exists()
    old = time.time() - DAY.total_seconds() - 60
    os.utime(mine, (old, old))
    assert workdirs.sweep(tmp_path, DAY) == 1


def test_the_folder_of_a_dead_process_goes_at_once(tmp_path: Path) -> None:
    mine = workdirs.new_workdir(tmp_path)
    orphan = mine.with_name(mine.name.replace(f"-{os.getpid()}-", f"-{_dead_pid()}-"))
    orphan.mkdir()
    (orphan / "model.safetensors.part").write_bytes(b"x")
    assert workdirs.sweep(tmp_path, DAY) == 1
    assert not orphan.exists()


def test_another_hosts_folder_waits_for_the_age_limit(tmp_path: Path) -> None:
    other = tmp_path / f"ingest-elsewhere.example-{_dead_pid()}-{'0' * 32}"
    other.mkdir()
    assert workdirs.sweep(tmp_path, DAY) == 0
    old = time.time() - DAY.total_seconds() - 60
    os.utime(other, (old, old))
    assert workdirs.sweep(tmp_path, DAY) == 1


def test_a_folder_without_an_owner_waits_for_the_age_limit(tmp_path: Path) -> None:
    legacy = tmp_path / "ingest-0123456789abcdef0123456789abcdef"
    legacy.mkdir()
    assert not workdirs.abandoned(legacy, DAY)
    assert workdirs.abandoned(legacy, DAY, now=time.time() + DAY.total_seconds() + 1)
