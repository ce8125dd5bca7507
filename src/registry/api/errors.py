"""One place that turns errors into HTTP answers: status plus a JSON body."""

from __future__ import annotations

import structlog
from flask import Flask, Response, g, jsonify
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from registry.domain.errors import (
    MethodNotAllowed,
    RangeNotSatisfiable,
    RegistryError,
    TooManyRequests,
)

log = structlog.get_logger(__name__)


def _answer(status: int, code: str, message: str, **details: object) -> tuple[Response, int]:
    body: dict[str, object] = {"error": code, "message": message}
    request_id = getattr(g, "request_id", None)
    if request_id:
        body["request_id"] = request_id
    if details:
        body["details"] = details
    return jsonify(body), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(RegistryError)
    def _registry_error(exc: RegistryError) -> tuple[Response, int]:
        g.error = exc  # the request's log line and figures look at it (observability)
        if exc.status >= 500:
            # With the traceback and its causes: a 5xx is ours to explain.
            log.error("request_failed", error=exc.code, message=exc.message, exc_info=exc)
        resp, status = _answer(exc.status, exc.code, exc.message, **exc.details)
        if isinstance(exc, RangeNotSatisfiable):
            resp.headers["Content-Range"] = f"bytes */{exc.details.get('size', '*')}"
        if isinstance(exc, TooManyRequests):
            resp.headers["Retry-After"] = str(exc.retry_after)
        if isinstance(exc, MethodNotAllowed):
            resp.headers["Allow"] = ", ".join(exc.allowed)
        return resp, status

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(exc: RequestEntityTooLarge) -> tuple[Response, int]:
        limit = app.config.get("MAX_CONTENT_LENGTH")
        return _answer(413, "payload_too_large", f"the request body is over {limit} bytes")

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> tuple[Response, int]:
        code = (exc.name or "error").lower().replace(" ", "_")
        resp, status = _answer(exc.code or 500, code, exc.description or exc.name or "error")
        # The exception's own headers stay: `Allow` on a 405 (RFC 9110 requires it),
        # `WWW-Authenticate`, `Retry-After`; the body is ours, so its type is too.
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                resp.headers[name] = value
        return resp, status

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> tuple[Response, int]:
        log.exception("unhandled_error")
        return _answer(500, "internal_error", "the registry failed unexpectedly; see its logs")
