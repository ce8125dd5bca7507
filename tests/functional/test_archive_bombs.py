"""Hostile zips, through the upload API and through a plain-URL ingest: zip bombs (by
ratio, by expanded size, by a header that lies), nested archives, links and devices.

Every refusal is a 400 naming the limit and its setting, and leaves nothing behind: no
artifact, no blob, no ingest work folder, no staged upload.
"""

from __future__ import annotations

import io
import os
import stat
import struct
import tarfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from registry.services.container import Registry
from tests.conftest import ADMIN_USER, Api, MakeApi
from tests.fakes import FakeUpstream
from tests.fakes.records import FakeDownload

MIB = 1 << 20
Send = Callable[[Api, bytes], object]


def _zip(entries: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method, compresslevel=9) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


def ratio_bomb() -> bytes:
    """About 20 KB that expand to 24 MiB: over 100 times their size, past the 16 MiB floor."""
    return _zip({"README.md": b"# bomb\n", "zeros.bin": bytes(24 * MIB)})


def _set_declared_size(archive: bytes, size: int) -> bytes:
    """Rewrite the uncompressed size of the archive's last entry, in both its headers."""
    data = bytearray(archive)
    local = data.rfind(b"PK\x03\x04")
    central = data.rfind(b"PK\x01\x02")
    struct.pack_into("<L", data, local + 22, size)
    struct.pack_into("<L", data, central + 24, size)
    return bytes(data)


def lying_low() -> bytes:
    """Declares 1,000 bytes; its data inflates to 4 MiB."""
    return _set_declared_size(_zip({"README.md": b"# liar\n", "big.bin": bytes(4 * MIB)}), 1000)


def lying_high() -> bytes:
    """Declares about 4 GiB for an entry of 10 bytes."""
    return _set_declared_size(_zip({"README.md": b"# liar\n", "x.bin": b"0123456789"}), 2**32 - 2)


