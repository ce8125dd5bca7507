"""Safe extraction of upstream zip archives into staged files.

Every entry name goes through `safe_relpath` (an escaping name refuses the whole
archive), and nothing is ever created outside the destination folder. Zip bombs are
refused by three limits (`ArchiveLimits`): the number of entries (read from the end of
the archive before its directory is parsed), the total expanded size and the expansion
ratio. The sizes an archive declares are checked first, because that is cheap, and the
bytes actually written are counted again while extracting, because headers lie.
Archives inside the archive are stored as files, never expanded. Symbolic links,
devices, pipes and sockets (the Unix mode bits of an entry) are refused; only a
GitHub zipball, which is git's own tree, keeps a symlink as a plain file holding its
target (that is what git stores for it).
"""

from __future__ import annotations

import hashlib
import stat
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

from registry.domain.errors import BadRequest, PayloadTooLarge, UpstreamNotFound
from registry.domain.models import ArtifactType
from registry.sources.base import StagedFile
from registry.sources.files import classify
from registry.sources.safety import is_under, safe_relpath
from registry.storage.blobs import CHUNK_SIZE

# An archive may always expand this far, whatever its ratio: a small zip holding a
# few MiB of zeros or text is no bomb, and checking the ratio of tiny archives would
# refuse ordinary ones.
RATIO_FLOOR_BYTES = 16 << 20
# The central directory is parsed into memory; past this it is a bomb of another kind.
MAX_DIRECTORY_BYTES = 64 << 20
_EOCD = struct.Struct("<4s4H2LH")
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")
_SPECIAL = {
    stat.S_IFLNK: "a symbolic link",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFIFO: "a named pipe",
    stat.S_IFSOCK: "a socket",
}


@dataclass(frozen=True)
class ArchiveLimits:
    """How far one archive may expand (ARCHIVE_MAX_* settings)."""

    max_expanded_bytes: int = 20 << 30
    max_ratio: float = 100.0
    max_entries: int = 100_000


def _bomb(what: str, limit: str) -> BadRequest:
    return BadRequest(
        f"the archive is refused as a zip bomb: {what} ({limit}); "
        "send the files unpacked, or as an archive within the limits"
    )


def _directory_size(path: Path) -> tuple[int, int] | None:
    """(entries, central directory bytes) as the archive's end record declares them,
    read without parsing the directory, or None when there is no end record."""
    size = path.stat().st_size
    with path.open("rb") as fh:
        tail_len = min(size, _EOCD.size + 0xFFFF)
        fh.seek(size - tail_len)
        tail = fh.read(tail_len)
        # The record is the one whose comment runs exactly to the end of the file: the
        # signature may also occur inside a comment.
        at = tail.rfind(b"PK\x05\x06")
        while at >= 0 and not (
            len(tail) - at >= _EOCD.size
            and at + _EOCD.size + _EOCD.unpack_from(tail, at)[7] == len(tail)
        ):
            at = tail.rfind(b"PK\x05\x06", 0, at)
        if at < 0:
            return None
        fields = _EOCD.unpack_from(tail, at)
        entries, directory = fields[4], fields[5]
        locator_at = at - _ZIP64_LOCATOR.size
        if locator_at >= 0 and tail[locator_at : locator_at + 4] == b"PK\x06\x07":
            offset = _ZIP64_LOCATOR.unpack_from(tail, locator_at)[2]
            fh.seek(offset)
            record = fh.read(_ZIP64_EOCD.size)
            if len(record) == _ZIP64_EOCD.size and record[:4] == b"PK\x06\x06":
                zip64 = _ZIP64_EOCD.unpack(record)
                entries, directory = zip64[7], zip64[8]
    return int(entries), int(directory)


def _check_directory(path: Path, limits: ArchiveLimits) -> None:
    declared = _directory_size(path)
    if declared is None:
        return  # zipfile refuses it with its own message
    entries, directory = declared
    if entries > limits.max_entries:
        raise _bomb(
            f"it holds {entries} entries, more than {limits.max_entries}",
            "the limit is ARCHIVE_MAX_ENTRIES",
        )
    if directory > MAX_DIRECTORY_BYTES:
        raise _bomb(
            f"its central directory is {directory} bytes",
            f"the limit is {MAX_DIRECTORY_BYTES} bytes",
        )


def _special_kind(info: zipfile.ZipInfo) -> str | None:
    """What a non-regular entry is, from its Unix mode bits; None for files and folders."""
    mode = info.external_attr >> 16
    return _SPECIAL.get(stat.S_IFMT(mode)) if mode else None


