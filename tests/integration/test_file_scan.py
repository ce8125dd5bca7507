"""The pickle scan in its own process: what it finds, and its bounds (time, memory,
decompressed bytes). Nothing it is given is ever unpickled."""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import os
import subprocess
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from registry.domain.models import FileRole
from registry.rating.file_scan import FileScanner, ScanLimits, is_pickle_candidate
from registry.rating.safetensors_check import InvalidSafetensors
from registry.sources.base import StagedFile
from tests.fakes.pickles import (
    PICKLE_MARKER,
    lying_safetensors,
    malicious_pickle,
    torch_state_dict_zip,
)

DANGEROUS = [{"module": "posix", "name": "system", "safety": "dangerous"}]


@pytest.fixture(autouse=True)
def _never_loaded() -> Iterator[None]:
    PICKLE_MARKER.unlink(missing_ok=True)
    yield
    assert not PICKLE_MARKER.exists(), "a malicious pickle was unpickled"


def _staged(tmp_path: Path, files: dict[str, bytes]) -> list[StagedFile]:
    staged = []
    for name, data in files.items():
        local = tmp_path / "files" / name
        local.parent.mkdir(parents=True, exist_ok=True)
        local.write_bytes(data)
        staged.append(StagedFile(name, local, "0" * 64, len(data), FileRole.WEIGHTS))
    return staged


def _scan(tmp_path: Path, files: dict[str, bytes], **limits: object) -> dict[str, dict]:
    record = FileScanner(ScanLimits(**limits)).scan(_staged(tmp_path, files), tmp_path)  # type: ignore[arg-type]
    assert record["scanner"].startswith("picklescan ")
    return {p.pop("path"): p for p in record["pickles"]}


def test_what_each_kind_of_pickle_imports(tmp_path: Path) -> None:
    evil = malicious_pickle()
    found = _scan(
        tmp_path,
        {
            "pytorch_model.bin": evil,
            "torch.pt": torch_state_dict_zip(),
            "a.pkl.gz": gzip.compress(evil),
            "b.pkl.bz2": bz2.compress(evil),
            "c.pkl.xz": lzma.compress(evil),
            "d.joblib": zlib.compress(evil),
            "renamed.npz.weights": evil,  # no pickle suffix: found by its first bytes
            "random.bin": os.urandom(4096),
            "config.json": b"{}",  # not a candidate at all
        },
    )
    assert set(found) == {
        "pytorch_model.bin", "torch.pt", "a.pkl.gz", "b.pkl.bz2", "c.pkl.xz", "d.joblib",
        "renamed.npz.weights", "random.bin",
    }  # fmt: skip
    for name in ("pytorch_model.bin", "a.pkl.gz", "b.pkl.bz2", "c.pkl.xz", "d.joblib"):
        assert found[name]["imports"] == DANGEROUS, name
    assert found["renamed.npz.weights"]["imports"] == DANGEROUS
    assert {f"{i['module']}.{i['name']}" for i in found["torch.pt"]["imports"]} == {
        "collections.OrderedDict",
        "torch._utils._rebuild_tensor_v2",
        "torch.FloatStorage",
    }
    assert {i["safety"] for i in found["torch.pt"]["imports"]} == {"innocuous"}
    assert found["random.bin"]["imports"] == []


def test_a_scan_past_its_deadline_leaves_every_file_unscanned(tmp_path: Path) -> None:
    found = _scan(tmp_path, {"a.bin": malicious_pickle()}, timeout_seconds=0.001)
    assert found["a.bin"] == {"error": "the scan ran past its limit of 0.001 s"}


def test_a_pickle_that_exhausts_the_scanners_memory_is_unscanned(tmp_path: Path) -> None:
    # 20 million opcodes (EMPTY_LIST, POP): the disassembly outgrows 256 MiB.
    found = _scan(tmp_path, {"ops.pkl": b"\x80\x02" + b"]0" * 10_000_000 + b"N."},
                  memory_bytes=256 << 20)  # fmt: skip
    assert "error" in found["ops.pkl"]
    assert "imports" not in found["ops.pkl"]


def test_a_compressed_pickle_is_expanded_only_up_to_its_limit(tmp_path: Path) -> None:
    found = _scan(tmp_path, {"big.pkl.gz": gzip.compress(bytes(2 << 20))}, expand_bytes=1 << 20)
    assert found["big.pkl.gz"] == {
        "error": f"ValueError: it decompresses to more than {1 << 20} bytes"
    }


def test_a_lying_safetensors_header_stops_the_scan(tmp_path: Path) -> None:
    files = _staged(tmp_path, {"sub/model.safetensors": lying_safetensors()})
    with pytest.raises(InvalidSafetensors, match=r"^sub/model\.safetensors is not a valid"):
        FileScanner().scan(files, tmp_path)


@pytest.mark.parametrize(
    ("path", "head", "candidate"),
    [
        ("model.bin", b"anything", True),
        ("w/model.PTH", b"", True),
        ("clf.joblib", b"x", True),
        ("frame.pkl.gz", b"\x1f\x8b", True),
        ("model.safetensors", b"\x10\x00", False),
        ("weights.msgpack", b"\x80\x04", True),  # a pickle under another name
        ("notes.txt.gz", b"\x1f\x8b", False),
    ],
)
def test_which_files_are_scanned(tmp_path: Path, path: str, head: bytes, candidate: bool) -> None:
    local = tmp_path / "f"
    local.write_bytes(head)
    assert is_pickle_candidate(path, local) is candidate


def test_the_scanner_process_sees_no_secret_of_the_registry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JWT_SECRET", "a-secret-the-scanner-must-not-see")
    monkeypatch.setenv("DATABASE_URL", "postgresql://user:password@db/registry")
    probe = tmp_path / "env.json"
    # A stand-in for the scanner's module that writes its environment down.
    module = tmp_path / "envprobe.py"
    module.write_text(
        f"import json, os\nopen({str(probe)!r}, 'w').write(json.dumps(dict(os.environ)))\n"
    )
    real_popen = subprocess.Popen

    def popen(argv: list[str], **kwargs: object) -> subprocess.Popen[bytes]:
        assert argv[1:] == ["-m", "registry.rating.pickle_worker"]
        return real_popen([argv[0], str(module)], **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(subprocess, "Popen", popen)
    _scan(tmp_path, {"a.bin": b"\x80\x02N."})
    seen = json.loads(probe.read_text())
    assert set(seen) <= {"PATH", "TMPDIR", "LC_CTYPE"}  # LC_CTYPE: Python's UTF-8 coercion
    assert seen["TMPDIR"].startswith(str(tmp_path))


def test_files_under_a_relative_data_dir_are_scanned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DATA_DIR defaults to ./var: the staged files' paths are relative to the server's
    folder, and the scanner, running in a folder of its own, must still find them."""
    monkeypatch.chdir(tmp_path)
    relative = Path("var") / "work" / "ingest-1"
    found = _scan(relative, {"pytorch_model.bin": malicious_pickle()})
    assert found["pytorch_model.bin"].get("imports") == DANGEROUS, found


def test_a_file_that_cannot_be_scanned_is_named_without_the_servers_folders(
    tmp_path: Path,
) -> None:
    staged = _staged(tmp_path, {"weights/pytorch_model.bin": malicious_pickle()})
    staged[0].local.unlink()  # gone before the scan: the scanner cannot open it
    record = FileScanner().scan(staged, tmp_path)
    (found,) = record["pickles"]
    assert found["path"] == "weights/pytorch_model.bin"
    assert "weights/pytorch_model.bin" in found["error"], found
    assert str(tmp_path) not in found["error"], found
