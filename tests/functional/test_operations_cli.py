"""The `registry` command as operators run it: help, errors, db upgrade, backup, restore,
verify and gc, each in a subprocess with the environment as its only configuration."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import boto3
import pytest

from tests.conftest import ADMIN, BERT, BOOKCORPUS, MakeApi
from tests.integration.conftest import s3_endpoint  # noqa: F401 - moto's server, a fixture


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "registry", *args],
        env={**os.environ, **env}, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip


def _one_line_error(done: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, done.stderr
    for text in expected:
        assert text in errors[0], errors[0]


def test_help_shows_the_registrys_own_options_and_version(tmp_path: Path) -> None:
    env = {"DATA_DIR": str(tmp_path / "data")}
    done = _run(env, "--help")
    assert done.returncode == 0, done.stderr
    for command in ("serve", "db", "create-user", "backup", "restore", "verify", "gc"):
        assert f"  {command} " in done.stdout
    assert "--version" in done.stdout
    for flask_option in ("--app", "--env-file", "--debug"):
        assert flask_option not in done.stdout
    assert not (tmp_path / "data").exists()  # help starts nothing and creates nothing
    version = _run(env, "--version")
    assert version.returncode == 0 and version.stdout.startswith("registry ")
    assert "Flask" not in version.stdout
    serve = _run(env, "serve", "--help")
    assert "--host" in serve.stdout and "--port" in serve.stdout


def test_an_unreachable_database_is_one_line(tmp_path: Path) -> None:
    env = {
        "DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": "postgresql://registry@127.0.0.1:1/registry",
        "BCRYPT_LOG_ROUNDS": "4",
    }
    _one_line_error(_run(env, "db", "upgrade"), "127.0.0.1")
    created = _run(env, "create-user", "carol", "--password", "a-long-unusual-passphrase")
    _one_line_error(created, "database", "127.0.0.1")
    _one_line_error(_run(env, "backup", "--to", str(tmp_path / "b.tar")), "database")
    _one_line_error(_run(env, "verify"), "database")


def test_db_upgrade_is_idempotent_and_seeds_the_admin_then_user_errors(tmp_path: Path) -> None:
    env = {"DATA_DIR": str(tmp_path / "data"), "BCRYPT_LOG_ROUNDS": "4"}
    for _ in range(2):
        done = _run(env, "db", "upgrade")
        assert done.returncode == 0, done.stderr
        assert "default admin" in done.stdout
    # The seeded admin exists: creating it again is a duplicate.
    _one_line_error(
        _run(env, "create-user", ADMIN["name"], "--password", "another-long-passphrase"),
        "exists already",
    )
    _one_line_error(_run(env, "create-user", "dave", "--password", "short"), "at least 12")


def test_backup_restore_verify_and_gc_commands(
    tmp_path: Path, make_api: MakeApi, database_url: str
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("the commands are the same on PostgreSQL (tests/integration covers it)")
    api, registry = make_api()
    api.ingest("model", BERT)
    api.ingest("dataset", BOOKCORPUS)
    source = {
        "DATA_DIR": str(registry.settings.data_dir),
        "DATABASE_URL": registry.settings.effective_database_url,
        "BCRYPT_LOG_ROUNDS": "4",
        "HF_ENDPOINT": registry.settings.hf_endpoint,
    }
    archive = tmp_path / "registry.tar"
    done = _run(source, "backup", "--to", str(archive))
    assert done.returncode == 0, done.stderr
    assert "backed up to" in done.stdout and "2 artifacts" in done.stdout
    assert archive.is_file()

    target = {"DATA_DIR": str(tmp_path / "target"), "BCRYPT_LOG_ROUNDS": "4"}
    done = _run(target, "restore", "--from", str(archive))
    assert done.returncode == 0, done.stderr
    assert "restored from" in done.stdout and "2 artifacts" in done.stdout
    _one_line_error(_run(target, "restore", "--from", str(archive)), "not empty", "--force")
    assert _run(target, "restore", "--from", str(archive), "--force").returncode == 0
    _one_line_error(_run(target, "restore", "--from", str(tmp_path / "nope.tar")), "nope.tar")
    clean = _run(target, "verify")
    assert clean.returncode == 0 and "0 problems" in clean.stdout, clean.stdout + clean.stderr

    blobs = sorted((tmp_path / "target" / "blobs").glob("??/??/*"))
    blobs[0].unlink()
    broken = _run(target, "verify")
    assert broken.returncode == 1
    assert f"missing {blobs[0].name} used by" in broken.stdout
    assert "1 problems" in broken.stdout and "Traceback" not in broken.stderr

    # A work folder of a process dead for two days: a dry run counts it, gc removes it.
    stale = tmp_path / "target" / "work" / "ingest-abandoned"
    stale.mkdir(parents=True)
    two_days_ago = time.time() - 2 * 86400
    os.utime(stale, (two_days_ago, two_days_ago))
    dry = _run(target, "gc", "--grace-minutes", "0", "--dry-run")
    assert dry.returncode == 0 and "0 would be deleted" in dry.stdout, dry.stdout
    # The output is the summary alone; the registry's log lines go to stderr.
    assert len(dry.stdout.splitlines()) == 1 and "blob_gc" in dry.stderr, dry.stdout
    assert "1 abandoned work folders would be removed" in dry.stdout, dry.stdout
    assert stale.is_dir()
    # A running ingest's work folder is young whatever --grace-minutes says: it stays.
    live = tmp_path / "target" / "work" / "ingest-in-progress"
    live.mkdir(parents=True)
    done = _run(target, "gc", "--grace-minutes", "0")
    assert done.returncode == 0 and "1 abandoned work folders removed" in done.stdout
    assert live.is_dir() and not stale.exists()


def test_serve_in_production_refuses_the_published_admin_password(tmp_path: Path) -> None:
    env = {
        "DATA_DIR": str(tmp_path / "data"),
        "BCRYPT_LOG_ROUNDS": "4",
        "FLASK_ENV": "production",
        "JWT_SECRET": "j" * 32,
        "SECRET_KEY": "k" * 32,
        "PORT": "1",  # never reached: the refusal comes before gunicorn starts
    }
    _one_line_error(_run(env, "serve"), "REGISTRY_ADMIN_PASSWORD", "ALLOW_DEFAULT_ADMIN_PASSWORD")
    placeholder = _run({**env, "REGISTRY_ADMIN_PASSWORD": "CHANGE-ME"}, "serve")
    _one_line_error(placeholder, "REGISTRY_ADMIN_PASSWORD is too weak")


def test_serve_logs_its_start_in_the_configured_format(tmp_path: Path) -> None:
    """What `registry serve` logs before gunicorn starts (here the production warning
    about the published admin password) is a JSON line like the workers' lines."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        "DATA_DIR": str(tmp_path / "data"),
        "BCRYPT_LOG_ROUNDS": "4",
        "FLASK_ENV": "production",
        "JWT_SECRET": "j" * 32,
        "SECRET_KEY": "k" * 32,
        "ALLOW_DEFAULT_ADMIN_PASSWORD": "true",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "registry", "serve"],
        env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, start_new_session=True,
    )  # fmt: skip
    before = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:  # up to gunicorn's start, or the end of a failed start
            if line.startswith("registry listening"):
                break
            before.append(line)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(60)
    events = [json.loads(line)["event"] for line in before]
    assert "default_admin_password_allowed" in events, before


