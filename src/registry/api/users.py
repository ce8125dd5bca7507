"""Users (REGISTRY EXTENSION): admins register users and set their permissions; a user
reads their own account, changes their own password and may delete themselves."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from pydantic import Field

from registry.api.access import requires
from registry.api.common import (
    caller,
    json_body,
    limit_arg,
    offset_arg,
    paged,
    parse,
    principal,
    registry,
)
from registry.api.schemas import Strict, UserIn
from registry.auth.permissions import parse_permissions
from registry.domain.models import Permission
from registry.services.accounts import AccountChange

bp = Blueprint("users", __name__)
SELF_OR_ADMIN = "admins, or the user named in the path"


class NewSecretIn(Strict):
    password: str


class UserRegistrationIn(Strict):
    user: UserIn
    secret: NewSecretIn
    permissions: list[str] = Field(default_factory=lambda: ["search"], max_length=8)


class ChangedSecretIn(Strict):
    password: str
    current_password: str | None = None


class ChangedUserIn(Strict):
    is_admin: bool | None = None


class UserChangeIn(Strict):
    user: ChangedUserIn | None = None
    secret: ChangedSecretIn | None = None
    permissions: list[str] | None = Field(default=None, max_length=8)


@bp.post("/users")
@requires(Permission.ADMIN)
def register_user() -> tuple[Response, int]:
    body = parse(UserRegistrationIn, json_body())
    account = registry().accounts.register(
        caller(),
        body.user.name,
        body.secret.password,
        bool(body.user.is_admin),
        parse_permissions(body.permissions),
    )
    return jsonify(account.as_json()), 201


@bp.get("/users")
@requires(Permission.ADMIN)
def list_users() -> Response:
    page = registry().accounts.page(caller(), offset_arg(), limit_arg())
    return paged([a.as_json() for a in page.items], page.next_offset)


@bp.get("/users/<name>")
@requires(None, also=SELF_OR_ADMIN)
def get_user(name: str) -> Response:
    return jsonify(registry().accounts.get(caller(), name).as_json())


@bp.put("/users/<name>")
@requires(None, also="admins change permissions; admins or that user change the password")
def update_user(name: str) -> Response:
    body = parse(UserChangeIn, json_body())
    change = AccountChange(
        granted=parse_permissions(body.permissions) if body.permissions is not None else None,
        is_admin=body.user.is_admin if body.user is not None else None,
        password=body.secret.password if body.secret is not None else None,
        current_password=body.secret.current_password if body.secret is not None else None,
    )
    return jsonify(registry().accounts.update(principal(), name, change).as_json())


@bp.delete("/users/<name>")
@requires(None, also=SELF_OR_ADMIN + "; never the default admin (409)")
def delete_user(name: str) -> Response:
    registry().accounts.delete(caller(), name)
    return jsonify({"deleted": name})
