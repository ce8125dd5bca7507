"""Per request: an id, one JSON log line, and the figures (see `telemetry`).

The request id comes from X-Request-ID when the caller (or the proxy in front) sent a
sane one, else it is fresh; it is bound to every log line of the request and returned
in the X-Request-ID response header. Handlers that learn which artifact a request is
about say so with `note_artifact`, so the log line and the per-type figures name it.
"""

from __future__ import annotations

import os
import re
import time
import uuid

import structlog
from flask import Flask, Response, g, request

from registry.domain.errors import IntegrityFailure
from registry.observability.telemetry import Telemetry

log = structlog.get_logger("registry.access")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
ARTIFACT_TYPES = frozenset({"model", "dataset", "code"})


def note_artifact(artifact_id: str | None, artifact_type: str | None) -> None:
    """Name the artifact the current request is about (for its log line and figures)."""
    if artifact_id:
        g.artifact_id = artifact_id
    if artifact_type is not None and str(artifact_type) in ARTIFACT_TYPES:
        g.artifact_type = str(artifact_type)


def _artifact() -> tuple[str | None, str | None]:
    args = request.view_args or {}
    ident = g.get("artifact_id") or args.get("id_")
    kind = g.get("artifact_type") or args.get("type_name")
    if request.url_rule is not None and "/artifact/model/" in request.url_rule.rule:
        kind = kind or "model"  # rate, lineage, license-check name no type, but are models'
    return (
        str(ident)[:64] if ident else None,
        kind if kind in ARTIFACT_TYPES else None,
    )


def install_request_hooks(app: Flask, telemetry: Telemetry) -> None:
    @app.before_request
    def _start() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        g.started = time.perf_counter()
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=g.request_id)

    @app.after_request
    def _finish(response: Response) -> Response:
        elapsed = time.perf_counter() - g.get("started", time.perf_counter())
        route = request.url_rule.rule if request.url_rule else "unmatched"
        artifact_id, artifact_type = _artifact()
        error = g.get("error")
        if isinstance(error, IntegrityFailure) and isinstance(error.details.get("digest"), str):
            telemetry.blob_missing(str(error.details["digest"]))
        cloudwatch = telemetry.request(
            request.method, route, response.status_code, elapsed, artifact_type
        )
        response.headers["X-Request-ID"] = g.get("request_id", "")
        principal = g.get("principal")
        log.info(
            "request",
            method=request.method,
            path=request.path,
            route=route,
            status=response.status_code,
            latency_ms=round(elapsed * 1000, 2),
            user=principal.user.name if principal else g.get("web_user"),
            artifact_id=artifact_id,
            artifact_type=artifact_type,
            pid=os.getpid(),  # which worker answered
            **cloudwatch,
        )
        return response
