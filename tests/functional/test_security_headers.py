"""The headers every answer carries (JSON, HTML pages, files, errors), the answers that
must never be cached, HSTS only over TLS, and CORS closed unless configured."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest
import requests
from flask.testing import FlaskClient

from registry.api.headers import HSTS
from tests.conftest import ADMIN, GH_BERT, Api, MakeApi
from tests.fakes import FakeUpstream
from tests.functional.server_process import ServerProcess, server_env

ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def _check_common(headers: object, html: bool) -> str:
    for name, value in ALWAYS.items():
        assert headers[name] == value, name  # type: ignore[index]
    csp = str(headers["Content-Security-Policy"])  # type: ignore[index]
    assert "frame-ancestors 'none'" in csp
    if html:
        assert "default-src 'self'" in csp and "object-src 'none'" in csp
        assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    else:
        assert csp.startswith("default-src 'none'") and "sandbox" in csp
    assert "Strict-Transport-Security" not in headers  # type: ignore[operator]
    assert "Access-Control-Allow-Origin" not in headers  # type: ignore[operator]
    return csp


@pytest.mark.parametrize(
    ("path", "status"),
    [("/health", 200), ("/tracks", 200), ("/openapi.yaml", 200), ("/no/such/route", 404)],
)
def test_json_and_text_answers_carry_the_headers(
    client: FlaskClient, path: str, status: int
) -> None:
    resp = client.get(path)
    assert resp.status_code == status
    _check_common(resp.headers, html=False)


def test_an_error_from_the_api_carries_the_headers(client: FlaskClient) -> None:
    resp = client.post("/artifacts", json=[{"name": "*"}])  # no token: 403
    assert resp.status_code == 403
    _check_common(resp.headers, html=False)


def test_the_docs_page_allows_exactly_its_own_inline_script(client: FlaskClient) -> None:
    resp = client.get("/docs")
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    csp = _check_common(resp.headers, html=True)
    inline = re.findall(r"<script>(.*?)</script>", resp.get_data(as_text=True), re.S)
    assert len(inline) == 1
    digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
    assert f"script-src 'self' 'sha256-{digest}'" in csp
    # Every script and stylesheet the page names is served by the registry itself.
    for asset in re.findall(r'(?:src|href)="([^"]+)"', resp.get_data(as_text=True)):
        assert asset.startswith("/"), asset
        served = client.get(asset)
        assert served.status_code == 200, asset
        _check_common(served.headers, html=False)


def test_the_pages_carry_the_html_policy_and_the_sign_in_is_never_cached(
    client: FlaskClient,
) -> None:
    page = client.get("/signin")
    assert page.status_code == 200
    _check_common(page.headers, html=True)
    assert page.headers["Cache-Control"] == "no-store"
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    assert token is not None
    signed_in = client.post(
        "/signin",
        data={"username": ADMIN["name"], "password": ADMIN["password"], "csrf_token": token[1]},
    )
    assert signed_in.status_code in (302, 303), signed_in.get_data(as_text=True)
    assert signed_in.headers["Cache-Control"] == "no-store"
    dashboard = client.get("/dashboard")
    assert dashboard.status_code == 200
    _check_common(dashboard.headers, html=True)
    for script in re.findall(r'<script src="([^"]+)"', dashboard.get_data(as_text=True)):
        assert script.startswith("/web/static/")
    assert "<script>" not in dashboard.get_data(as_text=True)  # no inline script at all


def test_the_token_answer_is_never_cached(api: Api) -> None:
    resp = api.login(ADMIN["name"], ADMIN["password"])
    assert resp.status_code == 200
    assert resp.headers["Cache-Control"] == "no-store"
    _check_common(resp.headers, html=False)
    other = api.call("GET", "/health")
    assert "no-store" not in other.headers.get("Cache-Control", "")


def test_a_downloaded_file_carries_the_headers(api: Api) -> None:
    art = api.ingest("code", GH_BERT)
    resp = api.call("GET", api.download_path(art))
    assert resp.status_code == 200
    _check_common(resp.headers, html=False)
    single = api.call("GET", f"/download/{art['metadata']['id']}?part=README.md")
    if single.status_code == 200:
        _check_common(single.headers, html=False)


def test_hsts_only_over_tls(client: FlaskClient) -> None:
    assert "Strict-Transport-Security" not in client.get("/health").headers
    # Flask alone never trusts X-Forwarded-Proto: only the server in front decides.
    spoofed = client.get("/health", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in spoofed.headers
    tls = client.get("/health", base_url="https://registry.example")
    assert tls.headers["Strict-Transport-Security"] == HSTS


def test_cors_is_closed_by_default(client: FlaskClient) -> None:
    origin = {"Origin": "https://evil.example"}
    resp = client.get("/health", headers=origin)
    assert "Access-Control-Allow-Origin" not in resp.headers
    preflight = client.options(
        "/artifacts",
        headers={**origin, "Access-Control-Request-Method": "POST"},
    )
    assert "Access-Control-Allow-Origin" not in preflight.headers
    assert "Access-Control-Allow-Methods" not in preflight.headers


def test_cors_allows_the_configured_origins_only(make_api: MakeApi) -> None:
    api, _ = make_api(cors_allow_origins=("https://portal.example",))
    allowed = {"Origin": "https://portal.example"}
    preflight = api.client.options(
        "/artifacts",
        headers={
            **allowed,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "X-Authorization, Content-Type",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://portal.example"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "X-Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    assert "Origin" in preflight.headers.get_all("Vary")
    listed = api.call("POST", "/artifacts", json=[{"name": "*"}], headers=allowed)
    assert listed.status_code == 200
    assert listed.headers["Access-Control-Allow-Origin"] == "https://portal.example"
    assert "offset" in listed.headers["Access-Control-Expose-Headers"]
    # Another origin gets nothing, preflight or not; the token is still required.
    other = {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    refused = api.client.options("/artifacts", headers=other)
    assert "Access-Control-Allow-Origin" not in refused.headers
    anonymous = api.client.post("/artifacts", json=[{"name": "*"}], headers=allowed)
    assert anonymous.status_code == 403


def test_cors_allow_origins_is_checked() -> None:
    from registry.settings import Settings, SettingsError

    assert Settings().cors_allow_origins == ()
    env = {"CORS_ALLOW_ORIGINS": "https://a.example, http://b.example:8080"}
    assert Settings.from_env(env).cors_allow_origins == (
        "https://a.example",
        "http://b.example:8080",
    )
    with pytest.raises(SettingsError, match="CORS_ALLOW_ORIGINS"):
        Settings.from_env({"CORS_ALLOW_ORIGINS": "portal.example/app"})


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_behind_gunicorn_hsts_follows_trusted_proxies_and_no_version_is_shown(
    tmp_path: Path, database_url: str, upstream: FakeUpstream
) -> None:
    trusted = ServerProcess(
        server_env(tmp_path / "a", database_url, upstream), tmp_path / "trusted.log"
    )
    untrusted = ServerProcess(
        server_env(tmp_path / "b", database_url, upstream, FORWARDED_ALLOW_IPS="10.9.9.9"),
        tmp_path / "untrusted.log",
    )
    try:
        for server in (trusted, untrusted):
            server.start()
        proto = {"X-Forwarded-Proto": "https"}
        via_proxy = requests.get(f"{trusted.base}/health", headers=proto, timeout=10)
        assert via_proxy.headers["Strict-Transport-Security"] == HSTS
        spoofed = requests.get(f"{untrusted.base}/health", headers=proto, timeout=10)
        assert "Strict-Transport-Security" not in spoofed.headers
        for resp in (via_proxy, spoofed):
            assert not re.search(r"\d", resp.headers.get("Server", "")), resp.headers["Server"]
            _check_common(
                {k: v for k, v in resp.headers.items() if k != "Strict-Transport-Security"},
                html=False,
            )
    finally:
        for server in (trusted, untrusted):
            server.stop()
