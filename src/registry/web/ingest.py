"""The form that adds an artifact from a URL, with its outcome shown in place.

Without JavaScript the form posts, the server ingests, and the answer is a redirect to
the new artifact (201) or the form again with the outcome: 409 with a link to the
artifact already there, 424 with the rules the rating failed and the rating itself,
502 with a retry button. With JavaScript (`ingest.js`) the same POST is sent in the
background with `Accept: application/json`, so a long ingest shows its elapsed time
and the page stays usable; the answer is the same outcome, as JSON.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

from flask import Response, jsonify, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from registry.api.access import page
from registry.api.common import registry
from registry.auth import permissions
from registry.domain.errors import (
    BadRequest,
    Conflict,
    PolicyRejected,
    RegistryError,
    UpstreamError,
)
from registry.domain.models import ArtifactType, Permission
from registry.web.auth import count_use, page_user, redirect_to, signed_in_page
from registry.web.pages import bp

MAX_URL = 2048
MAX_NAME = 512


def guess_type(url: str) -> ArtifactType:
    """What a URL most likely holds: Hugging Face and Kaggle datasets are datasets,
    GitHub repositories are code, everything else (Hugging Face models, files) a model."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    path = parts.path.lower()
    if host.endswith("github.com"):
        return ArtifactType.CODE
    if "/datasets/" in f"{path}/" and (host.endswith("huggingface.co") or "kaggle" in host):
        return ArtifactType.DATASET
    if path.startswith("/datasets/"):
        return ArtifactType.DATASET
    return ArtifactType.MODEL


@dataclass
class Outcome:
    status: int
    title: str
    message: str
    link: str | None = None  # the new or the existing artifact's page
    link_text: str | None = None
    failures: list[str] = field(default_factory=list)
    rating: dict[str, Any] = field(default_factory=dict)
    retry: bool = False


def _outcome(exc: RegistryError, kind: ArtifactType) -> Outcome:
    if isinstance(exc, Conflict):
        existing = exc.details.get("existing_id")
        link = (
            url_for("web.artifact", type_name=kind.value, id_=str(existing)) if existing else None
        )
        return Outcome(409, "Already in the registry", exc.message, link, "See the existing one")
    if isinstance(exc, PolicyRejected):
        listed = exc.details.get("failures")
        failures = [str(f) for f in listed] if isinstance(listed, list) else []
        rating = exc.details.get("rating")
        return Outcome(
            424,
            "Refused: the rating fails the policy",
            exc.message,
            failures=failures,
            rating=dict(rating) if isinstance(rating, dict) else {},
        )
    if isinstance(exc, UpstreamError):
        return Outcome(502, "The source could not be read", exc.message, retry=True)
    return Outcome(exc.status, "Not added", exc.message, retry=exc.status >= 500)


def _form() -> dict[str, str]:
    return {
        "url": request.form.get("url", request.args.get("url", "")).strip(),
        "type": request.form.get("type", request.args.get("type", "auto")),
        "name": request.form.get("name", "").strip(),
    }


@bp.get("/ingest")
@page("a signed-in user with `upload`")
@signed_in_page
def ingest() -> tuple[str, int]:
    allowed = page_user().can(Permission.UPLOAD)
    page_html = render_template(
        "ingest.html", form=_form(), outcome=None, types=list(ArtifactType), allowed=allowed
    )
    return page_html, 200 if allowed else 403


@bp.post("/ingest")
@page("a signed-in user with `upload`")
@signed_in_page
def ingest_submit() -> BaseResponse | tuple[str | Response, int]:
    user = page_user()
    form = _form()
    wants_json = request.accept_mimetypes.best == "application/json"
    kind = ArtifactType.MODEL
    try:
        permissions.require(user, Permission.UPLOAD)
        if not form["url"]:
            raise BadRequest("enter the URL of the model, dataset or code to add")
        if len(form["url"]) > MAX_URL or len(form["name"]) > MAX_NAME:
            raise BadRequest(f"the URL may have {MAX_URL} characters, the name {MAX_NAME}")
        if form["type"] == "auto":
            kind = guess_type(form["url"])
        else:
            try:
                kind = ArtifactType(form["type"])
            except ValueError as exc:
                raise BadRequest("type must be model, dataset, code or auto") from exc
        count_use("ingest")
        created = registry().ingest.create(kind, form["url"], form["name"] or None, user, ())
    except RegistryError as exc:
        outcome = _outcome(exc, kind)
        if wants_json:
            return jsonify(asdict(outcome)), outcome.status
        page_html = render_template(
            "ingest.html",
            form=form,
            outcome=outcome,
            types=list(ArtifactType),
            allowed=user.can(Permission.UPLOAD),
        )
        return page_html, outcome.status
    link = url_for("web.artifact", type_name=created.type.value, id_=created.id)
    if wants_json:
        done = Outcome(
            201,
            "Added",
            f"{created.name} is in the registry as {created.type.value} {created.id}",
            link,
            f"Open {created.name}",
        )
        return jsonify(asdict(done)), 201
    return redirect_to(f"{link}?created=1")
