"""Monitor programs in the jail: each verdict is a value, whatever the program does."""

from __future__ import annotations

import hashlib
import socket
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from registry.sandbox import Jail
from registry.sandbox.monitor import MAX_PROGRAM_BYTES, MonitorVerdict, run_monitor
from tests.jail_support import jail_lock, jail_or_skip, phone_home_program


@pytest.fixture(autouse=True)
def _host_share() -> Iterator[None]:
    with jail_lock(exclusive=False):
        yield


@pytest.fixture(scope="module")
def jail() -> Jail:
    return jail_or_skip()


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    """A model's bundle, in a private folder beside other files of the registry."""
    folder = tmp_path / "data" / "work"
    folder.mkdir(parents=True)
    folder.chmod(0o700)
    (folder / "other-model.zip").write_bytes(b"PK another model's bundle")
    path = folder / "bundle.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("config.json", '{"model_type": "bert"}')
        zf.writestr("model.safetensors", b"\0" * 1024)
    path.chmod(0o644)
    return path


def _monitor(jail: Jail, program: str, bundle: Path, timeout: float = 20.0) -> MonitorVerdict:
    return run_monitor(
        jail,
        program,
        model_name="bert-base-uncased",
        uploader="alice",
        downloader="bob",
        zip_path=bundle,
        timeout=timeout,
    )


def test_a_monitor_allows_with_exit_0_and_sees_its_arguments_and_the_bundle(
    jail: Jail, bundle: Path
) -> None:
    size = bundle.stat().st_size
    program = f"""
const fs = require("fs");
const [model, uploader, downloader, zip] = process.argv.slice(2);
const data = fs.readFileSync(zip);
const ok = model === "bert-base-uncased" && uploader === "alice" && downloader === "bob"
  && zip === "/jail/bundle.zip" && data.length === {size}
  && data.subarray(0, 2).toString() === "PK";
console.log(ok ? "fine" : JSON.stringify([model, uploader, downloader, zip, data.length]));
process.exit(ok ? 0 : 3);
"""
    verdict = _monitor(jail, program, bundle)
    assert verdict.allowed, verdict
    assert verdict.output.strip() == "fine" and verdict.message == ""


def test_a_monitor_refuses_with_its_stdout_as_the_reason(jail: Jail, bundle: Path) -> None:
    program = """
console.error("debugging noise");
console.log(`${process.argv[4]} may not download ${process.argv[2]}`);
process.exit(1);
"""
    verdict = _monitor(jail, program, bundle)
    assert not verdict.allowed and verdict.exit_code == 1 and verdict.problem is None
    assert verdict.message == "bob may not download bert-base-uncased"


def test_a_hanging_monitor_is_a_refusal_at_its_deadline(jail: Jail, bundle: Path) -> None:
    verdict = _monitor(jail, "for (;;) {}", bundle, timeout=2)
    assert not verdict.allowed and verdict.exit_code is None
    assert verdict.message == "the model's monitor program ran past its time limit"


def test_a_monitor_that_allocates_without_bound_is_refused(jail: Jail, bundle: Path) -> None:
    verdict = _monitor(jail, "const b = []; for (;;) b.push(Buffer.alloc(16 << 20, 1));", bundle)
    assert not verdict.allowed
    if jail.cgroups is not None:  # else the allocation fails at the address space limit
        assert verdict.problem == "exceeded its memory limit"


def test_a_monitor_that_floods_its_output_is_refused(jail: Jail, bundle: Path) -> None:
    verdict = _monitor(jail, 'for (;;) process.stdout.write("allow ".repeat(1000));', bundle)
    assert not verdict.allowed and verdict.problem == "wrote more output than allowed"
    assert len(verdict.output) <= jail.config.output_bytes


def test_a_monitor_cannot_reach_the_network(jail: Jail, bundle: Path) -> None:
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0)
    program = phone_home_program(server.getsockname()[1])
    try:
        verdict = _monitor(jail, program, bundle)
        with pytest.raises(BlockingIOError):
            server.accept()
    finally:
        server.close()
    assert not verdict.allowed and verdict.message == "no network: ECONNREFUSED"


def test_a_monitor_sees_nothing_outside_its_bundle(jail: Jail, bundle: Path) -> None:
    others = [bundle.parent / "other-model.zip", bundle, Path("/etc/shadow"), Path("/etc/passwd")]
    program = f"""
const fs = require("fs"); const seen = [];
for (const p of {[str(p) for p in others]!r}) {{
  try {{ fs.readFileSync(p); seen.push(`read ${{p}}`); }} catch (e) {{ seen.push(e.code); }}
}}
try {{ fs.appendFileSync("/jail/bundle.zip", "tampered"); seen.push("wrote"); }}
catch (e) {{ seen.push(e.code); }}
console.log(seen.join(" "));
process.exit(seen.some((s) => s.startsWith("read") || s === "wrote") ? 0 : 1);
"""
    before = hashlib.sha256(bundle.read_bytes()).hexdigest()
    verdict = _monitor(jail, program, bundle)
    assert not verdict.allowed
    # Its own bundle only through /jail; the bundle is read-only (EACCES or EROFS).
    assert verdict.output.split()[:4] == ["ENOENT"] * 4
    assert verdict.output.split()[4] in {"EACCES", "EROFS"}
    assert hashlib.sha256(bundle.read_bytes()).hexdigest() == before


def test_monitors_that_cannot_run_are_refusals(jail: Jail, bundle: Path, tmp_path: Path) -> None:
    broken = _monitor(jail, "this is not javascript (", bundle)
    assert not broken.allowed and broken.exit_code == 1
    too_big = _monitor(jail, "//" + "x" * MAX_PROGRAM_BYTES, bundle)
    assert not too_big.allowed and too_big.problem == f"is larger than {MAX_PROGRAM_BYTES} bytes"
    missing = _monitor(jail, "process.exit(0)", tmp_path / "no-such.zip")
    assert not missing.allowed and missing.problem is not None
    assert missing.problem.startswith("could not be run")
    folder = _monitor(jail, "process.exit(0)", tmp_path)
    assert not folder.allowed and "not a regular file" in (folder.problem or "")


def test_a_bundle_the_jail_user_may_not_read_is_a_refusal(jail: Jail, bundle: Path) -> None:
    if not jail.drop_root:
        pytest.skip("bwrap runs as the registry's own user, who reads its bundles")
    bundle.chmod(0o600)
    verdict = _monitor(jail, "process.exit(0)", bundle)
    assert not verdict.allowed and "not readable by the jail's user" in (verdict.problem or "")
    bundle.chmod(0o666)
    verdict = _monitor(jail, "process.exit(0)", bundle)
    assert not verdict.allowed and "writable by the jail's user" in (verdict.problem or "")
