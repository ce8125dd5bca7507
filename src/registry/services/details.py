"""The facts about an artifact that the spec's Artifact leaves out: its files with sizes
and sha256, licence, uploader, dates, bundle size and digest, and its stored rating.

Served as `GET /artifacts/{type}/{id}/details` and read by the artifact page, so API
users and people see the same facts. The same permission as reading the artifact
(`search`, and seeing it: a private artifact is "not found" to outsiders).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from registry.auth import permissions
from registry.db.access import GroupRepository
from registry.db.models import ArtifactRow, RatingRow
from registry.db.repositories import ArtifactRepository
from registry.db.session import Database
from registry.domain.errors import PermissionDenied
from registry.domain.models import (
    ArtifactFile,
    ArtifactSummary,
    ArtifactType,
    FileRole,
    Permission,
    User,
)
from registry.rating.licenses import declared
from registry.services.access import not_found, require_manager
from registry.services.audit import utc_iso


@dataclass(frozen=True)
class ArtifactDetails:
    id: str
    type: ArtifactType
    name: str
    source_url: str
    readme: str
    license: str | None
    uploader: str | None
    updated_by: str | None
    created_at: datetime
    updated_at: datetime
    size: int  # the files' total
    bundle_size: int
    bundle_sha256: str
    files: tuple[ArtifactFile, ...]
    private_to: tuple[str, ...]  # the groups it is private to; () when public
    net_score: float | None  # of the stored rating, None before a model is rated
    may_manage: bool  # may the viewer update or delete it
    may_download: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "metadata": {"name": self.name, "id": self.id, "type": self.type.value},
            "source_url": self.source_url,
            "license": self.license,
            "uploader": self.uploader,
            "updated_by": self.updated_by,
            "ingested_at": utc_iso(self.created_at),
            "updated_at": utc_iso(self.updated_at),
            "size": self.size,
            "bundle": {"size": self.bundle_size, "sha256": self.bundle_sha256},
            "files": [
                {"path": f.path, "size": f.size, "sha256": f.sha256, "role": f.role.value}
                for f in self.files
            ],
            "private_to": list(self.private_to),
            "net_score": self.net_score,
            "caller": {"may_manage": self.may_manage, "may_download": self.may_download},
        }


@dataclass(frozen=True)
class Listing:
    """One search result as people see it: what it is, how big, how rated, which licence."""

    summary: ArtifactSummary
    size: int
    license: str | None
    net_score: float | None


def _license(row: ArtifactRow) -> str | None:
    return declared((row.card or {}).get("license"), (row.upstream or {}).get("license"))


def _net_score(stored: RatingRow | None, row: ArtifactRow) -> float | None:
    if stored is None or stored.artifact_version != row.version:
        return None  # rated before the last update: no longer this artifact's rating
    value = (stored.payload or {}).get("rating", {}).get("net_score")
    return float(value) if isinstance(value, int | float) else None


class DetailsService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def details(
        self, artifact_type: ArtifactType | None, artifact_id: str, viewer: User
    ) -> ArtifactDetails:
        permissions.require(viewer, Permission.SEARCH)
        with self.db.read() as session:
            row = ArtifactRepository(session, viewer).get(artifact_id)
            if row is None or (artifact_type is not None and row.type != artifact_type.value):
                raise not_found(artifact_id, artifact_type)
            try:
                require_manager(session, row, viewer, "change")
                may_manage = True
            except PermissionDenied:
                may_manage = False
            groups = tuple(sorted(g.name for g in GroupRepository(session).of_artifact(row.seq)))
            return ArtifactDetails(
                id=row.id,
                type=ArtifactType(row.type),
                name=row.name,
                source_url=row.source_url,
                readme=row.readme or "",
                license=_license(row),
                uploader=row.created_by,
                updated_by=row.updated_by,
                created_at=row.created_at,
                updated_at=row.updated_at,
                size=row.size,
                bundle_size=row.bundle_size,
                bundle_sha256=row.bundle_sha256,
                files=tuple(
                    sorted(
                        (
                            ArtifactFile(f.path, f.sha256, f.size, FileRole(f.role))
                            for f in row.files
                        ),
                        key=lambda f: f.path,
                    )
                ),
                private_to=groups,
                net_score=_net_score(session.get(RatingRow, row.seq), row),
                may_manage=may_manage,
                may_download=viewer.can(Permission.DOWNLOAD),
            )

    def listings(self, found: Sequence[ArtifactSummary], viewer: User) -> list[Listing]:
        """Size, licence and stored net score of each artifact in `found` (one page of a
        search, so a bounded number), in the same order; those gone since are left out."""
        ids = [s.id for s in found]
        if not ids:
            return []
        with self.db.read() as session:
            rows = {r.id: r for r in ArtifactRepository(session, viewer).by_ids(ids)}
            ratings = {
                r.artifact_seq: r
                for r in session.scalars(
                    select(RatingRow).where(
                        RatingRow.artifact_seq.in_([r.seq for r in rows.values()])
                    )
                )
            }
            return [
                Listing(
                    summary=s,
                    size=rows[s.id].size,
                    license=_license(rows[s.id]),
                    net_score=_net_score(ratings.get(rows[s.id].seq), rows[s.id]),
                )
                for s in found
                if s.id in rows
            ]
