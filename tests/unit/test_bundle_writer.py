"""The zip layout against Python's `zipfile`, and the bundle written beside a download
against the bundle built from the finished files, whatever arrives in which order."""

from __future__ import annotations

import hashlib
import io
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.services.bundle_writer import BundleWriter
from registry.services.bundles import build_bundle, build_legacy_bundle, stream_zip

_EPOCH = (1980, 1, 1, 0, 0, 0)


class _Unseekable:
    def __init__(self) -> None:
        self.buffer = io.BytesIO()

    def write(self, data: bytes) -> int:
        return self.buffer.write(data)

    def flush(self) -> None:
        pass


def zipfile_reference(files: dict[str, bytes]) -> bytes:
    """What Python's zipfile writes to an unseekable file: the layout's oracle."""
    sink = _Unseekable()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:  # type: ignore[arg-type]
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.external_attr = 0o644 << 16
            info.file_size = len(files[name])
            force = len(files[name]) >= zipfile.ZIP64_LIMIT
            with zf.open(info, "w", force_zip64=force) as out:
                out.write(files[name])
    return sink.buffer.getvalue()


def _streamed(files: dict[str, bytes]) -> bytes:
    def opener(data: bytes) -> Iterator[bytes]:
        return iter([data[i : i + 7] for i in range(0, len(data), 7)])

    return b"".join(stream_zip([(n, len(d), (lambda d=d: opener(d))) for n, d in files.items()]))


names = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    min_size=1,
    max_size=12,
)
contents = st.binary(max_size=300)
file_sets = st.dictionaries(names, contents, min_size=0, max_size=6)


@settings(max_examples=150, deadline=None)
@given(file_sets)
def test_the_layout_is_what_zipfile_writes(files: dict[str, bytes]) -> None:
    assert _streamed(files) == zipfile_reference(files)


@settings(max_examples=60, deadline=None)
@given(file_sets, st.integers(20, 700), st.integers(0, 4))
def test_the_zip64_records_are_where_zipfile_puts_them(
    files: dict[str, bytes], size_limit: int, count_limit: int
) -> None:
    """The limits lowered so that small zips cross them: entry, directory and count."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(zipfile, "ZIP64_LIMIT", size_limit)
        patch.setattr(zipfile, "ZIP_FILECOUNT_LIMIT", count_limit)
        expected = zipfile_reference(files)
        assert _streamed(files) == expected
    with zipfile.ZipFile(io.BytesIO(expected)) as zf:
        assert zf.testzip() is None


def _write(tmp_path: Path, files: dict[str, bytes]) -> dict[str, Path]:
    paths = {}
    for index, (name, data) in enumerate(files.items()):
        paths[name] = tmp_path / f"file-{index}"
        paths[name].write_bytes(data)
    return paths


def test_a_built_bundle_is_the_streamed_zip_and_its_hash(tmp_path: Path) -> None:
    files = {"b/weights.bin": b"\x00\x01" * 5000, "a.txt": b"hello", "empty": b"", "é.md": b"x"}
    paths = _write(tmp_path, files)
    sha, size = build_bundle([(n, p, len(files[n])) for n, p in paths.items()], tmp_path / "b.zip")
    raw = (tmp_path / "b.zip").read_bytes()
    assert raw == zipfile_reference(files) == _streamed(files)
    assert (sha, size) == (hashlib.sha256(raw).hexdigest(), len(raw))


def test_the_legacy_layout_is_the_one_zipfile_patches_in_place(tmp_path: Path) -> None:
    files = {"a.txt": b"hello", "w.bin": b"\x07" * 999}
    paths = _write(tmp_path, files)
    entries = [(n, p, len(files[n])) for n, p in paths.items()]
    legacy, _ = build_legacy_bundle(entries, tmp_path / "old.zip")
    current, _ = build_bundle(entries, tmp_path / "new.zip")
    assert legacy != current  # the descriptors are the difference
    with zipfile.ZipFile(tmp_path / "old.zip") as zf:
        assert all(not i.flag_bits & 0x08 for i in zf.infolist())
        assert {n: zf.read(n) for n in zf.namelist()} == files


# --- the writer fed by downloads ---------------------------------------------------


@st.composite
def deliveries(draw: st.DrawFn) -> tuple[dict[str, bytes], list[tuple[str, str, int]], int]:
    """Files, and the order in which their bytes and completions reach the writer:
    ("feed", name, chunk index) and ("complete", name, live?) events, each file's own
    events in order, the files' events interleaved at random."""
    files = draw(st.dictionaries(names, st.binary(max_size=2000), min_size=1, max_size=5))
    streams: list[list[tuple[str, str, int]]] = []
    for name in files:
        chunks = draw(st.integers(0, 6))
        trusted = draw(st.booleans())
        streams.append([("feed", name, i) for i in range(chunks)] + [("complete", name, trusted)])
    events: list[tuple[str, str, int]] = []
    while any(streams):
        stream = draw(st.sampled_from([s for s in streams if s]))
        events.append(stream.pop(0))
    return files, events, draw(st.sampled_from([64, 1000, 1 << 20]))


