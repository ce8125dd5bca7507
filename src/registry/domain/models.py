"""Entities and value objects of the registry, free of any framework."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class ArtifactType(enum.StrEnum):
    MODEL = "model"
    DATASET = "dataset"
    CODE = "code"


class FileRole(enum.StrEnum):
    """Which part of an artifact a file belongs to; parts are downloadable alone."""

    WEIGHTS = "weights"
    CONFIG = "config"
    TOKENIZER = "tokenizer"
    CODE = "code"
    DATA = "data"
    DOCS = "docs"


class Permission(enum.StrEnum):
    """What a user may do. `admin` implies the other three."""

    UPLOAD = "upload"
    SEARCH = "search"
    DOWNLOAD = "download"
    ADMIN = "admin"


class AuditAction(enum.StrEnum):
    CREATE = "CREATE"
    UPDATE = "UPDATE"
    DOWNLOAD = "DOWNLOAD"
    RATE = "RATE"
    AUDIT = "AUDIT"


@dataclass(frozen=True)
class ArtifactFile:
    path: str
    sha256: str
    size: int
    role: FileRole


@dataclass(frozen=True)
class Artifact:
    id: str
    type: ArtifactType
    name: str
    source_url: str
    source_key: str
    readme: str
    card: dict[str, Any]
    size: int
    bundle_sha256: str
    bundle_size: int
    created_at: datetime
    updated_at: datetime
    created_by: str | None
    updated_by: str | None
    files: tuple[ArtifactFile, ...] = field(default=())


@dataclass(frozen=True)
class ArtifactSummary:
    """What listings and searches return: the spec's ArtifactMetadata."""

    id: str
    name: str
    type: ArtifactType


@dataclass(frozen=True)
class User:
    id: int
    name: str
    is_admin: bool
    permissions: frozenset[Permission] = frozenset()

    def can(self, permission: Permission) -> bool:
        return self.is_admin or permission in self.permissions


@dataclass(frozen=True)
class Credential:
    """A token whose signature checked out, before its use is counted."""

    token_id: str


@dataclass(frozen=True)
class Principal:
    """The authenticated caller of one request, and the token it came with (which
    DELETE /authenticate revokes)."""

    user: User
    token_id: str
