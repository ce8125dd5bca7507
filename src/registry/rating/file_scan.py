"""The ingest's look inside model files: safetensors headers and pickles, before storing.

Runs on the staged files of every ingest, whatever the source. A safetensors file whose
header a loader could not trust refuses the ingest (400, naming the file). Pickles are
disassembled by picklescan in a child process (`rating/pickle_worker.py`) with a capped
address space, killed at the scan's deadline; the result is recorded with the artifact
(`upstream["file_scan"]`), scored as `pickle_safety` and judged by INGEST_POLICY.
Nothing here unpickles a file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path, PurePosixPath
from typing import Any

from registry.rating.safetensors_check import check_header
from registry.sources.base import StagedFile

# The suffixes pickle loaders read (torch.load, joblib.load, pickle.load, pandas).
PICKLE_SUFFIXES = frozenset(
    {".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle", ".joblib", ".dat", ".data"}
)
_COMPRESSED = frozenset({".gz", ".bz2", ".xz", ".z", ".zlib"})
# Pickle protocols 2 to 5 start with PROTO and their number; older ones have no mark.
_PICKLE_STARTS = tuple(bytes((0x80, proto)) for proto in range(2, 6))


@dataclass(frozen=True)
class ScanLimits:
    """Bounds of one ingest's pickle scan (PICKLE_SCAN_* settings)."""

    timeout_seconds: float = 60.0
    memory_bytes: int = 1 << 30
    expand_bytes: int = 4 << 30


def _starts_like_pickle(local: Path) -> bool:
    with local.open("rb") as fh:
        return fh.read(2) in _PICKLE_STARTS


def is_pickle_candidate(path: str, local: Path) -> bool:
    """Would a pickle loader read this file? By its suffix (`x.pkl.gz` too), else by
    its first bytes, so a renamed pickle is scanned as well."""
    suffixes = [s.lower() for s in PurePosixPath(path).suffixes[-2:]]
    if suffixes and suffixes[-1] in PICKLE_SUFFIXES:
        return True
    if len(suffixes) == 2 and suffixes[-1] in _COMPRESSED and suffixes[0] in PICKLE_SUFFIXES:
        return True
    return _starts_like_pickle(local)


def scanner_name() -> str:
    try:
        return f"picklescan {version('picklescan')}"
    except PackageNotFoundError:  # pragma: no cover - it is a dependency
        return "picklescan"


class FileScanner:
    def __init__(self, limits: ScanLimits | None = None) -> None:
        self.limits = limits or ScanLimits()

    def scan(self, files: Sequence[StagedFile], workdir: Path) -> dict[str, Any]:
        """Check every safetensors header (raises InvalidSafetensors), scan the pickles;
        return what to record with the artifact."""
        for staged in files:
            if staged.path.lower().endswith(".safetensors"):
                check_header(staged.local, staged.path)
        candidates = [f for f in files if is_pickle_candidate(f.path, f.local)]
        record: dict[str, Any] = {"scanner": scanner_name(), "pickles": []}
        if candidates:
            record["pickles"] = self._run(candidates, workdir)
        return record

    def _run(self, files: Sequence[StagedFile], workdir: Path) -> list[dict[str, Any]]:
        # Absolute: the scanner runs in a folder of its own, and DATA_DIR may be relative.
        by_local = {str(f.local.resolve()): f.path for f in files}
        request = {
            "paths": list(by_local),
            "memory_bytes": self.limits.memory_bytes,
            "expand_bytes": self.limits.expand_bytes,
        }
        scratch = (workdir / "pickle-scan").resolve()
        scratch.mkdir(exist_ok=True)
        # The child sees no secrets: only what Python needs to start.
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TMPDIR": str(scratch)}
        # A fixed argv (this interpreter, this package's module), no shell, no user text.
        proc = subprocess.Popen(
            [sys.executable, "-m", "registry.rating.pickle_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            cwd=scratch,
        )
        why = ""
        try:
            out, _ = proc.communicate(json.dumps(request).encode(), self.limits.timeout_seconds)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
            why = f"the scan ran past its limit of {self.limits.timeout_seconds:g} s"
        if not why and proc.returncode != 0:
            why = "the scanner stopped (out of its memory limit, or killed)"
        done: dict[str, dict[str, Any]] = {}
        for line in out.decode("utf-8", "replace").splitlines():
            try:
                found = json.loads(line)
            except json.JSONDecodeError:
                continue
            local = str(found.pop("path", ""))
            if local in by_local:
                if isinstance(found.get("error"), str):
                    # The reason reaches the uploader: name the file, not the server's folder.
                    found["error"] = found["error"].replace(local, by_local[local])
                done[by_local[local]] = found
        results = []
        for path in by_local.values():
            found = done.get(path) or {"error": why or "the scanner gave no result"}
            results.append({"path": path, **found})
        return results