def _entry_path(name: str, strip_top_folder: bool, subpath: str | None) -> str | None:
    """Where an archive entry lands inside the artifact, or None to leave it out."""
    path = safe_relpath(name)
    if strip_top_folder:
        path = path.split("/", 1)[1] if "/" in path else ""
        if not path:
            return None
    if not is_under(path, subpath):
        return None
    if subpath:
        path = path[len(subpath) :].lstrip("/") or path.rsplit("/", 1)[-1]
    return path


class _Budget:
    """The bytes an extraction may still write, counted as they are written."""

    def __init__(self, archive_size: int, max_bytes: int, limits: ArchiveLimits) -> None:
        self.written = 0
        self.archive_size = archive_size
        self.max_bytes = max_bytes
        self.limits = limits
        self.max_by_ratio = max(RATIO_FLOOR_BYTES, int(archive_size * limits.max_ratio))

    def check(self, total: int, *, declared: bool = False) -> None:
        how = "declares that it expands" if declared else "expands"
        if total > self.limits.max_expanded_bytes:
            raise _bomb(
                f"it {how} to more than {self.limits.max_expanded_bytes} bytes",
                "the limit is ARCHIVE_MAX_EXPANDED_BYTES",
            )
        if total > self.max_by_ratio:
            raise _bomb(
                f"its {self.archive_size} bytes {how} to more than {self.max_by_ratio} bytes, "
                f"over {self.limits.max_ratio:g} times their size",
                "the limit is ARCHIVE_MAX_RATIO",
            )
        if total > self.max_bytes:
            raise PayloadTooLarge(
                f"the archive expands to more than MAX_ARTIFACT_BYTES ({self.max_bytes} "
                "bytes); refusing it"
            )

    def add(self, count: int) -> None:
        self.written += count
        self.check(self.written)


def _copy_entry(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, budget: _Budget
) -> tuple[str, int]:
    """Copy one entry, hashing it, counting every byte against the budget."""
    digest = hashlib.sha256()
    size = 0
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with zf.open(info) as src, target.open("wb") as out:
            while chunk := src.read(CHUNK_SIZE):
                size += len(chunk)
                budget.add(len(chunk))
                digest.update(chunk)
                out.write(chunk)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        raise BadRequest(f"the archive entry {info.filename!r} is corrupt: {exc}") from exc
    except (NotImplementedError, RuntimeError) as exc:  # unsupported method, encrypted
        raise BadRequest(f"the archive entry {info.filename!r} cannot be read: {exc}") from exc
    except (NotADirectoryError, IsADirectoryError, FileExistsError) as exc:
        raise BadRequest(
            f"the archive entry {info.filename!r} collides with another entry's folder"
        ) from exc
    return digest.hexdigest(), size


def extract_zip(
    archive: Path,
    dest: Path,
    artifact_type: ArtifactType,
    *,
    max_bytes: int,
    limits: ArchiveLimits | None = None,
    strip_top_folder: bool = False,
    subpath: str | None = None,
    symlinks_as_text: bool = False,
) -> list[StagedFile]:
    """Extract `archive` into `dest`; return the staged files (hashed, classified)."""
    limits = limits or ArchiveLimits()
    try:
        _check_directory(archive, limits)
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError, struct.error) as exc:
        raise BadRequest(f"the upstream archive is not a valid zip file: {exc}") from exc
    staged: list[StagedFile] = []
    budget = _Budget(archive.stat().st_size, max_bytes, limits)
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        if len(infos) > limits.max_entries:  # the end record may understate it
            raise _bomb(
                f"it holds more than {limits.max_entries} files", "the limit is ARCHIVE_MAX_ENTRIES"
            )
        budget.check(sum(i.file_size for i in infos), declared=True)
        seen: set[str] = set()
        for info in infos:
            special = _special_kind(info)
            if special is not None and not (symlinks_as_text and special == _SPECIAL[stat.S_IFLNK]):
                raise BadRequest(
                    f"the archive entry {info.filename!r} is {special}; an archive may hold "
                    "only files and folders"
                )
            path = _entry_path(info.filename, strip_top_folder, subpath)
            if path is None:
                continue
            if path in seen:
                raise BadRequest(f"the archive holds {path!r} twice")
            seen.add(path)
            target = dest / path
            digest, size = _copy_entry(zf, info, target, budget)
            role = classify(path, artifact_type)
            staged.append(StagedFile(path=path, local=target, sha256=digest, size=size, role=role))
    if subpath and not staged:
        raise UpstreamNotFound(f"the folder {subpath!r} does not exist in the upstream repository")
    return staged
