"""PUT /authenticate and the token check on every protected endpoint."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from registry.services.container import Registry
from tests.conftest import ADMIN, GH_BERT, Api, MakeApi

# The spec's example token: a well-formed JWT signed with some other key.
FOREIGN_JWT = (
    "bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ."
    "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
VARIANT = ADMIN["password"].replace("DROP TABLE artifacts;", "DROP TABLE packages;")


def test_default_admin_gets_a_bearer_token(api: Api) -> None:
    assert isinstance(api.token, str)
    assert api.token.startswith("bearer ")
    listing = api.enumerate([{"name": "*"}])
    assert listing.status_code == 200 and listing.get_json() == []


def test_the_packages_variant_of_the_default_password_works(api: Api) -> None:
    resp = Api(api.client).login(ADMIN["name"], VARIANT)
    assert resp.status_code == 200
    assert resp.get_json().startswith("bearer ")


@pytest.mark.parametrize(
    ("name", "password"),
    [
        (ADMIN["name"], "wrong"),
        ("nobody", ADMIN["password"]),
        (ADMIN["name"], ADMIN["password"] + " "),
    ],
)
def test_wrong_credentials_are_401(api: Api, name: str, password: str) -> None:
    assert Api(api.client).login(name, password).status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"user": {"name": ADMIN["name"]}},
        {"user": {"name": 5, "is_admin": True}, "secret": {"password": "x"}},
        {"user": {"name": ADMIN["name"], "is_admin": True}, "secret": {}},
        {"user": {"name": ADMIN["name"], "is_admin": True}, "secret": {"password": None}},
        [ADMIN["name"], ADMIN["password"]],
    ],
)
def test_malformed_authentication_is_400(api: Api, body: object) -> None:
    assert api.client.put("/authenticate", json=body).status_code == 400


def test_non_json_authentication_is_400(api: Api) -> None:
    resp = api.client.put("/authenticate", data="user=admin", content_type="text/plain")
    assert resp.status_code == 400


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "bearer",
        "bearer not-a-jwt",
        FOREIGN_JWT,
    ],
)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/artifacts"),
        ("POST", "/artifact/model"),
        ("GET", "/artifacts/model/1"),
        ("PUT", "/artifacts/model/1"),
        ("DELETE", "/artifacts/model/1"),
        ("GET", "/artifact/byName/x"),
        ("POST", "/artifact/byRegEx"),
        ("DELETE", "/reset"),
        ("GET", "/download/1"),
    ],
)
def test_protected_endpoints_refuse_missing_or_bad_tokens(
    api: Api, header: str | None, method: str, path: str
) -> None:
    headers = {} if header is None else {"X-Authorization": header}
    resp = api.client.open(path, method=method, headers=headers, json=[{"name": "*"}])
    assert resp.status_code == 403


def test_the_token_is_accepted_in_the_authorization_header_too(api: Api) -> None:
    art = api.ingest("code", GH_BERT)["metadata"]
    resp = api.client.post("/artifacts", headers={"Authorization": api.token}, json=[{"name": "*"}])
    assert resp.get_json() == [art]


@pytest.mark.parametrize(
    ("path", "says"),
    [
        ("/health", '"status":'),
        ("/tracks", "plannedTracks"),
        ("/openapi.yaml", "openapi:"),
        ("/docs", "swagger-ui"),
        ("/health/components", '"components":'),
    ],
)
def test_public_endpoints_need_no_token(api: Api, path: str, says: str) -> None:
    resp = api.client.get(path)
    assert resp.status_code == 200
    assert says in resp.get_data(as_text=True)


def test_tracks(api: Api) -> None:
    tracks = api.client.get("/tracks").get_json()["plannedTracks"]
    allowed = {
        "Performance track",
        "Access control track",
        "High assurance track",
        "Other Security track",
    }
    assert tracks and set(tracks) <= allowed


def test_passwords_are_stored_as_bcrypt_hashes(registry: Registry) -> None:
    with registry.db.engine.connect() as conn:
        stored = conn.execute(text("SELECT password_hash FROM users")).scalar_one()
    assert stored.startswith("$2")
    assert ADMIN["password"] not in stored


def test_tokens_run_out_after_their_allowed_uses(make_api: MakeApi) -> None:
    api, _ = make_api(token_max_uses=3)
    statuses = [api.enumerate([{"name": "*"}]).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 403]


def test_tokens_expire(api: Api, registry: Registry) -> None:
    from datetime import UTC, datetime, timedelta

    assert api.enumerate([{"name": "*"}]).status_code == 200
    registry.users.clock = lambda: datetime.now(UTC) + timedelta(hours=11)
    assert api.enumerate([{"name": "*"}]).status_code == 403


def test_a_token_echoed_back_as_the_json_string_it_came_in_works(api: Api) -> None:
    # What `TOKEN=$(curl -X PUT .../authenticate ...)` holds: the JSON string, quotes included.
    raw = api.login(ADMIN["name"], ADMIN["password"]).get_data(as_text=True).strip()
    assert raw.startswith('"bearer ')
    resp = Api(api.client, raw).enumerate([{"name": "*"}])
    assert resp.status_code == 200 and resp.get_json() == []
