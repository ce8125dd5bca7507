"""The jail: run one untrusted program (a model card's example, a monitor program) confined.

Layers, outermost first (docs/security.md, "The example and monitor jail"):
- a cgroup per run (cgroups.py) bounds memory and the number of processes of the whole
  tree, and lets the registry kill every process of the run;
- rlimits on each process: CPU seconds, address space, file size, open files, no core;
- bubblewrap (Debian's `bubblewrap`): fresh user, mount, pid, network, IPC, UTS and
  cgroup namespaces; uid/gid 65534 inside; when the registry runs as root, bwrap itself
  runs as uid 65534 on the host too, so nothing in the jail is ever root-owned;
  no further user namespaces; a read-only root holding only /usr (and the interpreter's
  own prefix when it lives elsewhere) and /etc/ld.so.cache; a new /proc for the new pid
  namespace, a minimal /dev, a size-capped private tmpfs on /tmp (the work folder), and
  the files the caller hands in, read-only, under /jail;
- an environment of PATH, HOME, TMPDIR and LANG only: no secrets, no DATABASE_URL;
- a wall-clock deadline and an output cap: past either, the program (the init of its pid
  namespace, `--as-pid-1`) is killed, the kernel kills the rest of the namespace with it,
  and the cgroup is emptied; should the registry die, bwrap's death does the same
  (`--die-with-parent`).
There is no fallback: a host that cannot build the jail cannot run untrusted code.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import structlog

from registry.sandbox.bwrap import (
    JAIL_GID,
    JAIL_TMP,
    JAIL_UID,
    BadJailFile,
    BwrapCommand,
    ShownFile,
    child_setup,
)
from registry.sandbox.cgroups import CgroupRoot, RunCgroup
from registry.sandbox.output import OutputReader, Stop

log = structlog.get_logger(__name__)

_PROBE_TIMEOUT = 20.0
_KILL_WAIT = 5.0
_NODE_RESERVE = 1 << 30


class JailUnavailable(RuntimeError):
    """The jail cannot be built on this host (or for this run); the reason says why."""


@dataclass(frozen=True)
class JailConfig:
    bwrap: str = "bwrap"  # the bubblewrap executable, a path or a name on PATH
    python: str | None = None  # interpreter for examples; None: default_python()
    node: str = "node"  # Node.js for monitor programs
    memory_bytes: int = 512 << 20  # the whole run: every process, tmpfs included
    pids: int = 64  # processes and threads of the whole run
    tmp_bytes: int = 64 << 20  # size of the private /tmp
    output_bytes: int = 64 << 10  # stdout (and stderr) kept; the run is killed beyond it
    file_bytes: int = 16 << 20  # RLIMIT_FSIZE: largest file one process may write
    open_files: int = 256  # RLIMIT_NOFILE
    use_cgroups: bool = True  # False: rlimits only (tests of the fallback)


@dataclass(frozen=True)
class JailResult:
    exit_code: int | None  # None: the jail killed the run (deadline or output cap)
    output: str  # stdout, or stdout and stderr interleaved when merged
    errors: str  # stderr when not merged
    limits_hit: frozenset[str]  # of "time", "output", "memory", "processes", "cpu"
    seconds: float

    @property
    def killed(self) -> bool:
        """Ended by the jail or by a signal (exit codes above 128 as a shell reports them)."""
        return self.exit_code is None or self.exit_code > 128

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


def default_python() -> str:
    """The interpreter examples run with: the registry's own base interpreter (never its
    virtualenv, whose site-packages hold the registry itself) when it lives under /usr, which
    the jail shows anyway; else the system's python3 (a private prefix such as pyenv's under
    /root is not readable by the jail's user)."""
    base = Path(sys.base_prefix) / "bin" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    if base.resolve().is_relative_to("/usr") and os.access(base, os.X_OK):
        return str(base)
    return shutil.which("python3", path="/usr/local/bin:/usr/bin:/bin") or str(base)


