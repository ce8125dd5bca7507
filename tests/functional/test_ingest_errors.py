"""Upstream failures and hostile upstream content: clear 4xx/5xx, nothing half-stored."""

from __future__ import annotations

import io
import stat
import zipfile
from urllib.parse import urlencode

import pytest

from registry.services.container import Registry
from tests.conftest import Api, MakeApi
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
    [("/files/notfound", 404), ("/files/error", 502)],
)
def test_plain_url_problems(
    api: Api, registry: Registry, upstream: FakeUpstream, path: str, status: int
) -> None:
    resp = api.call("POST", "/artifact/model", json={"url": upstream.files_url + path})
    assert resp.status_code == status, resp.get_data(as_text=True)
    _nothing_stored(api, registry)


ESCAPES = "tries to escape the artifact folder"
ABSOLUTE = "is an absolute path"


@pytest.mark.parametrize(
    ("kind", "where", "entry", "reason"),
    [
        # Each upstream carries exactly one hostile name, so each refusal stands on its own.
        ("model", "hf:fault/unsafe-dotdot", "../escape.txt", ESCAPES),
        ("model", "hf:fault/unsafe-absolute", "/etc/absolute.txt", ABSOLUTE),
        ("model", "hf:fault/unsafe-climb", "ok/../../up.txt", ESCAPES),
        ("code", "gh:fault/zip-slip-dotdot", "../../evil.txt", ESCAPES),
        ("code", "gh:fault/zip-slip-absolute", "/abs.txt", ABSOLUTE),
        ("code", "gh:fault/zip-slip-drive", "C:/Windows/evil.txt", ABSOLUTE),
        ("code", "gh:fault/zip-slip-backslash", "..\\..\\evil.txt", ESCAPES),
        ("model", "files:evil-dotdot.zip", "../../evil.txt", ESCAPES),
        ("model", "files:evil-absolute.zip", "/abs.txt", ABSOLUTE),
        ("model", "files:evil-drive.zip", "C:/Windows/evil.txt", ABSOLUTE),
        ("model", "files:evil-backslash.zip", "..\\..\\evil.txt", ESCAPES),
    ],
)
def test_each_escaping_name_is_refused_on_its_own(
    api: Api,
    registry: Registry,
    upstream: FakeUpstream,
    kind: str,
    where: str,
    entry: str,
    reason: str,
) -> None:
    host, _, path = where.partition(":")
    url = {
        "hf": f"https://huggingface.co/{path}",
        "gh": f"https://github.com/{path}",
        "files": f"{upstream.files_url}/files/{path}",
    }[host]
    resp = api.call("POST", f"/artifact/{kind}", json={"url": url})
    assert resp.status_code == 400, resp.get_data(as_text=True)
    message = resp.get_json()["message"]
    assert reason in message
    assert entry in message.replace("\\\\", "\\")
    _nothing_stored(api, registry)


def test_a_zipballs_symlink_is_kept_as_a_plain_file_with_its_target_as_text(
    api: Api,
) -> None:
    # git stores a symlink as a blob holding its target: a repository's zipball keeps that.
    art = api.ingest("code", "https://github.com/fault/zip-symlink")
    bundle = api.call("GET", api.download_path(art))
    with zipfile.ZipFile(io.BytesIO(bundle.get_data())) as zf:
        assert zf.read("link-to-passwd") == b"/etc/passwd"
        assert zf.read("src/pkg/deep/mod.py") == b"Y = 2\n"  # nested folders are created
        mode = zf.getinfo("link-to-passwd").external_attr >> 16
        assert not stat.S_ISLNK(mode)


def test_a_symlink_entry_in_any_other_zip_is_refused(
    api: Api, registry: Registry, upstream: FakeUpstream
) -> None:
    url = f"{upstream.files_url}/files/evil-symlink.zip"
    resp = api.call("POST", "/artifact/model", json={"url": url})
    assert resp.status_code == 400, resp.get_data(as_text=True)
    assert resp.get_json()["message"] == (
        "the archive entry 'link-to-passwd' is a symbolic link; an archive may hold only "
        "files and folders"
    )
    _nothing_stored(api, registry)


def test_unreachable_upstream_is_502(api: Api) -> None:
    resp = api.call("POST", "/artifact/model", json={"url": "http://127.0.0.1:9/model.bin"})
    assert resp.status_code == 502


def test_a_redirect_into_a_denied_network_is_refused(
    make_api: MakeApi, upstream: FakeUpstream
) -> None:
    api, registry = make_api(url_deny_networks=("127.0.0.2/32",))
    port = upstream.files_url.rsplit(":", 1)[1]
    denied = f"http://127.0.0.2:{port}/files/weights.bin"
    before = upstream.files_requests.count("/files/weights.bin")
    # The first host is allowed; only the host it redirects to lies in the denied network.
    url = f"{upstream.files_url}/redirect-to?{urlencode({'url': denied})}"
    resp = api.call("POST", "/artifact/model", json={"url": url})
    assert resp.status_code == 400, resp.get_data(as_text=True)
    assert "'127.0.0.2'" in resp.get_json()["message"]
    assert "network" in resp.get_json()["message"]
    assert upstream.files_requests.count("/redirect-to") >= 1
    assert upstream.files_requests.count("/files/weights.bin") == before
    _nothing_stored(api, registry)


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
