"""Each failure answers with the status that tells the truth, and 5xx keep their cause
in the log: a traceback under the request id the client was given."""

from __future__ import annotations

from typing import Any

import pytest

from registry.services import ingest as ingest_module
from registry.services.container import Registry
from tests.conftest import ADMIN_USER, BERT, FINETUNE, GH_BERT, Api


def _logged(caplog: pytest.LogCaptureFixture, event: str, request_id: str) -> dict[str, Any]:
    for record in caplog.records:
        msg = record.msg
        if isinstance(msg, dict) and (msg.get("event"), msg.get("request_id")) == (
            event,
            request_id,
        ):
            return msg
    raise AssertionError(f"no {event!r} logged for request {request_id}")


def _failed_with(resp: Any, status: int, code: str) -> str:
    assert resp.status_code == status, resp.get_data(as_text=True)
    body = resp.get_json()
    assert body["error"] == code
    assert body["request_id"] == resp.headers["X-Request-ID"]
    return str(body["request_id"])


def test_a_missing_bundle_blob_is_an_integrity_error_logged_with_its_cause(
    api: Api, registry: Registry, caplog: pytest.LogCaptureFixture
) -> None:
    art = api.ingest("model", BERT)
    stored = registry.artifacts.get(None, art["metadata"]["id"], ADMIN_USER)
    registry.blobs.delete(stored.bundle_sha256)
    resp = api.call("GET", api.download_path(art))
    request_id = _failed_with(resp, 500, "integrity_error")
    assert "missing from the blob store" in resp.get_json()["message"]
    assert resp.get_json()["details"] == {"digest": stored.bundle_sha256}
    logged = _logged(caplog, "request_failed", request_id)
    assert "FileNotFoundError" in logged["exception"]


def test_a_missing_part_blob_fails_before_the_zip_starts(api: Api, registry: Registry) -> None:
    art = api.ingest("model", BERT)
    stored = registry.artifacts.get(None, art["metadata"]["id"], ADMIN_USER)
    weights = next(f for f in stored.files if f.path == "model.safetensors")
    registry.blobs.delete(weights.sha256)
    resp = api.call("GET", api.download_path(art) + "?part=weights")
    _failed_with(resp, 500, "integrity_error")
    assert resp.get_json()["details"] == {"digest": weights.sha256}
    # The other parts are whole and still served.
    assert api.call("GET", api.download_path(art) + "?part=config").status_code == 200


def test_a_bug_of_the_registry_is_a_500_with_a_request_id_and_a_traceback(
    api: Api, registry: Registry, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(name: str, viewer: object) -> None:
        raise KeyError("a bug in the name search")

    monkeypatch.setattr(registry.search, "by_name", broken)
    resp = api.call("GET", "/artifact/byName/bert")
    request_id = _failed_with(resp, 500, "internal_error")
    logged = _logged(caplog, "unhandled_error", request_id)
    assert "a bug in the name search" in logged["exception"]
    assert "Traceback" in logged["exception"]


def test_losing_the_race_for_a_source_is_a_409_naming_the_winner(
    api: Api, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = api.ingest("model", BERT)
    # As if the second request had passed the early check before the first committed.
    monkeypatch.setattr(registry.ingest, "_refuse_duplicate", lambda *a, **k: None)
    again = api.call("POST", "/artifact/model", json={"url": BERT})
    assert again.status_code == 409
    assert again.get_json()["details"]["existing_id"] == first["metadata"]["id"]
    other = api.ingest("model", FINETUNE)
    body = {"metadata": other["metadata"], "data": {"url": BERT}}
    moved = api.call("PUT", f"/artifacts/model/{other['metadata']['id']}", json=body)
    assert moved.status_code == 409
    assert moved.get_json()["details"]["existing_id"] == first["metadata"]["id"]


def test_any_other_integrity_error_is_a_500_not_a_conflict(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    first = api.ingest("model", BERT)
    # A broken id generator: the insert breaks the unique id, not the source constraint.
    monkeypatch.setattr(ingest_module, "new_artifact_id", lambda: first["metadata"]["id"])
    resp = api.call("POST", "/artifact/code", json={"url": GH_BERT})
    request_id = _failed_with(resp, 500, "internal_error")
    assert "IntegrityError" in _logged(caplog, "unhandled_error", request_id)["exception"]
    assert len(api.enumerate([{"name": "*"}]).get_json()) == 1


def test_lineage_over_a_lost_config_is_an_integrity_error_not_an_orphan(
    api: Api, registry: Registry
) -> None:
    art = api.ingest("model", FINETUNE)
    stored = registry.artifacts.get(None, art["metadata"]["id"], ADMIN_USER)
    config = next(f for f in stored.files if f.path == "config.json")
    registry.blobs.delete(config.sha256)
    resp = api.call("GET", f"/artifact/model/{art['metadata']['id']}/lineage")
    _failed_with(resp, 500, "integrity_error")
