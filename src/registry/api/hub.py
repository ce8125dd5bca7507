"""The Hugging Face Hub-compatible read API, under /hf (HF_ENDPOINT=<registry>/hf).

`huggingface_hub`, `transformers` and `hf download` reach the registry by that one
variable, with a registry token as HF_TOKEN. Errors take the Hub's form (status,
`X-Error-Code`, `X-Error-Message`, `{"error": ...}`), so the client raises its own
exceptions: a missing or invalid token is 401 and a refused download 403 (both
GatedRepo, the client's "you may not access this" error), unknown repos, revisions
and files 404 RepoNotFound / RevisionNotFound / EntryNotFound.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from flask import Blueprint, Response, jsonify, request

from registry.api import hub_paths
from registry.api.access import requires
from registry.api.common import caller, flag_arg, registry
from registry.api.ranges import not_modified, ranged_response, transfer_use
from registry.domain.errors import (
    EntryNotFound,
    Forbidden,
    MethodNotAllowed,
    NotFound,
    PermissionDenied,
    RangeNotSatisfiable,
    RegistryError,
    RevisionNotFound,
    Unauthorized,
)
from registry.domain.models import Permission
from registry.services.hub_mirror import HubMirrorService

PREFIX = "/hf"
bp = Blueprint("hub", __name__, url_prefix=PREFIX)
_TOKEN_HINT = "set HF_TOKEN to a token from PUT /authenticate or `registry login`"  # noqa: S105


def _service() -> HubMirrorService:
    return registry().hub


def _flag(name: str) -> bool:
    return flag_arg(name, request.values)


# OPTIONS is answered here, not by Flask: `Allow` names what this path answers (GET and
# HEAD, or POST for paths-info), not every method of the catch-all route.
@bp.route(
    "/<path:rest>", methods=["GET", "HEAD", "POST", "OPTIONS"], provide_automatic_options=False
)
@requires(
    Permission.DOWNLOAD,
    also="as /download (visibility, monitor programs), every request",
)
def hub(rest: str) -> Response:
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.path
    segments = hub_paths.raw_segments(raw, request.script_root + PREFIX + "/")
    if request.method == "OPTIONS":
        return Response(headers={"Allow": ", ".join((*hub_paths.allowed(segments), "OPTIONS"))})
    call = hub_paths.parse(segments, request.method)
    service, user = _service(), caller()
    if call.action == "info":
        expand = request.args.getlist("expand") + request.args.getlist("expand[]")
        return jsonify(service.info(call.ref, user, blobs=_flag("blobs"), expand=expand))
    if call.action == "tree":
        entries, cursor = service.tree(
            call.ref,
            call.path,
            user,
            recursive=_flag("recursive"),
            expand=_flag("expand"),
            cursor=request.args.get("cursor"),
        )
        resp = jsonify(entries)
        if cursor is not None:
            args = {**request.args.to_dict(), "cursor": cursor}
            query = "&".join(f"{quote(k)}={quote(v)}" for k, v in args.items())
            # The raw path keeps an encoded revision ("refs%2Fheads%2Fmain") in one piece.
            here = request.host_url.rstrip("/") + urlsplit(raw).path
            resp.headers["Link"] = f'<{here}?{query}>; rel="next"'
        return resp
    if call.action == "paths-info":
        paths = request.form.getlist("paths")
        return jsonify(service.paths_info(call.ref, paths, user, expand=_flag("expand")))
    if call.action == "refs":
        return jsonify(service.refs(call.ref, user))
    return _file(service, call)


def _file(service: HubMirrorService, call: hub_paths.HubCall) -> Response:
    repo, found = service.file(call.ref, call.path, caller(), use=transfer_use())
    name = found.path.rsplit("/", 1)[-1]
    headers = {
        "X-Repo-Commit": repo.sha,
        "ETag": f'"{found.sha256}"',
        "X-Linked-Etag": f'"{found.sha256}"',
        "X-Linked-Size": str(found.size),
        "Content-Disposition": f"inline; filename*=UTF-8''{quote(name, safe='')}",
        "Cache-Control": "private, max-age=0, must-revalidate",
    }
    if not_modified(found.sha256):
        return Response(status=304, headers=headers)
    return ranged_response(
        found.size,
        found.sha256,
        f"file {found.path}",
        lambda start, end: service.read(found.sha256, start, end),
        headers=headers,
        mimetype="application/octet-stream",
        open_file=lambda start: service.open_local(found.sha256, start),
    )


def _header_text(message: str) -> str:
    """A message fit for a header: one line of printable ASCII."""
    text = " ".join(message.split())
    return "".join(c if c.isascii() and c.isprintable() else "?" for c in text)[:1000]


def _hub_code(exc: RegistryError) -> tuple[int, str | None]:
    if isinstance(exc, Forbidden):  # no valid token: the Hub's 401
        return 401, "GatedRepo"
    if isinstance(exc, PermissionDenied | Unauthorized):  # a valid token, but refused
        return 403, "GatedRepo"
    if isinstance(exc, RevisionNotFound):
        return 404, "RevisionNotFound"
    if isinstance(exc, EntryNotFound):
        return 404, "EntryNotFound"
    if isinstance(exc, hub_paths.UnknownEndpoint):
        return 404, None
    if isinstance(exc, NotFound):
        return 404, "RepoNotFound"
    return exc.status, None


@bp.errorhandler(RegistryError)
def _hub_error(exc: RegistryError) -> tuple[Response, int]:
    status, code = _hub_code(exc)
    message = exc.message
    if isinstance(exc, Forbidden):
        message = f"the registry needs a valid token ({message}): {_TOKEN_HINT}"
    resp = jsonify({"error": message})
    resp.headers["X-Error-Message"] = _header_text(message)
    if code is not None:
        resp.headers["X-Error-Code"] = code
    commit = exc.details.get("commit")
    if isinstance(commit, str):
        # The client caches a file's absence under this commit.
        resp.headers["X-Repo-Commit"] = commit
    if isinstance(exc, RangeNotSatisfiable):
        resp.headers["Content-Range"] = f"bytes */{exc.details.get('size', '*')}"
    if isinstance(exc, MethodNotAllowed):
        resp.headers["Allow"] = ", ".join(exc.allowed)
    return resp, status
