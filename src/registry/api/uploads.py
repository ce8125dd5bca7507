"""Uploading a zip as an artifact: POST /artifact/{type} with the zip as the body.

Two forms: `Content-Type: application/zip` with `?name=` (streamed, what `registry push`
sends), or `multipart/form-data` with a `file` and a `name` field (what an HTML form
or `curl -F` sends). The upload may be as large as MAX_ARTIFACT_BYTES. `group` (query
parameter or form field, repeatable) makes the artifact private to those groups.
"""

from __future__ import annotations

from flask import request

from registry.api.common import caller, registry
from registry.domain.errors import BadRequest
from registry.domain.models import Artifact, ArtifactType

UPLOAD_TYPES = {"application/zip", "application/x-zip-compressed", "multipart/form-data"}


def is_upload() -> bool:
    return request.mimetype in UPLOAD_TYPES


def upload(kind: ArtifactType) -> Artifact:
    reg = registry()
    # The 1 MiB body cap is for JSON; an upload is bounded by the artifact size cap.
    request.max_content_length = reg.settings.max_artifact_bytes
    if request.mimetype == "multipart/form-data":
        file = request.files.get("file")
        if file is None:
            raise BadRequest("a multipart upload needs a 'file' field holding the zip")
        name = request.form.get("name") or request.args.get("name")
        groups = tuple(request.form.getlist("group") + request.args.getlist("group"))
        return reg.uploads.create(kind, name, file.stream, caller(), groups)
    groups = tuple(request.args.getlist("group"))
    return reg.uploads.create(kind, request.args.get("name"), request.stream, caller(), groups)
