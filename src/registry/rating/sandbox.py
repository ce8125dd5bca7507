"""Running a model card's example in a subprocess with no network and hard limits.

Used only when RATING_EXECUTE_EXAMPLES=true. Layers of containment:
- a fresh interpreter in isolated mode (-I), in an empty temporary folder, with an
  environment that holds no credentials (no tokens, no AWS keys);
- no network: in a new network namespace when `unshare -rn` works on the host, and
  in any case `socket` is replaced before the snippet runs;
- CPU seconds, address space and output size capped with rlimits, wall time with a
  timeout; the whole process group is killed when the time is up.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
from functools import cache

from registry.rating.context import ExampleRun

_PRELUDE = """
import socket as _s
def _no_network(*a, **k):
    raise OSError("network access is disabled in the registry's example sandbox")
_s.socket = _no_network
_s.create_connection = _no_network
_s.getaddrinfo = _no_network
del _s
"""
_SAFE_ENV = ("PATH", "LANG", "LC_ALL", "TZ")


@cache
def _unshare_prefix() -> tuple[str, ...]:
    """`unshare -rn` when the kernel lets this user create a network namespace."""
    exe = shutil.which("unshare")
    if exe is None:
        return ()
    try:
        probe = subprocess.run(  # noqa: S603 - a fixed command
            [exe, "-rn", "true"], capture_output=True, timeout=5, check=False
        )
        ok = probe.returncode == 0
    except (OSError, subprocess.SubprocessError):
        return ()
    return (exe, "-rn") if ok else ()


def _limits(memory_bytes: int, cpu_seconds: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
    resource.setrlimit(resource.RLIMIT_FSIZE, (16 << 20, 16 << 20))
    resource.setrlimit(resource.RLIMIT_NPROC, (64, 64))


def run_example(
    code: str, *, timeout_seconds: float = 30.0, memory_bytes: int = 1 << 30
) -> ExampleRun:
    env = {k: os.environ[k] for k in _SAFE_ENV if k in os.environ}
    env.update({"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONHASHSEED": "0"})
    cpu = max(1, int(timeout_seconds))
    with tempfile.TemporaryDirectory(prefix="registry-example-") as workdir:
        env["HOME"] = workdir
        cmd = [*_unshare_prefix(), sys.executable, "-I", "-c", _PRELUDE + "\n" + code]
        try:
            proc = subprocess.Popen(  # noqa: S603 - the command is ours, the code runs sandboxed
                cmd,
                cwd=workdir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=lambda: _limits(memory_bytes, cpu),  # noqa: PLW1509 - no threads touch it
            )
        except OSError as exc:
            return ExampleRun(code=code, returncode=None, output_tail=f"could not start: {exc}")
        try:
            out, _ = proc.communicate(timeout=timeout_seconds)
            returncode: int | None = proc.returncode
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate()
            returncode = None
    text = out.decode("utf-8", errors="replace")
    tail = "\n".join(text.strip().splitlines()[-8:])
    if returncode is not None and returncode < 0:
        returncode = None  # killed by a signal: a limit was hit
    return ExampleRun(code=code, returncode=returncode, output_tail=tail[-2000:])
