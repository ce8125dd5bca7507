"""What the Hub-compatible API says about a stored artifact, as the Hugging Face Hub says it.

Pure functions over a `HubRepo` (no database, no Flask), so the JSON shapes that
`huggingface_hub` parses are unit-tested directly.

Every file is presented as a Git LFS file: its `lfs.oid` and ETag are the sha256 the
registry stores it under (what the Hub reports for large files), and its git `oid` is
that of the LFS pointer, computed from the sha256 and size without reading the bytes.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from registry.domain.models import ArtifactFile, ArtifactType

COMMIT = re.compile(r"^[0-9a-f]{40}$")
# The Hub's page sizes for tree listings: 1000 entries, 50 with `expand`.
TREE_PAGE_SIZE = 1000
EXPANDED_PAGE_SIZE = 50


@dataclass(frozen=True)
class HubRepo:
    """One stored artifact as a Hub repository at one commit."""

    repo_id: str  # the id the client asked for, canonical where known
    repo_type: str  # "model" or "dataset"
    artifact_id: str
    artifact_type: ArtifactType
    name: str
    sha: str
    files: tuple[ArtifactFile, ...]
    card: dict[str, Any]
    upstream: dict[str, Any]
    source_url: str
    created_at: datetime
    updated_at: datetime

    def file(self, path: str) -> ArtifactFile | None:
        return next((f for f in self.files if f.path == path), None)


def commit_of(upstream: dict[str, Any], bundle_sha256: str) -> str:
    """The 40-hex commit a stored artifact is served at.

    The upstream commit for Hugging Face artifacts (so a client's cache agrees with the
    Hub's); for other sources, derived from the bundle digest, which changes exactly
    when the contents do.
    """
    sha = upstream.get("sha")
    if upstream.get("kind") == "huggingface" and isinstance(sha, str) and COMMIT.match(sha):
        return sha
    return bundle_sha256[:40]


def lfs_pointer(sha256: str, size: int) -> bytes:
    return (
        f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {size}\n".encode()
    )


def git_oid(content: bytes, kind: str = "blob") -> str:
    header = f"{kind} {len(content)}\0".encode()
    return hashlib.sha1(header + content, usedforsecurity=False).hexdigest()


def file_entry(repo: HubRepo, f: ArtifactFile, expand: bool) -> dict[str, Any]:
    pointer = lfs_pointer(f.sha256, f.size)
    entry: dict[str, Any] = {
        "type": "file",
        "oid": git_oid(pointer),
        "size": f.size,
        "path": f.path,
        "lfs": {"oid": f.sha256, "size": f.size, "pointerSize": len(pointer)},
        # A registry extension: the part (weights, config, ...) the file belongs to.
        "role": f.role.value,
    }
    if expand:
        entry["lastCommit"] = _last_commit(repo)
        entry["securityFileStatus"] = {
            "status": "safe",
            "avScan": {"virusFound": False, "virusNames": None},
            "pickleImportScan": None,
        }
    return entry


def _folder_entry(repo: HubRepo, path: str, expand: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "type": "directory",
        "oid": git_oid(f"{repo.sha}:{path}".encode(), "tree"),
        "size": 0,
        "path": path,
    }
    if expand:
        entry["lastCommit"] = _last_commit(repo)
    return entry


def _last_commit(repo: HubRepo) -> dict[str, str]:
    return {
        "id": repo.sha,
        "title": f"Stored in the registry as artifact {repo.artifact_id}",
        "date": _iso(repo.updated_at),
    }


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def is_folder(repo: HubRepo, path: str) -> bool:
    prefix = path.strip("/") + "/"
    return any(f.path.startswith(prefix) for f in repo.files)


def tree(repo: HubRepo, base: str, *, recursive: bool, expand: bool) -> list[dict[str, Any]] | None:
    """Entries under folder `base` ("" for the root), sorted by path; None if no such folder."""
    base = base.strip("/")
    if base and not is_folder(repo, base):
        return None
    prefix = f"{base}/" if base else ""
    found: dict[str, ArtifactFile | None] = {}
    for f in repo.files:
        if not f.path.startswith(prefix):
            continue
        parts = f.path[len(prefix) :].split("/")
        depth = len(parts) - 1 if recursive else min(1, len(parts) - 1)
        for level in range(1, depth + 1):
            found.setdefault(prefix + "/".join(parts[:level]), None)
        if recursive or len(parts) == 1:
            found[f.path] = f
    return [
        _folder_entry(repo, path, expand) if f is None else file_entry(repo, f, expand)
        for path, f in sorted(found.items())
    ]


def page(
    entries: list[dict[str, Any]], cursor: str | None, size: int
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of a sorted listing, and the cursor of the next page (None on the last).

    The cursor is the last path sent, encoded: a page never repeats or skips an entry.
    """
    start = 0
    if cursor:
        try:
            after = base64.urlsafe_b64decode(cursor.encode() + b"==").decode()
        except (ValueError, UnicodeDecodeError):
            after = ""
        start = next((i for i, e in enumerate(entries) if e["path"] > after), len(entries))
    chunk = entries[start : start + size]
    if start + size >= len(entries):
        return chunk, None
    last = chunk[-1]["path"].encode()
    return chunk, base64.urlsafe_b64encode(last).decode().rstrip("=")


def paths_info(repo: HubRepo, paths: list[str], expand: bool) -> list[dict[str, Any]]:
    """Entries for the files and folders among `paths`; unknown paths are left out."""
    result = []
    for raw in paths:
        path = raw.strip("/")
        f = repo.file(path)
        if f is not None:
            result.append(file_entry(repo, f, expand))
        elif path and is_folder(repo, path):
            result.append(_folder_entry(repo, path, expand))
    return result


def info(repo: HubRepo, *, blobs: bool, expand: list[str]) -> dict[str, Any]:
    """The body of GET /api/{models,datasets}/{repo_id}[/revision/{rev}]."""
    up = repo.upstream
    hub = up.get("kind") == "huggingface"
    card = repo.card or None
    data: dict[str, Any] = {
        "_id": hashlib.sha256(repo.artifact_id.encode()).hexdigest()[:24],
        "id": repo.repo_id,
        "author": (up.get("author") if hub else None) or _author(repo.repo_id),
        "sha": repo.sha,
        "lastModified": _iso(repo.updated_at),
        "createdAt": _iso(repo.created_at),
        "private": False,
        "gated": False,
        "disabled": False,
        "downloads": 0,
        "likes": 0,
        "tags": list(up.get("tags") or []) if hub else [],
        "cardData": card,
        "siblings": [_sibling(f, blobs) for f in repo.files],
        # A registry extension: which artifact this repository is.
        "registry": {
            "artifact_id": repo.artifact_id,
            "name": repo.name,
            "type": repo.artifact_type.value,
            "source_url": repo.source_url,
        },
    }
    if repo.repo_type == "model":
        data["modelId"] = repo.repo_id
        if hub:
            data["pipeline_tag"] = up.get("pipeline_tag")
            data["library_name"] = up.get("library_name")
            data["config"] = up.get("config") or None
    elif hub:
        data["description"] = up.get("description")
    if expand:
        data = {k: v for k, v in data.items() if k in {"_id", "id", *expand}}
    # Like the Hub: absent properties are left out rather than sent as null.
    return {k: v for k, v in data.items() if v is not None}


def _author(repo_id: str) -> str | None:
    owner, _, rest = repo_id.partition("/")
    return owner if rest and owner != "artifacts" else None


def _sibling(f: ArtifactFile, blobs: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {"rfilename": f.path}
    if blobs:
        pointer = lfs_pointer(f.sha256, f.size)
        entry["size"] = f.size
        entry["blobId"] = git_oid(pointer)
        entry["lfs"] = {"sha256": f.sha256, "size": f.size, "pointerSize": len(pointer)}
    return entry


def refs(repo: HubRepo) -> dict[str, Any]:
    return {
        "branches": [{"name": "main", "ref": "refs/heads/main", "targetCommit": repo.sha}],
        "converts": [],
        "tags": [],
    }
