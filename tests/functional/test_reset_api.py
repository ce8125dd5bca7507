"""DELETE /reset: back to the initial state, in one step."""

from __future__ import annotations

from registry.services.container import Registry
from tests.conftest import ADMIN, BERT, GH_BERT, Api


def test_reset_empties_artifacts_blobs_and_users_but_keeps_admin_tokens(
    api: Api, registry: Registry
) -> None:
    api.ingest("model", BERT)
    api.ingest("code", GH_BERT)
    registry.users.create_user("alice", "alice-password", is_admin=False)
    assert list(registry.blobs.iter_blobs())

    resp = api.call("DELETE", "/reset")
    assert resp.status_code == 200

    assert api.enumerate([{"name": "*"}]).get_json() == []  # the old token still works
    assert list(registry.blobs.iter_blobs()) == []
    assert Api(api.client).login("alice", "alice-password").status_code == 401
    assert Api(api.client).login(ADMIN["name"], ADMIN["password"]).status_code == 200
    api.ingest("model", BERT)  # and the registry works as new


def test_reset_keeps_the_default_admin_password_it_was_changed_to(
    api: Api, registry: Registry
) -> None:
    changed = "a-private-admin-passphrase"
    resp = api.call(
        "PUT",
        f"/users/{ADMIN['name']}",
        json={"secret": {"password": changed, "current_password": ADMIN["password"]}},
    )
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert api.call("DELETE", "/reset").status_code == 200
    assert Api(api.client).login(ADMIN["name"], ADMIN["password"]).status_code == 401
    assert Api(api.client).login(ADMIN["name"], changed).status_code == 200
    # and so does a restart, which seeds the default admin only when it is missing
    registry.users.seed()
    assert Api(api.client).login(ADMIN["name"], ADMIN["password"]).status_code == 401
    assert Api(api.client).login(ADMIN["name"], changed).status_code == 200


def test_only_admins_may_reset(api: Api, registry: Registry) -> None:
    api.ingest("code", GH_BERT)
    registry.users.create_user("bob", "bob-password", is_admin=False)
    bob = Api(api.client, Api(api.client).login("bob", "bob-password").get_json())
    assert bob.call("DELETE", "/reset").status_code == 401
    assert len(api.enumerate([{"name": "*"}]).get_json()) == 1
