"""The bubblewrap command line of one jail run, and what the child does before exec'ing it."""

from __future__ import annotations

import json
import os
import resource
import shutil
import stat
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

JAIL_UID = 65534  # "nobody" on Debian, inside the jail and (when the registry is root) outside
JAIL_GID = 65534
JAIL_DIR = "/jail"  # where the caller's files appear, read-only
# Inside the jail: its own size-capped tmpfs (the work folder), never the host's /tmp.
JAIL_TMP = "/tmp"  # noqa: S108  # nosec B108
_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "HOME": JAIL_TMP,
    "TMPDIR": JAIL_TMP,
    "LANG": "C.UTF-8",
}
# Top-level names a dynamically linked program needs besides /usr (symlinks on merged-/usr).
_ROOT_LINKS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")


class BadJailFile(ValueError):
    """A file handed to the jail is not one it may be shown."""


@dataclass(frozen=True)
class ShownFile:
    name: str  # appears as /jail/<name>
    path: Path  # on the host


def _check_name(name: str) -> str:
    if not name or "/" in name or name in {".", ".."} or "\0" in name:
        raise BadJailFile(f"jail file names are plain names, got {name!r}")
    return f"{JAIL_DIR}/{name}"


class BwrapCommand:
    """Builds one bwrap command line and owns the descriptors it hands to bwrap."""

    def __init__(self, bwrap: str, *, drop_root: bool, tmp_bytes: int) -> None:
        self.bwrap = bwrap
        self.drop_root = drop_root
        self.tmp_bytes = tmp_bytes
        self._binds: list[str] = []
        self._owned: list[int] = []
        self._passed: list[int] = []
        self._status_r = -1
        self._status_w = -1
        self._status_raw = b""

    def __enter__(self) -> BwrapCommand:
        # bwrap reports {"child-pid"} and {"exit-code"} here: the program's own exit code,
        # and whether it started at all (a failed setup reports none).
        self._status_r, self._status_w = os.pipe()
        self._owned.append(self._status_r)
        self._own(self._status_w)
        os.set_blocking(self._status_r, False)
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        for fd in self._owned:
            os.close(fd)
        self._owned.clear()

    @property
    def fds(self) -> tuple[int, ...]:
        return tuple(self._passed)

    def status(self) -> dict[str, int]:
        """What bwrap has reported so far (the pipe is never waited on)."""
        try:
            while chunk := os.read(self._status_r, 1 << 16):
                self._status_raw += chunk
        except BlockingIOError:
            pass
        found: dict[str, int] = {}
        decoder = json.JSONDecoder()
        text, i = self._status_raw.decode("utf-8", "replace"), 0
        while i < len(text):
            if text[i].isspace():
                i += 1
                continue
            try:
                obj, i = decoder.raw_decode(text, i)
            except ValueError:
                break
            if isinstance(obj, dict):
                found.update({k: v for k, v in obj.items() if isinstance(v, int)})
        return found

    def _own(self, fd: int) -> int:
        self._owned.append(fd)
        self._passed.append(fd)
        return fd

    def resolve_program(self, program: str) -> str:
        """The program's absolute path; its installation prefix is shown read-only when it
        lies outside /usr (e.g. an interpreter under /opt)."""
        found = program if os.path.isabs(program) else shutil.which(program, path=_ENV["PATH"])
        if found is None or not os.access(found, os.X_OK):
            raise BadJailFile(f"{program!r} is not an executable on this host")
        real = Path(found).resolve()
        if not real.is_relative_to("/usr"):
            prefix = str(real.parent.parent)
            self._binds += ["--ro-bind", prefix, prefix]
        return found

    def add_data(self, name: str, content: bytes) -> None:
        """Content the program reads (its script): an in-memory file bwrap copies in."""
        dest = _check_name(name)
        fd = self._own(os.memfd_create(f"jail-{name}"))
        view = memoryview(content)
        while view:
            view = view[os.write(fd, view) :]
        os.lseek(fd, 0, os.SEEK_SET)
        self._binds += ["--ro-bind-data", str(fd), dest]

    def show(self, shown: ShownFile) -> None:
        """A host file, read-only at /jail/<name>.

        As a non-root user bwrap bind-mounts it read-only. When the registry is root, bwrap
        runs as the jail user, who may not traverse the folders above the file (DATA_DIR is
        private); the registry then opens the file and the jail's name is a symlink to that
        descriptor. Opening it again through /proc checks the file's own mode, so it must be
        readable, and must not be writable, by the jail user.
        """
        dest = _check_name(shown.name)
        if not self.drop_root:
            if not shown.path.is_file():
                raise BadJailFile(f"{shown.path} is not a regular file")
            self._binds += ["--ro-bind", str(shown.path), dest]
            return
        fd = os.open(shown.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        self._own(fd)
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):  # a folder's descriptor would open the host tree
            raise BadJailFile(f"{shown.path} is not a regular file")
        writable = (
            st.st_mode & stat.S_IWOTH
            or (st.st_uid == JAIL_UID and st.st_mode & stat.S_IWUSR)
            or (st.st_gid == JAIL_GID and st.st_mode & stat.S_IWGRP)
        )
        if writable:
            raise BadJailFile(f"{shown.path} is writable by the jail's user")
        if not st.st_mode & stat.S_IROTH:
            raise BadJailFile(f"{shown.path} is not readable by the jail's user (mode o+r)")
        self._binds += ["--symlink", f"/proc/self/fd/{fd}", dest]

    def argv(self, program: Sequence[str], *, env: Mapping[str, str], cwd: str) -> list[str]:
        args = [
            self.bwrap,
            "--unshare-all",  # user, mount, pid, network, IPC, UTS, cgroup
            "--unshare-user",  # required, not "-try"
            "--disable-userns",  # and no user namespace inside it
            "--die-with-parent",
            "--new-session",
            # The program is the namespace's init: bwrap waits for it and reaps it itself,
            # rather than leaving its own init as a zombie for the host's pid 1 to reap.
            "--as-pid-1",
            "--uid", str(JAIL_UID), "--gid", str(JAIL_GID),
            "--hostname", "jail",
            "--ro-bind", "/usr", "/usr",
        ]  # fmt: skip
        for name in _ROOT_LINKS:
            top = Path("/") / name
            if top.is_symlink():
                args += ["--symlink", os.readlink(top), str(top)]
            elif top.is_dir():
                args += ["--ro-bind", str(top), str(top)]
        args += ["--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache"]
        args += ["--proc", "/proc", "--dev", "/dev"]
        args += ["--size", str(self.tmp_bytes), "--tmpfs", JAIL_TMP, "--dir", JAIL_DIR]
        args += self._binds
        # Read-only from here on: only the size-capped /tmp stays writable.
        args += ["--remount-ro", "/dev", "--remount-ro", "/"]
        args += ["--chdir", cwd, "--clearenv"]
        for key, value in {**_ENV, **env}.items():
            args += ["--setenv", key, value]
        args += ["--json-status-fd", str(self._status_w), "--", *program]
        return args


