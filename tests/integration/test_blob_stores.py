"""The BlobStore contract, on the local folder and on S3 (moto's server)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from registry.domain.errors import StorageUnavailable
from registry.storage.blobs import BlobStore, sha256_file
from registry.storage.local import LocalBlobStore
from registry.storage.s3 import S3BlobStore


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BlobStore]:
    if request.param == "local":
        yield LocalBlobStore(tmp_path / "blobs")
    else:
        endpoint = request.getfixturevalue("s3_endpoint")
        bucket = request.getfixturevalue("s3_bucket")
        yield S3BlobStore(bucket, region="us-east-1", endpoint_url=endpoint, prefix="reg")


def _blob(tmp_path: Path, data: bytes, name: str = "f") -> tuple[str, Path]:
    path = tmp_path / name
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest(), path


def test_put_read_size_exists(store: BlobStore, tmp_path: Path) -> None:
    data = bytes(range(256)) * 10_000  # 2.5 MB: several read chunks
    digest, path = _blob(tmp_path, data)
    assert not store.exists(digest)
    store.put_file(digest, path)
    store.put_file(digest, path)  # idempotent
    assert store.exists(digest)
    assert store.size(digest) == len(data)
    assert b"".join(store.read(digest)) == data
    assert b"".join(store.read(digest, 100, 199)) == data[100:200]
    assert b"".join(store.read(digest, len(data) - 3)) == data[-3:]
    assert b"".join(store.read(digest, 5, 5)) == data[5:6]  # one byte


def test_missing_blobs_raise_file_not_found(store: BlobStore) -> None:
    missing = "0" * 64
    with pytest.raises(FileNotFoundError):
        store.size(missing)
    with pytest.raises(FileNotFoundError):
        store.read(missing)
    store.delete(missing)  # deleting nothing is fine


def test_delete_iterate_clear(store: BlobStore, tmp_path: Path) -> None:
    digests = []
    for i in range(3):
        digest, path = _blob(tmp_path, f"blob {i}".encode(), f"f{i}")
        store.put_file(digest, path)
        digests.append(digest)
    assert sorted(d for d, _ in store.iter_blobs()) == sorted(digests)
    store.delete(digests[0])
    assert not store.exists(digests[0])
    assert sorted(d for d, _ in store.iter_blobs()) == sorted(digests[1:])
    store.clear()
    assert list(store.iter_blobs()) == []


def test_digests_are_validated_before_touching_storage(store: BlobStore, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="sha256"):
        store.put_file("../../etc/passwd", tmp_path)
    with pytest.raises(ValueError, match="sha256"):
        store.exists("ABC")


def test_local_store_copies_when_it_cannot_link(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_link(src: object, dst: object) -> None:
        raise OSError(18, "Invalid cross-device link")  # the work folder on another disk

    monkeypatch.setattr(os, "link", no_link)
    store = LocalBlobStore(tmp_path / "blobs")
    digest, path = _blob(tmp_path, b"copied byte by byte" * 1000)
    store.put_file(digest, path)
    assert b"".join(store.read(digest)) == path.read_bytes()
    assert list((tmp_path / "blobs" / ".incoming").iterdir()) == []
    store.put_file(digest, path)  # again: already there, nothing to do
    assert [d for d, _ in store.iter_blobs()] == [digest]


def test_local_listing_holds_only_blobs(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    digest, path = _blob(tmp_path, b"listed")
    store.put_file(digest, path)
    folder = tmp_path / "blobs" / digest[:2] / digest[2:4]
    (folder / "partial.tmp").write_text("not a blob")
    (folder / ("0" * 64)).mkdir()  # a folder with a blob's name is no blob either
    [(listed, modified)] = list(store.iter_blobs())
    assert listed == digest
    assert modified.tzinfo is not None


def test_local_clear_removes_blobs_and_nothing_else(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    store.clear()  # a store that never held a blob has nothing to clear
    digest, path = _blob(tmp_path, b"stored")
    store.put_file(digest, path)
    (tmp_path / "blobs" / "ab").write_text("a file with a blob folder's name")
    (tmp_path / "blobs" / "lost+found").mkdir()
    store.clear()
    assert not store.exists(digest)
    assert sorted(p.name for p in (tmp_path / "blobs").iterdir()) == [
        ".incoming",
        "ab",
        "lost+found",
    ]


def test_local_store_never_shows_partial_blobs(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    digest, path = _blob(tmp_path, b"x" * 1000)
    store.put_file(digest, path)
    assert list((tmp_path / "blobs" / ".incoming").iterdir()) == []
    assert sha256_file(tmp_path / "blobs" / digest[:2] / digest[2:4] / digest)[0] == digest


def test_unreachable_s3_is_storage_unavailable(tmp_path: Path) -> None:
    store = S3BlobStore("nope", region="us-east-1", endpoint_url="http://127.0.0.1:9")
    store._s3.meta.config.retries = {"max_attempts": 1}
    with pytest.raises(StorageUnavailable):
        store.size("0" * 64)
    with pytest.raises(StorageUnavailable):
        list(store.iter_blobs())
