"""Audit events: who did what to which artifact, and when.

Every event is written in the transaction of the action it records (`record_event`),
so an action and its trace commit or roll back together. Two ways to read them:
an artifact's trail (the spec's GET /artifact/{type}/{id}/audit, for whoever may see
the artifact; reading it is itself an AUDIT event), and the whole trail for admins
(GET /audit), filtered by user, action and time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from registry.auth import permissions
from registry.db.models import ArtifactRow, AuditEventRow
from registry.db.repositories import ArtifactRepository, AuditFilter, AuditRepository
from registry.db.session import Database
from registry.domain.models import ArtifactType, AuditAction, Permission, User
from registry.services.access import not_found
from registry.services.paging import cut, page_size

REFUSED = "refused"
ALLOWED = "allowed"


def record_event(
    session: Session,
    action: AuditAction,
    artifact: ArtifactRow,
    user: User,
    at: datetime,
    *,
    outcome: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    AuditRepository(session).add(
        AuditEventRow(
            at=at,
            action=action.value,
            artifact_id=artifact.id,
            artifact_name=artifact.name,
            artifact_type=artifact.type,
            user_name=user.name,
            user_is_admin=user.is_admin,
            outcome=outcome,
            detail=detail,
        )
    )


def utc_iso(moment: datetime) -> str:
    """ISO-8601 in UTC with a Z, as the spec's examples write dates."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class AuditPage:
    entries: list[dict[str, Any]]
    next_offset: str | None


def _entry(row: AuditEventRow, extended: bool) -> dict[str, Any]:
    """The spec's ArtifactAuditEntry; for admins also the event's id and, for downloads a
    monitor program decided, its outcome and what the program said."""
    entry: dict[str, Any] = {
        "user": {"name": row.user_name, "is_admin": row.user_is_admin},
        "date": utc_iso(row.at),
        "artifact": {"name": row.artifact_name, "id": row.artifact_id, "type": row.artifact_type},
        "action": row.action,
    }
    if extended:
        entry["id"] = row.id
        if row.outcome is not None:
            entry["outcome"] = row.outcome
        if row.detail is not None:
            entry["detail"] = row.detail
    return entry


class AuditService:
    def __init__(
        self,
        db: Database,
        *,
        page_size: int,
        max_page_size: int,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.db = db
        self.page_size = page_size
        self.max_page_size = max_page_size
        self.clock = clock

    def artifact_trail(
        self,
        artifact_type: ArtifactType,
        artifact_id: str,
        viewer: User,
        after: int = 0,
        limit: int | None = None,
    ) -> AuditPage:
        """An artifact's trail, oldest first, this reading (an AUDIT event) included.

        Downloads a monitor program refused are not downloads: they are left out here
        and kept in the administrators' trail."""
        size = page_size(limit, self.page_size, self.max_page_size, "audit entries")
        with self.db.transaction() as session:
            row = ArtifactRepository(session, viewer).get(artifact_id)
            if row is None or row.type != artifact_type.value:
                raise not_found(artifact_id, artifact_type)
            record_event(session, AuditAction.AUDIT, row, viewer, self.clock())
            session.flush()
            wanted = AuditFilter(artifact_id=artifact_id, hide_outcome=REFUSED)
            rows = AuditRepository(session).page(wanted, after, size + 1)
            chosen, next_offset = cut(rows, size, lambda r: r.id)
            return AuditPage([_entry(r, extended=False) for r in chosen], next_offset)

    def trail(
        self, viewer: User, wanted: AuditFilter, after: int = 0, limit: int | None = None
    ) -> AuditPage:
        """The whole trail (admins): every event matching `wanted`, oldest first."""
        permissions.require(viewer, Permission.ADMIN)
        size = page_size(limit, self.page_size, self.max_page_size, "audit entries")
        with self.db.read() as session:
            rows = AuditRepository(session).page(wanted, after, size + 1)
            chosen, next_offset = cut(rows, size, lambda r: r.id)
            return AuditPage([_entry(r, extended=True) for r in chosen], next_offset)
