"""The CLI's user and schema commands, and the ingest limits set by configuration."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ADMIN_USER, BERT, MakeApi


def test_create_user_then_authenticate(tmp_path: Path, make_api: MakeApi) -> None:
    api, registry = make_api()
    env = {
        **os.environ,
        "DATA_DIR": str(tmp_path / "cli"),
        "DATABASE_URL": registry.settings.effective_database_url,
        "BCRYPT_LOG_ROUNDS": "4",
    }
    upgrade = subprocess.run(
        [sys.executable, "-m", "registry", "db", "upgrade"],
        env=env, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    assert "latest schema" in upgrade.stdout
    created = subprocess.run(
        [sys.executable, "-m", "registry", "create-user", "alice", "--password", "alice-secret-pw"],
        env=env, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    assert "created user alice (admin=False; permissions: upload, search, download)" in (
        created.stdout
    )
    assert api.login("alice", "alice-secret-pw").status_code == 200
    again = subprocess.run(
        [sys.executable, "-m", "registry", "create-user", "alice", "--password", "other-password"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert again.returncode != 0 and "exists already" in (again.stderr + again.stdout)
    reader = subprocess.run(
        [sys.executable, "-m", "registry", "create-user", "bob", "--permission", "search",
         "--password", "bob-reads-only-pw"],
        env=env, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    assert "created user bob (admin=False; permissions: search)" in reader.stdout
    weak = subprocess.run(
        [sys.executable, "-m", "registry", "create-user", "carol", "--password", "short"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert weak.returncode == 1
    assert "at least 12 characters" in weak.stderr and "Traceback" not in weak.stderr


def test_artifacts_over_the_size_cap_are_413(make_api: MakeApi) -> None:
    api, registry = make_api(max_artifact_bytes=1_000_000)
    resp = api.call(
        "POST", "/artifact/model", json={"url": "https://huggingface.co/acme/large-weights"}
    )
    assert resp.status_code == 413
    assert "MAX_ARTIFACT_BYTES" in resp.get_json()["message"]
    assert list(registry.blobs.iter_blobs()) == []


def test_all_weight_formats_can_be_kept(make_api: MakeApi) -> None:
    api, registry = make_api(keep_all_weight_formats=True)
    art = api.ingest("model", BERT)
    stored = {f.path for f in registry.artifacts.get(None, art["metadata"]["id"], ADMIN_USER).files}
    assert {"model.safetensors", "pytorch_model.bin", "tf_model.h5", "flax_model.msgpack"} <= stored
