"""Component statuses from figures and probes, in the spec's HealthComponentCollection
shape; the per-process buffer in front of the shared figures; CloudWatch's embedded
metric format."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from registry.observability.components import HealthReport
from registry.observability.counters import MAX_PENDING, BufferedCounters, Counts
from registry.observability.figures import bucket_of, key, minute_of
from registry.observability.logstore import LogLine, LogQuery
from registry.observability.probes import CachedProbe, ProbeResult
from registry.observability.telemetry import Emf

SPEC = Path(__file__).resolve().parents[2] / "src" / "registry" / "api" / "openapi.yaml"
NOW = datetime(2026, 12, 1, 10, 30, 45, tzinfo=UTC).timestamp()
MINUTE = minute_of(NOW)


class MemoryCounters:
    """A CounterStore in a dict, that can be made to fail."""

    def __init__(self) -> None:
        self.data: Counts = {}
        self.down = False
        self.writes = 0

    def add(self, counts: Mapping[tuple[int, str], int]) -> None:
        if self.down:
            raise ConnectionError("store down")
        self.writes += 1
        for slot, value in counts.items():
            self.data[slot] = self.data.get(slot, 0) + value

    def read(self, first: int, last: int) -> Counts:
        if self.down:
            raise ConnectionError("store down")
        return {s: v for s, v in self.data.items() if first <= s[0] <= last}

    def prune(self, before: int) -> None:
        self.data = {s: v for s, v in self.data.items() if s[0] >= before}


class FixedProbe(CachedProbe):
    def __init__(self, result: ProbeResult | None) -> None:
        super().__init__(lambda: {}, ttl=60, wait=0)
        self.fixed = result

    def result(self) -> ProbeResult | None:
        return self.fixed


def ok_probe(seconds: float = 0.01, **figures: Any) -> ProbeResult:
    return ProbeResult(True, seconds, datetime.fromtimestamp(NOW, UTC), None, figures)


def report(
    store: MemoryCounters, probes: dict[str, ProbeResult | None] | None = None
) -> HealthReport:
    results = {
        "database": ok_probe(),
        "blob-store": ok_probe(),
        "huggingface": ok_probe(),
        "github": ok_probe(),
    } | (probes or {})
    return HealthReport(
        BufferedCounters(store, flush_seconds=60, clock=lambda: NOW),
        {name: FixedProbe(r) for name, r in results.items()},
        {"huggingface": "hub.example", "github": "api.github.example"},
        clock=lambda: NOW,
    )


def requests(
    store: MemoryCounters,
    route: str,
    status: int,
    count: int,
    seconds: float = 0.01,
    kind: str | None = None,
    minute: int = MINUTE,
) -> None:
    store.data[(minute, key("req", route, kind, status, bucket_of(seconds)))] = count
    store.data[(minute, key("req_us", route, kind, status))] = int(count * seconds * 1e6)


def collection(rep: HealthReport, minutes: int = 60, timeline: bool = False) -> dict[str, Any]:
    return rep.collection(minutes, timeline, lambda c: f"https://registry.example/logs/{c}")


def by_id(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in result["components"]}


def spec_validator() -> jsonschema.protocols.Validator:
    spec = yaml.safe_load(SPEC.read_text())
    # The served document's HealthMetricValue is anyOf integer/number/...: the course's
    # oneOf refuses every integer figure, since every integer is also a number.
    assert "anyOf" in spec["components"]["schemas"]["HealthMetricValue"]
    schema = {
        "$ref": "#/components/schemas/HealthComponentCollection",
        "components": spec["components"],
    }
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def test_the_collection_has_the_spec_shape_and_every_component() -> None:
    store = MemoryCounters()
    requests(store, "GET /health", 200, 3)
    result = collection(report(store), timeline=True)
    spec_validator().validate(result)
    assert [c["id"] for c in result["components"]] == [
        "api",
        "database",
        "blob-store",
        "rating-engine",
        "huggingface",
        "github",
    ]
    assert result["window_minutes"] == 60
    for component in result["components"]:
        assert component["logs"][0]["url"] == f"https://registry.example/logs/{component['id']}"
    api = by_id(result)["api"]
    assert len(api["timeline"]) == 60 and api["timeline"][-1]["value"] == 3
    assert "timeline" not in by_id(collection(report(store)))["api"]


def test_api_figures_per_route_and_type_and_their_percentiles() -> None:
    store = MemoryCounters()
    requests(store, "GET /health", 200, 10, 0.004)
    requests(store, "GET /artifacts/<type_name>/<id_>", 200, 5, 0.2, kind="model")
    requests(store, "GET /artifacts/<type_name>/<id_>", 404, 1, 0.004, kind="dataset")
    requests(store, "GET /health", 200, 99, minute=MINUTE - 60)  # outside the window
    metrics = by_id(collection(report(store)))["api"]["metrics"]
    assert metrics["requests"] == 16 and metrics["errors"] == 0 and metrics["client_errors"] == 1
    assert metrics["count{route=GET /health}"] == 10
    assert metrics["count{route=GET /artifacts/<type_name>/<id_>}"] == 6
    assert metrics["count{type=model}"] == 5 and metrics["count{type=dataset}"] == 1
    assert metrics["p99_ms{route=GET /artifacts/<type_name>/<id_>}"] > 100
    assert metrics["p50_ms{route=GET /health}"] < 5
    assert metrics["mean_ms"] == pytest.approx((10 * 4 + 5 * 200 + 4) / 16, abs=0.01)


@pytest.mark.parametrize(
    ("errors", "status", "severity"),
    [(0, "ok", None), (1, "ok", None), (2, "degraded", "warning"), (10, "critical", "error")],
)
def test_the_api_degrades_with_5xx_answers(errors: int, status: str, severity: str | None) -> None:
    store = MemoryCounters()
    requests(store, "POST /artifact/<type_name>", 200, 40 - errors)
    if errors:
        requests(store, "POST /artifact/<type_name>", 502, errors)
    api = by_id(collection(report(store)))["api"]
    assert api["status"] == status
    assert [i["severity"] for i in api["issues"]] == ([severity] if severity else [])


def test_a_few_errors_among_few_requests_are_not_an_outage() -> None:
    store = MemoryCounters()
    requests(store, "GET /x", 500, 5)  # under 20 requests: no verdict
    assert by_id(collection(report(store)))["api"]["status"] == "ok"


def test_a_failed_probe_makes_its_store_critical_and_a_slow_one_degraded() -> None:
    failed = ProbeResult(False, 0.01, datetime.fromtimestamp(NOW, UTC), "connection refused")
    components = by_id(
        collection(
            report(MemoryCounters(), {"database": failed, "blob-store": ok_probe(seconds=2.5)})
        )
    )
    database = components["database"]
    assert database["status"] == "critical"
    assert database["issues"][0]["severity"] == "error"
    assert "connection refused" in database["issues"][0]["details"]
    assert components["blob-store"]["status"] == "degraded"
    assert components["blob-store"]["metrics"]["probe_latency_ms"] == 2500


def test_missing_blobs_are_an_issue_of_the_blob_store() -> None:
    store = MemoryCounters()
    store.data[(MINUTE, key("blob_missing", "ab" * 32))] = 2
    blob = by_id(collection(report(store)))["blob-store"]
    assert blob["status"] == "degraded"
    assert blob["metrics"]["missing_blob_reads"] == 2
    assert blob["issues"][0]["code"] == "blob_missing" and "ab" * 32 in blob["issues"][0]["details"]


def test_unreadable_figures_make_the_api_unknown_not_ok() -> None:
    store = MemoryCounters()
    store.down = True
    components = by_id(collection(report(store)))
    assert components["api"]["status"] == "unknown"
    assert components["api"]["issues"][0]["code"] == "figures_unavailable"
    assert components["rating-engine"]["status"] == "unknown"


def test_upstreams_are_unknown_before_their_first_probe_and_degrade_on_failing_calls() -> None:
    store = MemoryCounters()
    store.data[(MINUTE, key("upstream", "hub.example", 502))] = 4
    store.data[(MINUTE, key("upstream", "hub.example", "error"))] = 2
    store.data[(MINUTE, key("upstream", "hub.example", 200))] = 3
    store.data[(MINUTE, key("upstream", "api.github.example", 200))] = 7
    components = by_id(collection(report(store, {"github": None})))
    hub, github = components["huggingface"], components["github"]
    assert hub["status"] == "degraded"
    assert hub["metrics"]["calls"] == 9 and hub["metrics"]["failed_calls"] == 6
    assert hub["metrics"]["calls{status=502}"] == 4
    assert github["status"] == "unknown" and github["metrics"]["calls"] == 7


def test_the_rating_engine_degrades_when_metrics_keep_failing() -> None:
    store = MemoryCounters()
    store.data[(MINUTE, key("rating", "license", "ok", 2))] = 8
    store.data[(MINUTE, key("rating", "bus_factor", "error", 5))] = 4
    store.data[(MINUTE, key("refusal", "net_score>=0.5"))] = 3
    rating = by_id(collection(report(store)))["rating-engine"]
    assert rating["status"] == "degraded"
    assert rating["metrics"]["metric_failures"] == 4
    assert rating["metrics"]["refusals{rule=net_score>=0.5}"] == 3


def test_the_buffer_reaches_the_store_on_flush_and_keeps_figures_while_it_is_down() -> None:
    store = MemoryCounters()
    buffer = BufferedCounters(store, flush_seconds=60, clock=lambda: NOW)
    buffer.add("a", 2)
    buffer.add("a", 3)
    assert store.data == {}  # nothing written per request
    store.down = True
    buffer.flush()
    buffer.add("a")
    store.down = False
    assert buffer.read(MINUTE, MINUTE) == {(MINUTE, "a"): 6}
    assert store.writes == 1  # one batch for the lot
    buffer.close()


def test_the_buffer_is_bounded_while_the_store_is_down() -> None:
    store = MemoryCounters()
    store.down = True
    buffer = BufferedCounters(store, flush_seconds=60, clock=lambda: NOW)
    for i in range(MAX_PENDING + 10):
        buffer._pending[(MINUTE, f"k{i}")] = 1
    buffer.add("one-more")
    assert buffer.dropped == 1 and len(buffer._pending) == MAX_PENDING + 10
    buffer.add("k0")  # a figure already held still counts
    assert buffer._pending[(MINUTE, "k0")] == 2
    buffer._ticker.stop()


def test_embedded_metric_lines_name_namespace_metrics_and_dimensions() -> None:
    fields = Emf("ModelRegistry").fields(
        {"Source": "github"}, {"Requests": (1, "Count"), "Latency": (12.5, "Milliseconds")}
    )
    directive = fields["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "ModelRegistry"
    # Published without dimensions (what the alarms read) and by source.
    assert directive["Dimensions"] == [[], ["Source"]]
    assert directive["Metrics"] == [
        {"Name": "Requests", "Unit": "Count"},
        {"Name": "Latency", "Unit": "Milliseconds"},
    ]
    assert fields["Requests"] == 1 and fields["Latency"] == 12.5 and fields["Source"] == "github"
    assert isinstance(fields["_aws"]["Timestamp"], int)


def test_log_queries_filter_by_level_component_text_and_request() -> None:
    at = datetime.fromtimestamp(NOW, UTC)
    line = LogLine(
        at, "warning", "registry.sources.github_client", "retry", "r1", '{"x": "Timeout"}'
    )
    assert LogQuery(level="info").matches(line)
    assert not LogQuery(level="error").matches(line)
    assert LogQuery(loggers=("registry.sources.github",)).matches(line)
    assert not LogQuery(loggers=("registry.db",)).matches(line)
    assert LogQuery(text="timeout").matches(line)
    assert not LogQuery(request_id="r2").matches(line)
