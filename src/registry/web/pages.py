"""Pages for people: the blueprint every page module adds to, the sign-in, the sign-out
and the administrators' dashboard.

HTML pages answer errors as pages; the dashboard's data endpoints (JSON, read by its
script every few seconds) answer them as the API does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    make_response,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.wrappers import Response as BaseResponse

from registry.api.access import page
from registry.api.common import registry
from registry.api.system import logs_url
from registry.db.repositories import NameQuery
from registry.domain.errors import (
    BadRequest,
    Conflict,
    RegistryError,
    TooManyRequests,
    Unauthorized,
)
from registry.domain.names import validate_artifact_id
from registry.observability.dashboard import pipeline_panels, request_panels
from registry.observability.figures import Window, window_minutes
from registry.observability.logstore import LEVELS, LogQuery
from registry.services.download import Use
from registry.web.auth import (
    admin_data,
    admin_page,
    check_csrf,
    csrf_token,
    current_user,
    redirect_to,
    safe_next,
    sign_in,
    sign_out,
)
from registry.web.workload import run_downloads

bp = Blueprint(
    "web",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/web/static",
)
bp.before_request(check_csrf)
bp.add_app_template_global(csrf_token, "csrf_token")

# Loggers whose lines belong to each health component (prefixes of logger names).
COMPONENT_LOGGERS = {
    "api": ("registry.access", "registry.api"),
    "database": ("registry.db", "sqlalchemy"),
    "blob-store": ("registry.storage", "registry.services.blobs"),
    "rating-engine": ("registry.rating", "registry.services.rating"),
    "huggingface": ("registry.sources.huggingface", "registry.sources.hub", "huggingface_hub"),
    "github": ("registry.sources.github",),
}
MAX_LOG_LINES = 500
WORKLOAD_LOCK = "workload"


@bp.errorhandler(RegistryError)
def _page_error(exc: RegistryError) -> tuple[Response, int]:
    if (
        request.path.startswith("/dashboard/")
        or request.accept_mimetypes.best == "application/json"
    ):
        body: dict[str, Any] = {"error": exc.code, "message": exc.message}
        resp = jsonify(body)
    else:
        page = render_template("message.html", title="Not possible", message=exc.message)
        resp = make_response(page)
    if isinstance(exc, TooManyRequests):
        resp.headers["Retry-After"] = str(exc.retry_after)
    return resp, exc.status


@bp.get("/signin")
@page("anyone (the sign-in form)")
def signin() -> str:
    target = safe_next(request.args.get("next"), url_for("web.home"))
    return render_template("signin.html", next=target, error=None)


@bp.post("/signin")
@page("anyone (the sign-in form)")
def signin_submit() -> BaseResponse | tuple[str, int]:
    target = safe_next(request.form.get("next"), url_for("web.home"))
    name = request.form.get("username", "")
    try:
        sign_in(name, request.form.get("password", ""))
    except Unauthorized as exc:
        page = render_template("signin.html", next=target, error=exc.message, username=name)
        return page, 401
    return redirect_to(target)


@bp.post("/signout")
@page("the signed-in user")
def signout() -> BaseResponse:
    sign_out()
    return redirect_to(url_for("web.signin"))


@bp.get("/dashboard")
@page("a signed-in administrator")
@admin_page
def dashboard() -> str:
    user = current_user()
    settings = registry().settings
    return render_template(
        "dashboard.html",
        user=user,
        max_clients=settings.workload_max_clients,
        levels=LEVELS,
        components=list(COMPONENT_LOGGERS),
    )


def _minutes() -> int:
    minutes = window_minutes(request.args.get("windowMinutes"))
    if minutes is None:
        raise BadRequest("windowMinutes must be a whole number of minutes from 5 to 1440")
    return minutes


@bp.get("/dashboard/data")
@page("a signed-in administrator")
@admin_data
def dashboard_data() -> Response:
    """Everything the dashboard's panels show, for the window (default: the last hour)."""
    minutes = _minutes()
    report = registry().health
    window = Window(minutes, report.clock())
    counts = report.figures(window)
    health = report.collection(minutes, False, logs_url)
    figures_ok = counts is not None
    return jsonify(
        {
            "generated_at": window.end.isoformat(),
            "window_minutes": minutes,
            "figures_available": figures_ok,
            "requests": request_panels(window, counts) if counts is not None else None,
            "pipeline": pipeline_panels(counts) if counts is not None else None,
            "components": health["components"],
        }
    )


