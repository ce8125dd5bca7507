"""schemathesis hooks for the contract run (tests/functional/test_contract.py), loaded by
the `schemathesis` command through SCHEMATHESIS_HOOKS.

- Every request carries the run's admin token (an auth provider, so the `ignored_auth`
  check knows to send requests without it too); DELETE /authenticate, which revokes the
  token it is sent with, gets a token of its own.
- Random ids only ever reach a 404; so that operations reach their real logic, a
  well-formed `id` in a path is often one of the artifacts seeded before the run (of
  the type the path names). Malformed ids (negative cases) are left as they are.
- Hub repository ids, group and user names are often ones the registry has, and an
  ingest now and then names a source the fake upstreams have.
- A DELETE /reset that succeeds empties the registry: the artifacts are ingested again.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

import requests
import schemathesis
from hypothesis import strategies as st

BASE_URL = os.environ.get("REGISTRY_CONTRACT_URL", "")
TOKEN = os.environ.get("REGISTRY_CONTRACT_TOKEN", "")
# {"model": [url, name], ...}: what to ingest again after a reset
SOURCES: dict[str, list[str]] = json.loads(os.environ.get("REGISTRY_CONTRACT_SOURCES", "{}"))
SEEDED: dict[str, str] = json.loads(os.environ.get("REGISTRY_CONTRACT_SEEDED", "{}"))
ADMIN: list[str] = json.loads(os.environ.get("REGISTRY_CONTRACT_ADMIN", '["", ""]'))
HUB_REPO = ("google-bert", "bert-base-uncased")  # the seeded model's upstream id
GROUP = os.environ.get("REGISTRY_CONTRACT_GROUP", "")
WELL_FORMED_ID = re.compile(r"[a-zA-Z0-9-]{1,64}")


@schemathesis.auth()
class RegistryToken:
    def get(self, case: Any, context: Any) -> str:
        return TOKEN

    def set(self, case: Any, data: str, context: Any) -> None:
        case.headers = case.headers or {}
        case.headers["X-Authorization"] = data


def _kind(path_parameters: dict[str, Any], path: str) -> str:
    kind = path_parameters.get("artifact_type")
    if isinstance(kind, str) and kind in SEEDED:
        return kind
    return "model" if "/model/" in path or path.startswith("/download/") else "code"


def _known(method: str, path: str, params: dict[str, Any]) -> dict[str, Any] | None:
    """Names the registry has, for the Hub-compatible API, groups and users."""
    if not all(isinstance(v, str) and v for v in params.values()):
        return None
    if path.startswith("/hf/"):
        hub = {"namespace": HUB_REPO[0], "repo": HUB_REPO[1], "revision": "main"}
        return {**params, **{k: v for k, v in hub.items() if k in params}}
    if (path.startswith("/groups/") and method != "DELETE") or "/members/" in path:
        return {**params, "name": GROUP, **({"user": ADMIN[0]} if "user" in params else {})}
    if path == "/users/{name}" and method == "GET":
        return {**params, "name": ADMIN[0]}
    return None


@schemathesis.hook
def flatmap_path_parameters(
    context: schemathesis.HookContext, path_parameters: dict[str, Any] | None
) -> st.SearchStrategy[dict[str, Any] | None]:
    operation = context.operation
    if operation is None or not path_parameters:
        return st.just(path_parameters)
    known = _known(operation.method.upper(), operation.path, path_parameters)
    if known is not None:
        return st.sampled_from([known, known, path_parameters])
    if "id" not in path_parameters:
        return st.just(path_parameters)
    ident = path_parameters["id"]
    if not isinstance(ident, str) or not WELL_FORMED_ID.fullmatch(ident):
        return st.just(path_parameters)
    path = operation.path
    # Deleting a seeded artifact would leave later operations nothing to reach.
    if operation.method.upper() == "DELETE" and path == "/artifacts/{artifact_type}/{id}":
        return st.just(path_parameters)
    kind = _kind(path_parameters, path)
    seeded = {**path_parameters, "id": SEEDED.get(kind, ident)}
    return st.sampled_from([seeded, seeded, path_parameters])


# Sources the fake upstreams have, so some ingests succeed and the stateful phase follows
# the document's links from a new artifact (the seeds are taken: those answer 409).
SOURCES_BY_TYPE = {
    "model": [
        "https://huggingface.co/acme/bert-finetuned-sst2",
        "https://huggingface.co/acme/no-card-model",
    ],
    "dataset": ["https://huggingface.co/datasets/stanfordnlp/sst2"],
    "code": ["https://github.com/openai/whisper"],
}


@schemathesis.hook
def flatmap_case(context: schemathesis.HookContext, case: Any) -> st.SearchStrategy[Any]:
    """Now and then, an ingest names a source the fakes have (schemathesis checks the
    changed case against the document again, so a negative case stays one only if it
    still breaks it)."""
    operation = context.operation
    if operation is None or operation.path != "/artifact/{artifact_type}":
        return st.just(case)
    kind = (case.path_parameters or {}).get("artifact_type")
    body = case.body
    if kind not in SOURCES_BY_TYPE or not isinstance(body, dict) or "url" not in body:
        return st.just(case)

    def with_source(url: str | None) -> Any:
        if url is not None:
            case.body = {**body, "url": url}
        return case

    return st.sampled_from([None, *SOURCES_BY_TYPE[kind]]).map(with_source)


@schemathesis.hook
def before_call(context: schemathesis.HookContext, case: Any, kwargs: dict[str, Any]) -> None:
    """DELETE /authenticate revokes the token it is sent with: never the run's own."""
    if case.operation.path != "/authenticate" or case.method.upper() != "DELETE":
        return
    headers = case.headers or {}
    if TOKEN not in (headers.get("X-Authorization"), headers.get("Authorization")):
        return
    resp = requests.put(
        f"{BASE_URL}/authenticate",
        json={"user": {"name": ADMIN[0], "is_admin": True}, "secret": {"password": ADMIN[1]}},
        timeout=30,
    )
    resp.raise_for_status()
    for name in ("X-Authorization", "Authorization"):
        if headers.get(name) == TOKEN:
            headers[name] = resp.json()


def _ingest(kind: str, url: str, name: str) -> str:
    auth = {"X-Authorization": TOKEN}
    resp = requests.post(
        f"{BASE_URL}/artifact/{kind}", json={"url": url, "name": name}, headers=auth, timeout=60
    )
    if resp.status_code == 409:  # ingested again already (the reset was answered twice)
        found = requests.get(f"{BASE_URL}/artifact/byName/{name}", headers=auth, timeout=30)
        found.raise_for_status()
        return str(next(a["id"] for a in found.json() if a["type"] == kind))
    resp.raise_for_status()
    return str(resp.json()["metadata"]["id"])


@schemathesis.hook
def after_call(context: schemathesis.HookContext, case: Any, response: Any) -> None:
    operation = context.operation
    if operation is None or operation.path != "/reset" or response.status_code != 200:
        return
    for kind, (url, name) in SOURCES.items():
        SEEDED[kind] = _ingest(kind, url, name)
