"""Health, tracks, authentication, reset, metrics, the spec and its interactive docs."""

from __future__ import annotations

from importlib.resources import files

from flask import (
    Blueprint,
    Response,
    jsonify,
    render_template_string,
    request,
    send_from_directory,
    url_for,
)

from registry.api.access import public, requires
from registry.api.common import (
    caller,
    client_address,
    flag_arg,
    json_body,
    parse,
    principal,
    public_base,
    registry,
)
from registry.api.schemas import AuthenticationRequest
from registry.domain.errors import BadRequest
from registry.domain.models import Permission
from registry.observability.figures import window_minutes
from registry.observability.metrics import CONTENT_TYPE

bp = Blueprint("system", __name__)

TRACKS = ["Access control track", "Performance track", "High assurance track"]

# The page's one inline script: the Content-Security-Policy allows exactly this text by
# its hash (registry.api.headers), so change it only here.
DOCS_SCRIPT = """
window.ui = SwaggerUIBundle({url: "/openapi.yaml", dom_id: "#swagger-ui", deepLinking: true,
  persistAuthorization: true});
"""
_DOCS_PAGE = (
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Trustworthy Model Registry API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script>"""
    + DOCS_SCRIPT
    + """</script></body></html>"""
)


@bp.get("/health")
@public
def health() -> Response:
    return jsonify({"status": "ok"})


@bp.get("/health/components")
@public
def health_components() -> Response:
    """Public, as the spec has it: statuses and figures, no secrets (log lines need an admin)."""
    minutes = window_minutes(request.args.get("windowMinutes"))
    if minutes is None:
        raise BadRequest("windowMinutes must be a whole number of minutes from 5 to 1440")
    report = registry().health.collection(minutes, flag_arg("includeTimeline"), logs_url)
    return jsonify(report)


def logs_url(component: str) -> str:
    """Where an administrator reads a component's recent log lines."""
    return public_base() + url_for("web.dashboard_logs", component=component)


@bp.get("/tracks")
@public
def tracks() -> Response:
    return jsonify({"plannedTracks": TRACKS})


@bp.put("/authenticate")
@public
def authenticate() -> Response:
    body = parse(AuthenticationRequest, json_body())
    token = registry().users.authenticate(body.user.name, body.secret.password, client_address())
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


@bp.get("/metrics")
@requires(Permission.ADMIN, also="or, without a token, on METRICS_PORT when it is set")
def metrics() -> Response:
    """Prometheus metrics of every worker, for administrators (a scraper inside the
    network can use METRICS_PORT instead, without a token)."""
    return Response(registry().telemetry.prometheus.exposition(), content_type=CONTENT_TYPE)


@bp.delete("/reset")
@requires(Permission.ADMIN, spec_401=True)
def reset() -> Response:
    registry().artifacts.reset(caller())
    return jsonify({"reset": True})
