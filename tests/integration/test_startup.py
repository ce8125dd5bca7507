"""Starting the registry: library switches set before import, bad settings stop it,
the disk is touched by the startup steps only."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from registry.app import build_registry, create_app
from registry.db import migrate
from registry.db.session import Database
from registry.observability.probes import StartupCheckFailed
from registry.settings import Settings
from registry.startup import prepare_local_state, start_registry

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


def test_wiring_the_registry_and_its_app_touches_nothing(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "fresh", bcrypt_log_rounds=4)
    registry = build_registry(settings)
    create_app(registry)
    registry.close()
    assert not settings.data_dir.exists()
    assert registry.ingest.janitor is registry.artifacts.janitor is registry.janitor


def test_importing_the_registry_touches_nothing(tmp_path: Path) -> None:
    done = _run(["-c", "import registry.app, registry.cli, registry.startup"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert list(tmp_path.iterdir()) == []


def test_startup_makes_the_folders_the_secret_and_sweeps_old_work(tmp_path: Path) -> None:
    data = tmp_path / "data"
    old, new = data / "work" / "ingest-old", data / "work" / "ingest-new"
    for folder in (old, new):
        folder.mkdir(parents=True)
    two_days_ago = time.time() - 2 * 86400
    os.utime(old, (two_days_ago, two_days_ago))
    settings = Settings(data_dir=data, database_url=f"sqlite:///{tmp_path}/db/r.db")
    # A database without the registry's tables cannot take the startup check's write.
    with pytest.raises(StartupCheckFailed, match=r"the database .* is not usable"):
        start_registry(settings)
    assert (tmp_path / "db").is_dir()  # the folders came first
    database = Database(settings.effective_database_url)
    migrate.upgrade(database)
    database.dispose()
    registry = start_registry(settings)
    registry.close()
    secret = data / "secret.key"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert registry.settings.jwt_secret == secret.read_text() == registry.settings.secret_key
    assert len(registry.settings.jwt_secret) >= 32
    assert (tmp_path / "db").is_dir()
    assert not old.exists() and new.exists()
    # A second start keeps the same secret, so tokens survive restarts.
    again = start_registry(settings)
    again.close()
    assert again.settings.jwt_secret == registry.settings.jwt_secret


def test_workers_starting_together_agree_on_one_secret(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    with ThreadPoolExecutor(8) as pool:
        seen = set(pool.map(lambda _: prepare_local_state(settings).jwt_secret, range(16)))
    assert len(seen) == 1 and len(seen.pop()) >= 32
    assert [p.name for p in tmp_path.iterdir()] == ["secret.key"]


def test_production_keeps_no_secret_on_disk(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", flask_env="production", jwt_secret="j" * 32)
    prepared = prepare_local_state(settings)
    assert prepared.secret_key is None and prepared.jwt_secret == "j" * 32
    assert list((tmp_path / "data").iterdir()) == []
