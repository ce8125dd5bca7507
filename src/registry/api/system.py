"""Health, tracks, authentication, reset, the spec and its interactive docs."""

from __future__ import annotations

from importlib.resources import files

from flask import Blueprint, Response, jsonify, render_template_string, send_from_directory

from registry.api.access import public, requires
from registry.api.common import caller, json_body, parse, principal, registry
from registry.api.schemas import AuthenticationRequest
from registry.domain.models import Permission

bp = Blueprint("system", __name__)

TRACKS = ["Access control track", "Performance track", "High assurance track"]

_DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Trustworthy Model Registry API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({url: "/openapi.yaml", dom_id: "#swagger-ui", deepLinking: true,
  persistAuthorization: true});
</script></body></html>"""


@bp.get("/health")
@public
def health() -> Response:
    return jsonify({"status": "ok"})


@bp.get("/tracks")
@public
def tracks() -> Response:
    return jsonify({"plannedTracks": TRACKS})


@bp.put("/authenticate")
@public
def authenticate() -> Response:
    body = parse(AuthenticationRequest, json_body())
    token = registry().users.authenticate(body.user.name, body.secret.password)
    return jsonify(token)


@bp.delete("/authenticate")
@requires(None, also="revokes the token it is sent with")
def sign_out() -> Response:
    registry().users.revoke(principal())
    return jsonify({"revoked": True})


@bp.get("/openapi.yaml")
@public
def openapi() -> Response:
    text = files("registry.api").joinpath("openapi.yaml").read_text(encoding="utf-8")
    return Response(text, mimetype="application/yaml")


@bp.get("/docs")
@public
def docs() -> str:
    return render_template_string(_DOCS_PAGE)


@bp.get("/docs/assets/<path:filename>")
@public
def docs_assets(filename: str) -> Response:
    from swagger_ui_bundle import swagger_ui_path  # vendored Swagger UI: works offline

    return send_from_directory(swagger_ui_path, filename, max_age=86400)


@bp.delete("/reset")
@requires(Permission.ADMIN, spec_401=True)
def reset() -> Response:
    registry().artifacts.reset(caller())
    return jsonify({"reset": True})
