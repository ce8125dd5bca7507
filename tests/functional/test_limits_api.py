"""Login flooding, rate limits and ingest caps through the API, on both counter stores
(the database, and Redis at REDIS_URL): 429 with Retry-After, nothing done."""

from __future__ import annotations

import time
from typing import Any

import pytest

from registry.services.container import Registry
from tests.conftest import ADMIN, ADMIN_USER, BERT, Api, MakeApi
from tests.functional.test_web_dashboard import sign_in

WRONG = "not-the-password-0000"


@pytest.fixture(params=["database", "redis"])
def limited_api(request: pytest.FixtureRequest, make_api: MakeApi) -> Any:
    """make_api on one counter store or the other."""

    def build(**overrides: Any) -> tuple[Api, Registry]:
        overrides.setdefault("rate_limits_enabled", True)
        if request.param == "redis":
            overrides["redis_url"] = request.getfixturevalue("redis_url")
            overrides["redis_key_prefix"] = request.getfixturevalue("redis_prefix")
        return make_api(**overrides)

    return build


def _one_minute(registry: Registry) -> None:
    """Pin the rate limiter's clock inside one minute: a count that straddles a minute
    boundary would start again at 0 halfway through the test."""
    assert registry.rate_limits is not None
    at = time.time()
    registry.rate_limits.clock = lambda: at


def _login(api: Api, name: str, password: str, address: str = "203.0.113.1") -> Any:
    body = {"user": {"name": name, "is_admin": False}, "secret": {"password": password}}
    return api.client.put("/authenticate", json=body, headers={"X-Forwarded-For": address})


def test_failed_logins_per_user_name_are_limited(limited_api: Any) -> None:
    api, _ = limited_api(login_failures_per_user=3)
    for address in ("203.0.113.1", "203.0.113.2", "203.0.113.3"):
        assert _login(api, ADMIN["name"], WRONG, address).status_code == 401
    # Even the right password, from yet another address, waits now.
    resp = _login(api, ADMIN["name"], ADMIN["password"], "203.0.113.4")
    assert resp.status_code == 429
    assert 1 <= int(resp.headers["Retry-After"]) <= 900
    assert "LOGIN_FAILURES_PER_USER" in resp.get_json()["message"]
    # The web sign-in shares the count.
    web = api.client.application.test_client()
    page = sign_in(web, ADMIN["name"], ADMIN["password"])
    assert page.status_code == 429 and page.headers["Retry-After"]
    # Everything else keeps answering, the token held before included.
    assert api.enumerate([{"name": "*"}]).status_code == 200


def test_failed_logins_per_address_are_limited(limited_api: Any) -> None:
    api, _ = limited_api(login_failures_per_address=3)
    for name in ("mallory-1", "mallory-2", "mallory-3"):
        assert _login(api, name, WRONG, "198.51.100.7").status_code == 401
    refused = _login(api, ADMIN["name"], ADMIN["password"], "198.51.100.7")
    assert refused.status_code == 429 and refused.headers["Retry-After"]
    assert _login(api, ADMIN["name"], ADMIN["password"], "198.51.100.8").status_code == 200


def test_a_forwarded_address_from_an_untrusted_peer_is_ignored(limited_api: Any) -> None:
    # The test client's peer (127.0.0.1) is no trusted proxy here: X-Forwarded-For is the
    # client's own claim, so changing it does not escape the limit of its address.
    api, _ = limited_api(login_failures_per_address=2, forwarded_allow_ips="10.9.9.9")
    assert _login(api, "eve-1", WRONG, "198.51.100.1").status_code == 401
    assert _login(api, "eve-2", WRONG, "198.51.100.2").status_code == 401
    assert _login(api, "eve-3", WRONG, "198.51.100.3").status_code == 429


def test_parallel_password_checks_beyond_the_gate_answer_429(limited_api: Any) -> None:
    api, registry = limited_api(bcrypt_max_concurrent=1)
    registry.users.bcrypt_gate.wait_seconds = 0.05
    with registry.users.bcrypt_gate.slot():  # another sign-in is being checked
        resp = _login(api, ADMIN["name"], ADMIN["password"])
    assert resp.status_code == 429
    assert resp.headers["Retry-After"] == "1"
    assert "BCRYPT_MAX_CONCURRENT" in resp.get_json()["message"]
    assert _login(api, ADMIN["name"], ADMIN["password"]).status_code == 200


def test_regex_search_and_rating_are_rate_limited_per_token(limited_api: Any) -> None:
    api, registry = limited_api(rate_limit_search_per_minute=2, rate_limit_rating_per_minute=1)
    _one_minute(registry)
    for _ in range(2):
        assert api.call("POST", "/artifact/byRegEx", json={"regex": "x"}).status_code == 404
    resp = api.call("POST", "/artifact/byRegEx", json={"regex": "x"})
    assert resp.status_code == 429
    assert 1 <= int(resp.headers["Retry-After"]) <= 60
    assert "RATE_LIMIT_SEARCH_PER_MINUTE" in resp.get_json()["message"]
    # Another operation has its own count.
    assert api.call("GET", "/artifact/model/1/rate").status_code == 404
    assert api.call("GET", "/artifact/model/1/rate").status_code == 429
    assert api.enumerate([{"name": "*"}]).status_code == 200


def test_rate_limits_can_be_turned_off(limited_api: Any) -> None:
    api, _ = limited_api(rate_limit_search_per_minute=1, rate_limits_enabled=False)
    for _ in range(3):
        assert api.call("POST", "/artifact/byRegEx", json={"regex": "x"}).status_code == 404


def test_ingests_beyond_the_users_slots_answer_429_and_store_nothing(limited_api: Any) -> None:
    api, registry = limited_api(ingest_max_per_user=1)
    slots = registry.ingest.slots
    assert slots is not None
    with slots.hold(ADMIN_USER.id):  # an ingest of the same user is running
        resp = api.call("POST", "/artifact/model", json={"url": BERT})
        assert resp.status_code == 429
        assert resp.headers["Retry-After"]
        assert "INGEST_MAX_PER_USER" in resp.get_json()["message"]
    assert api.enumerate([{"name": "*"}]).get_json() == []
    api.ingest("model", BERT)  # the slot was released


def test_ingests_are_rate_limited_per_token(limited_api: Any) -> None:
    api, registry = limited_api(rate_limit_ingest_per_minute=1)
    _one_minute(registry)
    api.ingest("model", BERT)
    resp = api.call("POST", "/artifact/model", json={"url": BERT})
    assert resp.status_code == 429 and resp.headers["Retry-After"]
