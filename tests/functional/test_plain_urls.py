"""Ingest from plain http(s) URLs: names, redirects, zips, what is kept of the upstream."""

from __future__ import annotations

import io
import socket
import zipfile
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from registry.db.models import ArtifactRow
from registry.services.container import Registry
from tests.conftest import ADMIN_USER, Api
from tests.fakes import FakeUpstream


@pytest.mark.parametrize(
    ("path", "stored", "role"),
    [
        # The host names the file in Content-Disposition; the URL's last segment does not.
        ("/files/fetch/7f3a", "tiny-model.safetensors", "weights"),
        ("/files/fetch/up", "escape.bin", "weights"),
        # No header: the URL's last path segment, without the query.
        ("/files/weights.bin?v=3", "weights.bin", "weights"),
    ],
)
def test_a_plain_download_is_stored_under_the_name_its_host_gives(
    api: Api, registry: Registry, upstream: FakeUpstream, path: str, stored: str, role: str
) -> None:
    url = upstream.files_url + path
    art = api.ingest("model", url)
    files = registry.artifacts.get(None, art["metadata"]["id"], ADMIN_USER).files
    assert [(f.path, f.role.value) for f in files] == [(stored, role)]
    with registry.db.read() as session:
        kept = session.scalars(
            select(ArtifactRow.upstream).where(ArtifactRow.id == art["metadata"]["id"])
        ).one()
    scan = kept.pop("file_scan")  # what ingest saw inside the file (test_model_files.py)
    assert kept == {
        "kind": "url",
        "url": url,
        "content_type": "application/octet-stream",
        "filename": stored,
        "sha256": files[0].sha256,
    }
    pickles = [p["path"] for p in scan["pickles"]]
    assert pickles == ([stored] if stored.endswith(".bin") else [])


def test_a_zip_becomes_its_files_with_their_roles_and_its_readme(
    api: Api, registry: Registry, upstream: FakeUpstream
) -> None:
    art = api.ingest("model", f"{upstream.files_url}/files/bundle.zip")
    files = registry.artifacts.get(None, art["metadata"]["id"], ADMIN_USER).files
    assert [(f.path, f.role.value) for f in files] == [
        ("README.md", "docs"),
        ("config.json", "config"),
        ("model.safetensors", "weights"),
    ]
    with zipfile.ZipFile(io.BytesIO(api.call("GET", api.download_path(art)).get_data())) as zf:
        assert [(f.path, f.size) for f in files] == [
            (i.filename, len(zf.read(i))) for i in zf.infolist()
        ]
    found = api.call("POST", "/artifact/byRegEx", json={"regex": "Shipped as a zip"})
    assert found.get_json() == [art["metadata"]]


def _redirects(upstream: FakeUpstream, hops: int, target: str) -> str:
    """A URL that redirects `hops` times before reaching `target`."""
    url = target
    for _ in range(hops):
        url = f"{upstream.files_url}/redirect-to?{urlencode({'url': url})}"
    return url


def test_redirects_are_followed_to_the_file_up_to_a_limit(
    api: Api, registry: Registry, upstream: FakeUpstream
) -> None:
    # Five hops (one of them relative) are followed; the file keeps its own name.
    final = f"{upstream.files_url}/files/weights.bin"
    url = _redirects(upstream, 4, f"{upstream.files_url}/redirect-to?url=/files/weights.bin")
    art = api.ingest("model", url)
    assert [
        f.path for f in registry.artifacts.get(None, art["metadata"]["id"], ADMIN_USER).files
    ] == ["weights.bin"]
    too_many = api.call("POST", "/artifact/model", json={"url": _redirects(upstream, 6, final)})
    assert too_many.status_code == 502
    assert "redirects more than 5 times" in too_many.get_json()["message"]


@pytest.mark.parametrize(
    ("target", "status", "says"),
    [
        ("ftp://files.example/model.bin", 502, "redirects to a non-http(s) location"),
        ("/status/410", 404, "does not exist upstream (410)"),
        ("/status/403", 502, "answered 403"),
        ("/status/400", 502, "answered 400"),
    ],
)
def test_what_a_plain_host_answers_is_named(
    api: Api, registry: Registry, upstream: FakeUpstream, target: str, status: int, says: str
) -> None:
    url = target if "://" in target else upstream.files_url + target
    resp = api.call("POST", "/artifact/model", json={"url": _redirects(upstream, 1, url)})
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert says in resp.get_json()["message"]
    assert api.enumerate([{"name": "*"}]).get_json() == []
    assert list(registry.blobs.iter_blobs()) == []


def test_a_host_that_does_not_resolve_is_a_404_naming_it(
    api: Api, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = socket.getaddrinfo

    def resolve(host: str, *args: object, **kwargs: object) -> object:
        if host == "no-such-host.invalid":  # as a resolver answers NXDOMAIN
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    resp = api.call("POST", "/artifact/model", json={"url": "http://no-such-host.invalid/m.bin"})
    assert resp.status_code == 404
    assert resp.get_json()["message"] == (
        "the host 'no-such-host.invalid' of the url cannot be resolved"
    )
    assert list(registry.blobs.iter_blobs()) == []
