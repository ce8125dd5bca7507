"""Sensitive models (REGISTRY EXTENSION): the monitor program that decides each download.

PUT takes the program's JavaScript as the body (`Content-Type: application/javascript`
or `text/plain`), or JSON `{"program": "..."}`; each PUT is a new version, GET returns
the newest (`?version=N` an older one), DELETE stops guarding the model (a version
without a program, so the history stays).
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from registry.api.access import requires
from registry.api.artifacts import MANAGER
from registry.api.common import artifact_id, caller, json_body, parse, registry
from registry.api.schemas import Strict
from registry.domain.errors import BadRequest
from registry.domain.models import Permission
from registry.services.audit import utc_iso
from registry.services.monitors import MonitorVersion

bp = Blueprint("monitors", __name__)
_TEXT_TYPES = {"application/javascript", "text/javascript", "text/plain"}


class MonitorIn(Strict):
    program: str


def _version(found: MonitorVersion) -> dict[str, object]:
    return {
        "version": found.version,
        "program": found.program,
        "created_at": utc_iso(found.created_at),
        "created_by": found.created_by,
    }


def _program() -> str:
    if request.mimetype == "application/json":
        return parse(MonitorIn, json_body()).program
    if request.mimetype not in _TEXT_TYPES:
        raise BadRequest(
            "send the monitor program as application/javascript or text/plain, or as JSON "
            '{"program": "..."}'
        )
    try:
        return request.get_data(cache=True).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest("the monitor program is not UTF-8 text") from exc


@bp.put("/artifacts/model/<id_>/monitor")
@requires(Permission.UPLOAD, also=MANAGER)
def put_monitor(id_: str) -> Response:
    return jsonify(_version(registry().monitors.put(artifact_id(id_), _program(), caller())))


@bp.get("/artifacts/model/<id_>/monitor")
@requires(Permission.UPLOAD, also=MANAGER)
def get_monitor(id_: str) -> Response:
    raw = request.args.get("version")
    if raw is not None and (not raw.isdigit() or len(raw) > 9):
        raise BadRequest("version must be a monitor version number")
    version = int(raw) if raw is not None else None
    return jsonify(_version(registry().monitors.get(artifact_id(id_), caller(), version)))


@bp.get("/artifacts/model/<id_>/monitor/versions")
@requires(Permission.UPLOAD, also=MANAGER)
def monitor_versions(id_: str) -> Response:
    found = registry().monitors.history(artifact_id(id_), caller())
    return jsonify([{k: v for k, v in _version(f).items() if k != "program"} for f in found])


@bp.delete("/artifacts/model/<id_>/monitor")
@requires(Permission.UPLOAD, also=MANAGER)
def delete_monitor(id_: str) -> Response:
    return jsonify(_version(registry().monitors.put(artifact_id(id_), None, caller())))
