"""An artifact's page and what can be done from it.

The page shows the facts of `GET /artifacts/{type}/{id}/details` (the same service),
the README as sanitised HTML, the rating (models), the lineage (models) as an SVG and
as a list, the cost with and without dependencies, the license-check form, download
links, and the update and delete forms for those who may manage the artifact. Each
section that fails (an upstream down while rating, say) says why; the rest still
shows. Every action is checked again by its service, whatever the page showed.
"""

from __future__ import annotations

from typing import Any

from flask import Response, render_template, request, session, url_for
from werkzeug.wrappers import Response as BaseResponse

from registry.api.access import page
from registry.api.common import artifact_id, artifact_type, credential, registry
from registry.api.download import send_download
from registry.domain.errors import BadRequest, PermissionDenied, RegistryError
from registry.domain.models import ArtifactType, Credential, FileRole
from registry.web.auth import count_use, page_user, redirect_to, signed_in_page
from registry.web.lineage_svg import NODE_H, NODE_W, layout
from registry.web.pages import bp
from registry.web.readme import render_readme

MANAGER = "a signed-in user who may manage it (upload; its uploader, a group member or an admin)"
AUDIT_PAGE = 50


def _attempt(what: str, compute: Any) -> tuple[Any, str | None]:
    """(result, None), or (None, why it failed) for a section of the page."""
    try:
        return compute(), None
    except RegistryError as exc:
        return None, f"The {what} is not available: {exc.message}"


def _metrics(rating: dict[str, Any]) -> list[tuple[str, float | None, float | None]]:
    """(metric, score, seconds) for each scalar metric of a ModelRating, net score first."""
    rows = []
    for key, value in rating.items():
        if key in {"name", "category", "size_score"} or key.endswith("_latency"):
            continue
        if isinstance(value, int | float) or value is None:
            latency = rating.get(f"{key}_latency")
            rows.append((key, value, latency if isinstance(latency, int | float) else None))
    rows.sort(key=lambda row: row[0] != "net_score")
    return rows


@bp.get("/view/<type_name>/<id_>")
@page("a signed-in user with `search` who may see it")
@signed_in_page
def artifact(type_name: str, id_: str) -> str:
    user = page_user()
    reg = registry()
    kind, ident = artifact_type(type_name), artifact_id(id_)
    found = reg.details.details(kind, ident, user)
    readme = render_readme(found.readme, reg.settings.web_readme_max_bytes)
    context: dict[str, Any] = {"a": found, "readme": readme, "roles": _roles(found.files)}
    context["cost"], context["cost_error"] = _attempt(
        "cost",
        lambda: (
            reg.lineage.cost(kind, ident, False, user)[ident],
            reg.lineage.cost(kind, ident, True, user),
        ),
    )
    if kind is ArtifactType.MODEL:

        def rate() -> dict[str, Any]:
            count_use("rating")  # what GET /rate costs
            return reg.ratings.rating_for(ident, user)

        payload, context["rating_error"] = _attempt("rating", rate)
        if payload is not None:
            context["rating"] = payload["rating"]
            context["metrics"] = _metrics(payload["rating"])
            context["evidence"] = payload.get("evidence", {})
        graph, context["lineage_error"] = _attempt(
            "lineage", lambda: reg.lineage.graph(ident, user)
        )
        if graph is not None:
            context["graph"] = graph
            context["drawing"] = layout(graph, ident)
            context["nodes"] = {n["artifact_id"]: n for n in graph["nodes"]}
    return render_template("artifact.html", node_w=NODE_W, node_h=NODE_H, **context)


def _roles(files: Any) -> list[tuple[str, int, int]]:
    """(part, files, bytes) of each part the artifact has, in FileRole order."""
    counts: dict[str, int] = {}
    sizes: dict[str, int] = {}
    for f in files:
        counts[f.role.value] = counts.get(f.role.value, 0) + 1
        sizes[f.role.value] = sizes.get(f.role.value, 0) + f.size
    return [(r.value, counts[r.value], sizes[r.value]) for r in FileRole if r.value in counts]