def special_entry(mode: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("README.md", b"# special\n")
        info = zipfile.ZipInfo("dev-or-link")
        info.create_system = 3  # Unix: the mode bits in external_attr are read
        info.external_attr = mode << 16
        zf.writestr(info, b"/etc/passwd")
    return buf.getvalue()


def nested(depth: int, width: int) -> bytes:
    """42.zip's shape: zips of zips, a 1 MiB run of zeros at the bottom."""
    data = _zip({"zeros.bin": bytes(MIB)})
    for level in range(depth):
        data = _zip({f"level{level}-{i}.zip": data for i in range(width)})
    return data


@pytest.fixture
def served(upstream: FakeUpstream) -> Iterator[Callable[[str, bytes], str]]:
    """Serve bytes from the fake file host; returns the URL."""
    added: list[FakeDownload] = []

    def serve(name: str, body: bytes) -> str:
        download = FakeDownload(f"/files/hostile/{os.urandom(4).hex()}/{name}", content=body)
        upstream.catalog.downloads.append(download)
        added.append(download)
        return upstream.files_url + download.path

    yield serve
    for download in added:
        upstream.catalog.downloads.remove(download)


@pytest.fixture(params=["upload", "url"])
def send(request: pytest.FixtureRequest, served: Callable[[str, bytes], str]) -> Send:
    """Ingest a zip as a model: uploaded, or fetched from a plain URL."""

    def by_upload(api: Api, body: bytes) -> object:
        return api.call(
            "POST",
            "/artifact/model?name=hostile",
            data=body,
            headers={"Content-Type": "application/zip"},
        )

    def by_url(api: Api, body: bytes) -> object:
        return api.call("POST", "/artifact/model", json={"url": served("hostile.zip", body)})

    return by_upload if request.param == "upload" else by_url


def nothing_left(api: Api, registry: Registry) -> None:
    assert api.enumerate([{"name": "*"}]).get_json() == []
    assert list(registry.blobs.iter_blobs()) == []
    work = registry.settings.data_dir / "work"
    leftovers = [p.name for p in work.rglob("*") if p.is_file() or p.name.startswith("ingest-")]
    assert leftovers == []


def refused(api: Api, registry: Registry, resp: object, *says: str) -> None:
    assert resp.status_code == 400, resp.get_data(as_text=True)  # type: ignore[attr-defined]
    message = resp.get_json()["message"]  # type: ignore[attr-defined]
    for text in says:
        assert text in message
    nothing_left(api, registry)


def test_a_zip_that_expands_over_its_ratio_is_refused_while_extracting(
    api: Api, registry: Registry, send: Send
) -> None:
    bomb = ratio_bomb()
    assert len(bomb) < 64 * 1024
    resp = send(api, bomb)
    refused(api, registry, resp, "zip bomb", "over 100 times", "ARCHIVE_MAX_RATIO")


def test_a_zip_that_expands_past_the_size_limit_is_refused(make_api: MakeApi, send: Send) -> None:
    api, registry = make_api(archive_max_expanded_bytes=MIB)
    body = _zip({"weights.bin": os.urandom(2 * MIB)}, zipfile.ZIP_STORED)
    resp = send(api, body)
    refused(api, registry, resp, f"more than {MIB} bytes", "ARCHIVE_MAX_EXPANDED_BYTES")


def test_a_header_that_understates_an_entry_is_caught(
    api: Api, registry: Registry, send: Send
) -> None:
    # The reader stops at the declared size, and the data then fails its checksum.
    resp = send(api, lying_low())
    refused(api, registry, resp, "'big.bin' is corrupt", "Bad CRC-32")


def test_a_header_that_overstates_an_entry_is_refused_before_extracting(
    api: Api, registry: Registry, send: Send
) -> None:
    resp = send(api, lying_high())
    refused(api, registry, resp, "declares that it expands", "ARCHIVE_MAX_RATIO")


def test_too_many_entries_are_refused_before_the_directory_is_read(
    make_api: MakeApi, send: Send
) -> None:
    api, registry = make_api(archive_max_entries=10)
    body = _zip({f"f{i}.txt": b"x" for i in range(11)})
    resp = send(api, body)
    refused(api, registry, resp, "holds 11 entries, more than 10", "ARCHIVE_MAX_ENTRIES")


@pytest.mark.parametrize(
    ("mode", "kind"),
    [
        (stat.S_IFLNK | 0o777, "a symbolic link"),
        (stat.S_IFCHR | 0o666, "a character device"),
        (stat.S_IFBLK | 0o660, "a block device"),
        (stat.S_IFIFO | 0o644, "a named pipe"),
        (stat.S_IFSOCK | 0o755, "a socket"),
    ],
)
def test_links_and_devices_are_refused(
    api: Api, registry: Registry, send: Send, mode: int, kind: str
) -> None:
    resp = send(api, special_entry(mode))
    refused(api, registry, resp, f"'dev-or-link' is {kind}")


def test_zips_inside_the_zip_are_stored_as_files_never_expanded(
    api: Api, registry: Registry, send: Send, tmp_path: Path
) -> None:
    bottom = nested(1, 16)  # each inner zip holds 16 zips holding 1 MiB of zeros
    body = _zip({"README.md": b"# nested\n", **{f"part{i}.zip": bottom for i in range(4)}})
    resp = send(api, body)
    assert resp.status_code == 201, resp.get_data(as_text=True)  # type: ignore[attr-defined]
    art = resp.get_json()  # type: ignore[attr-defined]
    files = registry.artifacts.get(None, art["metadata"]["id"], ADMIN_USER).files
    assert sorted((f.path, f.size) for f in files) == sorted(
        [("README.md", 9)] + [(f"part{i}.zip", len(bottom)) for i in range(4)]
    )
    bundle = api.call("GET", api.download_path(art)).get_data()
    with zipfile.ZipFile(io.BytesIO(bundle)) as zf:
        assert zf.read("part0.zip") == bottom


def test_a_tarball_is_stored_as_one_file_never_unpacked(
    api: Api, registry: Registry, served: Callable[[str, bytes], str]
) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        link = tarfile.TarInfo("passwd")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar.addfile(link)
        zeros = tarfile.TarInfo("zeros.bin")
        zeros.size = 8 * MIB
        tar.addfile(zeros, io.BytesIO(bytes(zeros.size)))
    body = buf.getvalue()
    art = api.ingest("dataset", served("data.tar.gz", body))
    files = registry.artifacts.get(None, art["metadata"]["id"], ADMIN_USER).files
    assert [(f.path, f.size) for f in files] == [("data.tar.gz", len(body))]
