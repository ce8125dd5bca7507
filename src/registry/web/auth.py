"""The browser sign-in, built once for every page: session cookie, CSRF, sign-out.

- Sign-in exchanges a user name and password (the API's users) for a session cookie
  holding the id of a token row, signed with SECRET_KEY: HttpOnly, SameSite=Lax, and
  Secure whenever the request came over TLS (directly, or through a proxy gunicorn
  trusts: FORWARDED_ALLOW_IPS and X-Forwarded-Proto).
- Every page request checks the token row (revoked at sign-out, expired after
  TOKEN_TTL_SECONDS), so a copied cookie dies with its session.
- Every state-changing request (POST, PUT, PATCH, DELETE) carries the session's CSRF
  token, in the form field `csrf_token` or the `X-CSRF-Token` header; without it: 400.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlencode

from flask import Flask, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from werkzeug.wrappers import Response as BaseResponse

from registry.api.common import client_address, registry, request_token
from registry.domain.errors import BadRequest, Forbidden, Unauthorized
from registry.domain.models import User

COOKIE = "registry_session"
CSRF_FIELD, CSRF_HEADER = "csrf_token", "X-CSRF-Token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
F = TypeVar("F", bound=Callable[..., Any])


class RegistrySessions(SecureCookieSessionInterface):
    def get_cookie_secure(self, app: Flask) -> bool:
        # Behind TLS (X-Forwarded-Proto from a trusted proxy sets the scheme): Secure.
        return request.is_secure or bool(app.config["SESSION_COOKIE_SECURE"])


def configure_sessions(app: Flask, lifetime: timedelta) -> None:
    app.session_interface = RegistrySessions()
    app.config.update(
        SESSION_COOKIE_NAME=COOKIE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=lifetime,
    )


def csrf_token() -> str:
    """The session's CSRF token (created on first use), for forms and scripts."""
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def check_csrf() -> None:
    """before_request of the pages: refuse an unsafe request without the session's token.

    Requests that authenticate with an API token (X-Authorization) send no cookie a
    third-party site could ride on, so they need none."""
    if request.method not in UNSAFE or request_token():
        return
    sent = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    expected = session.get("csrf")
    if not isinstance(expected, str) or not hmac.compare_digest(sent, expected):
        raise BadRequest(
            "the form's CSRF token is missing or stale: reload the page and send it again"
        )


def sign_in(name: str, password: str) -> User:
    users = registry().users
    token_id = users.open_session(name, password, client_address())
    user = users.session_user(token_id)
    if user is None:  # pragma: no cover - the row was just written
        raise Unauthorized("the session could not be opened")
    session.clear()  # a fresh session (and CSRF token) at every sign-in
    session.permanent = True
    session["sid"] = token_id
    csrf_token()
    return user


def sign_out() -> None:
    sid = session.get("sid")
    if isinstance(sid, str):
        registry().users.close_session(sid)
    session.clear()


def current_user() -> User | None:
    """The signed-in user of this request (by session), or by API token, or None."""
    if "web_user_checked" in g:
        cached: User | None = g.web_user_obj
        return cached
    user: User | None = None
    if request_token():
        g.principal = registry().users.principal(request_token())  # counts one use
        user = g.principal.user
    else:
        sid = session.get("sid")
        if isinstance(sid, str):
            user = registry().users.session_user(sid)
            if user is None:
                session.clear()  # revoked or expired: the cookie goes too
    g.web_user_checked = True
    g.web_user_obj = user
    g.web_user = user.name if user else None  # for the request's log line
    return user


def safe_next(target: str | None, default: str) -> str:
    """Only a path of this site: never another host (an open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def _to_signin() -> BaseResponse:
    query = urlencode({"next": request.full_path.rstrip("?")})
    return redirect(f"{url_for('web.signin')}?{query}")


def signed_in_page(view: F) -> F:
    """A page for any signed-in user: the sign-in first. What the user may do there
    is checked by the services, as for the API."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user() is None:
            return _to_signin()
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def page_user() -> User:
    """The signed-in user of a page behind `signed_in_page` or `admin_page`."""
    user = current_user()
    if user is None:  # pragma: no cover - the decorators redirected already
        raise Unauthorized("sign in first")
    return user


def admin_page(view: F) -> F:
    """A page for administrators: the sign-in first, a 403 page for other users."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        user = current_user()
        if user is None:
            return _to_signin()
        if not user.is_admin:
            raise Forbidden("only administrators may see this page")
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def admin_data(view: F) -> F:
    """A JSON endpoint of an admin page: 401 without a session (or token), 403 for users."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        user = current_user()
        if user is None:
            raise Unauthorized("sign in first (or send an administrator's X-Authorization)")
        if not user.is_admin:
            raise Forbidden("only administrators may read this")
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def count_use(operation: str) -> None:
    """Count one expensive `operation` (ingest, search, rating) against the API's rate
    limits, for this session's token and the client's address: a page costs what the
    API call it stands for costs (429 beyond RATE_LIMIT_<OPERATION>_PER_MINUTE)."""
    limiter = registry().rate_limits
    if limiter is None:
        return
    sid = session.get("sid")
    token_id = sid if isinstance(sid, str) else None
    limiter.check(operation, token_id, client_address())


def redirect_to(target: str) -> BaseResponse:
    return redirect(target, code=303)
