"""The fakes in tests/fakes speak the real protocols.

The Hub fake is driven with the real ``huggingface_hub`` client, so a mismatch with what that
client expects (headers, JSON shapes, error signalling) fails here rather than in registry tests.
GitHub and the file server are checked with ``requests`` against GitHub's documented shapes.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import io
import os
import re
import signal
import stat
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from huggingface_hub import HfApi, ModelCard, constants, get_hf_file_metadata, hf_hub_download
from huggingface_hub.errors import (
    EntryNotFoundError,
    GatedRepoError,
    HfHubHTTPError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from huggingface_hub.hf_api import RepoFile, RepoFolder

from tests.fakes import FakeUpstream
from tests.fakes.records import ZIP_ATTACKS, FakeFile

BERT = "google-bert/bert-base-uncased"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def upstream() -> Iterator[FakeUpstream]:
    with pytest.MonkeyPatch.context() as patch:
        # An offline-mode environment would make the client refuse even loopback requests;
        # telemetry would go to the real endpoint.  Neither may leak into these tests.
        patch.setattr(constants, "HF_HUB_OFFLINE", False)
        patch.setattr(constants, "HF_HUB_DISABLE_TELEMETRY", True)
        patch.setenv("HF_HUB_DISABLE_XET", "1")
        with FakeUpstream() as fake:
            yield fake


@pytest.fixture
def api(upstream: FakeUpstream) -> HfApi:
    return HfApi(endpoint=upstream.hf_endpoint, token=False)


def download(upstream: FakeUpstream, repo_id: str, filename: str, dest: Path, **kw: Any) -> Path:
    return Path(
        hf_hub_download(
            repo_id, filename, endpoint=upstream.hf_endpoint, local_dir=dest, token=False, **kw
        )
    )


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---- catalogue -------------------------------------------------------------------------------


def test_generated_files_are_deterministic_and_rangeable() -> None:
    a = FakeFile("w.safetensors", size=3 * (1 << 20) + 17, seed="s", prefix=b"HEAD")
    b = FakeFile("w.safetensors", size=3 * (1 << 20) + 17, seed="s", prefix=b"HEAD")
    whole = a.read()
    assert len(whole) == a.size
    assert whole.startswith(b"HEAD")
    assert a.lfs
    assert a.sha256 == b.sha256 == sha256(whole)
    # A range across a chunk boundary equals the slice of the whole.
    assert a.read((1 << 20) - 5, (1 << 20) + 5) == whole[(1 << 20) - 5 : (1 << 20) + 5]
    assert FakeFile("w.bin", size=10, seed="other").read() != a.read(0, 10)
    assert not FakeFile("config.json", content=b"{}").lfs


# ---- Hugging Face Hub ------------------------------------------------------------------------


def test_model_info_has_hub_fields(upstream: FakeUpstream, api: HfApi) -> None:
    repo = upstream.catalog.hf_repo(BERT)
    assert repo is not None
    info = api.model_info(BERT)
    assert info.id == BERT
    assert info.author == "google-bert"
    assert info.sha == repo.sha
    assert info.pipeline_tag == "fill-mask"
    assert info.library_name == "transformers"
    assert info.downloads == repo.downloads
    assert info.likes == repo.likes
    assert info.private is False
    assert info.gated is False
    assert info.disabled is False
    assert info.created_at is not None
    assert info.last_modified is not None
    assert info.config == {
        "architectures": ["BertForMaskedLM"],
        "model_type": "bert",
        "tokenizer_config": {},
    }
    assert info.card_data is not None
    assert info.card_data.license == "apache-2.0"
    assert info.card_data.datasets == ["bookcorpus", "wikipedia"]
    assert "license:apache-2.0" in (info.tags or [])
    assert "dataset:bookcorpus" in (info.tags or [])
    assert [s.rfilename for s in info.siblings or []] == [f.path for f in repo.files]
    # Without blobs=true the Hub sends file names only.
    assert all(s.size is None and s.lfs is None for s in info.siblings or [])
    assert info.safetensors is not None
    assert info.safetensors.total > 0


def test_files_metadata_sizes_and_lfs_sha256_match_downloads(
    upstream: FakeUpstream, api: HfApi, tmp_path: Path
) -> None:
    info = api.model_info(BERT, files_metadata=True)
    siblings = {s.rfilename: s for s in info.siblings or []}
    assert {name for name, s in siblings.items() if s.lfs} == {
        "model.safetensors",
        "pytorch_model.bin",
        "tf_model.h5",
        "flax_model.msgpack",
    }
    for name in ("model.safetensors", "tf_model.h5", "config.json", "README.md"):
        data = download(upstream, BERT, name, tmp_path).read_bytes()
        sibling = siblings[name]
        assert sibling.size == len(data)
        if sibling.lfs is not None:
            assert sibling.lfs.sha256 == sha256(data)
            assert sibling.lfs.size == len(data)
        else:  # non-LFS blob ids are git's: sha1("blob <len>\0" + bytes)
            assert sibling.blob_id == hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
    sizes = [siblings[n].size or 0 for n in ("pytorch_model.bin", "tf_model.h5")]
    assert max(sizes) - min(sizes) < 10_000  # same weights, other formats: similar sizes


def test_readme_front_matter_is_the_card_data(
    upstream: FakeUpstream, api: HfApi, tmp_path: Path
) -> None:
    card = ModelCard.load(download(upstream, BERT, "README.md", tmp_path))
    info = api.model_info(BERT)
    assert info.card_data is not None
    assert card.data.to_dict() == info.card_data.to_dict()  # type: ignore[no-untyped-call]
    assert "```python" in card.text
    assert "| Task |" in card.text


def test_head_headers_and_file_metadata(upstream: FakeUpstream) -> None:
    repo = upstream.catalog.hf_repo(BERT)
    assert repo is not None
    weights, config = repo.file("model.safetensors"), repo.file("config.json")
    assert weights is not None
    assert config is not None
    url = f"{upstream.hf_endpoint}/{BERT}/resolve/main/model.safetensors"
    head = requests.head(url, timeout=5)
    assert head.status_code == 200
    assert head.headers["X-Repo-Commit"] == repo.sha
    assert head.headers["X-Linked-Etag"] == f'"{weights.sha256}"'
    assert head.headers["X-Linked-Size"] == str(weights.size)
    assert head.headers["Accept-Ranges"] == "bytes"
    assert not any(h.lower().startswith("x-xet") for h in head.headers)
    meta = get_hf_file_metadata(url, token=False)
    assert (meta.etag, meta.size, meta.commit_hash) == (weights.sha256, weights.size, repo.sha)
    plain = requests.head(url.replace("model.safetensors", "config.json"), timeout=5)
    assert plain.headers["ETag"] == f'"{config.blob_id}"'
    assert "X-Linked-Etag" not in plain.headers
    partial = requests.get(url, headers={"Range": "bytes=100-199"}, timeout=5)
    assert partial.status_code == 206
    assert partial.headers["Content-Range"] == f"bytes 100-199/{weights.size}"
    assert partial.content == weights.read(100, 200)


def test_finetune_shares_tokenizer_and_names_its_base(
    upstream: FakeUpstream, api: HfApi, tmp_path: Path
) -> None:
    base = download(upstream, BERT, "tokenizer.json", tmp_path / "base").read_bytes()
    tuned = download(upstream, "acme/bert-finetuned-sst2", "tokenizer.json", tmp_path / "ft")
    assert tuned.read_bytes() == base
    info = api.model_info("acme/bert-finetuned-sst2")
    assert info.card_data is not None
    assert info.card_data.base_model == BERT
    assert info.card_data.datasets == ["stanfordnlp/sst2"]
    config = download(upstream, "acme/bert-finetuned-sst2", "config.json", tmp_path / "ft")
    assert f'"_name_or_path": "{BERT}"' in config.read_text()


def test_other_models(api: HfApi) -> None:
    no_card = api.model_info("acme/no-card-model", files_metadata=True)
    assert no_card.card_data is None
    assert [s.rfilename for s in no_card.siblings or []] == ["config.json", "model.safetensors"]
    nc = api.model_info("acme/noncommercial-model")
    assert nc.card_data is not None
    assert nc.card_data.license == "cc-by-nc-4.0"
    large = api.model_info("acme/large-weights", files_metadata=True)
    sizes = {s.rfilename: s.size or 0 for s in large.siblings or []}
    assert sizes["model.safetensors"] > 64 * 1024 * 1024
    diffusion = api.model_info("acme/diffusion-pipeline")
    names = {s.rfilename for s in diffusion.siblings or []}
    assert {"model_index.json", "unet/diffusion_pytorch_model.safetensors"} <= names
    assert diffusion.config == {"diffusers": {"_class_name": "StableDiffusionPipeline"}}


def test_large_file_streams_and_hashes(upstream: FakeUpstream) -> None:
    repo = upstream.catalog.hf_repo("acme/large-weights")
    assert repo is not None
    weights = repo.file("model.safetensors")
    assert weights is not None
    url = f"{upstream.hf_endpoint}/acme/large-weights/resolve/main/model.safetensors"
    digest, received = hashlib.sha256(), 0
    with requests.get(url, stream=True, timeout=10) as response:
        assert int(response.headers["Content-Length"]) == weights.size
        for chunk in response.iter_content(1 << 20):
            digest.update(chunk)
            received += len(chunk)
    assert received == weights.size
    assert digest.hexdigest() == weights.sha256


def test_safetensors_header_is_readable_by_the_client(api: HfApi) -> None:
    meta = api.get_safetensors_metadata(BERT)
    info = api.model_info(BERT)
    assert info.safetensors is not None
    assert meta.parameter_count == info.safetensors.parameters
    assert "bert.embeddings.word_embeddings.weight" in meta.weight_map


def test_dataset_info(upstream: FakeUpstream, api: HfApi, tmp_path: Path) -> None:
    info = api.dataset_info("bookcorpus/bookcorpus", files_metadata=True)
    assert info.id == "bookcorpus/bookcorpus"
    assert info.description
    assert info.card_data is not None
    assert info.card_data.license == "unknown"
    assert info.card_data.task_categories == ["text-generation", "fill-mask"]
    assert info.card_data.size_categories == ["10M<n<100M"]
    parquet = next(s for s in info.siblings or [] if s.rfilename.endswith(".parquet"))
    assert parquet.lfs is not None
    path = download(
        upstream,
        "stanfordnlp/sst2",
        "data/train-00000-of-00001.parquet",
        tmp_path,
        repo_type="dataset",
    )
    assert path.read_bytes().startswith(b"PAR1")
    with pytest.raises(RepositoryNotFoundError):
        api.dataset_info(BERT)  # a model id is not a dataset


def test_errors_map_to_client_exceptions(
    upstream: FakeUpstream, api: HfApi, tmp_path: Path
) -> None:
    with pytest.raises(RepositoryNotFoundError):
        api.model_info("nobody/nothing")
    with pytest.raises(RepositoryNotFoundError):
        download(upstream, "nobody/nothing", "config.json", tmp_path)
    with pytest.raises(RevisionNotFoundError):
        api.model_info(BERT, revision="v9.9")
    with pytest.raises(RevisionNotFoundError):
        download(upstream, BERT, "config.json", tmp_path, revision="v9.9")
    with pytest.raises(EntryNotFoundError):
        download(upstream, BERT, "missing.bin", tmp_path)
    with pytest.raises(GatedRepoError):
        download(upstream, "acme/gated-model", "config.json", tmp_path)
    assert api.model_info("acme/gated-model").gated == "manual"
    with pytest.raises(HfHubHTTPError) as server_error:
        api.model_info("fault/server-error")
    assert server_error.value.response.status_code == 500


def test_revision_by_sha(upstream: FakeUpstream, api: HfApi, tmp_path: Path) -> None:
    sha = api.model_info(BERT).sha
    assert sha is not None
    assert re.fullmatch(r"[0-9a-f]{40}", sha)
    assert api.model_info(BERT, revision=sha).sha == sha
    assert download(upstream, BERT, "config.json", tmp_path, revision=sha).is_file()


def test_commits_paginate(upstream: FakeUpstream, api: HfApi) -> None:
    upstream.hub.commits_page_size = 2
    try:
        before = len(upstream.hf_requests.matching(f"/api/models/{BERT}/commits/"))
        commits = api.list_repo_commits(BERT)
        after = len(upstream.hf_requests.matching(f"/api/models/{BERT}/commits/"))
    finally:
        upstream.hub.commits_page_size = 50
    assert after - before == 2  # four commits, two per page: the client followed Link
    assert next(c.title for c in commits) == "Update README.md"
    assert commits[-1].title == "initial commit"
    assert commits[-1].authors == ["system"]
    assert commits[0].commit_id == api.model_info(BERT).sha


def test_tree_listing(api: HfApi) -> None:
    top = list(api.list_repo_tree("acme/diffusion-pipeline"))
    folders = {e.path for e in top if isinstance(e, RepoFolder)}
    assert folders == {"scheduler", "text_encoder", "unet", "vae"}
    unet = list(api.list_repo_tree("acme/diffusion-pipeline", "unet"))
    assert {e.path for e in unet} == {
        "unet/config.json",
        "unet/diffusion_pytorch_model.bin",
        "unet/diffusion_pytorch_model.safetensors",
    }
    every = list(api.list_repo_tree(BERT, recursive=True, expand=True))
    weights = next(e for e in every if e.path == "model.safetensors")
    assert isinstance(weights, RepoFile)
    assert weights.lfs is not None
    assert weights.last_commit is not None
    assert weights.security is not None
    assert api.file_exists(BERT, "vocab.txt")
    assert not api.file_exists(BERT, "nope.txt")


def test_requests_are_counted(upstream: FakeUpstream, tmp_path: Path) -> None:
    path = f"/{BERT}/resolve/main/vocab.txt"
    before = upstream.hf_requests.count(path, "GET")
    download(upstream, BERT, "vocab.txt", tmp_path)
    download(upstream, BERT, "vocab.txt", tmp_path)  # the client's local_dir cache hits
    assert upstream.hf_requests.count(path, "GET") == before + 1
    assert upstream.hf_requests.count(path, "HEAD") >= 1


def test_slow_download_stalls_until_released(upstream: FakeUpstream, tmp_path: Path) -> None:
    repo = upstream.catalog.hf_repo("fault/slow-download")
    assert repo is not None
    weights = repo.file("model.safetensors")
    assert weights is not None
    upstream.release_slow.clear()
    upstream.hub.slow_stalled.clear()
    result: list[Path] = []
    worker = threading.Thread(
        target=lambda: result.append(
            download(upstream, "fault/slow-download", "model.safetensors", tmp_path)
        )
    )
    worker.start()
    try:
        assert upstream.hub.slow_stalled.wait(5), "the body never reached its stall point"
        worker.join(0.3)
        assert worker.is_alive()
        assert not result
    finally:
        upstream.release_slow.set()
    worker.join(10)
    assert result
    assert sha256(result[0].read_bytes()) == weights.sha256


def test_unsafe_names_are_listed_and_served(upstream: FakeUpstream, api: HfApi) -> None:
    for kind, unsafe in (
        ("dotdot", "../escape.txt"),
        ("absolute", "/etc/absolute.txt"),
        ("climb", "ok/../../up.txt"),
    ):
        names = {s.rfilename for s in api.model_info(f"fault/unsafe-{kind}").siblings or []}
        assert names == {unsafe, "config.json"}  # one hostile name per repository
    # HTTP clients normalise dot segments away, so ask with a raw request target.
    host, port = upstream.hf_endpoint.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    connection.request("GET", "/fault/unsafe-dotdot/resolve/main/../escape.txt")
    response = connection.getresponse()
    assert response.status == 200
    assert response.read() == b"escaped the download directory\n"
    connection.close()


# ---- GitHub ----------------------------------------------------------------------------------


def gh(upstream: FakeUpstream, path: str, **kw: Any) -> requests.Response:
    return requests.get(f"{upstream.github_api_url}{path}", timeout=5, **kw)


def test_github_repo_shapes(upstream: FakeUpstream) -> None:
    body = gh(upstream, "/repos/google-research/bert").json()
    assert body["full_name"] == "google-research/bert"
    assert body["default_branch"] == "main"
    assert body["license"]["spdx_id"] == "Apache-2.0"
    assert body["license"]["key"] == "apache-2.0"
    assert body["stargazers_count"] == 37_900
    assert body["html_url"].startswith("https://github.com")
    assert gh(upstream, "/repos/acme/unlicensed-tool").json()["license"] is None
    assert gh(upstream, "/repos/acme/unlicensed-tool/license").status_code == 404
    licence = gh(upstream, "/repos/openai/whisper/license").json()
    assert licence["license"]["spdx_id"] == "MIT"
    assert base64.b64decode(licence["content"]).startswith(b"MIT License")
    missing = gh(upstream, "/repos/nobody/nothing")
    assert missing.status_code == 404
    assert missing.json()["message"] == "Not Found"
    assert gh(upstream, "/repos/fault/server-error").status_code == 500
    readme = gh(upstream, "/repos/google-research/bert/readme").json()
    assert base64.b64decode(readme["content"]).startswith(b"# BERT")


def test_zipball_redirects_to_a_github_style_archive(upstream: FakeUpstream) -> None:
    response = gh(upstream, "/repos/google-research/bert/zipball")
    assert response.history
    assert response.history[0].status_code == 302
    assert "/codeload/google-research/bert/legacy.zip/" in response.history[0].headers["Location"]
    head = gh(upstream, "/repos/google-research/bert/branches/main").json()["commit"]["sha"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    top = f"google-research-bert-{head[:7]}/"
    assert archive.comment.decode() == head
    assert {top + "README.md", top + "requirements.txt", top + "tests/test_modeling.py"} <= set(
        archive.namelist()
    )
    assert b"tensorflow==" in archive.read(top + "requirements.txt")
    v1 = zipfile.ZipFile(io.BytesIO(gh(upstream, "/repos/openai/whisper/zipball/v1").content))
    readme = next(n for n in v1.namelist() if n.endswith("/README.md"))
    assert v1.read(readme).startswith(b"# Whisper (v1)")
    assert gh(upstream, "/repos/openai/whisper/zipball/no-such-ref").status_code == 404


def _zipball(upstream: FakeUpstream, repo: str) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(gh(upstream, f"/repos/fault/{repo}/zipball").content))


def test_zip_slip_archives_are_hostile_one_attack_each(upstream: FakeUpstream) -> None:
    for attack, entry in ZIP_ATTACKS.items():
        archive = _zipball(upstream, f"zip-slip-{attack}")
        top = archive.namelist()[0]
        hostile = [n for n in archive.namelist() if not n.startswith(top)]
        hostile += [n for n in archive.namelist() if n.startswith(top) and ".." in n]
        assert hostile == [entry.name.replace("{top}", top)], attack
    archive = _zipball(upstream, "zip-symlink")
    link = next(i for i in archive.infolist() if i.filename.endswith("link-to-passwd"))
    assert stat.S_ISLNK(link.external_attr >> 16)
    assert archive.read(link) == b"/etc/passwd"


def test_contributors_paginate_with_link_header(upstream: FakeUpstream) -> None:
    logins: list[str] = []
    url: str | None = f"{upstream.github_api_url}/repos/google-research/bert/contributors"
    params: dict[str, int] | None = {"per_page": 2}
    pages = 0
    while url:
        response = requests.get(url, params=params, timeout=5)
        logins += [c["login"] for c in response.json()]
        url, params, pages = response.links.get("next", {}).get("url"), None, pages + 1
    assert pages == 3
    assert logins[0] == "jacobdevlin-google"
    assert len(logins) == 6


def test_pulls_reviews_and_commits(upstream: FakeUpstream) -> None:
    closed = gh(upstream, "/repos/google-research/bert/pulls", params={"state": "closed"}).json()
    assert {p["number"] for p in closed} == {1012, 1040, 1100, 1150}
    assert all(p["merged_at"] for p in closed if p["number"] != 1150)
    reviews = gh(upstream, "/repos/google-research/bert/pulls/1100/reviews").json()
    assert [r["state"] for r in reviews] == ["APPROVED", "COMMENTED"]
    single = gh(upstream, "/repos/google-research/bert/pulls/1040").json()
    assert single["merged"] is True
    assert single["additions"] == 120
    commits = gh(upstream, "/repos/google-research/bert/commits", params={"per_page": 100}).json()
    assert len(commits) == 6
    assert commits[0]["commit"]["author"]["date"] == "2020-03-11T17:00:00Z"
    recent = gh(
        upstream, "/repos/google-research/bert/commits", params={"since": "2019-05-01T00:00:00Z"}
    ).json()
    assert len(recent) == 3
    merged = commits[1]["sha"]
    linked = gh(upstream, f"/repos/google-research/bert/commits/{merged}/pulls").json()
    assert [p["number"] for p in linked] == [1100]
    direct = gh(upstream, f"/repos/google-research/bert/commits/{commits[0]['sha']}/pulls")
    assert direct.json() == []


def test_github_auth_and_rate_limit(upstream: FakeUpstream) -> None:
    anonymous = gh(upstream, "/rate_limit").json()
    assert anonymous["resources"]["core"]["limit"] == 60
    authed = gh(upstream, "/rate_limit", headers={"Authorization": "Bearer ghp_test"})
    assert authed.json()["rate"]["limit"] == 5000
    assert "ghp_test" in upstream.github.tokens_seen
    assert int(gh(upstream, "/repos/openai/whisper").headers["X-RateLimit-Limit"]) == 60


# ---- plain files -----------------------------------------------------------------------------


def test_file_server(upstream: FakeUpstream) -> None:
    base = upstream.files_url
    weights = requests.get(f"{base}/files/weights.bin", timeout=5)
    assert weights.status_code == 200
    assert len(weights.content) == 1 << 20
    assert weights.headers["Content-Length"] == str(1 << 20)
    tail = requests.get(f"{base}/files/weights.bin", headers={"Range": "bytes=-100"}, timeout=5)
    assert tail.status_code == 206
    assert tail.content == weights.content[-100:]
    beyond = requests.get(f"{base}/files/weights.bin", headers={"Range": "bytes=9999999-"})
    assert beyond.status_code == 416
    bundle = requests.get(f"{base}/files/bundle.zip", timeout=5)
    assert bundle.headers["Content-Type"] == "application/zip"
    assert bundle.headers["Content-Disposition"] == 'attachment; filename="bundle.zip"'
    names = zipfile.ZipFile(io.BytesIO(bundle.content)).namelist()
    assert sorted(names) == ["README.md", "config.json", "model.safetensors"]
    for attack, entry in ZIP_ATTACKS.items():
        served = requests.get(f"{base}/files/evil-{attack}.zip", timeout=5).content
        names = zipfile.ZipFile(io.BytesIO(served)).namelist()
        assert names == ["README.md", entry.name.replace("{top}", "")]
    assert requests.get(f"{base}/files/error", timeout=5).status_code == 500
    assert requests.get(f"{base}/files/notfound", timeout=5).status_code == 404
    assert upstream.files_requests.count("/files/weights.bin") == 3


# ---- demo entry point ------------------------------------------------------------------------


def test_module_entry_point_serves_until_interrupted() -> None:
    command = [sys.executable, "-m", "tests.fakes"]
    command += ["--hf-port", "0", "--github-port", "0", "--files-port", "0"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True, env=env) as process:
        # Reading stdout blocks; a watchdog kills the child should it never print its banner.
        watchdog = threading.Timer(20, process.kill)
        watchdog.start()
        try:
            assert process.stdout is not None
            lines = []
            for line in process.stdout:
                lines.append(line)
                if "Ctrl-C" in line:
                    break
            output = "".join(lines)
            endpoint = re.search(r"export HF_ENDPOINT=(\S+)", output)
            assert endpoint, output
            assert "export GITHUB_API_URL=http://127.0.0.1:" in output
            assert "https://huggingface.co/google-bert/bert-base-uncased" in output
            info = requests.get(f"{endpoint.group(1)}/api/models/{BERT}", timeout=5).json()
            assert info["id"] == BERT
        finally:
            process.send_signal(signal.SIGINT)
            returncode = process.wait(10)
            watchdog.cancel()
    assert returncode == 0
