"""What every source produces: a manifest of staged files plus metadata."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from registry.domain.models import ArtifactType, FileRole

_MAX_JSON = 1 << 20


class SourceKind(StrEnum):
    HF_MODEL = "hf_model"
    HF_DATASET = "hf_dataset"
    GITHUB = "github"
    URL = "url"
    KAGGLE = "kaggle"
    UPLOAD = "upload"


@dataclass(frozen=True)
class SourceRef:
    """A parsed source URL."""

    kind: SourceKind
    url: str
    key: str  # canonical identity: two URLs with the same key are the same source
    default_name: str
    repo_id: str | None = None  # "org/name" on Hugging Face, "owner/repo" on GitHub
    revision: str | None = None
    subpath: str | None = None


@dataclass(frozen=True)
class StagedFile:
    """A file downloaded to local disk, hashed, waiting to be stored."""

    path: str  # safe, relative, '/'-separated path inside the artifact
    local: Path
    sha256: str
    size: int
    role: FileRole


@dataclass
class Manifest:
    ref: SourceRef
    files: list[StagedFile]
    readme: str = ""
    card: dict[str, Any] = field(default_factory=dict)
    # A snapshot of the upstream's metadata at ingest time (repo info, license,
    # revision, the full file list before any filtering): the rating reads it.
    upstream: dict[str, Any] = field(default_factory=dict)

    @property
    def total_size(self) -> int:
        return sum(f.size for f in self.files)


class ByteSink(Protocol):
    """Takes the files of a fetch as their bytes arrive, so work on them (the bundle)
    runs beside the transfer instead of reading the files again after it
    (registry.services.bundle_writer). A source that can say nothing of its files
    until they are whole simply never calls it."""

    def plan(self, entries: Iterable[tuple[str, int | None]]) -> None:
        """The files to come: (path, expected size or None), before any bytes."""

    def begin(self, name: str) -> None:
        """The transfer of `name` starts now (and will end without the sink's help)."""

    def feed(self, name: str, data: bytes) -> None:
        """The next bytes of `name`, as they arrive; may wait while the sink catches up."""

    def complete(self, name: str, local: Path, *, live: bool) -> None:
        """`name` is whole at `local`; `live`: the bytes fed for it are exactly its bytes."""


class Source(Protocol):
    def fetch(
        self,
        ref: SourceRef,
        artifact_type: ArtifactType,
        workdir: Path,
        sink: ByteSink | None = None,
    ) -> Manifest:
        """Download what `ref` names into `workdir` and describe it; `sink` (when the
        source can) gets the files' bytes as they arrive."""
        ...


@runtime_checkable
class CanonicalSource(Protocol):
    """A source that can tell two refs of the same upstream revision apart only by asking
    the upstream (GitHub's default branch differs per repository)."""

    def canonical(self, ref: SourceRef) -> SourceRef:
        """`ref` with the key every spelling of the same upstream revision shares."""
        ...


@dataclass(frozen=True)
class Description:
    """An artifact's metadata without its bytes: what rating and lineage read.

    Built from a full ingest's manifest, from a stored artifact, or cheaply from the
    hub for `registry rate` (which never downloads weights).
    """

    ref: SourceRef
    readme: str
    card: dict[str, Any]
    upstream: dict[str, Any]
    files: tuple[tuple[str, int, str], ...]  # (path, size, role) of the files kept
    config: Any = None  # config.json, parsed
    adapter_config: Any = None  # adapter_config.json, parsed


class Describer(Protocol):
    def describe(self, ref: SourceRef, workdir: Path) -> Description:
        """The artifact's metadata without its bytes (card, small JSON files, file list)."""
        ...


def read_card(path: Path) -> str:
    """A card's text. Bytes that are not UTF-8 become U+FFFD, and so does NUL, which no
    database text column accepts: a binary README is stored as harmless text."""
    return path.read_text("utf-8", errors="replace").replace("\x00", "\ufffd")


def read_json(path: Path | None) -> Any:
    """A small JSON file's content; None when absent, too big or not JSON."""
    if path is None or not path.is_file() or path.stat().st_size > _MAX_JSON:
        return None
    try:
        return json.loads(path.read_text("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