def _pieces(data: bytes, count: int) -> list[bytes]:
    """`data` cut into `count` pieces (the last takes the rest)."""
    if count == 0:
        return []
    step = max(1, len(data) // count)
    cuts = [data[i * step : (i + 1) * step] for i in range(count - 1)]
    return [*cuts, data[(count - 1) * step :]]


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(deliveries(), st.booleans())
def test_a_bundle_written_during_the_downloads_is_the_one_built_after(
    tmp_path_factory: pytest.TempPathFactory,
    delivery: tuple[dict[str, bytes], list[tuple[str, str, int]], int],
    pause: bool,
) -> None:
    """Live bytes that are the file's (vouched for at completion), bytes that are not
    (an untrusted transfer fed garbage), bytes past the memory bound: all give the
    same bundle as building it from the finished files."""
    files, events, memory = delivery
    tmp = tmp_path_factory.mktemp("bundle")
    paths = _write(tmp, files)
    with BundleWriter(tmp / "live.zip", memory=memory) as writer:
        writer.plan((name, len(data)) for name, data in files.items())
        for kind, name, arg in events:
            if kind == "feed":
                count = sum(1 for k, n, _ in events if k == "feed" and n == name)
                trusted = next(a for k, n, a in events if k == "complete" and n == name)
                piece = _pieces(files[name], count)[arg]
                writer.feed(name, piece if trusted else piece[::-1] + b"?")
            else:
                count = sum(1 for k, n, _ in events if k == "feed" and n == name)
                whole = count > 0 or files[name] == b""
                writer.complete(name, paths[name], live=bool(arg) and whole)
            if pause:
                time.sleep(0.001)  # lets the writer thread catch up between events
        live = writer.finish((name, path) for name, path in paths.items())
    built = build_bundle([(n, p, len(files[n])) for n, p in paths.items()], tmp / "built.zip")
    assert live == built
    assert (tmp / "live.zip").read_bytes() == (tmp / "built.zip").read_bytes()


def _until(condition: object, timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < end, "the writer thread did not get there"
        time.sleep(0.001)


def test_an_entry_begun_from_bytes_that_prove_wrong_is_rewritten_from_its_file(
    tmp_path: Path,
) -> None:
    files = {"a.bin": b"A" * 5000, "b.bin": b"B" * 100}
    paths = _write(tmp_path, files)
    dest = tmp_path / "live.zip"
    with BundleWriter(dest) as writer:
        writer.plan((n, len(d)) for n, d in files.items())
        writer.feed("a.bin", b"Z" * 3000)  # what a transfer later retried had sent
        _until(lambda: writer._buffered == 0)  # the thread has taken them: a.bin is begun
        writer.complete("a.bin", paths["a.bin"], live=False)
        writer.feed("b.bin", files["b.bin"])
        writer.complete("b.bin", paths["b.bin"], live=True)
        result = writer.finish(paths.items())
    assert dest.read_bytes() == zipfile_reference(files)
    assert result == (hashlib.sha256(dest.read_bytes()).hexdigest(), dest.stat().st_size)


def test_live_bytes_that_fall_short_of_the_file_are_not_trusted(tmp_path: Path) -> None:
    files = {"a.bin": b"A" * 5000}
    paths = _write(tmp_path, files)
    with BundleWriter(tmp_path / "live.zip") as writer:
        writer.plan([("a.bin", None)])
        writer.feed("a.bin", b"A" * 4000)
        writer.complete("a.bin", paths["a.bin"], live=True)  # the source was wrong
        writer.finish(paths.items())
    assert (tmp_path / "live.zip").read_bytes() == zipfile_reference(files)


def test_a_plan_the_source_did_not_keep_gives_the_bundle_of_what_it_delivered(
    tmp_path: Path,
) -> None:
    files = {"a.txt": b"one", "c.txt": b"three"}
    paths = _write(tmp_path, files)
    with BundleWriter(tmp_path / "live.zip") as writer:
        writer.plan([("a.txt", 3), ("b.txt", 2), ("c.txt", 5)])  # b.txt never came
        writer.complete("a.txt", paths["a.txt"], live=False)
        writer.finish(paths.items())
    assert (tmp_path / "live.zip").read_bytes() == zipfile_reference(files)


def test_leaving_the_writer_stops_its_thread_however_far_it_got(tmp_path: Path) -> None:
    before = {t.ident for t in threading.enumerate()}
    writer = BundleWriter(tmp_path / "live.zip")
    writer.plan([("a.bin", 10), ("b.bin", 10)])
    writer.feed("a.bin", b"12345")  # a.bin begun, its download then fails
    writer.__exit__(RuntimeError, RuntimeError("download failed"), None)
    assert {t.ident for t in threading.enumerate() if t.name == "bundle-writer"} <= before


def test_a_writer_that_cannot_write_says_why(tmp_path: Path) -> None:
    (tmp_path / "a").write_bytes(b"data")
    with (
        BundleWriter(tmp_path / "missing" / "live.zip") as writer,
        pytest.raises(FileNotFoundError),
    ):
        writer.finish([("a", tmp_path / "a")])


def test_bytes_waiting_their_turn_stay_under_the_memory_bound(tmp_path: Path) -> None:
    files = {"a.bin": b"A" * 10, "b.bin": bytes(range(256)) * 40}
    paths = _write(tmp_path, files)
    with BundleWriter(tmp_path / "live.zip", memory=1000) as writer:
        writer.plan((n, len(d)) for n, d in files.items())
        for i in range(0, len(files["b.bin"]), 100):  # a.bin has not begun: b.bin waits
            writer.feed("b.bin", files["b.bin"][i : i + 100])
            assert writer._buffered <= 1000
        writer.complete("b.bin", paths["b.bin"], live=True)  # dropped bytes: read its file
        writer.feed("a.bin", files["a.bin"])
        writer.complete("a.bin", paths["a.bin"], live=True)
        writer.finish(paths.items())
    assert (tmp_path / "live.zip").read_bytes() == zipfile_reference(files)


def test_a_transfer_ahead_of_its_turn_waits_for_it_when_waiting_is_safe(tmp_path: Path) -> None:
    """Every entry before it is being fetched: the early transfer waits (its bytes are
    not dropped), and goes on once the writer gets to it; memory stays bounded."""
    files = {"a.txt": b"small", "b.bin": bytes(range(256)) * 64}
    paths = _write(tmp_path, files)
    fed = threading.Event()
    with BundleWriter(tmp_path / "live.zip", memory=1024) as writer:
        writer.plan((n, len(d)) for n, d in files.items())
        writer.begin("a.txt")
        writer.begin("b.bin")

        def big_transfer() -> None:
            data = files["b.bin"]
            for i in range(0, len(data), 512):
                writer.feed("b.bin", data[i : i + 512])
                assert writer._buffered <= 2 * 1024
            writer.complete("b.bin", paths["b.bin"], live=True)
            fed.set()

        thread = threading.Thread(target=big_transfer)
        thread.start()
        _until(lambda: writer._buffered > 0)
        time.sleep(0.05)
        assert not fed.is_set()  # b.bin waits: a.txt, before it, is not whole yet
        writer.feed("a.txt", files["a.txt"])
        writer.complete("a.txt", paths["a.txt"], live=True)
        thread.join(timeout=10)
        assert fed.is_set()
        assert writer._slots["b.bin"].live  # waited, never dropped: its file is not read
        writer.finish(paths.items())
    assert (tmp_path / "live.zip").read_bytes() == zipfile_reference(files)


def test_a_transfer_does_not_wait_for_an_entry_nobody_is_fetching(tmp_path: Path) -> None:
    files = {"a.txt": b"small", "b.bin": b"B" * 4096}
    paths = _write(tmp_path, files)
    with BundleWriter(tmp_path / "live.zip", memory=1024) as writer:
        writer.plan((n, len(d)) for n, d in files.items())
        writer.begin("b.bin")  # a.txt has not started: b.bin must not wait for it

        def transfer() -> None:
            for i in range(0, 4096, 512):
                writer.feed("b.bin", files["b.bin"][i : i + 512])

        thread = threading.Thread(target=transfer)
        thread.start()
        thread.join(timeout=10)  # far below the writer's 30 s wait: it did not wait
        assert not thread.is_alive()
        assert not writer._slots["b.bin"].live  # dropped past the bound instead
        writer.complete("b.bin", paths["b.bin"], live=True)
        writer.finish(paths.items())
    assert (tmp_path / "live.zip").read_bytes() == zipfile_reference(files)


def test_a_chunk_larger_than_the_bound_goes_alone(tmp_path: Path) -> None:
    files = {"a.bin": bytes(range(256)) * 8}
    paths = _write(tmp_path, files)
    with BundleWriter(tmp_path / "live.zip", memory=100, wait_seconds=600) as writer:
        writer.plan([("a.bin", len(files["a.bin"]))])
        writer.begin("a.bin")
        done = threading.Event()

        def transfer() -> None:
            writer.feed("a.bin", files["a.bin"])  # 2 kB against a 100-byte bound
            writer.complete("a.bin", paths["a.bin"], live=True)
            done.set()

        threading.Thread(target=transfer).start()
        assert done.wait(timeout=10)  # far below the 600 s it would otherwise wait
        assert writer._slots["a.bin"].live
        writer.finish(paths.items())
    assert (tmp_path / "live.zip").read_bytes() == zipfile_reference(files)
