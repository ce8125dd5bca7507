"""Safe extraction of upstream zip archives into staged files.

Every entry name goes through `safe_relpath` (an escaping name refuses the whole
archive), bytes are counted while they are written (a zip bomb's headers can lie),
and nothing is ever created outside the destination folder: symlink entries
become plain files holding the link text.
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

from registry.domain.errors import BadRequest, PayloadTooLarge, UpstreamNotFound
from registry.domain.models import ArtifactType
from registry.sources.base import StagedFile
from registry.sources.files import classify
from registry.sources.safety import is_under, safe_relpath
from registry.storage.blobs import CHUNK_SIZE

_MAX_ENTRIES = 100_000


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


def _copy_entry(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, budget: int
) -> tuple[str, int]:
    """Copy one entry, hashing it; refuse to write more than `budget` bytes."""
    digest = hashlib.sha256()
    size = 0
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with zf.open(info) as src, target.open("wb") as out:
            while chunk := src.read(CHUNK_SIZE):
                size += len(chunk)
                if size > budget:
                    raise PayloadTooLarge(
                        "the archive expands to more than MAX_ARTIFACT_BYTES; refusing it"
                    )
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
    strip_top_folder: bool = False,
    subpath: str | None = None,
) -> list[StagedFile]:
    """Extract `archive` into `dest`; return the staged files (hashed, classified)."""
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise BadRequest(f"the upstream archive is not a valid zip file: {exc}") from exc
    staged: list[StagedFile] = []
    remaining = max_bytes
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        if len(infos) > _MAX_ENTRIES:
            raise PayloadTooLarge(f"the archive holds more than {_MAX_ENTRIES} files")
        seen: set[str] = set()
        for info in infos:
            path = _entry_path(info.filename, strip_top_folder, subpath)
            if path is None:
                continue
            if path in seen:
                raise BadRequest(f"the archive holds {path!r} twice")
            seen.add(path)
            target = dest / path
            digest, size = _copy_entry(zf, info, target, remaining)
            remaining -= size
            role = classify(path, artifact_type)
            staged.append(StagedFile(path=path, local=target, sha256=digest, size=size, role=role))
    if subpath and not staged:
        raise UpstreamNotFound(f"the folder {subpath!r} does not exist in the upstream repository")
    return staged
