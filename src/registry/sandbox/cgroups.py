"""Control groups for one jail run: memory and process-count limits on the whole tree.

rlimits alone do not bound a jail: RLIMIT_AS is per process (ten children may each take
the limit), and RLIMIT_NPROC is not enforced for root-owned processes and counts every
process of a user on the host. A cgroup bounds the sum over every process the run
starts, reports an OOM kill, and lists the processes left to kill.

Where: under the registry's own cgroup (so the host's limits on the registry still hold
over its jails). cgroup v2 when that cgroup can hand the memory and pids controllers to
a child; otherwise the v1 memory and pids hierarchies when they are writable (root on
a hybrid host); otherwise none, and the jail runs on rlimits alone (`Jail.cgroups` is
None, the startup log says so).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import time
from dataclasses import dataclass
from pathlib import Path

PREFIX = "registry-jail-"
_V2_CONTROLLERS = ("memory", "pids")


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="ascii")
    except OSError:
        return ""


def _counter(text: str, key: str) -> int:
    """`key N` out of a flat-keyed cgroup file (memory.events, pids.events, oom_control)."""
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        if name == key and value.strip().isdigit():
            return int(value)
    return 0


def _own_paths(proc_cgroup: str) -> dict[str, str]:
    """Controller -> this process's cgroup path, from /proc/self/cgroup ("" is v2)."""
    paths: dict[str, str] = {}
    for line in proc_cgroup.splitlines():
        parts = line.split(":", 2)
        if len(parts) == 3:
            for controller in parts[1].split(","):
                paths[controller] = parts[2]
    return paths


@dataclass
class RunCgroup:
    """The cgroup(s) of one run: one folder on v2, a memory and a pids folder on v1."""

    version: int
    memory_dir: Path
    pids_dir: Path

    @property
    def dirs(self) -> tuple[Path, ...]:
        return tuple(dict.fromkeys((self.memory_dir, self.pids_dir)))

    def procs_files(self) -> tuple[bytes, ...]:
        """Paths the child writes "0" to, before exec, to enter the cgroup with its tree."""
        return tuple(os.fsencode(d / "cgroup.procs") for d in self.dirs)

    def pids(self) -> set[int]:
        found: set[int] = set()
        for d in self.dirs:
            found.update(int(p) for p in _read(d / "cgroup.procs").split() if p.isdigit())
        return found

    def kill_all(self, wait_seconds: float = 5.0) -> bool:
        """SIGKILL every process in the cgroup until none is left; False if some remain."""
        kill_file = self.memory_dir / "cgroup.kill"
        end = time.monotonic() + wait_seconds
        while True:
            if self.version == 2 and kill_file.exists():
                kill_file.write_text("1", encoding="ascii")
            else:
                # v1 has no cgroup.kill: a process may fork between the read and the
                # kill, so repeat; the pids limit bounds how often that can happen.
                for pid in self.pids():
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
            if not self.pids():
                return True
            if time.monotonic() > end:
                return False
            time.sleep(0.02)

    def oom_killed(self) -> bool:
        if self.version == 2:
            return _counter(_read(self.memory_dir / "memory.events"), "oom_kill") > 0
        return _counter(_read(self.memory_dir / "memory.oom_control"), "oom_kill") > 0

    def pids_exhausted(self) -> bool:
        return _counter(_read(self.pids_dir / "pids.events"), "max") > 0

    def remove(self) -> None:
        for d in self.dirs:
            # Busy only if kill_all failed, which the caller reports; sweep() retries later.
            with contextlib.suppress(OSError):
                d.rmdir()


@dataclass(frozen=True)
class CgroupRoot:
    """Where run cgroups are made: a v2 folder, or the v1 memory and pids folders."""

    version: int
    memory_parent: Path
    pids_parent: Path

    @classmethod
    def detect(cls, mount: Path = Path("/sys/fs/cgroup")) -> CgroupRoot | None:
        own = _own_paths(_read(Path("/proc/self/cgroup")))
        return cls._v2(mount, own.get("", "")) or cls._v1(mount, own)

    @classmethod
    def _v2(cls, mount: Path, own: str) -> CgroupRoot | None:
        if not own or not (mount / "cgroup.controllers").exists():
            return None  # not a unified (v2-only) host
        parent = mount / own.lstrip("/")
        if not set(_V2_CONTROLLERS) <= set(_read(parent / "cgroup.controllers").split()):
            return None
        enabled = set(_read(parent / "cgroup.subtree_control").split())
        missing = [c for c in _V2_CONTROLLERS if c not in enabled]
        if missing:
            try:
                # Refused (EBUSY) when the parent holds processes and is not the root:
                # v2 lets only leaf cgroups hold processes once controllers are delegated.
                (parent / "cgroup.subtree_control").write_text(
                    " ".join(f"+{c}" for c in missing), encoding="ascii"
                )
            except OSError:
                return None
        return cls._usable(cls(2, parent, parent))

    @classmethod
    def _v1(cls, mount: Path, own: dict[str, str]) -> CgroupRoot | None:
        if "memory" not in own or "pids" not in own:
            return None
        memory = mount / "memory" / own["memory"].lstrip("/")
        pids = mount / "pids" / own["pids"].lstrip("/")
        if not (memory / "memory.limit_in_bytes").exists():
            return None
        return cls._usable(cls(1, memory, pids))

    @staticmethod
    def _usable(root: CgroupRoot) -> CgroupRoot | None:
        """Make and remove one run cgroup: writable folders are the only real test."""
        try:
            root.create(memory_bytes=64 << 20, pids=8).remove()
        except OSError:
            return None
        return root

    def create(self, *, memory_bytes: int, pids: int) -> RunCgroup:
        name = PREFIX + secrets.token_hex(6)
        run = RunCgroup(self.version, self.memory_parent / name, self.pids_parent / name)
        try:
            for d in run.dirs:
                d.mkdir()
            if self.version == 2:
                (run.memory_dir / "memory.max").write_text(str(memory_bytes), encoding="ascii")
                swap = run.memory_dir / "memory.swap.max"
                if swap.exists():
                    swap.write_text("0", encoding="ascii")
            else:
                (run.memory_dir / "memory.limit_in_bytes").write_text(
                    str(memory_bytes), encoding="ascii"
                )
                memsw = run.memory_dir / "memory.memsw.limit_in_bytes"
                if memsw.exists():  # only with swap accounting; keeps the limit off swap
                    memsw.write_text(str(memory_bytes), encoding="ascii")
            (run.pids_dir / "pids.max").write_text(str(pids), encoding="ascii")
        except OSError:
            run.remove()
            raise
        return run

    def sweep(self, older_than: float = 3600.0) -> int:
        """Remove empty run cgroups a killed registry process left behind; a young one may
        belong to a run another worker is starting right now."""
        removed = 0
        cutoff = time.time() - older_than
        for parent in {self.memory_parent, self.pids_parent}:
            for d in parent.glob(PREFIX + "*"):
                stale = d.is_dir() and d.stat().st_mtime < cutoff
                if stale and not _read(d / "cgroup.procs").split():
                    try:
                        d.rmdir()
                        removed += 1
                    except OSError:
                        pass
        return removed
