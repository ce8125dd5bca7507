"""The jail's pure parts: its command line, the cgroup files it reads and writes, how
results become example evidence and monitor verdicts."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from registry.rating.sandbox import run_example
from registry.sandbox import BadJailFile, Jail, JailResult, JailUnavailable
from registry.sandbox.bwrap import BwrapCommand, ShownFile
from registry.sandbox.cgroups import CgroupRoot, RunCgroup, _counter, _own_paths
from registry.sandbox.monitor import MonitorVerdict, _verdict


def _result(exit_code: int | None, output: str = "", limits: Sequence[str] = ()) -> JailResult:
    return JailResult(exit_code, output, "", frozenset(limits), 0.1)


def test_the_command_line_unshares_everything_and_drops_everything() -> None:
    with BwrapCommand("/usr/bin/bwrap", drop_root=False, tmp_bytes=1 << 20) as cmd:
        cmd.add_data("main.py", b"print(1)")
        argv = cmd.argv(["/usr/bin/python3", "/jail/main.py"], env={"X": "1"}, cwd="/tmp")
    for flag in ("--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent"):
        assert flag in argv
    assert "--new-session" in argv and "--clearenv" in argv
    assert argv[argv.index("--uid") + 1] == "65534" and argv[argv.index("--gid") + 1] == "65534"
    assert argv[argv.index("--size") + 1] == str(1 << 20)  # the private /tmp is capped
    # Everything written before the root is remounted read-only; the program comes last.
    assert argv.index("--ro-bind-data") < argv.index("--remount-ro")
    assert argv[-3:] == ["--", "/usr/bin/python3", "/jail/main.py"]
    pairs = {argv[i + 1]: argv[i + 2] for i, a in enumerate(argv) if a == "--setenv"}
    assert pairs == {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": "/tmp",
        "TMPDIR": "/tmp",
        "LANG": "C.UTF-8",
        "X": "1",
    }
    # Nothing of the host beyond /usr, the loader cache and the root's symlinks.
    sources = {argv[i + 1] for i, a in enumerate(argv) if a in {"--ro-bind", "--ro-bind-try"}}
    assert sources <= {"/usr", "/etc/ld.so.cache", "/bin", "/sbin", "/lib", "/lib32", "/lib64"}


@pytest.mark.parametrize("name", ["", "a/b", "..", ".", "../x", "x\0y"])
def test_jail_file_names_are_plain(name: str) -> None:
    with BwrapCommand("bwrap", drop_root=False, tmp_bytes=1) as cmd, pytest.raises(BadJailFile):
        cmd.add_data(name, b"")


def test_an_interpreter_outside_usr_brings_only_its_own_prefix(tmp_path: Path) -> None:
    exe = tmp_path / "opt" / "py" / "bin" / "python3"
    exe.parent.mkdir(parents=True)
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    with BwrapCommand("bwrap", drop_root=False, tmp_bytes=1) as cmd:
        assert cmd.resolve_program(str(exe)) == str(exe)
        argv = cmd.argv([str(exe)], env={}, cwd="/tmp")
    prefix = str(tmp_path / "opt" / "py")
    assert ["--ro-bind", prefix, prefix] == argv[argv.index(prefix) - 1 : argv.index(prefix) + 2]
    with BwrapCommand("bwrap", drop_root=False, tmp_bytes=1) as cmd, pytest.raises(BadJailFile):
        cmd.resolve_program("no-such-interpreter-here")


def test_shown_files_as_root_are_descriptors_checked_for_their_mode(tmp_path: Path) -> None:
    ok = tmp_path / "bundle.zip"
    ok.write_bytes(b"PK")
    ok.chmod(0o644)
    with BwrapCommand("bwrap", drop_root=True, tmp_bytes=1) as cmd:
        cmd.show(ShownFile("bundle.zip", ok))
        fd = cmd.fds[-1]
        argv = cmd.argv(["true"], env={}, cwd="/tmp")
        assert os.readlink(f"/proc/self/fd/{fd}") == str(ok)
    link = argv.index("/jail/bundle.zip")
    assert argv[link - 2 : link] == ["--symlink", f"/proc/self/fd/{fd}"]
    for mode, why in ((0o600, "not readable"), (0o646, "writable")):
        ok.chmod(mode)
        with (
            BwrapCommand("bwrap", drop_root=True, tmp_bytes=1) as cmd,
            pytest.raises(BadJailFile, match=why),
        ):
            cmd.show(ShownFile("bundle.zip", ok))
    with (
        BwrapCommand("bwrap", drop_root=True, tmp_bytes=1) as cmd,
        pytest.raises(BadJailFile, match="not a regular file"),
    ):
        cmd.show(ShownFile("bundle.zip", tmp_path))  # a folder would open the host tree


def test_the_status_bwrap_reports_is_parsed(tmp_path: Path) -> None:
    with BwrapCommand("bwrap", drop_root=False, tmp_bytes=1) as cmd:
        status_fd = int(cmd.argv(["true"], env={}, cwd="/")[-3])
        os.write(status_fd, b'{ "child-pid": 12, "x": "y" }\n{ "exit-code": 3 }\n')
        assert cmd.status() == {"child-pid": 12, "exit-code": 3}


def test_cgroup_files_are_read_by_key() -> None:
    assert _counter("oom_kill_disable 0\nunder_oom 0\noom_kill 2\n", "oom_kill") == 2
    assert _counter("max 0\n", "max") == 0 and _counter("", "max") == 0
    own = _own_paths("9:name=systemd:/\n8:pids:/\n4:memory:/a/b\n2:cpu,cpuacct:/c\n0::/d\n")
    assert own == {
        "name=systemd": "/",
        "pids": "/",
        "memory": "/a/b",
        "cpu": "/c",
        "cpuacct": "/c",
        "": "/d",  # the v2 hierarchy
    }


def _v2_tree(mount: Path, own: str) -> Path:
    parent = mount / own
    parent.mkdir(parents=True)
    (mount / "cgroup.controllers").write_text("cpu memory pids\n")
    (parent / "cgroup.controllers").write_text("cpu memory pids\n")
    (parent / "cgroup.subtree_control").write_text("")
    return parent


@pytest.fixture
def plain_folders(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake cgroup trees on a plain file system: its folders with files cannot be rmdir'ed
    as cgroupfs folders can, so detection skips its trial cgroup."""
    monkeypatch.setattr(CgroupRoot, "_usable", staticmethod(lambda root: root))