def child_setup(
    procs_files: Sequence[bytes],
    *,
    cpu_seconds: int,
    address_space: int,
    file_bytes: int,
    open_files: int,
    nproc: int | None,
    drop_to: tuple[int, int] | None,
) -> Callable[[], None]:
    """What the forked child does before exec'ing bwrap: enter the run's cgroup (so every
    process it starts is counted from the first), set rlimits, drop root.

    It runs between fork and exec in a process that may have threads, so it makes only
    direct system calls (no imports, no logging, no locks).
    """
    limits = [
        (resource.RLIMIT_CPU, cpu_seconds),
        (resource.RLIMIT_AS, address_space),
        (resource.RLIMIT_FSIZE, file_bytes),
        (resource.RLIMIT_NOFILE, open_files),
        (resource.RLIMIT_CORE, 0),
    ]
    if nproc is not None:
        limits.append((resource.RLIMIT_NPROC, nproc))

    def setup() -> None:
        for path in procs_files:
            fd = os.open(path, os.O_WRONLY)
            try:
                os.write(fd, b"0")  # "0": the writing process itself
            finally:
                os.close(fd)
        for which, value in limits:
            resource.setrlimit(which, (value, value))
        if drop_to is not None:
            uid, gid = drop_to
            os.setgroups([])
            os.setresgid(gid, gid, gid)
            os.setresuid(uid, uid, uid)

    return setup
