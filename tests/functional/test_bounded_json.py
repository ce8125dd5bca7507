"""Bodies nested or sized to break the parser are refused with 400 naming the limit."""

from __future__ import annotations

import pytest

from tests.conftest import Api, MakeApi

DEEP = b"[" * 500_000


@pytest.mark.parametrize(
    ("method", "path", "token"),
    [
        ("POST", "/artifacts", True),
        ("POST", "/artifact/byRegEx", True),
        ("PUT", "/authenticate", False),
    ],
)
def test_half_a_million_brackets_answer_400(api: Api, method: str, path: str, token: bool) -> None:
    headers = api.headers({"Content-Type": "application/json"}) if token else {}
    resp = api.client.open(path, method=method, data=DEEP, headers=headers)
    assert resp.status_code == 400, resp.get_data(as_text=True)
    assert "MAX_JSON_DEPTH" in resp.get_json()["message"]
    assert api.client.get("/health").status_code == 200


def test_a_body_over_max_json_bytes_answers_400(make_api: MakeApi) -> None:
    api, _ = make_api(max_json_bytes=1024)
    body = b'[{"name": "' + b"a" * 2000 + b'"}]'
    resp = api.call("POST", "/artifacts", data=body, headers={"Content-Type": "application/json"})
    assert resp.status_code == 400
    assert "MAX_JSON_BYTES (1024 bytes)" in resp.get_json()["message"]
    assert api.enumerate([{"name": "*"}]).status_code == 200


def test_the_pages_json_reader_refuses_a_deep_body_too(app: object) -> None:
    from flask import Flask

    assert isinstance(app, Flask)
    with app.test_request_context("/", method="POST", data=DEEP, content_type="application/json"):
        from flask import request

        assert request.get_json(silent=True) is None