@pytest.mark.usefixtures("plain_folders")
def test_a_v2_cgroup_gets_memory_swap_and_pids_limits(tmp_path: Path) -> None:
    parent = _v2_tree(tmp_path, "registry.service")
    root = CgroupRoot._v2(tmp_path, "/registry.service")
    assert root == CgroupRoot(2, parent, parent)
    # Detection delegated both controllers to children.
    assert (parent / "cgroup.subtree_control").read_text() == "+memory +pids"
    run = root.create(memory_bytes=1 << 20, pids=7)
    assert run.dirs == (run.memory_dir,)
    assert (run.memory_dir / "memory.max").read_text() == str(1 << 20)
    assert (run.memory_dir / "pids.max").read_text() == "7"
    assert run.procs_files() == (os.fsencode(run.memory_dir / "cgroup.procs"),)
    (run.memory_dir / "memory.events").write_text("low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n")
    (run.memory_dir / "pids.events").write_text("max 0\n")
    assert run.oom_killed() and not run.pids_exhausted()


def test_no_v2_cgroup_without_both_controllers(tmp_path: Path) -> None:
    parent = _v2_tree(tmp_path, "svc")
    (parent / "cgroup.controllers").write_text("cpu io\n")
    assert CgroupRoot._v2(tmp_path, "/svc") is None
    assert CgroupRoot._v2(tmp_path / "elsewhere", "/svc") is None  # not a v2 mount


