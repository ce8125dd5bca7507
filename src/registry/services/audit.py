"""Audit events: who did what to which artifact, and when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from registry.db.models import ArtifactRow, AuditEventRow
from registry.db.repositories import AuditRepository
from registry.domain.models import AuditAction, User


def record_event(
    session: Session, action: AuditAction, artifact: ArtifactRow, user: User, at: datetime
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
        )
    )
