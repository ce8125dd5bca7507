"""Unchanged ML code and tools against the registry: transformers and the `hf` command
with only HF_ENDPOINT and HF_TOKEN set (separate processes, as users run them)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from flask import Flask
from huggingface_hub import HfApi, snapshot_download

from tests.conftest import BERT, Api
from tests.fakes import FakeUpstream
from tests.fakes.hf_content import BERT_VOCAB
from tests.functional.live_server import serve
from tests.functional.server_process import ServerProcess, server_env

REPO = "google-bert/bert-base-uncased"

_LOAD = """
import json, sys
from transformers import AutoConfig, AutoTokenizer
config = AutoConfig.from_pretrained(sys.argv[1])
tokenizer = AutoTokenizer.from_pretrained(sys.argv[1])
print(json.dumps({"model_type": config.model_type, "hidden_size": config.hidden_size,
                  "ids": tokenizer("The city")["input_ids"]}))
"""


@pytest.fixture
def hf_env(api: Api, app: Flask, tmp_path: Path) -> Iterator[dict[str, str]]:
    assert api.token is not None
    with serve(app) as base:
        yield {
            **os.environ,
            "HF_ENDPOINT": f"{base}/hf",
            "HF_TOKEN": api.token,  # as PUT /authenticate returned it, "bearer " and all
            "HF_HOME": str(tmp_path / "hf-home"),
            "HF_HUB_DISABLE_XET": "1",
            "HF_HUB_DISABLE_TELEMETRY": "1",
        }


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_transformers_loads_config_and_tokenizer(api: Api, hf_env: dict[str, str]) -> None:
    api.ingest("model", BERT)
    done = run([sys.executable, "-c", _LOAD, REPO], hf_env)
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded["model_type"] == "bert" and loaded["hidden_size"] == 768
    # The tokenizer really works: lower-cased WordPiece ids from the stored vocabulary.
    expected = [BERT_VOCAB.index(t) for t in ("[CLS]", "the", "city", "[SEP]")]
    assert loaded["ids"] == expected
    # Code that still names the legacy id reaches the same model.
    legacy = run([sys.executable, "-c", _LOAD, "bert-base-uncased"], hf_env)
    assert legacy.returncode == 0, legacy.stderr
    assert json.loads(legacy.stdout.strip().splitlines()[-1])["ids"] == expected


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_transformers_names_a_model_the_registry_lacks(api: Api, hf_env: dict[str, str]) -> None:
    done = run([sys.executable, "-c", _LOAD, "acme/never-ingested"], hf_env)
    assert done.returncode != 0
    assert "acme/never-ingested" in done.stderr
    assert "OSError" in done.stderr  # transformers names the repo it could not find
    assert "ingest it first" in done.stderr  # and chains the registry's reason


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_hf_download_command(
    api: Api, hf_env: dict[str, str], upstream: FakeUpstream, tmp_path: Path
) -> None:
    api.ingest("model", BERT)
    hf = str(Path(sys.executable).with_name("hf"))
    target = tmp_path / "bert"
    done = run([hf, "download", REPO, "--local-dir", str(target)], hf_env)
    assert done.returncode == 0, done.stderr
    original = upstream.catalog.hf_repo(REPO)
    assert original is not None
    weights = (target / "model.safetensors").read_bytes()
    assert hashlib.sha256(weights).hexdigest() == original.file("model.safetensors").sha256
    assert (target / "tokenizer.json").is_file()
    missing = run([hf, "download", "acme/never-ingested"], hf_env)
    assert missing.returncode != 0
    assert "Repository not found" in missing.stderr


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_through_gunicorn_as_deployed(
    tmp_path: Path, database_url: str, upstream: FakeUpstream
) -> None:
    """`registry serve` (gunicorn, gthread): raw paths, streaming and ranges as in production."""
    env = server_env(tmp_path / "data", database_url, upstream, HUB_TREE_PAGE_SIZE="3")
    server = ServerProcess(env, tmp_path / "server.log").start()
    try:
        token = server.token()
        created = server.call("POST", "/artifact/model", token, json={"url": BERT})
        assert created.status_code == 201, created.text
        hub = f"{server.base}/hf"
        client = HfApi(endpoint=hub, token=token)
        files = client.list_repo_files(REPO, revision="refs/heads/main")  # an encoded "/"
        assert len(files) == 7  # three pages of three
        folder = snapshot_download(REPO, endpoint=hub, token=token, cache_dir=tmp_path / "c")
        original = upstream.catalog.hf_repo(REPO)
        assert original is not None
        for path in Path(folder).iterdir():
            assert hashlib.sha256(path.read_bytes()).hexdigest() == original.file(path.name).sha256
        url = f"{hub}/{REPO}/resolve/main/model.safetensors"
        tail = requests.get(
            url, headers={"Authorization": f"Bearer {token}", "Range": "bytes=-10"}, timeout=30
        )
        assert tail.status_code == 206 and len(tail.content) == 10
    finally:
        server.stop()