@bp.get("/view/<type_name>/<id_>/download")
@page("a signed-in user with `download` who may see it (a monitor program may refuse)")
@signed_in_page
def download(type_name: str, id_: str) -> Response:
    """The bundle, or the parts ticked on the page (?part=), through the API's download:
    the same checks, audit entry and headers. The session's token row is the credential,
    so a download counts one use of it, as an API download does."""
    artifact_type(type_name)
    sid = session.get("sid")
    # Without a session (an API token on a page request), the token is the credential.
    token = Credential(sid) if isinstance(sid, str) else credential()
    return send_download(artifact_id(id_), token)


@bp.post("/view/model/<id_>/license-check")
@page("a signed-in user with `search` who may see the model")
@signed_in_page
def license_check(id_: str) -> tuple[str, int]:
    user = page_user()
    ident = artifact_id(id_)
    found = registry().details.details(ArtifactType.MODEL, ident, user)
    github_url = request.form.get("github_url", "").strip()
    verdict, error, status = None, None, 200
    try:
        if not github_url:
            raise BadRequest(
                "enter the URL of a GitHub repository, e.g. https://github.com/owner/repo"
            )
        verdict = registry().licenses.check(ident, github_url, user)
    except RegistryError as exc:
        error, status = exc.message, exc.status
    return (
        render_template(
            "license_check.html", a=found, github_url=github_url, verdict=verdict, error=error
        ),
        status,
    )


@bp.get("/view/<type_name>/<id_>/audit")
@page("a signed-in user with `search` who may see it")
@signed_in_page
def audit(type_name: str, id_: str) -> str:
    user = page_user()
    kind, ident = artifact_type(type_name), artifact_id(id_)
    raw = request.args.get("offset", "")
    if raw and (not raw.isdigit() or len(raw) > 18):
        raise BadRequest("offset must be the value the previous page's Next link carried")
    found = registry().details.details(kind, ident, user)
    trail = registry().audit.artifact_trail(kind, ident, user, int(raw or 0), AUDIT_PAGE)
    return render_template("audit.html", a=found, trail=trail, paged=bool(raw))


@bp.post("/view/<type_name>/<id_>/update")
@page(MANAGER)
@signed_in_page
def update(type_name: str, id_: str) -> BaseResponse | tuple[str, int]:
    user = page_user()
    kind, ident = artifact_type(type_name), artifact_id(id_)
    name = request.form.get("name", "").strip()
    url = request.form.get("url", "").strip()
    try:
        if not name or not url:
            raise BadRequest("both the name and the source URL are needed")
        registry().ingest.update(kind, ident, name, url, user)
    except RegistryError as exc:
        return render_template("message.html", title="Not updated", message=exc.message), exc.status
    return redirect_to(url_for("web.artifact", type_name=kind.value, id_=ident, updated=1))


@bp.get("/view/<type_name>/<id_>/delete")
@page(MANAGER)
@signed_in_page
def confirm_delete(type_name: str, id_: str) -> str:
    found = registry().details.details(artifact_type(type_name), artifact_id(id_), page_user())
    if not found.may_manage:  # the same refusal the deletion itself would meet
        raise PermissionDenied(
            f"only the uploader of {found.type.value} {found.id}, a member of one of its "
            "groups or an administrator (with the upload permission) may delete it"
        )
    return render_template("delete.html", a=found)


@bp.post("/view/<type_name>/<id_>/delete")
@page(MANAGER)
@signed_in_page
def delete(type_name: str, id_: str) -> BaseResponse:
    kind, ident = artifact_type(type_name), artifact_id(id_)
    if request.form.get("confirm") != "yes":
        raise BadRequest("confirm the deletion on the confirmation page")
    registry().artifacts.delete(kind, ident, page_user())
    return redirect_to(url_for("web.search", deleted=ident))
