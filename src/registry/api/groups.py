"""Groups and private artifacts (REGISTRY EXTENSION).

Admins manage groups and their members; an artifact's uploader (or a member of its
groups, or an admin) makes it private to groups, or public again.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from registry.api.access import requires
from registry.api.artifacts import MANAGER
from registry.api.common import artifact_id, artifact_type, caller, json_body, parse, registry
from registry.api.schemas import Strict, VisibilityIn
from registry.domain.models import Permission
from registry.services.audit import utc_iso
from registry.services.groups import Group

bp = Blueprint("groups", __name__)


class GroupIn(Strict):
    name: str


def _group(group: Group) -> dict[str, object]:
    return {
        "name": group.name,
        "members": group.members,
        "private_artifacts": group.private_artifacts,
        "created_at": utc_iso(group.created_at),
    }


@bp.post("/groups")
@requires(Permission.ADMIN)
def create_group() -> tuple[Response, int]:
    body = parse(GroupIn, json_body())
    return jsonify(_group(registry().groups.create(caller(), body.name))), 201


@bp.get("/groups")
@requires(Permission.ADMIN)
def list_groups() -> Response:
    return jsonify([_group(g) for g in registry().groups.all(caller())])


@bp.get("/groups/<name>")
@requires(Permission.ADMIN)
def get_group(name: str) -> Response:
    return jsonify(_group(registry().groups.get(caller(), name)))


@bp.delete("/groups/<name>")
@requires(Permission.ADMIN, also="only when no artifact is private to it (409)")
def delete_group(name: str) -> Response:
    registry().groups.delete(caller(), name)
    return jsonify({"deleted": name})


@bp.put("/groups/<name>/members/<user>")
@requires(Permission.ADMIN)
def add_member(name: str, user: str) -> Response:
    return jsonify(_group(registry().groups.add_member(caller(), name, user)))


@bp.delete("/groups/<name>/members/<user>")
@requires(Permission.ADMIN)
def remove_member(name: str, user: str) -> Response:
    return jsonify(_group(registry().groups.remove_member(caller(), name, user)))


@bp.get("/artifacts/<type_name>/<id_>/visibility")
@requires(Permission.SEARCH)
def get_visibility(type_name: str, id_: str) -> Response:
    groups = registry().groups.visibility(artifact_type(type_name), artifact_id(id_), caller())
    return jsonify({"groups": groups})


@bp.put("/artifacts/<type_name>/<id_>/visibility")
@requires(Permission.UPLOAD, also=MANAGER)
def set_visibility(type_name: str, id_: str) -> Response:
    body = parse(VisibilityIn, json_body())
    groups = registry().groups.set_visibility(
        artifact_type(type_name), artifact_id(id_), body.groups, caller()
    )
    return jsonify({"groups": groups})
