"""Observability through the HTTP API: /health/components after real traffic, /metrics
for administrators, the pipelines' figures, and the request log lines read back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from registry.observability.logging import attach_log_store, configure_logging
from registry.services.container import Registry
from registry.settings import Settings
from registry.sources.http import observe_upstream
from tests.conftest import GH_BERT, HF, Api, MakeApi

ARTIFACT_ROUTE = "GET /artifacts/<type_name>/<id_>"


@pytest.fixture
def observed(make_api: MakeApi) -> Iterator[tuple[Api, Registry]]:
    """An admin API on a registry whose process-wide hooks (log store, upstream calls)
    are attached, as `registry.startup` attaches them."""
    api, registry = make_api(stats_flush_seconds=0.1, health_probe_seconds=0.0)
    attach_log_store(registry.telemetry.logs)
    observe_upstream(registry.telemetry.upstream_call)
    yield api, registry
    observe_upstream(None)
    attach_log_store(None)


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "registry.log"
    configure_logging(Settings(log_file=str(path), log_json=True))
    yield path
    configure_logging(Settings())


def components(api: Api, query: str = "") -> dict[str, dict[str, Any]]:
    resp = api.client.get(f"/health/components{query}")  # public: no token
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return {c["id"]: c for c in resp.get_json()["components"]}


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(raw) for raw in path.read_text().splitlines()]


@pytest.mark.parametrize(
    "query",
    [
        "?windowMinutes=4",
        "?windowMinutes=1441",
        "?windowMinutes=sixty",
        "?windowMinutes=60.5",
        "?includeTimeline=perhaps",
    ],
)
def test_bad_windows_and_flags_are_400(observed: tuple[Api, Registry], query: str) -> None:
    api, _ = observed
    resp = api.client.get(f"/health/components{query}")
    assert resp.status_code == 400
    assert (
        "windowMinutes" in resp.get_json()["message"]
        or "includeTimeline" in resp.get_json()["message"]
    )


def test_the_timeline_has_one_bucket_per_minute_of_the_window(
    observed: tuple[Api, Registry],
) -> None:
    api, _ = observed
    body = api.client.get("/health/components?windowMinutes=5&includeTimeline=true").get_json()
    assert body["window_minutes"] == 5
    api_component = next(c for c in body["components"] if c["id"] == "api")
    buckets = [entry["bucket"] for entry in api_component["timeline"]]
    assert len(buckets) == 5 and buckets == sorted(buckets)
    assert api_component["timeline"][-1]["value"] >= 1  # the login of the fixture
    assert all(entry["unit"] == "requests" for entry in api_component["timeline"])
    plain = api.client.get("/health/components").get_json()
    assert plain["window_minutes"] == 60
    assert all("timeline" not in c for c in plain["components"])


def test_a_burst_shows_per_route_and_per_artifact_type(observed: tuple[Api, Registry]) -> None:
    api, _ = observed
    code = api.ingest("code", GH_BERT)["metadata"]
    for _ in range(3):
        assert api.call("GET", f"/artifacts/code/{code['id']}").status_code == 200
    for _ in range(2):
        assert api.call("GET", "/artifacts/model/1234567890").status_code == 404
    for _ in range(4):
        api.client.get("/health")
    metrics = components(api)["api"]["metrics"]
    assert metrics[f"count{{route={ARTIFACT_ROUTE}}}"] == 5
    assert metrics["count{route=GET /health}"] == 4
    assert metrics["count{route=POST /artifact/<type_name>}"] == 1
    assert metrics["count{type=code}"] == 4  # the ingest and three reads
    assert metrics["count{type=model}"] == 2
    assert metrics["client_errors"] == 2 and metrics["errors"] == 0
    # PUT /authenticate (the fixture's login), the ingest, 3 + 2 reads, 4 /health.
    assert metrics["requests"] == 11
    assert metrics[f"p99_ms{{route={ARTIFACT_ROUTE}}}"] > 0


def test_components_report_their_probes(observed: tuple[Api, Registry]) -> None:
    api, _ = observed
    found = components(api)
    assert found["database"]["status"] == "ok"
    assert found["database"]["metrics"]["size_bytes"] > 0
    assert found["blob-store"]["status"] == "ok"
    assert found["blob-store"]["metrics"]["disk_free_bytes"] > 0
    # The logs of each component are one link away (for administrators).
    link = found["database"]["logs"][0]["url"]
    assert link.startswith("http://localhost/dashboard/logs") and "component=database" in link


def test_metrics_are_for_administrators(observed: tuple[Api, Registry]) -> None:
    api, registry = observed
    assert api.client.get("/metrics").status_code == 403
    registry.users.create_user("alice", "alice-password", is_admin=False)
    alice = Api(api.client, api.login("alice", "alice-password").get_json())
    refused = alice.call("GET", "/metrics")
    assert refused.status_code == 403
    assert refused.get_json()["details"]["missing_permission"] == "admin"
    resp = api.call("GET", "/metrics")
    assert resp.status_code == 200 and resp.mimetype == "text/plain"
    text = resp.get_data(as_text=True)
    assert 'registry_http_requests_total{method="PUT",route="/authenticate",status="200"}' in text


def test_the_pipelines_are_counted_by_source_outcome_metric_rule_and_host(
    make_api: MakeApi,
) -> None:
    api, registry = make_api(ingest_policy="license>=0.5", stats_flush_seconds=0.1)
    observe_upstream(registry.telemetry.upstream_call)
    try:
        code = api.ingest("code", GH_BERT)
        api.ingest("code", GH_BERT, expect=409)
        api.ingest("model", f"{HF}/acme/does-not-exist", expect=404)
        api.ingest("model", f"{HF}/acme/noncommercial-model", expect=424)
        api.ingest("code", "https://github.com/fault/server-error", expect=502)
        api.ingest("model", f"{HF}/acme/solo-model")
    finally:
        observe_upstream(None)
    data = api.call("GET", "/dashboard/data").get_json()["pipeline"]
    outcomes = {(row["source"], row["outcome"]): row["count"] for row in data["ingest"]}
    assert outcomes == {
        ("github", "201"): 1,
        ("github", "409"): 1,
        ("hf_model", "404"): 1,
        ("hf_model", "424"): 1,
        ("github", "502"): 1,
        ("hf_model", "201"): 1,
    }
    stored = {row["source"]: row["bytes"] for row in data["ingested_bytes"]}
    assert stored["github"] > 0 and stored["hf_model"] > 0
    assert code["metadata"]["type"] == "code"
    rated = {row["metric"]: row for row in data["rating"]}
    assert {"license", "bus_factor", "ramp_up_time"} <= set(rated)
    assert rated["license"]["count"] == 2  # two models rated: one refused, one admitted
    assert data["refusals"] == [{"rule": "license>=0.5", "count": 1}]
    calls = {(row["host"], row["status"]) for row in data["upstream"]}
    host = registry.settings.github_api_url.split("://", 1)[1]
    assert (host, "200") in calls and (host, "500") in calls
    text = api.call("GET", "/metrics").get_data(as_text=True)
    assert 'registry_ingest_seconds_count{outcome="424",source="hf_model"} 1.0' in text
    assert 'registry_policy_refusals_total{rule="license>=0.5"} 1.0' in text
    assert 'registry_rating_metric_seconds_count{metric="license",outcome="ok"} 2.0' in text
    assert f'registry_upstream_requests_total{{host="{host}",status="500"}}' in text


def test_request_lines_are_json_with_who_what_and_how_long(
    observed: tuple[Api, Registry], log_file: Path
) -> None:
    api, _ = observed
    art = api.ingest("code", GH_BERT)
    code = art["metadata"]
    assert api.call("GET", api.download_path(art)).status_code == 200
    resp = api.call("GET", f"/artifacts/code/{code['id']}", headers={"X-Request-ID": "trace-me-42"})
    assert resp.headers["X-Request-ID"] == "trace-me-42"
    fresh = api.client.get("/health").headers["X-Request-ID"]
    assert len(fresh) == 32
    assert (
        api.client.get("/health", headers={"X-Request-ID": "bad id!"}).headers["X-Request-ID"]
        != "bad id!"
    )
    requests = [line for line in lines(log_file) if line["event"] == "request"]
    traced = next(line for line in requests if line["request_id"] == "trace-me-42")
    assert traced["method"] == "GET" and traced["route"] == "/artifacts/<type_name>/<id_>"
    assert traced["status"] == 200 and traced["latency_ms"] > 0
    assert traced["user"] == "ece30861defaultadminuser"
    assert (traced["artifact_id"], traced["artifact_type"]) == (code["id"], "code")
    assert traced["level"] == "info" and traced["timestamp"].endswith("Z")
    ingest = next(line for line in requests if line["route"] == "/artifact/<type_name>")
    assert (ingest["artifact_id"], ingest["artifact_type"]) == (code["id"], "code")
    assert ingest["status"] == 201
    download = next(line for line in requests if line["route"] == "/download/<id_>")
    assert (download["artifact_id"], download["artifact_type"]) == (code["id"], "code")
    assert any(line["request_id"] == fresh for line in requests)


def test_a_missing_blob_is_logged_with_its_stack_and_flagged_on_the_blob_store(
    observed: tuple[Api, Registry], log_file: Path
) -> None:
    api, registry = observed
    art = api.ingest("code", GH_BERT)
    digest = api.call("GET", api.download_path(art)).headers["ETag"].strip('"')  # the bundle's
    registry.blobs.delete(digest)
    resp = api.call("GET", api.download_path(art))
    assert resp.status_code == 500 and resp.get_json()["error"] == "integrity_error"
    failed = next(line for line in lines(log_file) if line["event"] == "request_failed")
    assert "Traceback" in failed["exception"] and "FileNotFoundError" in failed["exception"]
    assert failed["request_id"] == resp.get_json()["request_id"]
    blob = components(api)["blob-store"]
    assert blob["status"] == "degraded"
    assert blob["issues"][0]["code"] == "blob_missing" and digest in blob["issues"][0]["details"]


def test_request_lines_carry_cloudwatch_embedded_metrics(make_api: MakeApi, log_file: Path) -> None:
    api, _ = make_api(enable_cloudwatch_metrics=True, log_json=True)
    api.client.get("/health")
    api.call("GET", "/artifacts/model/1")  # a 404: not a server error
    emitted = [line for line in lines(log_file) if line["event"] == "request"]
    health = next(line for line in emitted if line["route"] == "/health")
    directive = health["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "ModelRegistry"
    assert {m["Name"] for m in directive["Metrics"]} == {"Requests", "ServerErrors", "Latency"}
    assert health["Requests"] == 1 and health["ServerErrors"] == 0 and health["Latency"] > 0
