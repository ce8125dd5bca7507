"""Starting the registry: library switches set before import, bad settings stop it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = (
    "import registry.app\n"
    "from huggingface_hub import constants\n"
    "print(constants.HF_HUB_DISABLE_TELEMETRY, constants.HF_HUB_DISABLE_PROGRESS_BARS)\n"
)


def _run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HF_HUB_")}
    return subprocess.run(
        [sys.executable, *args],
        env={**clean, "DATA_DIR": str(tmp_path / "data"), **env},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_huggingface_hub_sees_the_switches_the_registry_sets(tmp_path: Path) -> None:
    assert _run(["-c", PROBE], tmp_path).stdout.split() == ["True", "True"]
    # An operator's own choice is kept.
    chosen = _run(["-c", PROBE], tmp_path, HF_HUB_DISABLE_TELEMETRY="0")
    assert chosen.stdout.split() == ["False", "True"]


def test_the_test_suite_runs_the_hub_client_without_xet_or_telemetry() -> None:
    from huggingface_hub import constants

    assert constants.HF_HUB_DISABLE_XET and constants.HF_HUB_DISABLE_TELEMETRY


@pytest.mark.parametrize(
    "entry",
    [
        ["-m", "registry", "serve"],
        ["-m", "registry", "db", "upgrade"],
        ["-c", "import registry.wsgi"],
    ],
)
def test_a_bad_setting_stops_the_server_naming_the_variable(
    tmp_path: Path, entry: list[str]
) -> None:
    done = _run(entry, tmp_path, REGEX_BUDGET_SECONDS="0", PORT="18080")
    assert done.returncode != 0
    assert "REGEX_BUDGET_SECONDS must be a number of seconds greater than 0" in done.stderr
    assert not (tmp_path / "data").exists()  # refused before touching anything
