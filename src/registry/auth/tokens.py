"""Signed access tokens (JWT, HS256).

The signature proves the registry issued the token; the token row in the database
(keyed by the JWT id) carries its expiry and use count, so tokens can be counted
and revoked.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

_ALGORITHM = "HS256"
_ISSUER = "trustworthy-model-registry"
BEARER = "bearer "


@dataclass(frozen=True)
class IssuedToken:
    token_id: str
    value: str  # what the client sends back: "bearer <jwt>"
    issued_at: datetime
    expires_at: datetime


def issue(secret: str, user_id: int, user_name: str, now: datetime, ttl: timedelta) -> IssuedToken:
    token_id = secrets.token_urlsafe(24)
    expires = now + ttl
    payload = {
        "iss": _ISSUER,
        "sub": str(user_id),
        "name": user_name,
        "jti": token_id,
        "iat": int(now.timestamp()),
        "exp": int(expires.timestamp()),
    }
    encoded = jwt.encode(payload, secret, algorithm=_ALGORITHM)
    return IssuedToken(token_id, BEARER + encoded, now, expires)


def decode(secret: str, header_value: str | None, now: datetime) -> str | None:
    """The token id of a valid header value at `now`, or None for anything else.

    `now` is the registry's clock (injectable, as the database's expiry check uses the
    same), not PyJWT's reading of the wall clock."""
    if not header_value:
        return None
    # Clients differ in how they echo the token back: with the "bearer " prefix we
    # handed out, with a capitalised "Bearer ", as the bare JWT, or as the JSON string
    # PUT /authenticate answered, quotes and all.
    raw = header_value.strip().strip('"').strip()
    if raw[:7].lower() == BEARER:
        raw = raw[7:].strip()
    try:
        payload = jwt.decode(
            raw,
            secret,
            algorithms=[_ALGORITHM],
            issuer=_ISSUER,
            options={"require": ["exp", "jti", "sub", "iss"], "verify_exp": False},
        )
    except jwt.PyJWTError:
        return None
    exp, jti = payload.get("exp"), payload.get("jti")
    if not isinstance(exp, int | float) or exp <= now.timestamp():
        return None
    return jti if isinstance(jti, str) else None
