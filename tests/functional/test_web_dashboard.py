"""The browser sign-in (session cookie, CSRF, sign-out) and the administrators'
dashboard: its page, its data and log endpoints, and the workload runner."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import structlog
from flask.testing import FlaskClient

from registry.observability.logging import attach_log_store
from registry.services.container import Registry
from tests.conftest import ADMIN, GH_BERT, Api, MakeApi
from tests.functional.web_support import CSRF, assert_page_basics, csrf_of, parse


@pytest.fixture
def site(make_api: MakeApi) -> Iterator[tuple[Api, Registry]]:
    api, registry = make_api(stats_flush_seconds=0.1, workload_max_clients=4)
    attach_log_store(registry.telemetry.logs)
    yield api, registry
    attach_log_store(None)


def sign_in(client: FlaskClient, name: str, password: str, **extra: str) -> Any:
    token = csrf_of(client)
    form = {"username": name, "password": password, "csrf_token": token, **extra}
    return client.post("/signin", data=form)


def signed_in_admin(site: tuple[Api, Registry]) -> FlaskClient:
    client = site[0].client.application.test_client()
    assert sign_in(client, ADMIN["name"], ADMIN["password"]).status_code == 303
    return client


def test_the_sign_in_page_is_a_labelled_form_with_a_csrf_token(site: tuple[Api, Registry]) -> None:
    client = site[0].client
    resp = client.get("/signin")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert_page_basics(html)
    assert CSRF.search(html)
    css = client.get(
        next(a["href"] or "" for a in parse(html).all("link") if a.get("rel") == "stylesheet")
    )
    assert css.status_code == 200 and "prefers-color-scheme" in css.get_data(as_text=True)


def test_signing_in_sets_a_protected_session_cookie(site: tuple[Api, Registry]) -> None:
    client = site[0].client
    resp = sign_in(client, ADMIN["name"], ADMIN["password"])
    assert resp.status_code == 303 and resp.headers["Location"] == "/"  # the home page
    cookie = resp.headers["Set-Cookie"]
    assert cookie.startswith("registry_session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http on a laptop: a Secure cookie would not come back


def test_behind_tls_the_cookie_is_secure(site: tuple[Api, Registry]) -> None:
    client = site[0].client.application.test_client()
    token = CSRF.search(
        client.get("/signin", base_url="https://registry.example").get_data(as_text=True)
    ).group(1)  # type: ignore[union-attr]
    resp = client.post(
        "/signin",
        base_url="https://registry.example",
        data={"username": ADMIN["name"], "password": ADMIN["password"], "csrf_token": token},
    )
    assert resp.status_code == 303
    assert "Secure" in resp.headers["Set-Cookie"]


def test_forms_without_the_csrf_token_are_refused(site: tuple[Api, Registry]) -> None:
    client = site[0].client
    form = {"username": ADMIN["name"], "password": ADMIN["password"]}
    assert client.post("/signin", data=form).status_code == 400
    assert client.post("/signin", data={**form, "csrf_token": "forged"}).status_code == 400
    admin = signed_in_admin(site)
    assert admin.post("/signout").status_code == 400
    assert admin.get("/dashboard").status_code == 200  # still signed in


def test_wrong_passwords_and_foreign_next_pages(site: tuple[Api, Registry]) -> None:
    client = site[0].client
    wrong = sign_in(client, ADMIN["name"], "not-the-password")
    assert wrong.status_code == 401 and 'role="alert"' in wrong.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302
    resp = sign_in(client, ADMIN["name"], ADMIN["password"], next="https://evil.example/")
    assert resp.headers["Location"] == "/"


def test_the_dashboard_is_for_administrators(site: tuple[Api, Registry]) -> None:
    api, registry = site
    anonymous = api.client.application.test_client()
    resp = anonymous.get("/dashboard")
    assert resp.status_code == 302 and resp.headers["Location"] == "/signin?next=%2Fdashboard"
    assert anonymous.get("/dashboard/data").status_code == 401
    registry.users.create_user("alice", "alice-password", is_admin=False)
    alice = api.client.application.test_client()
    assert sign_in(alice, "alice", "alice-password").status_code == 303
    refused = alice.get("/dashboard")
    assert refused.status_code == 403 and "administrators" in refused.get_data(as_text=True)
    assert alice.get("/dashboard/data").status_code == 403
    page = signed_in_admin(site).get("/dashboard")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert_page_basics(html)
    assert "Registry dashboard" in html and "Workload runner" in html
    script = parse(html).all("script")[0]["src"] or ""
    assert api.client.get(script).status_code == 200


def test_signing_out_ends_the_session_even_for_a_copied_cookie(
    site: tuple[Api, Registry],
) -> None:
    client = signed_in_admin(site)
    copied = client.get_cookie("registry_session")
    assert copied is not None
    resp = client.post("/signout", data={"csrf_token": csrf_of(client, "/dashboard")})
    assert resp.status_code == 303 and resp.headers["Location"] == "/signin"
    assert client.get("/dashboard").status_code == 302
    thief = site[0].client.application.test_client()
    thief.set_cookie("registry_session", copied.value)
    assert thief.get("/dashboard").status_code == 302  # the token row was revoked


def test_the_data_endpoint_shows_the_traffic(site: tuple[Api, Registry]) -> None:
    api, _ = site
    code = api.ingest("code", GH_BERT)["metadata"]
    for _ in range(3):
        api.call("GET", f"/artifacts/code/{code['id']}")
    admin = signed_in_admin(site)
    data = admin.get("/dashboard/data?windowMinutes=15").get_json()
    assert data["window_minutes"] == 15 and data["figures_available"] is True
    routes = {row["route"]: row for row in data["requests"]["by_route"]}
    assert routes["GET /artifacts/<type_name>/<id_>"]["count"] == 3
    assert {row["type"]: row["count"] for row in data["requests"]["by_type"]}["code"] == 4
    assert len(data["requests"]["timeline"]) == 15
    assert (
        sum(m["requests"] for m in data["requests"]["timeline"])
        == data["requests"]["total"]["count"]
    )
    assert [c["id"] for c in data["components"]][:3] == ["api", "database", "blob-store"]
    assert data["pipeline"]["ingest"][0]["source"] == "github"
    assert admin.get("/dashboard/data?windowMinutes=4").status_code == 400
    # An administrator's API token reads it too (scripts), without a cookie.
    assert api.call("GET", "/dashboard/data").status_code == 200


def test_recent_log_lines_can_be_filtered_and_read_whole(site: tuple[Api, Registry]) -> None:
    admin = signed_in_admin(site)
    marker = f"marker-{time.time_ns()}"
    structlog.get_logger("registry.db.session").warning("dashboard_check", marker=marker)
    structlog.get_logger("registry.access").info("dashboard_other", marker=marker)
    deadline = time.monotonic() + 10
    found: list[dict[str, Any]] = []
    while time.monotonic() < deadline and len(found) < 2:
        found = admin.get(f"/dashboard/logs?text={marker}&level=debug").get_json()["lines"]
        time.sleep(0.1)
    assert [line["event"] for line in found] == ["dashboard_other", "dashboard_check"]
    warning = admin.get(f"/dashboard/logs?text={marker}&level=warning").get_json()["lines"]
    assert [line["event"] for line in warning] == ["dashboard_check"]
    assert f'"marker": "{marker}"' in warning[0]["line"]  # the whole JSON line
    by_component = admin.get(f"/dashboard/logs?text={marker}&component=database").get_json()
    assert [line["event"] for line in by_component["lines"]] == ["dashboard_check"]
    assert admin.get("/dashboard/logs?level=loud").status_code == 400
    assert admin.get("/dashboard/logs?component=kitchen").status_code == 400
    assert admin.get("/dashboard/logs?limit=501").status_code == 400


def test_the_workload_runs_concurrent_downloads_and_measures_them(
    site: tuple[Api, Registry],
) -> None:
    api, _registry = site
    art = api.ingest("code", GH_BERT)
    size = len(api.call("GET", api.download_path(art)).get_data())
    admin = signed_in_admin(site)
    listed = admin.get("/dashboard/artifacts").get_json()["artifacts"]
    assert listed == [{"id": art["metadata"]["id"], "name": "bert", "type": "code"}]
    token = csrf_of(admin, "/dashboard")
    body = {"artifact_id": art["metadata"]["id"], "clients": 3}
    resp = admin.post("/dashboard/workload", json=body, headers={"X-CSRF-Token": token})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    result = resp.get_json()
    assert (result["clients"], result["completed"], result["failed"]) == (3, 3, 0)
    assert result["bytes"] == 3 * size
    assert 0 < result["median_ms"] <= result["p99_ms"]
    assert result["mean_ms"] > 0 and result["throughput_mb_per_s"] > 0
    # Each download went through the API: the figures count them.
    data = admin.get("/dashboard/data").get_json()
    downloads = {row["route"]: row["count"] for row in data["requests"]["by_route"]}
    assert downloads["GET /download/<id_>"] == 4  # the three clients and the size check


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"clients": 0}, 400),
        ({"clients": 5}, 400),  # over WORKLOAD_MAX_CLIENTS (4 here)
        ({"clients": "3"}, 400),
        ({"clients": 2, "artifact_id": "1234567890"}, 404),
    ],
)
def test_workload_requests_out_of_bounds_are_refused(
    site: tuple[Api, Registry], body: dict[str, Any], status: int
) -> None:
    api, _ = site
    art = api.ingest("code", GH_BERT)
    admin = signed_in_admin(site)
    token = csrf_of(admin, "/dashboard")
    sent = {"artifact_id": art["metadata"]["id"], **body}
    resp = admin.post("/dashboard/workload", json=sent, headers={"X-CSRF-Token": token})
    assert resp.status_code == status
    assert resp.get_json()["message"]


def test_one_workload_at_a_time_and_never_without_csrf(site: tuple[Api, Registry]) -> None:
    api, registry = site
    art = api.ingest("code", GH_BERT)
    admin = signed_in_admin(site)
    body = {"artifact_id": art["metadata"]["id"], "clients": 1}
    assert admin.post("/dashboard/workload", json=body).status_code == 400
    with registry.db.try_lock("workload") as mine:
        assert mine
        busy = admin.post(
            "/dashboard/workload", json=body, headers={"X-CSRF-Token": csrf_of(admin, "/dashboard")}
        )
    assert busy.status_code == 409
