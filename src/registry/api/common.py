"""Small helpers every handler uses: the registry, the caller, the parsed body."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import Any, TypeVar

from flask import Response, current_app, g, jsonify, request
from pydantic import BaseModel, ValidationError

from registry.api.json_limits import request_json
from registry.domain.errors import BadRequest, NotFound
from registry.domain.models import ArtifactType, Credential, Principal, User
from registry.domain.names import validate_artifact_id
from registry.services.container import Registry

M = TypeVar("M", bound=BaseModel)


def registry() -> Registry:
    reg: Registry = current_app.extensions["registry"]
    return reg


def request_token() -> str | None:
    """The token a request carries: `X-Authorization` (the spec's header) or, for every
    other client, `Authorization: Bearer <token>`; the first present wins.

    Either may hold the token as PUT /authenticate returned it ("bearer <jwt>") or the
    bare JWT. Clients that send a configured token as `Authorization: Bearer <token>`
    (HF_TOKEN) send `Bearer bearer <jwt>` when the token kept its prefix: one prefix is
    dropped here and the token parser drops the other.
    """
    value = request.headers.get("X-Authorization") or request.headers.get("Authorization")
    if value and value[:7].lower() == "bearer " and value[7:].lstrip()[:7].lower() == "bearer ":
        value = value[7:].lstrip()
    return value


def _trusted(address: str, proxies: str) -> bool:
    entries = [p.strip() for p in proxies.split(",") if p.strip()]
    if "*" in entries:
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(entry, strict=False) for entry in entries)


def client_address() -> str | None:
    """The client's address, for limits per address: the peer, or, when the peer is a
    proxy the registry trusts (FORWARDED_ALLOW_IPS), the nearest address in
    X-Forwarded-For that is not a trusted proxy (addresses further left are the
    client's own claims, which anyone can forge)."""
    proxies = registry().settings.forwarded_allow_ips
    peer = request.remote_addr
    if peer is None or not _trusted(peer, proxies):
        return peer
    hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",")]
    for hop in reversed([h for h in hops if h]):
        if not _trusted(hop, proxies):
            return hop
    return hops[0] if hops and hops[0] else peer


def credential() -> Credential:
    """The request's token, checked but not yet counted: for handlers whose service
    counts the use inside its own transaction (then `served_to` names the caller)."""
    return registry().users.credential(request_token())


def served_to(caller: Principal) -> None:
    g.principal = caller


def principal() -> Principal:
    p: Principal = g.principal
    return p


def caller() -> User:
    return principal().user


def offset_arg() -> int:
    """?offset=: the value of a previous page's offset header (0: the first page)."""
    raw = request.args.get("offset")
    if raw is None or raw == "":
        return 0
    if not raw.isdigit() or len(raw) > 18:
        raise BadRequest("offset must be the value of a previous response's offset header")
    return int(raw)


def limit_arg() -> int | None:
    raw = request.args.get("limit")
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise BadRequest("limit must be a positive integer")
    return int(raw)


def flag_arg(name: str, source: Mapping[str, str] | None = None) -> bool:
    """A boolean query parameter (or form field, from `source`): true or false, in any
    case (absent or empty: false). Anything else is a 400, as the document's
    `type: boolean` has it, not a silent false."""
    raw = (request.args if source is None else source).get(name)
    if raw is None or raw == "":
        return False
    value = raw.lower()
    if value not in {"true", "false"}:
        raise BadRequest(f"{name} must be true or false, not {raw[:40]!r}")
    return value == "true"


def paged(items: Any, next_offset: str | None) -> Response:
    """A JSON page, with the offset header when more follows."""
    resp = jsonify(items)
    if next_offset is not None:
        resp.headers["offset"] = next_offset
    return resp


def json_body() -> Any:
    """The request body as JSON, its size and depth checked before parsing (MAX_JSON_BYTES,
    MAX_JSON_DEPTH: registry.api.json_limits)."""
    return request_json()


def _describe(exc: ValidationError) -> str:
    problems = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err["loc"]) or "body"
        problems.append(f"{where}: {err['msg']}")
    return "; ".join(problems)


def parse(model: type[M], data: Any) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise BadRequest(
            f"the body does not match the {model.__name__} schema: {_describe(exc)}"
        ) from exc


def artifact_type(value: str) -> ArtifactType:
    try:
        return ArtifactType(value)
    except ValueError as exc:
        raise BadRequest(
            f"unknown artifact type {value!r}; use one of model, dataset, code"
        ) from exc


_ID_CHARACTERS = re.compile(r"[a-zA-Z0-9-]+")


def artifact_id(value: str) -> str:
    """An artifact id from a path. The contract's id pattern has no length; no artifact's
    id is longer than 64 characters, so a longer one that fits the pattern names none."""
    if len(value) > 64 and _ID_CHARACTERS.fullmatch(value):
        raise NotFound(f"no artifact has the id {value[:64]}...; ids are at most 64 characters")
    return validate_artifact_id(value)


def public_base() -> str:
    """The base URL clients reach: PUBLIC_URL behind a load balancer, else the request's."""
    return registry().settings.public_url or request.host_url.rstrip("/")


def download_url(artifact_id: str) -> str:
    return f"{public_base()}/download/{artifact_id}"
