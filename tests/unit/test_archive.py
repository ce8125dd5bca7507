"""Extracting upstream zips: where each entry lands, and the byte budget."""

from __future__ import annotations

import stat
import struct
import zipfile
from pathlib import Path

import pytest

from registry.domain.errors import BadRequest, PayloadTooLarge
from registry.domain.models import ArtifactType
from registry.sources.archive import RATIO_FLOOR_BYTES, ArchiveLimits, extract_zip

MIB = 1 << 20


def _zip(tmp_path: Path, entries: dict[str, bytes]) -> Path:
    path = tmp_path / "upstream.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return path


def _landed(tmp_path: Path, archive: Path, subpath: str | None = None) -> dict[str, bytes]:
    staged = extract_zip(
        archive,
        tmp_path / "out",
        ArtifactType.CODE,
        max_bytes=10 * MIB,
        strip_top_folder=True,
        subpath=subpath,
    )
    return {f.path: f.local.read_bytes() for f in staged}


ZIPBALL = {
    "owner-repo-abc1234/setup.py": b"setup()\n",
    "owner-repo-abc1234/src/pkg/mod.py": b"X = 1\n",
    "stray-at-root.txt": b"outside the top folder\n",
}


def test_a_zipball_loses_its_top_folder_and_what_lies_outside_it(tmp_path: Path) -> None:
    archive = _zip(tmp_path, ZIPBALL)
    assert _landed(tmp_path, archive) == {
        "setup.py": b"setup()\n",
        "src/pkg/mod.py": b"X = 1\n",
    }


@pytest.mark.parametrize(
    ("subpath", "landed"),
    [
        ("src", {"pkg/mod.py": b"X = 1\n"}),  # a folder: paths inside it
        ("src/pkg/mod.py", {"mod.py": b"X = 1\n"}),  # one file: its own name
        ("setup.py", {"setup.py": b"setup()\n"}),
    ],
)
def test_a_subpath_keeps_what_lies_under_it(
    tmp_path: Path, subpath: str, landed: dict[str, bytes]
) -> None:
    archive = _zip(tmp_path, ZIPBALL)
    assert _landed(tmp_path, archive, subpath) == landed


def test_the_byte_budget_counts_every_chunk_of_every_entry(tmp_path: Path) -> None:
    # 1.5 MiB in one entry spans two read chunks; 20 more bytes in another entry.
    archive = _zip(tmp_path, {"big.bin": b"\x01" * (MIB + MIB // 2), "small.txt": b"x" * 20})
    exact = MIB + MIB // 2 + 20
    staged = extract_zip(archive, tmp_path / "ok", ArtifactType.MODEL, max_bytes=exact)
    assert sorted((f.path, f.size) for f in staged) == [("big.bin", exact - 20), ("small.txt", 20)]
    with pytest.raises(PayloadTooLarge, match="MAX_ARTIFACT_BYTES"):
        extract_zip(archive, tmp_path / "one-short", ArtifactType.MODEL, max_bytes=exact - 1)
    with pytest.raises(PayloadTooLarge):
        extract_zip(archive, tmp_path / "in-the-big-one", ArtifactType.MODEL, max_bytes=MIB + 1)


def test_an_archive_naming_one_path_twice_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "twice.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("model.bin", b"first")
        zf.writestr("./model.bin", b"second, under the same path")
    with pytest.raises(BadRequest, match=r"holds 'model\.bin' twice"):
        extract_zip(path, tmp_path / "out", ArtifactType.MODEL, max_bytes=MIB)


def _special(tmp_path: Path, mode: int) -> Path:
    path = tmp_path / "special.zip"
    with zipfile.ZipFile(path, "w") as zf:
        info = zipfile.ZipInfo("link")
        info.create_system = 3
        info.external_attr = mode << 16
        zf.writestr(info, b"/etc/passwd")
    return path


def test_a_zipball_keeps_a_symlink_as_text_but_never_a_device(tmp_path: Path) -> None:
    link = _special(tmp_path, stat.S_IFLNK | 0o777)
    with pytest.raises(BadRequest, match="is a symbolic link"):
        extract_zip(link, tmp_path / "refused", ArtifactType.CODE, max_bytes=MIB)
    kept = extract_zip(
        link, tmp_path / "kept", ArtifactType.CODE, max_bytes=MIB, symlinks_as_text=True
    )
    assert [(f.path, f.local.read_bytes(), f.local.is_symlink()) for f in kept] == [
        ("link", b"/etc/passwd", False)
    ]
    device = _special(tmp_path, stat.S_IFCHR | 0o666)
    with pytest.raises(BadRequest, match="is a character device"):
        extract_zip(
            device, tmp_path / "dev", ArtifactType.CODE, max_bytes=MIB, symlinks_as_text=True
        )


def test_the_ratio_has_a_floor_so_small_archives_of_zeros_pass(tmp_path: Path) -> None:
    archive = _zip(tmp_path, {"zeros.bin": bytes(RATIO_FLOOR_BYTES)})
    assert archive.stat().st_size * 100 < RATIO_FLOOR_BYTES  # far over the ratio
    staged = extract_zip(archive, tmp_path / "ok", ArtifactType.MODEL, max_bytes=1 << 30)
    assert [f.size for f in staged] == [RATIO_FLOOR_BYTES]
    tight = ArchiveLimits(max_ratio=1000.0)
    archive = _zip(tmp_path, {"zeros.bin": bytes(RATIO_FLOOR_BYTES + MIB)})
    with pytest.raises(BadRequest, match="ARCHIVE_MAX_RATIO"):
        extract_zip(archive, tmp_path / "no", ArtifactType.MODEL, max_bytes=1 << 30, limits=tight)


def test_100001_entries_are_refused_from_the_zip64_end_record(tmp_path: Path) -> None:
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for i in range(100_001):
            zf.writestr(f"{i}", b"")
    with pytest.raises(BadRequest, match="holds 100001 entries, more than 100000"):
        extract_zip(path, tmp_path / "out", ArtifactType.DATASET, max_bytes=MIB)
    assert not (tmp_path / "out").exists()  # refused before anything was written


def test_an_end_record_signature_inside_the_comment_is_not_the_end_record(
    tmp_path: Path,
) -> None:
    # A comment that looks like an end record declaring 65,535 entries.
    fake = b"PK\x05\x06" + struct.pack("<4H2LH", 0, 0, 0xFFFF, 0xFFFF, 0, 0, 0)
    path = tmp_path / "commented.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("a.txt", b"a")
        zf.comment = fake + b" and some text"
    limits = ArchiveLimits(max_entries=1)
    # Not refused for the comment's 65,535 entries (what the zip reader then makes of such
    # a comment is its own business: it too may take it for the end record).
    extract_zip(path, tmp_path / "out", ArtifactType.CODE, max_bytes=MIB, limits=limits)
