"""Users, groups and private artifacts for the access-control tests, made through the API."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tests.conftest import Api

PASSWORD_SUFFIX = "-has-a-long-passphrase"


def password_of(name: str) -> str:
    return name + PASSWORD_SUFFIX


def add_user(admin: Api, name: str, permissions: Iterable[str], *, is_admin: bool = False) -> Api:
    """Register `name` with `permissions` (as an admin) and return an Api signed in as them."""
    resp = admin.call(
        "POST",
        "/users",
        json={
            "user": {"name": name, "is_admin": is_admin},
            "secret": {"password": password_of(name)},
            "permissions": list(permissions),
        },
    )
    assert resp.status_code == 201, resp.get_data(as_text=True)
    return sign_in(admin, name)


def sign_in(api: Api, name: str) -> Api:
    resp = Api(api.client).login(name, password_of(name))
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return Api(api.client, resp.get_json())


def add_group(admin: Api, name: str, members: Iterable[str] = ()) -> None:
    resp = admin.call("POST", "/groups", json={"name": name})
    assert resp.status_code == 201, resp.get_data(as_text=True)
    for member in members:
        added = admin.call("PUT", f"/groups/{name}/members/{member}")
        assert added.status_code == 200, added.get_data(as_text=True)


def ingest_private(api: Api, kind: str, url: str, groups: list[str], **extra: Any) -> Any:
    body = {"url": url, "visibility": {"groups": groups}, **extra}
    resp = api.call("POST", f"/artifact/{kind}", json=body)
    assert resp.status_code == 201, resp.get_data(as_text=True)
    return resp.get_json()