@pytest.mark.usefixtures("plain_folders")
def test_a_v1_cgroup_pair_and_its_sweep(tmp_path: Path) -> None:
    (tmp_path / "memory" / "a").mkdir(parents=True)
    (tmp_path / "memory" / "a" / "memory.limit_in_bytes").write_text("0")
    (tmp_path / "pids").mkdir()
    root = CgroupRoot._v1(tmp_path, {"memory": "/a", "pids": "/"})
    assert root == CgroupRoot(1, tmp_path / "memory" / "a", tmp_path / "pids")
    run = root.create(memory_bytes=5 << 20, pids=9)
    assert (run.memory_dir / "memory.limit_in_bytes").read_text() == str(5 << 20)
    assert (run.pids_dir / "pids.max").read_text() == "9"
    assert len(run.dirs) == 2 and not run.pids()
    (run.memory_dir / "memory.limit_in_bytes").unlink()  # cgroupfs removes its own files
    (run.pids_dir / "pids.max").unlink()
    assert root.sweep() == 0  # young: may be a run another worker is starting
    assert root.sweep(older_than=-60) == 2
    assert CgroupRoot._v1(tmp_path, {"memory": "/a"}) is None


def test_a_run_cgroup_removes_cleanly_twice(tmp_path: Path) -> None:
    run = RunCgroup(1, tmp_path / "m", tmp_path / "p")
    for d in run.dirs:
        d.mkdir()
    run.remove()
    run.remove()
    assert not any(d.exists() for d in run.dirs)


@pytest.mark.parametrize(
    ("result", "allowed", "problem", "message"),
    [
        (_result(0, "ok\n"), True, None, ""),
        (_result(1, "carol may not\n"), False, None, "carol may not"),
        (_result(2), False, None, "the model's monitor program refused the download (exit 2)"),
        (
            _result(None, "partial", ["time"]),
            False,
            "ran past its time limit",
            "the model's monitor program ran past its time limit: partial",
        ),
        (_result(137, "", ["memory"]), False, "exceeded its memory limit", None),
        (_result(0, "", ["memory"]), False, "exceeded its memory limit", None),  # a child's
        (_result(134), False, "was killed (exit 134)", None),
        (_result(0, "", ["processes"]), True, None, ""),  # it handled the refused fork
    ],
)
def test_monitor_verdicts(
    result: JailResult, allowed: bool, problem: str | None, message: str | None
) -> None:
    verdict = _verdict(result)
    assert (verdict.allowed, verdict.problem) == (allowed, problem)
    if message is not None:
        assert verdict.message == message


class _FakeJail(Jail):
    def __init__(self, outcome: JailResult | Exception) -> None:
        super().__init__()
        self.outcome = outcome
        self.calls: list[dict[str, Any]] = []

    def run(self, argv: Sequence[str], **kwargs: Any) -> JailResult:
        self.calls.append({"argv": list(argv), **kwargs})
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


def test_an_example_runs_as_a_script_with_the_standard_library_only() -> None:
    jail = _FakeJail(_result(0, "\n".join(f"line {i}" for i in range(20))))
    run = run_example("print(1)", timeout_seconds=7, jail=jail)
    assert run.returncode == 0 and run.output_tail == "\n".join(f"line {i}" for i in range(12, 20))
    call = jail.calls[0]
    assert call["argv"][-3:] == ["-I", "-S", "/jail/example.py"]
    assert call["files"] == {"example.py": b"print(1)"} and call["timeout"] == 7
    assert call["merge_output"] is True


def test_an_example_stopped_by_the_jail_says_which_limit() -> None:
    run = run_example("x", jail=_FakeJail(_result(None, "working", ["time"])))
    assert run.returncode is None
    assert run.output_tail == "working\n[stopped by the jail: time limit]"
    oom = run_example("x", jail=_FakeJail(_result(137, "", ["memory"])))
    assert oom.returncode is None and oom.output_tail.endswith("memory limit]")
    broken = run_example("x", jail=_FakeJail(JailUnavailable("no bwrap")))
    assert broken.returncode is None and broken.output_tail == "the jail could not run it: no bwrap"


def test_a_verdict_carries_the_reason_for_the_record() -> None:
    verdict = MonitorVerdict(False, None, "", "could not be run: missing")
    assert verdict.message == "the model's monitor program could not be run: missing"
