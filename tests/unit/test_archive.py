"""Extracting upstream zips: where each entry lands, and the byte budget."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from registry.domain.errors import BadRequest, PayloadTooLarge
from registry.domain.models import ArtifactType
from registry.sources.archive import extract_zip

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
