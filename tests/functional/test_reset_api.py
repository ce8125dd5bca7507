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


def test_reset_restores_the_default_admin_password(api: Api, registry: Registry) -> None:
    from registry.auth.passwords import hash_password
    from registry.db.models import UserRow

    with registry.db.transaction() as session:
        admin = session.query(UserRow).filter_by(name=ADMIN["name"]).one()
        admin.password_hash = hash_password("changed-password", 4)
    assert Api(api.client).login(ADMIN["name"], ADMIN["password"]).status_code == 401
    assert api.call("DELETE", "/reset").status_code == 200
    assert Api(api.client).login(ADMIN["name"], ADMIN["password"]).status_code == 200


def test_only_admins_may_reset(api: Api, registry: Registry) -> None:
    api.ingest("code", GH_BERT)
    registry.users.create_user("bob", "bob-password", is_admin=False)
    bob = Api(api.client, Api(api.client).login("bob", "bob-password").get_json())
    assert bob.call("DELETE", "/reset").status_code == 401
    assert len(api.enumerate([{"name": "*"}]).get_json()) == 1
