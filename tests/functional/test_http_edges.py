"""Protocol-level edges: body size cap, malformed JSON, unknown routes, the docs."""

from __future__ import annotations

import pytest
import yaml

from tests.conftest import Api


def test_bodies_over_the_cap_are_413_without_being_read(api: Api) -> None:
    big = b'{"url": "' + b"a" * (2 << 20) + b'"}'
    resp = api.call("POST", "/artifact/model", data=big, content_type="application/json")
    assert resp.status_code == 413


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/artifacts", "POST"),
        ("/artifact/model", "POST"),
        ("/artifact/byRegEx", "POST"),
        ("/artifacts/model/1", "PUT"),
    ],
)
@pytest.mark.parametrize("raw", [b"{", b"", b"\xff\xfe", b"[1,", b"nul"])
def test_malformed_json_is_400(api: Api, path: str, method: str, raw: bytes) -> None:
    resp = api.call(method, path, data=raw, content_type="application/json")
    assert resp.status_code == 400
    assert resp.get_json()["error"] == "bad_request"


def test_unknown_routes_and_methods_answer_json(api: Api) -> None:
    missing = api.client.get("/no/such/route")
    assert missing.status_code == 404 and missing.get_json()["error"]
    wrong = api.client.get("/authenticate")
    assert wrong.status_code == 405


def test_openapi_spec_and_docs_are_served(api: Api) -> None:
    spec = yaml.safe_load(api.client.get("/openapi.yaml").get_data(as_text=True))
    assert spec["info"]["version"] == "3.4.7"
    assert "/artifact/byRegEx" in spec["paths"]
    page = api.client.get("/docs").get_data(as_text=True)
    assert "swagger-ui" in page
    asset = api.client.get("/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.get_data()) > 100_000


def test_every_response_carries_a_request_id(api: Api) -> None:
    resp = api.client.get("/health", headers={"X-Request-ID": "trace-123"})
    assert resp.headers["X-Request-ID"] == "trace-123"
    assert len(api.client.get("/health").headers["X-Request-ID"]) == 32
