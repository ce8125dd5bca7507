"""The same upstream at the same revision is one artifact, however its URL is spelled:
a second ingest answers 409 naming the first; another revision or folder is another
artifact."""

from __future__ import annotations

import pytest
import requests

from tests.conftest import BERT, GH_BERT, GH_WHISPER, Api
from tests.fakes import FakeUpstream

BERT_SPELLINGS = [
    BERT + "/",
    BERT + "/tree/main",
    BERT + "/tree/main/",
    "https://hf.co/google-bert/bert-base-uncased",
    "https://www.huggingface.co/google-bert/bert-base-uncased",
    "https://HuggingFace.co/Google-BERT/bert-base-uncased",
    "https://huggingface.co/models/google-bert/bert-base-uncased",
    "https://huggingface.co/bert-base-uncased",  # the legacy id the Hub redirects
    "https://hf.co/bert-base-uncased/tree/main",
]
GH_SPELLINGS = [
    GH_BERT + ".git",
    GH_BERT + "/",
    GH_BERT + "/tree/main",  # the fake repository's default branch
    "https://www.github.com/Google-Research/BERT",
]


def _conflict(api: Api, kind: str, url: str, existing: str) -> None:
    resp = api.call("POST", f"/artifact/{kind}", json={"url": url, "name": "again"})
    assert resp.status_code == 409, (url, resp.get_data(as_text=True))
    assert resp.get_json()["details"]["existing_id"] == existing
    assert existing in resp.get_json()["message"]


def test_every_spelling_of_a_hub_model_is_the_same_artifact(
    api: Api, upstream: FakeUpstream
) -> None:
    first = api.ingest("model", BERT)["metadata"]["id"]
    before = len(upstream.hf_requests.snapshot())
    for url in BERT_SPELLINGS:
        _conflict(api, "model", url, first)
    # Refused before any file was fetched (a legacy id costs one lookup of its new home).
    assert all("/resolve/" not in str(line) for line in upstream.hf_requests.snapshot()[before:])
    assert len(api.enumerate([{"name": "*"}]).get_json()) == 1


def test_the_default_branch_named_first_then_bare_is_the_same_artifact(api: Api) -> None:
    first = api.ingest("model", BERT + "/tree/main")["metadata"]["id"]
    _conflict(api, "model", BERT, first)


def test_another_revision_or_folder_of_a_hub_model_is_another_artifact(
    api: Api, upstream: FakeUpstream
) -> None:
    api.ingest("model", BERT)
    info = requests.get(
        f"{upstream.hf_endpoint}/api/models/google-bert/bert-base-uncased", timeout=10
    ).json()
    pinned = api.ingest("model", f"{BERT}/tree/{info['sha']}")["metadata"]["id"]
    _conflict(
        api, "model", f"https://hf.co/google-bert/bert-base-uncased/tree/{info['sha']}", pinned
    )
    assert len(api.enumerate([{"name": "*"}]).get_json()) == 2


@pytest.mark.parametrize("url", GH_SPELLINGS)
def test_every_spelling_of_a_github_repository_is_the_same_artifact(
    api: Api, upstream: FakeUpstream, url: str
) -> None:
    first = api.ingest("code", GH_BERT)["metadata"]["id"]
    before = upstream.github_requests.snapshot()
    _conflict(api, "code", url, first)
    fetched = upstream.github_requests.snapshot()[len(before) :]
    assert not any("zipball" in str(line) for line in fetched)  # no download, at most a lookup


def test_another_branch_of_a_github_repository_is_another_artifact(api: Api) -> None:
    api.ingest("code", GH_WHISPER)
    branch = api.ingest("code", GH_WHISPER + "/tree/v1")["metadata"]["id"]
    _conflict(api, "code", GH_WHISPER + ".git/tree/v1", branch)
