import hashlib
import io
import os
import time
import zipfile
from pathlib import Path

import pytest

from registry.services.bundles import build_bundle, stream_zip

FIXED = (1980, 1, 1, 0, 0, 0)
DAY = 86400.0


def _files(tmp_path: Path) -> list[tuple[str, Path, int]]:
    out = []
    for name, data in {
        "b/weights.bin": b"\x00\x01" * 5000,
        "a.txt": b"hello",
        "empty": b"",
    }.items():
        p = tmp_path / name.replace("/", "_")
        p.write_bytes(data)
        out.append((name, p, len(data)))
    return out


def test_bundle_is_stored_uncompressed_and_round_trips(tmp_path: Path) -> None:
    files = _files(tmp_path)
    sha, size = build_bundle(files, tmp_path / "bundle.zip")
    raw = (tmp_path / "bundle.zip").read_bytes()
    assert hashlib.sha256(raw).hexdigest() == sha
    assert len(raw) == size
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        assert zf.namelist() == ["a.txt", "b/weights.bin", "empty"]  # by name, always
        assert all(i.compress_type == zipfile.ZIP_STORED for i in zf.infolist())
        for name, path, _ in files:
            assert zf.read(name) == path.read_bytes()


def _a_day_later(monkeypatch: pytest.MonkeyPatch, files: list[tuple[str, Path, int]]) -> None:
    """Move the clock and the source files' times a day ahead, as if the next build ran
    tomorrow: a bundle that took any timestamp from either would change its bytes."""
    real_time, real_localtime, real_gmtime = time.time, time.localtime, time.gmtime
    monkeypatch.setattr(time, "time", lambda: real_time() + DAY)
    monkeypatch.setattr(time, "localtime", lambda t=None: real_localtime(t or time.time()))
    monkeypatch.setattr(time, "gmtime", lambda t=None: real_gmtime(t or time.time()))
    for _, path, _ in files:
        stat = path.stat()
        os.utime(path, (stat.st_atime + DAY, stat.st_mtime + DAY))


def test_bundle_bytes_depend_only_on_contents(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = _files(tmp_path)
    a = build_bundle(files, tmp_path / "one.zip")
    _a_day_later(monkeypatch, files)
    b = build_bundle(list(reversed(files)), tmp_path / "two.zip")
    assert a == b
    with zipfile.ZipFile(tmp_path / "two.zip") as zf:
        assert {i.date_time for i in zf.infolist()} == {FIXED}


def test_streamed_zip_is_valid_and_deterministic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = _files(tmp_path)

    def chunks(path: Path) -> list[bytes]:
        data = path.read_bytes()
        return [data[i : i + 777] for i in range(0, len(data), 777)]

    def entries():
        return [(n, s, (lambda p=p: iter(chunks(p)))) for n, p, s in files]

    first = b"".join(stream_zip(entries()))
    _a_day_later(monkeypatch, files)
    second = b"".join(stream_zip(entries()))
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as zf:
        assert zf.testzip() is None
        assert zf.namelist() == ["a.txt", "b/weights.bin", "empty"]
        assert {i.date_time for i in zf.infolist()} == {FIXED}
        for name, path, _ in files:
            assert zf.read(name) == path.read_bytes()


def test_streamed_zip_yields_before_reading_everything() -> None:
    opened: list[str] = []

    def opener(name: str):
        def _open():
            opened.append(name)
            yield b"x" * 10

        return _open

    stream = stream_zip([("one", 10, opener("one")), ("two", 10, opener("two"))])
    next(stream)  # the first entry's header
    assert opened == []
    assert next(stream) == b"x" * 10
    assert opened == ["one"]