def test_backup_to_s3_and_restore_from_it(
    tmp_path: Path,
    make_api: MakeApi,
    database_url: str,
    s3_endpoint: str,  # noqa: F811 - the fixture imported above
) -> None:
    """The laptop-to-AWS move through the commands: a SQLite registry into an archive in
    a bucket, restored elsewhere; an unreachable bucket is one line."""
    if not database_url.startswith("sqlite"):
        pytest.skip("the laptop side is SQLite")
    bucket = f"transfer-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").create_bucket(
        Bucket=bucket
    )
    api, registry = make_api()
    api.ingest("model", BERT)
    laptop = {
        "DATA_DIR": str(registry.settings.data_dir),
        "DATABASE_URL": registry.settings.effective_database_url,
        "AWS_ENDPOINT_URL": s3_endpoint,
    }
    where = f"s3://{bucket}/transfers/registry.tar"
    done = _run(laptop, "backup", "--to", where)
    assert done.returncode == 0 and "1 artifacts" in done.stdout, done.stderr
    elsewhere = {"DATA_DIR": str(tmp_path / "elsewhere"), "AWS_ENDPOINT_URL": s3_endpoint}
    done = _run(elsewhere, "restore", "--from", where)
    assert done.returncode == 0 and "1 artifacts" in done.stdout, done.stderr
    assert _run(elsewhere, "verify").returncode == 0
    nowhere = {**laptop, "AWS_ENDPOINT_URL": "http://127.0.0.1:1"}
    _one_line_error(_run(nowhere, "backup", "--to", where), "s3://")
