"""GET /artifact/model/{id}/rate, the ingest policy gate (424) and `registry rate`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from registry.services.container import Registry
from registry.settings import DEFAULT_INGEST_POLICY
from tests.conftest import BERT, BOOKCORPUS, FINETUNE, Api, MakeApi
from tests.fakes import FakeUpstream
from tests.jail_support import jail_or_skip

HF = "https://huggingface.co"
FIELDS = {
    "name", "category", "net_score", "ramp_up_time", "bus_factor", "performance_claims",
    "license", "dataset_and_code_score", "dataset_quality", "code_quality",
    "reproducibility", "reviewedness", "tree_score", "size_score",
}  # fmt: skip
DEVICES = {"raspberry_pi", "jetson_nano", "desktop_pc", "aws_server"}


@pytest.fixture
def gated(make_api: MakeApi) -> tuple[Api, Registry]:
    """A registry with the default ingest policy and an admin on it."""
    return make_api(ingest_policy=DEFAULT_INGEST_POLICY)


def _check_shape(rating: dict[str, object]) -> None:
    latencies = {f"{f}_latency" for f in FIELDS - {"name", "category"}}
    assert set(rating) == FIELDS | latencies
    for key, value in rating.items():
        if key.endswith("_latency"):
            assert isinstance(value, float) and value >= 0, key
        elif key == "size_score":
            assert isinstance(value, dict) and set(value) == DEVICES
            assert all(0 <= v <= 1 for v in value.values())
        elif key == "reviewedness":
            assert value == -1 or 0 <= value <= 1  # type: ignore[operator]
        elif key not in {"name", "category"}:
            assert isinstance(value, float) and 0 <= value <= 1, key


def test_a_good_model_is_admitted_and_rated(gated: tuple[Api, Registry]) -> None:
    api, reg = gated
    art = api.ingest("model", BERT)
    resp = api.call("GET", f"/artifact/model/{art['metadata']['id']}/rate")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    rating = resp.get_json()
    _check_shape(rating)
    assert rating["name"] == "bert-base-uncased"
    assert rating["net_score"] >= 0.5
    assert rating["license"] == 1.0
    # The rating computed at ingest is the one served, unchanged.
    again = api.call("GET", f"/artifact/model/{art['metadata']['id']}/rate").get_json()
    assert again == rating
    with reg.db.engine.connect() as conn:
        actions = conn.execute(text("SELECT action FROM audit_events ORDER BY id")).scalars().all()
    assert actions == ["CREATE", "RATE", "RATE"]
    explained = api.call("GET", f"/artifact/model/{art['metadata']['id']}/rate?evidence=true")
    evidence = explained.get_json()["evidence"]
    # Each metric's, and the pickle scan's (not a ModelRating field; test_model_files.py).
    assert set(evidence) == FIELDS - {"name", "category"} | {"pickle_safety"}
    assert all(isinstance(e, list) and e for e in evidence.values())
    assert any(
        "license" in line.lower() or "apache" in line.lower() for line in evidence["license"]
    )


@pytest.mark.parametrize("repo", ["acme/no-card-model", "acme/noncommercial-model"])
def test_models_failing_the_policy_get_424_and_leave_nothing(
    gated: tuple[Api, Registry], repo: str
) -> None:
    api, reg = gated
    resp = api.call("POST", "/artifact/model", json={"url": f"{HF}/{repo}"})
    assert resp.status_code == 424
    body = resp.get_json()
    assert DEFAULT_INGEST_POLICY in body["message"]
    assert "license=" in body["details"]["failures"][0]
    assert api.enumerate([{"name": "*"}]).get_json() == []
    assert list(reg.blobs.iter_blobs()) == []


def test_datasets_and_code_are_not_gated(gated: tuple[Api, Registry]) -> None:
    api, _reg = gated
    api.ingest("dataset", BOOKCORPUS)
    api.ingest("code", "https://github.com/acme/unlicensed-tool")


def test_policies_can_name_metrics(make_api: MakeApi) -> None:
    api, _ = make_api(ingest_policy="license>=0.5,size_score.raspberry_pi>=0.5")
    api.ingest("model", f"{HF}/acme/solo-model")
    resp = api.call("POST", "/artifact/model", json={"url": f"{HF}/acme/noncommercial-model"})
    assert resp.status_code == 424
    assert "license=" in resp.get_json()["message"]


def test_an_update_that_fails_the_policy_keeps_the_previous_version(
    gated: tuple[Api, Registry],
) -> None:
    api, _reg = gated
    art = api.ingest("model", f"{HF}/acme/solo-model")
    ident = art["metadata"]["id"]
    before = api.call("GET", f"/artifact/model/{ident}/rate").get_json()
    body = {"metadata": art["metadata"], "data": {"url": f"{HF}/acme/no-card-model"}}
    assert api.call("PUT", f"/artifacts/model/{ident}", json=body).status_code == 424
    assert api.call("GET", f"/artifacts/model/{ident}").get_json() == art
    assert api.call("GET", f"/artifact/model/{ident}/rate").get_json() == before


def test_rate_errors(api: Api) -> None:
    dataset = api.ingest("dataset", BOOKCORPUS)["metadata"]["id"]
    assert api.call("GET", f"/artifact/model/{dataset}/rate").status_code == 404
    assert api.call("GET", "/artifact/model/1234567/rate").status_code == 404
    assert api.call("GET", "/artifact/model/bad%20id/rate").status_code == 400
    assert Api(api.client).call("GET", f"/artifact/model/{dataset}/rate").status_code == 403


def test_a_metric_that_cannot_be_computed_is_a_500_naming_it_and_the_upstream(api: Api) -> None:
    # The linked GitHub repository answers 500, so the metrics that read it fail; with no
    # policy to satisfy the model is stored, and /rate cannot complete its rating.
    art = api.ingest("model", f"{HF}/acme/flaky-links-model")
    resp = api.call("GET", f"/artifact/model/{art['metadata']['id']}/rate")
    assert resp.status_code == 500
    body = resp.get_json()
    assert "code_quality" in body["message"] and "reviewedness" in body["message"]
    assert "GitHub answered 500" in body["message"]
    assert "code_quality" in body["details"]["failed_metrics"]
    assert body["details"]["upstreams"] == ["GitHub"]


def test_an_upstream_failure_at_ingest_is_a_502_not_a_refusal(
    gated: tuple[Api, Registry],
) -> None:
    api, _reg = gated
    resp = api.call("POST", "/artifact/model", json={"url": f"{HF}/acme/flaky-links-model"})
    assert resp.status_code == 502
    body = resp.get_json()
    assert body["details"]["upstream"] == "GitHub"
    assert "a retry may succeed" in body["message"]
    assert "code_quality" in body["details"]["missing"]


def test_tree_score_is_the_parents_net_score(api: Api) -> None:
    parent = api.ingest("model", BERT)["metadata"]["id"]
    child = api.ingest("model", FINETUNE)["metadata"]["id"]
    parent_net = api.call("GET", f"/artifact/model/{parent}/rate").get_json()["net_score"]
    child_rating = api.call("GET", f"/artifact/model/{child}/rate").get_json()
    assert child_rating["tree_score"] == pytest.approx(parent_net, abs=1e-4)


def test_missing_rating_is_computed_once_for_concurrent_requests(
    api: Api, registry: Registry, app: object
) -> None:
    ident = api.ingest("model", BERT)["metadata"]["id"]
    with registry.db.transaction() as session:
        session.execute(text("DELETE FROM ratings"))
    calls = []
    real = registry.ratings.engine.rate

    def counting(subject: object) -> object:
        calls.append(subject)
        return real(subject)  # type: ignore[arg-type]

    registry.ratings.engine.rate = counting  # type: ignore[method-assign]
    results: list[dict[str, object]] = []

    def ask() -> None:
        client = Api(app.test_client(), api.token)  # type: ignore[attr-defined]
        results.append(client.call("GET", f"/artifact/model/{ident}/rate").get_json())

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert len(results) == 4 and all(r == results[0] for r in results)


def test_an_update_is_rated_again(api: Api) -> None:
    art = api.ingest("model", f"{HF}/acme/solo-model")
    ident = art["metadata"]["id"]
    first = api.call("GET", f"/artifact/model/{ident}/rate").get_json()
    body = {"metadata": art["metadata"], "data": {"url": BERT}}
    assert api.call("PUT", f"/artifacts/model/{ident}", json=body).status_code == 200
    second = api.call("GET", f"/artifact/model/{ident}/rate").get_json()
    assert second["performance_claims"] != first["performance_claims"]


def test_the_same_snapshot_rated_twice_without_the_cache_is_identical(
    make_api: MakeApi, upstream: FakeUpstream
) -> None:
    _, reg = make_api(rating_cache_seconds=0)
    upstream.clear_logs()
    a, _ = reg.ratings.rate_url(BERT)
    b, _ = reg.ratings.rate_url(BERT)
    # Both ratings asked GitHub: the second was computed, not served from a cache.
    assert upstream.github_requests.count("/repos/google-research/bert") == 2

    def content(payload: dict[str, object]) -> dict[str, object]:
        rating = payload["rating"]
        assert isinstance(rating, dict)
        return {**payload, "rating": {k: v for k, v in rating.items() if "latency" not in k}}

    first, second = content(a.payload()), content(b.payload())
    assert first == second  # every score, and every line of evidence
    assert first["errors"] == {} and len(first["evidence"]) == 12  # type: ignore[arg-type]


def test_examples_run_in_the_sandbox_when_enabled(make_api: MakeApi) -> None:
    jail_or_skip()  # examples enabled on a host without the jail refuse to start
    _, static = make_api()
    _, executed = make_api(rating_execute_examples=True)
    for reg, expected in ((static, 1.0), (executed, 0.5)):
        rating, _ = reg.ratings.rate_url(f"{HF}/acme/failing-example")
        assert rating.model_rating()["reproducibility"] == expected
    runs, _ = executed.ratings.rate_url(f"{HF}/acme/runnable-example")
    assert runs.model_rating()["reproducibility"] == 1.0
    broken, _ = static.ratings.rate_url(f"{HF}/acme/broken-example")
    assert broken.model_rating()["reproducibility"] == 0.5


@pytest.mark.slow
def test_registry_rate_prints_ndjson(tmp_path: Path, upstream: FakeUpstream) -> None:
    urls = tmp_path / "urls.txt"
    urls.write_text(f"# models to check\n{BERT}\n\n{HF}/acme/no-card-model\n")
    env = {
        **os.environ,
        "DATA_DIR": str(tmp_path / "data"),
        "HF_ENDPOINT": upstream.hf_endpoint,
        "GITHUB_API_URL": upstream.github_api_url,
        "UPSTREAM_RETRIES": "0",
    }
    run = subprocess.run(
        [sys.executable, "-m", "registry", "rate", "--file", str(urls), f"{HF}/acme/solo-model"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    assert [r["name"] for r in lines] == ["solo-model", "bert-base-uncased", "no-card-model"]
    for rating in lines:
        _check_shape(rating)
    missing = subprocess.run(
        [sys.executable, "-m", "registry", "rate", f"{HF}/acme/does-not-exist"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert missing.returncode == 1
    assert missing.stdout == ""
    assert "does-not-exist" in missing.stderr


def test_upstream_answers_are_cached_between_ratings(
    registry: Registry, upstream: FakeUpstream
) -> None:
    upstream.clear_logs()
    registry.ratings.rate_url(BERT)
    first = upstream.github_requests.count("/repos/google-research/bert")
    registry.ratings.rate_url(f"{HF}/acme/bert-finetuned-sst2")  # links no GitHub repo
    registry.ratings.rate_url(BERT)
    assert first == 1
    assert upstream.github_requests.count("/repos/google-research/bert") == 1
