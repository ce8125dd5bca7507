"""The home page and the search page.

Search: one box over names and READMEs, as plain text (matched literally, ignoring
case: the text is escaped into an RE2 pattern) or as an RE2 regular expression (as
POST /artifact/byRegEx, case-sensitive); type filters; pages of PAGE_SIZE results
that follow the same opaque offsets as POST /artifacts. An empty box lists everything.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, render_template, request
from werkzeug.wrappers import Response as BaseResponse

from registry.api.access import page
from registry.api.common import registry
from registry.auth import permissions
from registry.db.repositories import NameQuery
from registry.domain.errors import BadRequest, PermissionDenied, TooManyRequests
from registry.domain.models import ArtifactType, Permission
from registry.services.search import plain_text_pattern
from registry.web.auth import count_use, page_user, signed_in_page
from registry.web.pages import bp

PAGE_SIZE = 20
MAX_QUERY = 500


def _offset(raw: str | None) -> int:
    if not raw:
        return 0
    if not raw.isdigit() or len(raw) > 18:
        raise BadRequest("offset must be the value the previous page's Next link carried")
    return int(raw)


def _types(values: list[str]) -> tuple[ArtifactType, ...] | None:
    chosen = []
    for value in values:
        try:
            chosen.append(ArtifactType(value))
        except ValueError as exc:
            raise BadRequest(
                f"unknown artifact type {value!r}; use model, dataset or code"
            ) from exc
    return tuple(chosen) or None


@bp.get("/")
@page("anyone; a JSON client gets a pointer to /docs")
def home() -> str | Response:
    if request.accept_mimetypes.best == "application/json":
        return jsonify(
            {
                "message": "The Trustworthy Model Registry's API is documented at /docs",
                "docs": "/docs",
                "openapi": "/openapi.yaml",
            }
        )
    return render_template("home.html", types=list(ArtifactType))


@bp.get("/search")
@page("a signed-in user with `search`")
@signed_in_page
def search() -> tuple[str, int] | BaseResponse:
    user = page_user()
    query = request.args.get("q", "").strip()
    mode = request.args.get("mode", "text")
    chosen = request.args.getlist("type")
    form: dict[str, Any] = {"q": query, "mode": mode, "types": chosen}
    status, error, results, next_offset = 200, None, [], None
    offset_raw = request.args.get("offset")
    try:
        permissions.require(user, Permission.SEARCH)
        if mode not in {"text", "regex"}:
            raise BadRequest("mode must be text or regex")
        if len(query) > MAX_QUERY:
            raise BadRequest(f"the search text is longer than {MAX_QUERY} characters")
        types = _types(chosen)
        offset = _offset(offset_raw)
        reg = registry()
        if query:
            count_use("search")
            pattern = query if mode == "regex" else plain_text_pattern(query)
            found = reg.search.page(pattern, types, offset, PAGE_SIZE, user)
            items, next_offset = found.items, found.next_offset
        else:
            listed = reg.artifacts.enumerate([NameQuery("*", types)], offset, PAGE_SIZE, user)
            items, next_offset = listed.items, listed.next_offset
        results = reg.details.listings(items, user)
    except (BadRequest, PermissionDenied, TooManyRequests) as exc:
        status, error = exc.status, exc.message
    return (
        render_template(
            "search.html",
            form=form,
            types=list(ArtifactType),
            results=results,
            error=error,
            next_offset=next_offset,
            paged=bool(offset_raw),
            user=user,
        ),
        status,
    )