@bp.get("/dashboard/logs")
@page("a signed-in administrator")
@admin_data
def dashboard_logs() -> Response:
    """Recent log lines of every worker, newest first, filtered (all optional): level
    (at least), component, text (case-insensitive), request_id, limit (up to 500)."""
    level = request.args.get("level", "debug").lower()
    if level not in LEVELS:
        raise BadRequest(f"level must be one of {', '.join(LEVELS)}")
    component = request.args.get("component", "")
    if component and component not in COMPONENT_LOGGERS:
        raise BadRequest(f"component must be one of {', '.join(COMPONENT_LOGGERS)}")
    raw_limit = request.args.get("limit", "100")
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_LOG_LINES:
        raise BadRequest(f"limit must be a whole number from 1 to {MAX_LOG_LINES}")
    query = LogQuery(
        level=level,
        loggers=COMPONENT_LOGGERS.get(component, ()),
        text=request.args.get("text", "")[:200],
        request_id=request.args.get("request_id", "")[:64],
        limit=int(raw_limit),
    )
    lines = registry().telemetry.logs.store.recent(query)
    return jsonify({"lines": [line.as_json() for line in lines]})


@bp.get("/dashboard/artifacts")
@page("a signed-in administrator")
@admin_data
def dashboard_artifacts() -> Response:
    """Artifacts to pick for the workload runner (the first page of the listing)."""
    service = registry().artifacts
    user = current_user()
    assert user is not None  # admin_data
    page = service.enumerate([NameQuery(name="*")], 0, min(200, service.max_page_size), user)
    return jsonify(
        {"artifacts": [{"id": a.id, "name": a.name, "type": a.type.value} for a in page.items]}
    )


@bp.post("/dashboard/workload")
@page("a signed-in administrator")
@admin_data
def dashboard_workload() -> Response:
    """Run the workload: {"artifact_id", "clients"} -> throughput and latencies."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest('send a JSON body such as {"artifact_id": "...", "clients": 10}')
    reg = registry()
    limit = reg.settings.workload_max_clients
    clients = body.get("clients")
    if not isinstance(clients, int) or isinstance(clients, bool) or not 1 <= clients <= limit:
        raise BadRequest(f"clients must be a whole number from 1 to {limit} (WORKLOAD_MAX_CLIENTS)")
    artifact_id = validate_artifact_id(str(body.get("artifact_id", "")))
    user = current_user()
    assert user is not None  # admin_data
    reg.downloads.authorize(artifact_id, user, use=Use.LOOK)  # 404 before any work
    with reg.db.try_lock(WORKLOAD_LOCK) as mine:
        if not mine:
            raise Conflict("a workload is running already; wait for its result")
        tokens = [reg.users.issue_token(user).value for _ in range(clients)]
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        result = run_downloads(app, artifact_id, tokens, reg.settings.workload_timeout_seconds)
    return jsonify(result.summary())


@bp.app_context_processor
def _session_user() -> dict[str, Any]:
    try:
        viewer = current_user()
    except RegistryError:  # a spent API token: the page says so; the menu is the anonymous one
        viewer = None
    return {"signed_in": bool(session.get("sid")), "viewer": viewer}


@bp.app_template_filter("filesize")
def filesize(size: int | None) -> str:
    """Bytes as people read them (decimal units, as disks and the cost endpoint count)."""
    if size is None:
        return "unknown"
    value = float(size)
    for unit in ("bytes", "kB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            return f"{int(value)} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} bytes"  # pragma: no cover - the loop returns


@bp.app_template_filter("when")
def when(moment: datetime | None) -> str:
    return "unknown" if moment is None else moment.strftime("%Y-%m-%d %H:%M UTC")
