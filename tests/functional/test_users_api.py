"""The /users API, the password rule, tokens that die with their user, sign-out."""

from __future__ import annotations

from registry.services.container import Registry
from tests.conftest import ADMIN, GH_BERT, Api
from tests.functional.access_support import add_user, password_of, sign_in


def test_an_admin_creates_a_search_only_user_who_can_list_but_not_ingest_or_download(
    api: Api,
) -> None:
    art = api.ingest("code", GH_BERT)
    reader = add_user(api, "reader", ["search"])
    listing = reader.enumerate([{"name": "*"}])
    assert listing.status_code == 200 and listing.get_json() == [art["metadata"]]
    refused = reader.call("POST", "/artifact/code", json={"url": GH_BERT + "-other"})
    assert refused.status_code == 403
    assert "'upload' permission" in refused.get_json()["message"]
    download = reader.call("GET", api.download_path(art))
    assert download.status_code == 403
    assert "'download' permission" in download.get_json()["message"]


def test_users_are_listed_read_and_changed_by_admins(api: Api) -> None:
    add_user(api, "carol", ["search", "download"])
    listed = api.call("GET", "/users")
    assert listed.status_code == 200
    by_name = {u["user"]["name"]: u for u in listed.get_json()}
    assert by_name["carol"]["permissions"] == ["search", "download"]
    assert by_name[ADMIN["name"]]["permissions"] == ["upload", "search", "download", "admin"]
    changed = api.call("PUT", "/users/carol", json={"permissions": ["upload"]})
    assert changed.status_code == 200
    assert changed.get_json()["permissions"] == ["upload"]
    assert api.call("GET", "/users/carol").get_json()["permissions"] == ["upload"]
    promoted = api.call("PUT", "/users/carol", json={"user": {"is_admin": True}})
    assert promoted.get_json()["user"]["is_admin"] is True


def test_the_user_list_is_paged_like_artifacts(api: Api) -> None:
    for name in ("u1", "u2", "u3"):
        add_user(api, name, ["search"])
    first = api.call("GET", "/users?limit=2")
    assert [u["user"]["name"] for u in first.get_json()] == [ADMIN["name"], "u1"]
    rest = api.call("GET", f"/users?limit=2&offset={first.headers['offset']}")
    assert [u["user"]["name"] for u in rest.get_json()] == ["u2", "u3"]
    assert "offset" not in rest.headers


def test_a_user_reads_themselves_but_not_others_and_cannot_change_permissions(api: Api) -> None:
    dave = add_user(api, "dave", ["search"])
    add_user(api, "erin", ["search"])
    me = dave.call("GET", "/users/dave")
    assert me.status_code == 200 and me.get_json()["user"] == {"name": "dave", "is_admin": False}
    assert dave.call("GET", "/users/erin").status_code == 403
    assert dave.call("GET", "/users/nobody-at-all").status_code == 403  # no existence leak
    assert dave.call("GET", "/users").status_code == 403
    raised = dave.call("PUT", "/users/dave", json={"permissions": ["search", "upload"]})
    assert raised.status_code == 403
    assert api.call("GET", "/users/dave").get_json()["permissions"] == ["search"]


def test_a_user_changes_their_own_password_with_the_current_one(api: Api) -> None:
    dave = add_user(api, "dave", ["search"])
    other_session = sign_in(api, "dave")
    wrong = dave.call("PUT", "/users/dave", json={"secret": {"password": "a-brand-new-passphrase"}})
    assert wrong.status_code == 401
    ok = dave.call(
        "PUT",
        "/users/dave",
        json={
            "secret": {
                "password": "a-brand-new-passphrase",
                "current_password": password_of("dave"),
            }
        },
    )
    assert ok.status_code == 200
    assert Api(api.client).login("dave", password_of("dave")).status_code == 401
    assert Api(api.client).login("dave", "a-brand-new-passphrase").status_code == 200
    # The token that made the change keeps working; the user's other tokens are revoked.
    assert dave.enumerate([{"name": "*"}]).status_code == 200
    assert other_session.enumerate([{"name": "*"}]).status_code == 403


def test_weak_passwords_are_refused_with_the_rule(api: Api) -> None:
    def register(name: str, password: str) -> tuple[int, str]:
        resp = api.call(
            "POST",
            "/users",
            json={"user": {"name": name, "is_admin": False}, "secret": {"password": password}},
        )
        return resp.status_code, resp.get_json().get("message", "")

    assert register("frank", "short-pw") == (
        400,
        "the password must be at least 12 characters long",
    )
    assert (
        register("frankfrankfrank", "FrankFrankFrank")[1]
        == "the password must not be the user name"
    )
    assert "most common" in register("frank", "password1234")[1]
    assert "most common" in register("frank", "aaaaaaaaaaaaaaaa")[1]
    assert register("frank", "frank-is-a-fine-passphrase")[0] == 201


