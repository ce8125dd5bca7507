"""What an ingest asks before it stores anything: the policy that admits or refuses
the artifact, and the check of the staged files that runs before it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from registry.domain.lineage import DeclaredLink
from registry.domain.models import ArtifactType
from registry.sources.base import Manifest, StagedFile


class IngestPolicy(Protocol):
    """The one place that decides whether a fetched artifact may enter the registry.

    Raise `PolicyRejected` (424) to refuse it; nothing of it is stored then. What it
    returns (a rating) is stored with the artifact, in the same transaction.
    """

    def check(
        self,
        artifact_type: ArtifactType,
        name: str,
        manifest: Manifest,
        links: list[DeclaredLink],
    ) -> dict[str, Any] | None: ...


class FileCheck(Protocol):
    """Looks inside the staged files before anything is decided: raises for a file no
    loader could trust, returns what to record with the artifact (`upstream["file_scan"]`),
    which the policy then judges."""

    def scan(self, files: Sequence[StagedFile], workdir: Path) -> dict[str, Any]: ...


class AdmitAll:
    def check(
        self,
        artifact_type: ArtifactType,
        name: str,
        manifest: Manifest,
        links: list[DeclaredLink],
    ) -> dict[str, Any] | None:
        return None
