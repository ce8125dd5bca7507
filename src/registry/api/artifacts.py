"""The spec's artifact endpoints: enumerate, ingest, read, update, delete, search."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from registry.api.access import requires
from registry.api.common import (
    artifact_id,
    artifact_type,
    caller,
    credential,
    download_url,
    flag_arg,
    json_body,
    limit_arg,
    offset_arg,
    paged,
    parse,
    registry,
    served_to,
)
from registry.api.limits import limited
from registry.api.schemas import (
    ArtifactDataIn,
    ArtifactOut,
    ArtifactQueryIn,
    ArtifactRegexIn,
    ArtifactUpdateIn,
    LicenseCheckIn,
    metadata_list,
)
from registry.api.uploads import is_upload, upload
from registry.db.repositories import NameQuery
from registry.domain.errors import BadRequest
from registry.domain.models import Permission
from registry.observability.requests import note_artifact

bp = Blueprint("artifacts", __name__)

MANAGER = "the caller is the artifact's uploader, a member of one of its groups, or an admin"
SEARCH = Permission.SEARCH


@bp.post("/artifacts")
@requires(SEARCH)
def enumerate_artifacts() -> Response:
    body = json_body()
    if not isinstance(body, list) or not body:
        raise BadRequest('the body must be a non-empty array of queries, e.g. [{"name": "*"}]')
    queries = []
    for item in body:
        q = parse(ArtifactQueryIn, item)
        if not q.name:
            raise BadRequest('query name must be non-empty ("*" means every artifact)')
        queries.append(NameQuery(name=q.name, types=tuple(q.types) if q.types else None))
    page = registry().artifacts.enumerate(queries, offset_arg(), limit_arg(), caller())
    return paged(metadata_list(page.items), page.next_offset)


@bp.post("/artifact/<type_name>")
@requires(Permission.UPLOAD)
@limited("ingest")
def create_artifact(type_name: str) -> tuple[Response, int]:
    kind = artifact_type(type_name)
    if is_upload():
        artifact = upload(kind)
    else:
        data = parse(ArtifactDataIn, json_body())
        groups = tuple(data.visibility.groups) if data.visibility else ()
        artifact = registry().ingest.create(kind, data.url, data.name, caller(), groups)
    note_artifact(artifact.id, artifact.type)
    return jsonify(ArtifactOut.of(artifact, download_url(artifact.id)).model_dump(mode="json")), 201


@bp.get("/artifacts/<type_name>/<id_>")
@requires(SEARCH)
def get_artifact(type_name: str, id_: str) -> Response:
    artifact = registry().artifacts.get(artifact_type(type_name), artifact_id(id_), caller())
    return jsonify(ArtifactOut.of(artifact, download_url(artifact.id)).model_dump(mode="json"))


@bp.get("/artifacts/<type_name>/<id_>/details")
@requires(SEARCH)
def artifact_details(type_name: str, id_: str) -> Response:
    """Registry extension: files with sizes and sha256, licence, uploader, dates, bundle."""
    found = registry().details.details(artifact_type(type_name), artifact_id(id_), caller())
    body = found.as_json()
    body["download_url"] = download_url(found.id)
    return jsonify(body)


@bp.put("/artifacts/<type_name>/<id_>")
@requires(Permission.UPLOAD, also=MANAGER)
@limited("ingest")
def update_artifact(type_name: str, id_: str) -> Response:
    kind = artifact_type(type_name)
    ident = artifact_id(id_)
    body = parse(ArtifactUpdateIn, json_body())
    if body.metadata.id != ident:
        raise BadRequest(f"metadata.id {body.metadata.id!r} does not match the id in the path")
    if body.metadata.type is not kind:
        raise BadRequest(
            f"metadata.type {body.metadata.type.value!r} does not match the type in the path"
        )
    artifact = registry().ingest.update(kind, ident, body.metadata.name, body.data.url, caller())
    return jsonify(ArtifactOut.of(artifact, download_url(artifact.id)).model_dump(mode="json"))


@bp.delete("/artifacts/<type_name>/<id_>")
@requires(Permission.UPLOAD, also=MANAGER)
def delete_artifact(type_name: str, id_: str) -> Response:
    registry().artifacts.delete(artifact_type(type_name), artifact_id(id_), caller())
    return jsonify({"deleted": id_})


@bp.get("/artifact/model/<id_>/rate")
@requires(SEARCH, charged_by_view=True)
@limited("rating")
def rate_model(id_: str) -> Response:
    # The token use and the RATE event are one transaction (the rating service checks
    # the permission there too), so a rating read is one short write.
    token = credential()
    charged, payload = registry().ratings.rating_for_credential(artifact_id(id_), token)
    if charged is not None:
        served_to(charged)
    rating = dict(payload["rating"])
    if flag_arg("evidence"):
        # Why each score is what it is: the facts each metric used.
        rating["evidence"] = payload.get("evidence", {})
    return jsonify(rating)


@bp.get("/artifact/model/<id_>/lineage")
@requires(SEARCH)
def lineage(id_: str) -> Response:
    return jsonify(registry().lineage.graph(artifact_id(id_), caller()))


@bp.get("/artifact/<type_name>/<id_>/cost")
@requires(SEARCH)
def cost(type_name: str, id_: str) -> Response:
    kind = artifact_type(type_name)
    dependency = flag_arg("dependency")
    return jsonify(registry().lineage.cost(kind, artifact_id(id_), dependency, caller()))


@bp.post("/artifact/model/<id_>/license-check")
@requires(SEARCH)
def license_check(id_: str) -> Response:
    ident = artifact_id(id_)
    body = parse(LicenseCheckIn, json_body())
    verdict = registry().licenses.check(ident, body.github_url, caller())
    if flag_arg("explain"):
        return jsonify(
            {
                "compatible": verdict.compatible,
                "model_license": verdict.model_license,
                "model_category": verdict.model_category.value,
                "code_license": verdict.code_license,
                "code_category": verdict.code_category.value,
                "reason": verdict.reason,
            }
        )
    return jsonify(verdict.compatible)


@bp.get("/artifact/byName/<path:name>")
@requires(SEARCH)
def by_name(name: str) -> Response:
    return jsonify(metadata_list(registry().search.by_name(name, caller())))


@bp.post("/artifact/byRegEx")
@requires(SEARCH)
@limited("search")
def by_regex() -> Response:
    body = parse(ArtifactRegexIn, json_body())
    return jsonify(metadata_list(registry().search.by_regex(body.regex, caller())))