def test_the_default_admin_password_passes_the_rule_when_set_again(api: Api) -> None:
    current = ADMIN["password"]
    for new, old in (
        ("an-interim-admin-passphrase", current),
        (current, "an-interim-admin-passphrase"),
    ):
        resp = api.call(
            "PUT",
            f"/users/{ADMIN['name']}",
            json={"secret": {"password": new, "current_password": old}},
        )
        assert resp.status_code == 200, resp.get_data(as_text=True)
    assert Api(api.client).login(ADMIN["name"], current).status_code == 200


def test_the_default_admin_can_be_neither_deleted_nor_demoted(api: Api) -> None:
    assert api.call("DELETE", f"/users/{ADMIN['name']}").status_code == 409
    demote = api.call("PUT", f"/users/{ADMIN['name']}", json={"user": {"is_admin": False}})
    assert demote.status_code == 409
    assert api.call("GET", f"/users/{ADMIN['name']}").get_json()["user"]["is_admin"] is True


def test_a_deleted_users_token_stops_at_once(api: Api) -> None:
    gina = add_user(api, "gina", ["search"])
    assert gina.enumerate([{"name": "*"}]).status_code == 200
    assert api.call("DELETE", "/users/gina").status_code == 200
    assert gina.enumerate([{"name": "*"}]).status_code == 403
    assert Api(api.client).login("gina", password_of("gina")).status_code == 401
    assert api.call("GET", "/users/gina").status_code == 404


def test_users_may_delete_themselves_but_not_others(api: Api) -> None:
    hal = add_user(api, "hal", ["search", "upload"])
    add_user(api, "ivy", ["search"])
    assert hal.call("DELETE", "/users/ivy").status_code == 403
    assert hal.call("DELETE", "/users/hal").status_code == 200
    assert api.call("GET", "/users/ivy").status_code == 200
    assert hal.enumerate([{"name": "*"}]).status_code == 403


def test_sign_out_revokes_only_the_token_sent(api: Api) -> None:
    first = sign_in_admin(api)
    second = sign_in_admin(api)
    resp = first.call("DELETE", "/authenticate")
    assert resp.status_code == 200 and resp.get_json() == {"revoked": True}
    assert first.enumerate([{"name": "*"}]).status_code == 403
    assert second.enumerate([{"name": "*"}]).status_code == 200


def test_a_user_holds_several_tokens_at_once(api: Api) -> None:
    tokens = [sign_in_admin(api) for _ in range(3)]
    assert len({t.token for t in tokens}) == 3
    assert all(t.enumerate([{"name": "*"}]).status_code == 200 for t in tokens)


def test_the_token_is_accepted_as_authorization_bearer(api: Api) -> None:
    assert api.token is not None
    jwt = api.token.split(" ", 1)[1]
    for header in (f"Bearer {jwt}", f"bearer {jwt}", f"Bearer {api.token}"):
        resp = api.client.post(
            "/artifacts", headers={"Authorization": header}, json=[{"name": "*"}]
        )
        assert resp.status_code == 200, header
    wrong = api.client.post(
        "/artifacts", headers={"Authorization": "Bearer not-a-token"}, json=[{"name": "*"}]
    )
    assert wrong.status_code == 403


def test_malformed_user_requests_are_400(api: Api, registry: Registry) -> None:
    bad_bodies = [
        {},
        {"user": {"name": "x"}, "secret": {}},
        {
            "user": {"name": "jo", "is_admin": False},
            "secret": {"password": "long-enough-pass"},
            "permissions": ["fly"],
        },
        {
            "user": {"name": " padded", "is_admin": False},
            "secret": {"password": "long-enough-pass"},
        },
    ]
    for body in bad_bodies:
        resp = api.call("POST", "/users", json=body)
        assert resp.status_code == 400, body
    assert api.call("PUT", "/users/nobody", json={"permissions": ["search"]}).status_code == 404
    add_user(api, "kim", ["search"])
    assert (
        api.call(
            "POST",
            "/users",
            json={
                "user": {"name": "kim", "is_admin": False},
                "secret": {"password": "another-passphrase"},
            },
        ).status_code
        == 409
    )


def sign_in_admin(api: Api) -> Api:
    resp = Api(api.client).login(ADMIN["name"], ADMIN["password"])
    assert resp.status_code == 200
    return Api(api.client, resp.get_json())
