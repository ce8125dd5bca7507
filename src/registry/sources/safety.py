"""Path hygiene for names that come from upstreams and archives."""

from __future__ import annotations

import re

from registry.domain.errors import BadRequest

_DRIVE = re.compile(r"^[A-Za-z]:")
_MAX_PATH = 1024


def safe_relpath(name: str) -> str:
    """Turn an upstream file name into a safe relative path, or refuse it.

    Refused (BadRequest naming the entry): absolute paths, Windows drive paths,
    any `..` component, control characters. Accepted names are normalised to
    '/'-separated form without `.` or empty components.
    """
    raw = name.replace("\\", "/")
    if any(ord(ch) < 32 or ch == "\x7f" for ch in raw):
        raise BadRequest(f"upstream file name {name!r} contains control characters")
    if raw.startswith("/") or _DRIVE.match(raw):
        raise BadRequest(f"upstream file name {name!r} is an absolute path; refusing to ingest it")
    parts = [p for p in raw.split("/") if p not in {"", "."}]
    if any(p == ".." for p in parts):
        raise BadRequest(
            f"upstream file name {name!r} tries to escape the artifact folder; "
            "refusing to ingest it"
        )
    if not parts:
        raise BadRequest(f"upstream file name {name!r} is empty")
    path = "/".join(parts)
    if len(path) > _MAX_PATH:
        raise BadRequest(f"upstream file name is longer than {_MAX_PATH} characters")
    return path


def is_under(path: str, folder: str | None) -> bool:
    """Is `path` inside `folder` (both safe relative paths)? None means the root."""
    if not folder:
        return True
    return path == folder or path.startswith(folder.rstrip("/") + "/")
