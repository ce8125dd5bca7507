"""Monitor programs: an uploader's JavaScript that decides each download of a sensitive model.

The program runs in the jail as `node monitor.js MODEL_NAME UPLOADER_USERNAME
DOWNLOADER_USERNAME ZIP_FILE_PATH`, from /jail, with the bundle shown read-only at
/jail/bundle.zip. Exit 0 allows the download; anything else refuses it with the
program's stdout as the reason. A program that hangs, floods its output, exhausts its
memory or cannot be run is a refusal too, never a hang or an error of the server.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from registry.sandbox.bwrap import JAIL_DIR, BadJailFile
from registry.sandbox.jail import Jail, JailResult, JailUnavailable

PROGRAM_NAME = "monitor.js"
BUNDLE_NAME = "bundle.zip"
BUNDLE_PATH = f"{JAIL_DIR}/{BUNDLE_NAME}"
MAX_PROGRAM_BYTES = 1 << 20

_LIMIT_WORDS = {
    "time": "ran past its time limit",
    "memory": "exceeded its memory limit",
    "output": "wrote more output than allowed",
    "cpu": "used more CPU time than allowed",
}


@dataclass(frozen=True)
class MonitorVerdict:
    allowed: bool
    exit_code: int | None  # None: stopped by the jail, or never started
    output: str  # the program's stdout (capped): the reason it gives
    problem: str | None  # why it was refused without deciding, for the record

    @property
    def message(self) -> str:
        """What the refused downloader is told."""
        if self.allowed:
            return ""
        said = self.output.strip()
        if self.problem is not None:
            return f"the model's monitor program {self.problem}" + (f": {said}" if said else "")
        return said or f"the model's monitor program refused the download (exit {self.exit_code})"


def _verdict(result: JailResult) -> MonitorVerdict:
    limits = [word for key, word in _LIMIT_WORDS.items() if key in result.limits_hit]
    problem = " and ".join(limits) or (
        f"was killed (exit {result.exit_code})" if result.killed else None
    )
    return MonitorVerdict(
        allowed=result.ok and problem is None,
        exit_code=result.exit_code,
        output=result.output,
        problem=problem,
    )


def run_monitor(
    jail: Jail,
    program_text: str,
    *,
    model_name: str,
    uploader: str,
    downloader: str,
    zip_path: Path,
    timeout: float,
    memory_bytes: int | None = None,
) -> MonitorVerdict:
    """Run one monitor program on one download; the verdict is always a value."""
    program = program_text.encode("utf-8")
    if len(program) > MAX_PROGRAM_BYTES:
        return MonitorVerdict(False, None, "", f"is larger than {MAX_PROGRAM_BYTES} bytes")
    argv = [*jail.node_argv(), PROGRAM_NAME, model_name, uploader, downloader, BUNDLE_PATH]
    try:
        result = jail.run(
            argv,
            timeout=timeout,
            files={PROGRAM_NAME: program},
            shown={BUNDLE_NAME: zip_path},
            cwd=JAIL_DIR,
            memory_bytes=memory_bytes,
            address_space_bytes=jail.node_address_space(memory_bytes),
        )
    except (JailUnavailable, BadJailFile, OSError) as exc:
        return MonitorVerdict(False, None, "", f"could not be run: {exc}")
    return _verdict(result)
