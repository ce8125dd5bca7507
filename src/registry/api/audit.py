"""The audit trail: an artifact's (the spec's, for whoever may see the artifact) and the
whole registry's (REGISTRY EXTENSION, admins), both paged like /artifacts."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, request

from registry.api.access import requires
from registry.api.common import (
    artifact_id,
    artifact_type,
    caller,
    limit_arg,
    offset_arg,
    paged,
    registry,
)
from registry.db.repositories import AuditFilter
from registry.domain.errors import BadRequest
from registry.domain.models import AuditAction, Permission

bp = Blueprint("audit", __name__)


@bp.get("/artifact/<type_name>/<id_>/audit")
@requires(Permission.SEARCH, also="reading it records an AUDIT entry")
def artifact_audit(type_name: str, id_: str) -> Response:
    page = registry().audit.artifact_trail(
        artifact_type(type_name), artifact_id(id_), caller(), offset_arg(), limit_arg()
    )
    return paged(page.entries, page.next_offset)


def _moment(name: str) -> datetime | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise BadRequest(
            f"{name} must be an ISO-8601 date or date-time such as 2026-01-31T12:00:00Z"
        ) from exc
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _actions() -> tuple[str, ...] | None:
    values = [v.upper() for raw in request.args.getlist("action") for v in raw.split(",")]
    values = [v for v in values if v]
    if not values:
        return None
    known = {a.value for a in AuditAction}
    unknown = sorted(set(values) - known)
    if unknown:
        raise BadRequest(f"unknown action {unknown[0]!r}; choose among {', '.join(sorted(known))}")
    return tuple(sorted(set(values)))


def _artifact() -> str | None:
    raw = request.args.get("artifact")
    return None if raw is None else artifact_id(raw)


@bp.get("/audit")
@requires(Permission.ADMIN)
def audit_trail() -> Response:
    wanted = AuditFilter(
        artifact_id=_artifact(),
        user_name=request.args.get("user") or None,
        actions=_actions(),
        since=_moment("since"),
        until=_moment("until"),
    )
    page = registry().audit.trail(caller(), wanted, offset_arg(), limit_arg())
    return paged(page.entries, page.next_offset)
