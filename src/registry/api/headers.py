"""The headers every response carries, set in one after_request hook; and CORS.

- `X-Content-Type-Options: nosniff`: a browser renders a download as what its
  Content-Type says, never as HTML it guessed.
- `X-Frame-Options: DENY` and CSP `frame-ancestors 'none'`: no page of the registry
  (the sign-in, the dashboard, /docs) can be framed for clickjacking.
- `Content-Security-Policy`: HTML pages load scripts, styles, images and data from
  the registry alone (every asset is served locally; the one inline script, /docs's
  start-up, is allowed by its hash); every other response gets `default-src 'none'`,
  so a JSON body or a stored file opened in a browser can run nothing.
- `Referrer-Policy: no-referrer`: artifact ids and queries in the registry's URLs do not
  leak to the sites its pages link to.
- `Cache-Control: no-store` on the answers that carry a token or start a session.
- `Strict-Transport-Security` when the request came over TLS (directly, or through a
  proxy in FORWARDED_ALLOW_IPS whose X-Forwarded-Proto the server honours).
- CORS: closed (no Access-Control-* header) unless CORS_ALLOW_ORIGINS names the origin
  of the request; then the answer allows it, and preflights get 204 before any
  authentication (a preflight carries no token, by design of the browser).
"""

from __future__ import annotations

import base64
import hashlib

from flask import Flask, Response, request

from registry.api.system import DOCS_SCRIPT

HSTS = "max-age=31536000; includeSubDomains"
_SCRIPT_HASH = base64.b64encode(hashlib.sha256(DOCS_SCRIPT.encode()).digest()).decode()
HTML_CSP = (
    "default-src 'self'; "
    f"script-src 'self' 'sha256-{_SCRIPT_HASH}'; "
    "style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
OTHER_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"
# Endpoints whose answers hold a token or open a session: never kept by any cache.
NO_STORE = {"system.authenticate", "web.signin", "web.signin_submit"}
# What a browser script on an allowed origin may send and read.
CORS_METHODS = "GET, POST, PUT, DELETE, OPTIONS"
CORS_REQUEST_HEADERS = (
    "Authorization, X-Authorization, Content-Type, Range, If-Match, If-None-Match, If-Range"
)
CORS_EXPOSED = "offset, ETag, Content-Disposition, Content-Range, Accept-Ranges, Retry-After"
CORS_MAX_AGE = "600"


def _allowed_origin(allowed: tuple[str, ...]) -> str | None:
    origin = request.headers.get("Origin")
    if not origin or not allowed:
        return None
    if "*" in allowed or origin.rstrip("/") in {o.rstrip("/") for o in allowed}:
        return origin
    return None


def install(app: Flask, cors_origins: tuple[str, ...]) -> None:
    """Register the preflight answer (before authentication) and the headers hook."""

    def preflight() -> Response | None:
        if request.method != "OPTIONS" or "Access-Control-Request-Method" not in request.headers:
            return None
        origin = _allowed_origin(cors_origins)
        if origin is None:
            return None  # Flask's own OPTIONS answer, without CORS: the browser stops there
        resp = Response(status=204)
        resp.headers["Access-Control-Allow-Methods"] = CORS_METHODS
        resp.headers["Access-Control-Allow-Headers"] = CORS_REQUEST_HEADERS
        resp.headers["Access-Control-Max-Age"] = CORS_MAX_AGE
        return resp

    def secure(resp: Response) -> Response:
        headers = resp.headers
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "no-referrer"
        html = resp.mimetype == "text/html"
        headers.setdefault("Content-Security-Policy", HTML_CSP if html else OTHER_CSP)
        if request.endpoint in NO_STORE:
            headers["Cache-Control"] = "no-store"
            headers["Pragma"] = "no-cache"
        if request.is_secure:
            headers["Strict-Transport-Security"] = HSTS
        origin = _allowed_origin(cors_origins)
        if origin is not None:
            headers["Access-Control-Allow-Origin"] = origin
            headers["Access-Control-Expose-Headers"] = CORS_EXPOSED
        if cors_origins:
            headers.add("Vary", "Origin")  # the answer depends on who asks
        return resp

    app.before_request(preflight)
    app.after_request(secure)
