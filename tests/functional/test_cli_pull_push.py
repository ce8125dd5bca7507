"""`registry login | pull | push` against a running registry, as a user runs them."""

from __future__ import annotations

import hashlib
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from sqlalchemy import select

from registry.app import create_app
from registry.cli import cli
from registry.db.models import ArtifactRow
from registry.services.container import Registry
from tests.conftest import ADMIN, BERT, BOOKCORPUS, Api, MakeApi
from tests.fakes import FakeUpstream
from tests.fakes.records import safetensors_bytes
from tests.functional.live_server import downloads, serve

REPO = "google-bert/bert-base-uncased"
Run = Callable[..., Result]


@pytest.fixture
def run(app: Flask, tmp_path: Path) -> Iterator[Run]:
    with running(app, tmp_path) as invoke:
        yield invoke


@contextmanager
def running(app: Flask, tmp_path: Path) -> Iterator[Run]:
    """`registry ...` in this process, against `app` served over HTTP."""
    runner = CliRunner()
    with serve(app) as base:
        env = {"REGISTRY_URL": base, "XDG_CONFIG_HOME": str(tmp_path / "config")}

        def invoke(*args: str) -> Result:
            return runner.invoke(cli, list(args), env=env, catch_exceptions=False)

        yield invoke


def login(run: Run) -> None:
    done = run("login", "--password", ADMIN["password"])
    assert done.exit_code == 0, done.output


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_login_keeps_a_private_token(run: Run, tmp_path: Path) -> None:
    wrong = run("login", "--password", "not it")
    assert wrong.exit_code == 1
    assert "invalid" in wrong.output and "Traceback" not in wrong.output
    login(run)
    token = tmp_path / "config" / "registry" / "token"
    assert stat.S_IMODE(token.stat().st_mode) == 0o600
    assert token.read_text().startswith("bearer ")


def test_logout_revokes_the_kept_token_and_forgets_it(run: Run, tmp_path: Path, api: Api) -> None:
    login(run)
    token_file = tmp_path / "config" / "registry" / "token"
    kept = Api(api.client, token_file.read_text().strip())
    assert kept.enumerate([{"name": "*"}]).status_code == 200
    done = run("logout")
    assert done.exit_code == 0 and "revoked" in done.output
    assert not token_file.exists()
    assert kept.enumerate([{"name": "*"}]).status_code == 403
    assert run("logout").output.strip() == "not logged in"


def test_commands_need_a_login(run: Run) -> None:
    done = run("pull", "anything")
    assert done.exit_code == 1 and "registry login" in done.output


def test_push_a_url_prints_rating_and_verdict_then_pull_verifies(
    run: Run, registry: Registry, upstream: FakeUpstream, tmp_path: Path
) -> None:
    login(run)
    pushed = run("push", BERT)
    assert pushed.exit_code == 0, pushed.output
    assert "stored model bert-base-uncased as" in pushed.output
    assert "rating: net_score" in pushed.output and "verdict: admitted" in pushed.output
    target = tmp_path / "bert"
    pulled = run("pull", REPO, "--to", str(target))
    assert pulled.exit_code == 0, pulled.output
    assert "every sha256 verified" in pulled.output
    original = upstream.catalog.hf_repo(REPO)
    assert original is not None
    for path in target.rglob("*"):
        assert sha(path) == original.file(path.name).sha256, path
    only_tokenizer = run(
        "pull", "bert-base-uncased", "--part", "tokenizer", "--to", str(tmp_path / "t")
    )
    assert only_tokenizer.exit_code == 0, only_tokenizer.output
    assert sorted(p.name for p in (tmp_path / "t").iterdir()) == [
        "tokenizer.json",
        "tokenizer_config.json",
        "vocab.txt",
    ]


def test_an_interrupted_pull_resumes_and_a_bad_partial_is_fetched_again(
    run: Run, registry: Registry, upstream: FakeUpstream, tmp_path: Path
) -> None:
    login(run)
    assert run("push", BOOKCORPUS).exit_code == 0
    target = tmp_path / "books"
    assert run("pull", "bookcorpus", "--to", str(target)).exit_code == 0
    with registry.db.read() as session:
        artifact_id = session.scalars(select(ArtifactRow.id)).one()
    audited = downloads(registry, artifact_id)
    data = target / "data" / "train-00000-of-00001.parquet"
    whole = data.read_bytes()
    # As if the pull had been killed half-way through this file.
    data.unlink()
    part = data.with_name(data.name + ".part")
    part.write_bytes(whole[: len(whole) // 2])
    resumed = run("pull", "bookcorpus", "--to", str(target))
    assert resumed.exit_code == 0, resumed.output
    assert data.read_bytes() == whole and not part.exists()
    assert "1 downloaded" in resumed.output  # the other files were already verified
    # It continued the transfer (a Range from the middle): no new download was audited.
    assert downloads(registry, artifact_id) == audited
    # A partial file with wrong bytes fails verification and is fetched again whole.
    data.unlink()
    part.write_bytes(b"\0" * (len(whole) // 2))
    repaired = run("pull", "bookcorpus", "--to", str(target))
    assert repaired.exit_code == 0, repaired.output
    assert data.read_bytes() == whole


def test_push_a_folder_uploads_it(run: Run, tmp_path: Path) -> None:
    login(run)
    folder = tmp_path / "my-model"
    (folder / "weights").mkdir(parents=True)
    (folder / "config.json").write_text('{"model_type": "bert"}')
    (folder / "weights" / "model.safetensors").write_bytes(safetensors_bytes(4096, b"\1"))
    pushed = run("push", str(folder), "--name", "mine", "--type", "model")
    assert pushed.exit_code == 0, pushed.output
    assert "stored model mine as" in pushed.output and "verdict: admitted" in pushed.output
    pulled = run("pull", "mine", "--to", str(tmp_path / "back"))
    assert pulled.exit_code == 0, pulled.output
    back = tmp_path / "back" / "weights" / "model.safetensors"
    assert back.read_bytes() == safetensors_bytes(4096, b"\1")
    again = run("push", str(folder), "--name", "mine")
    assert again.exit_code == 1 and "exists already" in again.output
    missing = run("pull", "no-such-thing")
    assert missing.exit_code == 1 and "no artifact is named" in missing.output


def test_a_refused_push_prints_the_failing_rules(make_api: MakeApi, tmp_path: Path) -> None:
    _, reg = make_api(ingest_policy="license>=0.5")
    folder = tmp_path / "unlicensed"
    folder.mkdir()
    (folder / "model.safetensors").write_bytes(safetensors_bytes(1024))
    with running(create_app(registry=reg), tmp_path) as invoke:
        login(invoke)
        refused = invoke("push", str(folder))
    assert refused.exit_code == 1
    assert "rating: net_score" in refused.output
    assert "verdict: refused: license=0 fails license>=0.5" in refused.output
