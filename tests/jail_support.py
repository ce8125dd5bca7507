"""What the jail tests share: a jail with small limits, and programs run in Python or Node.js.

Without bubblewrap on the machine the jail tests are skipped, unless
REGISTRY_TEST_REQUIRE_JAIL=1 (set by CI), which turns the skip into a failure. With
bubblewrap present a jail that cannot be built is always a failure.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from registry.sandbox import Jail, JailConfig, JailResult

REQUIRE_JAIL = os.environ.get("REGISTRY_TEST_REQUIRE_JAIL") == "1"
# Small limits: the attacks hit them fast and the machine stays healthy while they do.
TEST_LIMITS: dict[str, Any] = {
    "memory_bytes": 192 << 20,
    "pids": 32,
    "tmp_bytes": 8 << 20,
    "file_bytes": 4 << 20,
    "output_bytes": 16 << 10,
}


@contextmanager
def jail_lock(*, exclusive: bool) -> Iterator[None]:
    """A lock shared by the jail tests of every pytest-xdist worker, taken alone by those
    that run without a cgroup: their RLIMIT_NPROC counts every process of the jail's user
    on the host, so another worker's fork bomb would use up their budget."""
    path = os.path.join(tempfile.gettempdir(), "registry-jail-tests.lock")
    with open(path, "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield


def jail_or_skip(**overrides: Any) -> Jail:
    """A jail with the test limits; skips (or fails under CI) where bubblewrap is absent."""
    if shutil.which("bwrap") is None:
        message = "bubblewrap (bwrap) is not installed: apt-get install bubblewrap"
        if REQUIRE_JAIL:
            pytest.fail(f"the jail is required (REGISTRY_TEST_REQUIRE_JAIL=1): {message}")
        pytest.skip(message)
    jail = Jail(JailConfig(**{**TEST_LIMITS, **overrides}))
    for reason in (jail.probe_python(), jail.probe_node()):
        if reason is not None:
            pytest.fail(f"bubblewrap is installed but the jail cannot be built: {reason}")
    return jail


@dataclass(frozen=True)
class Lang:
    """One of the two languages the jail runs: card examples (Python), monitors (Node.js)."""

    name: str
    script: str

    def run(
        self,
        jail: Jail,
        code: str,
        *args: str,
        timeout: float = 20.0,
        shown: Mapping[str, Path] | None = None,
    ) -> JailResult:
        if self.name == "python":
            argv, space = jail.python_argv(), None
        else:
            argv, space = jail.node_argv(), jail.node_address_space()
        return jail.run(
            [*argv, f"/jail/{self.script}", *args],
            timeout=timeout,
            files={self.script: code.encode()},
            shown=shown,
            merge_output=True,
            address_space_bytes=space,
        )


PYTHON = Lang("python", "main.py")
NODE = Lang("node", "main.js")
LANGS = [pytest.param(PYTHON, id="python"), pytest.param(NODE, id="node")]


def phone_home_program(port: int) -> str:
    """Node.js that exits 0 if it reaches 127.0.0.1:port, else 1 saying `no network: CODE`."""
    return f"""
const s = require("net").connect({{host: "127.0.0.1", port: {port}}});
s.on("connect", () => {{ console.log("phoned home"); process.exit(0); }});
s.on("error", (e) => {{ console.log(`no network: ${{e.code}}`); process.exit(1); }});
"""


def host_pids_with(token: str) -> list[int]:
    """Host processes whose command line holds `token` (what a jail run may have left)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if token.encode() in cmdline:
                found.append(int(entry.name))
    return found
