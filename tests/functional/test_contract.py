"""The contract, exactly: the served OpenAPI document and the app agree.

- every route the app serves is in the document, and every documented path and method
  is served (pages for people and static files excepted, by name, below);
- every 405 carries `Allow`;
- unknown properties in request bodies are ignored (the contract does not forbid them);
- schemathesis, with every check and every phase (examples, coverage, fuzzing, stateful
  through the document's links), against a live registry seeded with a model, a
  dataset and a code repository from the fake upstreams, finds nothing.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask
from openapi_spec_validator import validate
from werkzeug.exceptions import MethodNotAllowed, NotFound

from registry.app import build_registry, create_app
from registry.db import migrate
from registry.db.session import Database
from tests.conftest import ADMIN, BERT, BOOKCORPUS, GH_BERT, Api, make_settings
from tests.fakes import FakeUpstream
from tests.functional.live_server import serve

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = Path(__file__).with_name("contract")
# The course's contract as it was given (ECE 461 Fall 2025 Phase 2, v3.4.7).
COURSE = CONTRACT / "course-openapi.yaml"
# Pages for people (HTML, the `web` blueprint) and static files: not API operations.
NOT_API = {"static", "web.static"}
NOT_API_BLUEPRINTS = {"web"}
METHODS = ["get", "put", "post", "delete", "patch", "head", "trace"]
# Sample values for documented path parameters, to ask the route table which view
# answers a documented path.
SAMPLE = {"path": "config.json", "filename": "swagger-ui.css", "name": "alice"}


def _document(app: Flask) -> dict[str, Any]:
    text = app.test_client().get("/openapi.yaml").get_data(as_text=True)
    document: dict[str, Any] = yaml.safe_load(text)
    return document


def _is_api(endpoint: str) -> bool:
    return endpoint not in NOT_API and endpoint.split(".", 1)[0] not in NOT_API_BLUEPRINTS


def _concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: SAMPLE.get(m[1], "x1"), path)


def _served(app: Flask, path: str, method: str) -> str | None:
    """The endpoint that answers `method path`, or None."""
    adapter = app.url_map.bind("registry.test")
    try:
        endpoint, _ = adapter.match(_concrete(path), method.upper())
    except (NotFound, MethodNotAllowed):
        return None
    return str(endpoint)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_every_route_is_documented_and_every_documented_route_is_served(app: Flask) -> None:
    document = _document(app)
    validate(document)
    documented: dict[str, set[str]] = {}  # endpoint -> methods its documented paths use
    not_served = []
    for path, item in document["paths"].items():
        for method in METHODS:
            if method not in item:
                continue
            endpoint = _served(app, path, method)
            if endpoint is None or not _is_api(endpoint):
                not_served.append(f"{method.upper()} {path}")
            else:
                documented.setdefault(endpoint, set()).add(method.upper())
    undocumented = [
        f"{method} {rule.rule} ({rule.endpoint})"
        for rule in app.url_map.iter_rules()
        if _is_api(rule.endpoint)
        # HEAD is answered by every GET route (documented where it means something).
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        if method not in documented.get(rule.endpoint, set())
    ]
    assert not_served == []
    assert undocumented == []


def _parameters(path_item: dict[str, Any], operation: dict[str, Any]) -> set[tuple[str, str]]:
    every = path_item.get("parameters", []) + operation.get("parameters", [])
    return {(p["name"], p["in"]) for p in every if "$ref" not in p}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_course_contract_s_operations_are_served_unchanged(app: Flask) -> None:
    """Every operation of the course's document is in the served one, with its
    operationId, its parameters, its request body's media types and every status it
    lists (the served document adds to them, and never drops one)."""
    course = yaml.safe_load(COURSE.read_text())
    served = _document(app)
    changed = []
    for path, item in course["paths"].items():
        for method in METHODS:
            if method not in item:
                continue
            theirs, ours = item[method], served["paths"].get(path, {}).get(method)
            label = f"{method.upper()} {path}"
            if ours is None:
                changed.append(f"{label}: missing")
                continue
            if theirs.get("operationId") not in (None, ours.get("operationId")):
                changed.append(f"{label}: operationId")
            if not _parameters(item, theirs) <= _parameters(served["paths"][path], ours):
                changed.append(f"{label}: parameters")
            body = set(theirs.get("requestBody", {}).get("content", {}))
            if not body <= set(ours.get("requestBody", {}).get("content", {})):
                changed.append(f"{label}: request body")
            if not set(theirs["responses"]) <= set(ours["responses"]):
                changed.append(f"{label}: statuses")
    assert changed == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_every_operation_names_its_security_and_the_document_has_both_schemes(
    app: Flask,
) -> None:
    document = _document(app)
    schemes = document["components"]["securitySchemes"]
    assert schemes["XAuthorization"]["type"] == "apiKey"
    assert schemes["XAuthorization"]["name"] == "X-Authorization"
    assert schemes["BearerAuth"]["scheme"] == "bearer"
    assert document["security"] == [{"XAuthorization": []}, {"BearerAuth": []}]
    public = {"/health", "/health/components", "/tracks", "/openapi.yaml", "/docs"}
    for path in public | {"/docs/assets/{filename}"}:
        assert document["paths"][path]["get"]["security"] == [], path
    assert document["paths"]["/authenticate"]["put"]["security"] == []
    visibility = document["components"]["schemas"]["ArtifactData"]["properties"]["visibility"]
    assert visibility["writeOnly"] is True


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_every_405_carries_allow(app: Flask, api: Api) -> None:
    wrong = []
    for rule in app.url_map.iter_rules():
        path = _concrete(re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule))
        allowed = set(app.url_map.bind("registry.test").allowed_methods(path))
        for method in sorted({"GET", "PUT", "POST", "DELETE", "PATCH", "TRACE"} - allowed):
            resp = api.call(method, path)
            answered = {m.strip() for m in resp.headers.get("Allow", "").split(",") if m}
            if resp.status_code != 405 or answered != allowed:
                wrong.append(f"{method} {path}: {resp.status_code} Allow={answered}")
    assert wrong == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("POST", "/hf/google-bert/bert-base-uncased/resolve/main/config.json", "GET, HEAD"),
        ("POST", "/hf/api/models/google-bert/bert-base-uncased", "GET, HEAD"),
        ("GET", "/hf/api/models/google-bert/bert-base-uncased/paths-info/main", "POST"),
    ],
)
def test_the_hub_api_answers_a_wrong_method_with_405_and_allow(
    api: Api, method: str, path: str, allow: str
) -> None:
    api.ingest("model", BERT)
    resp = api.call(method, path)
    assert resp.status_code == 405, resp.get_data(as_text=True)
    assert resp.headers["Allow"] == allow
    assert "answers" in resp.get_json()["error"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_unknown_properties_in_request_bodies_are_ignored(api: Api, upstream: FakeUpstream) -> None:
    extra = {"comment": "not in the contract", "nested": {"x": [1]}}
    created = api.call(
        "POST", "/artifact/code", json={"url": GH_BERT, **extra, "visibility": {"groups": []}}
    )
    assert created.status_code == 201, created.get_data(as_text=True)
    art = created.get_json()
    ident = art["metadata"]["id"]
    found = api.call("POST", "/artifacts", json=[{"name": "*", **extra}])
    assert found.status_code == 200
    assert api.call("POST", "/artifact/byRegEx", json={"regex": "bert", **extra}).status_code == 200
    update = {
        "metadata": {**art["metadata"], **extra},
        "data": {"url": GH_BERT, **extra},
        **extra,
    }
    assert api.call("PUT", f"/artifacts/code/{ident}", json=update).status_code == 200
    login = api.client.put(
        "/authenticate",
        json={
            "user": {"name": ADMIN["name"], "is_admin": True, **extra},
            "secret": {"password": ADMIN["password"], **extra},
            **extra,
        },
    )
    assert login.status_code == 200, login.get_data(as_text=True)
    # ...and a body that breaks the schema still names what to fix.
    resp = api.call("POST", "/artifact/byRegEx", json={"regexp": "bert"})
    assert resp.status_code == 400
    assert "regex: Field required" in resp.get_json()["message"]


# ---- schemathesis over the whole document, against a live registry ----------------------

GROUP = "contract-team"
SEEDS = {
    "model": (BERT, "bert"),
    "dataset": (BOOKCORPUS, "bookcorpus"),
    "code": (GH_BERT, "bert-code"),
}


@pytest.fixture
def seeded_server(tmp_path: Path, upstream: FakeUpstream) -> Iterator[dict[str, Any]]:
    url = f"sqlite:///{tmp_path / 'contract.db'}"
    db = Database(url)
    migrate.upgrade(db)
    db.dispose()
    # Loopback is refused as an ingest source (the fake Hub and GitHub are trusted as the
    # configured upstreams), so a URL the run finds in a response cannot make the
    # registry fetch from itself.
    settings = make_settings(tmp_path, url, upstream, url_allow_networks=())
    registry = build_registry(settings)
    registry.users.seed()
    try:
        app = create_app(registry=registry)
        admin = Api(app.test_client())
        admin.token = admin.login(ADMIN["name"], ADMIN["password"]).get_json()
        seeded = {
            kind: admin.ingest(kind, source, name)["metadata"]["id"]
            for kind, (source, name) in SEEDS.items()
        }
        assert admin.call("POST", "/groups", json={"name": GROUP}).status_code == 201
        with serve(app) as base:
            yield {"url": base, "token": admin.token, "seeded": seeded}
    finally:
        registry.close()


@pytest.mark.slow
def test_schemathesis_with_every_check_finds_nothing(
    seeded_server: dict[str, Any], tmp_path: Path
) -> None:
    base = seeded_server["url"]
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.functional.contract_hooks",
        "PYTHONPATH": str(ROOT),
        "REGISTRY_CONTRACT_URL": base,
        "REGISTRY_CONTRACT_TOKEN": seeded_server["token"],
        "REGISTRY_CONTRACT_GROUP": GROUP,
        "REGISTRY_CONTRACT_ADMIN": json.dumps([ADMIN["name"], ADMIN["password"]]),
        "REGISTRY_CONTRACT_SEEDED": json.dumps(seeded_server["seeded"]),
        "REGISTRY_CONTRACT_SOURCES": json.dumps({k: list(v) for k, v in SEEDS.items()}),
    }
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--config-file",
        str(CONTRACT / "schemathesis.toml"),
        "--no-color",
        "run",
        f"{base}/openapi.yaml",
        "--checks",
        "all",
        "--generation-with-security-parameters",
        "false",
        "--max-examples",
        os.environ.get("REGISTRY_CONTRACT_EXAMPLES", "10"),
        "--seed",
        "461",
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--generation-deterministic",
        "--report",
        "junit",
        "--report-dir",
        str(tmp_path / "report"),
    ]
    done = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    Path(os.environ.get("REGISTRY_CONTRACT_LOG", os.devnull)).write_text(done.stdout + done.stderr)
    assert done.returncode == 0, done.stdout[-20000:] + done.stderr[-5000:]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_values_the_document_refuses_are_refused(api: Api) -> None:
    """What the document's types and patterns rule out is a 400 naming the field, not a
    silent default (found by the contract run's negative cases)."""
    model = api.ingest("model", BERT)["metadata"]["id"]
    for path in (
        f"/artifact/model/{model}/rate?evidence=1",
        f"/artifact/model/{model}/cost?dependency=maybe",
        "/health/components?includeTimeline=-3",
        "/audit?until=",
        "/audit?artifact=no%20such",
        f"/download/{model}?part=Weights",
        "/hf/api/models/google-bert/bert-base-uncased?blobs=5e-324",
    ):
        resp = api.call("GET", path)
        assert resp.status_code == 400, path
    assert api.call("GET", f"/artifact/model/{model}/rate?evidence=TRUE").status_code == 200
    assert "evidence" in api.call("GET", f"/artifact/model/{model}/rate?evidence=true").get_json()
    no_role = {"user": {"name": ADMIN["name"]}, "secret": {"password": ADMIN["password"]}}
    assert api.client.put("/authenticate", json=no_role).status_code == 400
    null_types = api.call("POST", "/artifacts", json=[{"name": "*", "types": None}])
    assert null_types.status_code == 400
    # An id the pattern allows but no artifact can have (ids are at most 64 characters).
    assert api.call("GET", f"/artifacts/model/{'a' * 65}").status_code == 404
    assert api.call("GET", "/artifacts/model/abc%0A").status_code == 400


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_lineage_nodes_carry_the_node_the_contract_requires(api: Api) -> None:
    model = api.ingest("model", BERT)["metadata"]["id"]
    graph = api.call("GET", f"/artifact/model/{model}/lineage").get_json()
    assert graph["nodes"]
    assert all(n["node"] == n["artifact_id"] for n in graph["nodes"])