class Jail:
    """Runs argv vectors in the jail. Thread-safe: every run has its own namespaces and cgroup."""

    def __init__(self, config: JailConfig | None = None) -> None:
        self.config = config or JailConfig()
        self.python = self.config.python or default_python()
        # Root drops to the jail user before bwrap; anyone else runs bwrap as themselves
        # (their own uid is then what the jail has on the host; still no capabilities).
        self.drop_root = os.geteuid() == 0

    @cached_property
    def bwrap(self) -> str | None:
        return shutil.which(self.config.bwrap)

    @cached_property
    def cgroups(self) -> CgroupRoot | None:
        if not self.config.use_cgroups:
            return None
        root = CgroupRoot.detect()
        if root is None:
            log.warning(
                "jail_without_cgroup",
                detail="no writable cgroup: memory and processes are bounded per process only",
            )
        else:
            root.sweep()
        return root

    def python_argv(self) -> list[str]:
        # -I: no PYTHON* variables, no user site, script folder not on sys.path;
        # -S: no site-packages at all (of the base interpreter either): the standard library.
        return [self.python, "-I", "-S"]

    def node_argv(self) -> list[str]:
        return [self.config.node]

    def node_address_space(self, memory_bytes: int | None = None) -> int:
        # V8 reserves about 750 MiB of address space at start and fails without it; what
        # it really uses is held by the cgroup's memory limit.
        return (memory_bytes or self.config.memory_bytes) + _NODE_RESERVE

    def probe(self, argv: Sequence[str], address_space_bytes: int | None = None) -> str | None:
        """None when argv runs in the jail on this host; otherwise why not."""
        if self.bwrap is None:
            return (
                f"bubblewrap ({self.config.bwrap!r}) is not installed or not on PATH "
                "(Debian: apt-get install bubblewrap)"
            )
        try:
            result = self.run(argv, timeout=_PROBE_TIMEOUT, address_space_bytes=address_space_bytes)
        except (JailUnavailable, BadJailFile) as exc:
            return str(exc)
        if not result.ok:
            detail = (result.errors or result.output).strip()[-500:]
            return f"{argv[0]} did not run in the jail (exit {result.exit_code}): {detail}"
        return None

    def probe_python(self) -> str | None:
        return self.probe([*self.python_argv(), "-c", "pass"])

    def probe_node(self) -> str | None:
        return self.probe([*self.node_argv(), "-e", "0"], self.node_address_space())

    def run(
        self,
        argv: Sequence[str],
        *,
        timeout: float,
        files: Mapping[str, bytes] | None = None,
        shown: Mapping[str, Path] | None = None,
        env: Mapping[str, str] | None = None,
        cwd: str = JAIL_TMP,
        merge_output: bool = False,
        memory_bytes: int | None = None,
        address_space_bytes: int | None = None,
    ) -> JailResult:
        """Run argv in a fresh jail and return how it ended; never outlives `timeout`.

        files: name -> content, read-only at /jail/<name> (the program's script).
        shown: name -> host file, read-only at /jail/<name> (a bundle to inspect).
        memory_bytes: the whole run's memory (default: the configured one);
        address_space_bytes: per process (default: the same; Node.js reserves gigabytes
        of address space it never touches, so its caller passes more).
        Raises JailUnavailable when the jail cannot be built, BadJailFile for a file it may
        not show; what the program does, limits included, is in the result.
        """
        if self.bwrap is None:
            raise JailUnavailable(f"bubblewrap ({self.config.bwrap!r}) is not installed")
        cfg = self.config
        memory = memory_bytes or cfg.memory_bytes
        start = time.monotonic()
        with BwrapCommand(self.bwrap, drop_root=self.drop_root, tmp_bytes=cfg.tmp_bytes) as cmd:
            program = [cmd.resolve_program(argv[0]), *argv[1:]]
            for name, content in (files or {}).items():
                cmd.add_data(name, content)
            for name, path in (shown or {}).items():
                cmd.show(ShownFile(name, path))
            cgroup = self._cgroup(memory)
            try:
                proc = self._spawn(
                    cmd.argv(program, env=env or {}, cwd=cwd),
                    cmd.fds,
                    cgroup,
                    address_space=address_space_bytes or memory,
                    timeout=timeout,
                    merge_output=merge_output,
                )
            except BaseException:
                if cgroup is not None:
                    cgroup.remove()
                raise
            return self._supervise(
                proc, cmd, cgroup, start=start, deadline=start + timeout, merge=merge_output
            )

    def _cgroup(self, memory: int) -> RunCgroup | None:
        if self.cgroups is None:
            return None
        try:
            return self.cgroups.create(memory_bytes=memory, pids=self.config.pids)
        except OSError as exc:
            raise JailUnavailable(f"could not make the run's cgroup: {exc}") from exc

    def _spawn(
        self,
        argv: list[str],
        fds: tuple[int, ...],
        cgroup: RunCgroup | None,
        *,
        address_space: int,
        timeout: float,
        merge_output: bool,
    ) -> subprocess.Popen[bytes]:
        cfg = self.config
        setup = child_setup(
            cgroup.procs_files() if cgroup else (),
            cpu_seconds=int(timeout) + 2,
            address_space=address_space,
            file_bytes=cfg.file_bytes,
            open_files=cfg.open_files,
            # RLIMIT_NPROC counts all of a user's processes on the host, and not root's:
            # a backstop only where no pids cgroup bounds the run.
            nproc=None if cgroup else cfg.pids,
            drop_to=(JAIL_UID, JAIL_GID) if self.drop_root else None,
        )
        try:
            return subprocess.Popen(  # noqa: S603 - our own bwrap command line
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT if merge_output else subprocess.PIPE,
                env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
                cwd="/",
                pass_fds=fds,
                start_new_session=True,
                preexec_fn=setup,  # noqa: PLW1509 - system calls only; see child_setup
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise JailUnavailable(f"could not start bubblewrap: {exc}") from exc

    def _supervise(
        self,
        proc: subprocess.Popen[bytes],
        cmd: BwrapCommand,
        cgroup: RunCgroup | None,
        *,
        start: float,
        deadline: float,
        merge: bool,
    ) -> JailResult:
        reader = OutputReader(proc, self.config.output_bytes)
        try:
            stop = reader.read_until(deadline)
            if stop is None:
                # Every stream closed, yet the program may run on (it closed its stdout).
                try:
                    proc.wait(timeout=max(0.0, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    stop = Stop.DEADLINE
        finally:
            if proc.poll() is None:
                _kill_run(proc, cmd.status().get("child-pid"))
            proc.wait(timeout=_KILL_WAIT)
            reader.close()
            status = cmd.status()
            _await_namespace_end(status.get("child-pid"))
            limits = self._release(cgroup)
        if stop is not None:
            limits.add(stop.value)
        exit_code = status.get("exit-code")
        if stop is None and exit_code is None and not limits:
            # bwrap ended without ever starting the program: the jail could not be built.
            why = (reader.text("err") or reader.text()).strip()[-500:]
            raise JailUnavailable(f"bubblewrap could not set up the jail: {why}")
        if exit_code == 128 + signal.SIGXCPU:
            limits.add("cpu")
        return JailResult(
            exit_code=None if stop is not None else exit_code,
            output=reader.text(),
            errors="" if merge else reader.text("err"),
            limits_hit=frozenset(limits),
            seconds=time.monotonic() - start,
        )

    @staticmethod
    def _release(cgroup: RunCgroup | None) -> set[str]:
        """Kill what is left of the run, note the limits it hit, remove its cgroup."""
        if cgroup is None:
            return set()
        try:
            if not cgroup.kill_all():
                raise JailUnavailable("processes of a jail run could not be killed")
            limits = set()
            if cgroup.oom_killed():
                limits.add("memory")
            if cgroup.pids_exhausted():
                limits.add("processes")
            return limits
        finally:
            cgroup.remove()


def _parent_of(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def _kill_run(proc: subprocess.Popen[bytes], init_pid: int | None) -> None:
    """Kill the whole run: SIGKILL to the namespace's init (the program) makes the kernel
    kill every other process of the namespace, and bwrap, still alive, reaps it and exits.

    The init is signalled through a pidfd taken while bwrap, its parent, is alive and
    verified to be its parent, so a recycled pid is never hit. Otherwise bwrap itself is
    killed; its init follows it (--die-with-parent).
    """
    if init_pid is not None:
        try:
            pidfd = os.pidfd_open(init_pid)
        except OSError:
            pidfd = -1
        if pidfd >= 0:
            try:
                if _parent_of(init_pid) == proc.pid:
                    signal.pidfd_send_signal(pidfd, signal.SIGKILL)
                    with contextlib.suppress(subprocess.TimeoutExpired):
                        proc.wait(timeout=_KILL_WAIT)
                        return
            finally:
                os.close(pidfd)
    proc.kill()


def _await_namespace_end(init_pid: int | None) -> None:
    """Wait until the run's pid namespace is empty, even without a cgroup to watch.

    When the namespace's init (the program) ends, or is killed, the kernel kills every
    other process of the namespace, and the init becomes a zombie (or goes) only once all
    of them are gone. So the run is over when its init is.
    """
    if init_pid is None:
        return
    stat_file = Path(f"/proc/{init_pid}/stat")
    end = time.monotonic() + _KILL_WAIT
    while time.monotonic() < end:
        try:
            state = stat_file.read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return  # reaped
        if state in {"Z", "X"}:
            return
        time.sleep(0.01)
