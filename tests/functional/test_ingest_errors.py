"""Upstream failures and hostile upstream content: clear 4xx/5xx, nothing half-stored."""

from __future__ import annotations

import pytest

from registry.services.container import Registry
from tests.conftest import Api
from tests.fakes import FakeUpstream


def _nothing_stored(api: Api, registry: Registry) -> None:
    assert api.enumerate([{"name": "*"}]).get_json() == []
    assert list(registry.blobs.iter_blobs()) == []


@pytest.mark.parametrize(
    ("kind", "url", "status"),
    [
        ("model", "https://huggingface.co/acme/does-not-exist", 404),
        ("dataset", "https://huggingface.co/datasets/acme/no-such-data", 404),
        ("model", "https://huggingface.co/google-bert/bert-base-uncased/tree/no-such-rev", 404),
        ("model", "https://huggingface.co/fault/server-error", 502),
        ("code", "https://github.com/acme/no-such-repo", 404),
        ("code", "https://github.com/fault/server-error", 502),
        ("code", "https://github.com/google-research/bert/tree/main/no-such-folder", 404),
        ("model", "https://huggingface.co/fault/unsafe-names", 400),
        ("code", "https://github.com/fault/zip-slip", 400),
    ],
)
def test_upstream_problems_map_to_clear_statuses(
    api: Api, registry: Registry, kind: str, url: str, status: int
) -> None:
    resp = api.call("POST", f"/artifact/{kind}", json={"url": url})
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.get_json()["message"]
    _nothing_stored(api, registry)


@pytest.mark.parametrize(
    ("path", "status"),
    [("/files/notfound", 404), ("/files/error", 502), ("/files/evil.zip", 400)],
)
def test_plain_url_problems(
    api: Api, registry: Registry, upstream: FakeUpstream, path: str, status: int
) -> None:
    resp = api.call("POST", "/artifact/model", json={"url": upstream.files_url + path})
    assert resp.status_code == status, resp.get_data(as_text=True)
    _nothing_stored(api, registry)


def test_escaping_names_are_named_in_the_message(api: Api) -> None:
    resp = api.call("POST", "/artifact/code", json={"url": "https://github.com/fault/zip-slip"})
    assert "escape" in resp.get_json()["message"] or "absolute" in resp.get_json()["message"]


def test_unreachable_upstream_is_502(api: Api) -> None:
    resp = api.call("POST", "/artifact/model", json={"url": "http://127.0.0.1:9/model.bin"})
    assert resp.status_code == 502


def test_cloud_metadata_addresses_are_refused(api: Api) -> None:
    url = "http://169.254.169.254/latest/meta-data/iam/security-credentials/"
    resp = api.call("POST", "/artifact/model", json={"url": url})
    assert resp.status_code == 400
    assert "network" in resp.get_json()["message"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"url": ""},
        {"url": 42},
        {"url": ["https://huggingface.co/a/b"]},
        {"url": "https://huggingface.co/google-bert/bert-base-uncased", "name": 7},
        {"url": "https://huggingface.co/google-bert/bert-base-uncased", "name": "*"},
        {"url": "https://huggingface.co/google-bert/bert-base-uncased", "name": "bad\nname"},
        {"url": "javascript:alert(1)"},
        [],
        "https://huggingface.co/google-bert/bert-base-uncased",
    ],
)
def test_malformed_ingest_bodies_are_400(api: Api, registry: Registry, body: object) -> None:
    resp = api.call("POST", "/artifact/model", json=body)
    assert resp.status_code == 400, resp.get_data(as_text=True)
    _nothing_stored(api, registry)


def test_unknown_type_is_400(api: Api) -> None:
    url = "https://github.com/google-research/bert"
    assert api.call("POST", "/artifact/package", json={"url": url}).status_code == 400


def test_type_that_contradicts_the_url_is_400(api: Api) -> None:
    resp = api.call(
        "POST",
        "/artifact/dataset",
        json={"url": "https://huggingface.co/google-bert/bert-base-uncased"},
    )
    assert resp.status_code == 400
    assert "as type 'model'" in resp.get_json()["message"]
