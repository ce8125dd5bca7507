"""Every endpoint against every permission set, walked from the app's route table.

An endpoint added without a declared permission, or without a sample request here,
fails `test_every_route_declares_a_permission_and_has_a_sample`; the matrix then checks
that each declared rule holds: a caller with the permission is served (2xx), one
without is refused with 403 naming the permission (401 for reset, as the spec says),
a caller without a token is refused, and public routes need no token.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from registry.api.access import Rule, rule_of
from registry.app import create_app
from registry.services.container import Registry
from tests.conftest import ADMIN, BERT, GH_BERT, Api
from tests.fakes import FakeUpstream
from tests.functional.access_support import add_group, add_user, ingest_private

README = Path(__file__).resolve().parents[2] / "README.md"
PERMISSION_SETS: dict[str, list[str]] = {
    "none": [],
    "search": ["search"],
    "upload": ["upload"],
    "download": ["download"],
    "all but admin": ["search", "upload", "download"],
    "admin": ["admin"],
}
TEAM = "team"


@dataclass
class Ctx:
    """What the sample requests act on: a private model the callers' team may see, and
    fresh artifacts, groups and users for requests that change or delete them."""

    admin: Api
    upstream: FakeUpstream
    model: str = ""
    counter: itertools.count[int] = field(default_factory=itertools.count)

    def fresh(self, prefix: str) -> str:
        return f"{prefix}{next(self.counter)}"

    def fresh_url(self, path: str = "/files/weights.bin") -> str:
        return f"{self.upstream.files_url}{path}?v={self.fresh('')}"

    def fresh_artifact(self, kind: str = "code") -> dict[str, Any]:
        path = "/files/bundle.zip" if kind == "model" else "/files/weights.bin"
        return ingest_private(self.admin, kind, self.fresh_url(path), [TEAM])

    def fresh_monitored_model(self) -> str:
        model = self.fresh_artifact("model")["metadata"]["id"]
        put = self.admin.call(
            "PUT", f"/artifacts/model/{model}/monitor", json={"program": "process.exit(0)"}
        )
        assert put.status_code == 200, put.get_data(as_text=True)
        return str(model)

    def fresh_group(self, members: tuple[str, ...] = ()) -> str:
        name = self.fresh("group-")
        add_group(self.admin, name, members)
        return name


Call = tuple[str, str, dict[str, Any]]
Sample = Callable[[Ctx, str], Call]


def _update(ctx: Ctx, _caller: str) -> Call:
    art = ctx.fresh_artifact()
    body = {"metadata": art["metadata"], "data": {"url": ctx.fresh_url()}}
    return "PUT", f"/artifacts/code/{art['metadata']['id']}", {"json": body}


def _user_change(_ctx: Ctx, caller: str) -> Call:
    secret = {
        "password": "a-changed-passphrase",
        "current_password": caller + "-has-a-long-passphrase",
    }
    return "PUT", f"/users/{caller}", {"json": {"secret": secret}}


SAMPLES: dict[str, Sample] = {
    "artifacts.enumerate_artifacts": lambda c, u: ("POST", "/artifacts", {"json": [{"name": "*"}]}),
    "artifacts.create_artifact": lambda c, u: (
        "POST",
        "/artifact/code",
        {"json": {"url": c.fresh_url(), "visibility": {"groups": [TEAM]}}},
    ),
    "artifacts.get_artifact": lambda c, u: ("GET", f"/artifacts/model/{c.model}", {}),
    "artifacts.artifact_details": lambda c, u: ("GET", f"/artifacts/model/{c.model}/details", {}),
    "artifacts.update_artifact": _update,
    "artifacts.delete_artifact": lambda c, u: (
        "DELETE",
        f"/artifacts/code/{c.fresh_artifact()['metadata']['id']}",
        {},
    ),
    "artifacts.rate_model": lambda c, u: ("GET", f"/artifact/model/{c.model}/rate", {}),
    "artifacts.lineage": lambda c, u: ("GET", f"/artifact/model/{c.model}/lineage", {}),
    "artifacts.cost": lambda c, u: ("GET", f"/artifact/model/{c.model}/cost", {}),
    "artifacts.license_check": lambda c, u: (
        "POST",
        f"/artifact/model/{c.model}/license-check",
        {"json": {"github_url": GH_BERT}},
    ),
    "artifacts.by_name": lambda c, u: ("GET", "/artifact/byName/bert-base-uncased", {}),
    "artifacts.by_regex": lambda c, u: ("POST", "/artifact/byRegEx", {"json": {"regex": "bert"}}),
    "audit.artifact_audit": lambda c, u: ("GET", f"/artifact/model/{c.model}/audit", {}),
    "audit.audit_trail": lambda c, u: ("GET", "/audit?action=CREATE", {}),
    "download.download": lambda c, u: ("GET", f"/download/{c.model}?part=config", {}),
    "hub.hub": lambda c, u: ("GET", f"/hf/api/models/artifacts/{c.model}", {}),
    "groups.create_group": lambda c, u: ("POST", "/groups", {"json": {"name": c.fresh("g-")}}),
    "groups.list_groups": lambda c, u: ("GET", "/groups", {}),
    "groups.get_group": lambda c, u: ("GET", f"/groups/{TEAM}", {}),
    "groups.delete_group": lambda c, u: ("DELETE", f"/groups/{c.fresh_group()}", {}),
    "groups.add_member": lambda c, u: ("PUT", f"/groups/{c.fresh_group()}/members/{u}", {}),
    "groups.remove_member": lambda c, u: (
        "DELETE",
        f"/groups/{c.fresh_group((u,))}/members/{u}",
        {},
    ),
    "groups.get_visibility": lambda c, u: ("GET", f"/artifacts/model/{c.model}/visibility", {}),
    "groups.set_visibility": lambda c, u: (
        "PUT",
        f"/artifacts/code/{c.fresh_artifact()['metadata']['id']}/visibility",
        {"json": {"groups": [TEAM]}},
    ),
    "monitors.put_monitor": lambda c, u: (
        "PUT",
        f"/artifacts/model/{c.fresh_artifact('model')['metadata']['id']}/monitor",
        {"data": "process.exit(0)", "content_type": "application/javascript"},
    ),
    "monitors.get_monitor": lambda c, u: (
        "GET",
        f"/artifacts/model/{c.fresh_monitored_model()}/monitor",
        {},
    ),
    "monitors.monitor_versions": lambda c, u: (
        "GET",
        f"/artifacts/model/{c.fresh_monitored_model()}/monitor/versions",
        {},
    ),
    "monitors.delete_monitor": lambda c, u: (
        "DELETE",
        f"/artifacts/model/{c.fresh_monitored_model()}/monitor",
        {},
    ),
    "system.sign_out": lambda c, u: ("DELETE", "/authenticate", {}),
    "system.reset": lambda c, u: ("DELETE", "/reset", {}),
    "users.register_user": lambda c, u: (
        "POST",
        "/users",
        {
            "json": {
                "user": {"name": c.fresh("new-user-"), "is_admin": False},
                "secret": {"password": "a-new-users-passphrase"},
            }
        },
    ),
    "users.list_users": lambda c, u: ("GET", "/users", {}),
    "users.get_user": lambda c, u: ("GET", f"/users/{u}", {}),
    "users.update_user": _user_change,
    "users.delete_user": lambda c, u: ("DELETE", f"/users/{u}", {}),
    # public
    "system.health": lambda c, u: ("GET", "/health", {}),
    "system.tracks": lambda c, u: ("GET", "/tracks", {}),
    "system.authenticate": lambda c, u: (
        "PUT",
        "/authenticate",
        {
            "json": {
                "user": {"name": ADMIN["name"], "is_admin": True},
                "secret": {"password": ADMIN["password"]},
            }
        },
    ),
    "system.openapi": lambda c, u: ("GET", "/openapi.yaml", {}),
    "system.docs": lambda c, u: ("GET", "/docs", {}),
    "system.docs_assets": lambda c, u: ("GET", "/docs/assets/swagger-ui.css", {}),
    "system.health_components": lambda c, u: ("GET", "/health/components", {}),
    "system.metrics": lambda c, u: ("GET", "/metrics", {}),
    "static": lambda c, u: ("GET", "/static/none.css", {}),
    "web.static": lambda c, u: ("GET", "/web/static/registry.css", {}),
    # pages for people: their session rules are checked in tests/functional/test_web_*.py
    "web.signin": lambda c, u: ("GET", "/signin", {}),
    "web.signin_submit": lambda c, u: ("POST", "/signin", {}),
    "web.signout": lambda c, u: ("POST", "/signout", {}),
    "web.dashboard": lambda c, u: ("GET", "/dashboard", {}),
    "web.dashboard_data": lambda c, u: ("GET", "/dashboard/data", {}),
    "web.dashboard_logs": lambda c, u: ("GET", "/dashboard/logs", {}),
    "web.dashboard_artifacts": lambda c, u: ("GET", "/dashboard/artifacts", {}),
    "web.dashboard_workload": lambda c, u: ("POST", "/dashboard/workload", {}),
    "web.home": lambda c, u: ("GET", "/", {}),
    "web.search": lambda c, u: ("GET", "/search", {}),
    "web.artifact": lambda c, u: ("GET", f"/view/model/{c.model}", {}),
    "web.download": lambda c, u: ("GET", f"/view/model/{c.model}/download", {}),
    "web.license_check": lambda c, u: ("POST", f"/view/model/{c.model}/license-check", {}),
    "web.audit": lambda c, u: ("GET", f"/view/model/{c.model}/audit", {}),
    "web.update": lambda c, u: ("POST", f"/view/model/{c.model}/update", {}),
    "web.confirm_delete": lambda c, u: ("GET", f"/view/model/{c.model}/delete", {}),
    "web.delete": lambda c, u: ("POST", f"/view/model/{c.model}/delete", {}),
    "web.ingest": lambda c, u: ("GET", "/ingest", {}),
    "web.ingest_submit": lambda c, u: ("POST", "/ingest", {}),
    "web.admin": lambda c, u: ("GET", "/admin", {}),
    "web.admin_users": lambda c, u: ("GET", "/admin/users", {}),
    "web.admin_create_user": lambda c, u: ("POST", "/admin/users", {}),
    "web.admin_set_permissions": lambda c, u: ("POST", f"/admin/users/{u}/permissions", {}),
    "web.admin_delete_user": lambda c, u: ("POST", f"/admin/users/{u}/delete", {}),
    "web.admin_groups": lambda c, u: ("GET", "/admin/groups", {}),
    "web.admin_create_group": lambda c, u: ("POST", "/admin/groups", {}),
    "web.admin_add_member": lambda c, u: ("POST", f"/admin/groups/{TEAM}/members", {}),
    "web.admin_remove_member": lambda c, u: (
        "POST",
        f"/admin/groups/{TEAM}/members/{u}/remove",
        {},
    ),
    "web.admin_delete_group": lambda c, u: ("POST", f"/admin/groups/{TEAM}/delete", {}),
    "web.admin_reset": lambda c, u: ("GET", "/admin/reset", {}),
    "web.admin_reset_submit": lambda c, u: ("POST", "/admin/reset", {}),
}


def _endpoints(app: Flask) -> dict[str, Rule | None]:
    return {r.endpoint: rule_of(app, r.endpoint) for r in app.url_map.iter_rules()}


def test_every_route_declares_a_permission_and_has_a_sample(app: Flask) -> None:
    endpoints = _endpoints(app)
    assert sorted(e for e, rule in endpoints.items() if rule is None) == []
    assert sorted(set(endpoints) - set(SAMPLES)) == []
    assert sorted(set(SAMPLES) - set(endpoints)) == []


def test_an_undeclared_route_serves_no_one(registry: Registry) -> None:
    app = create_app(registry)
    app.add_url_rule("/forgotten", "forgotten", lambda: "secret")
    anonymous = Api(app.test_client())
    admin = Api(anonymous.client, anonymous.login(ADMIN["name"], ADMIN["password"]).get_json())
    resp = admin.call("GET", "/forgotten")
    assert resp.status_code == 500
    assert resp.get_json()["error"] == "undeclared_endpoint"


def _expected(rule: Rule, held: list[str]) -> str:
    if rule.permission is None or "admin" in held or rule.permission.value in held:
        return "served"
    return "401" if rule.spec_401 else "403"


def _names_permission(rule: Rule, message: str) -> bool:
    return rule.permission is not None and f"'{rule.permission.value}' permission" in message


def _outcome(resp: Any) -> str:
    if 200 <= resp.status_code < 300:
        return "served"
    return str(resp.status_code)


# The rules are the routes', not the database's: one backend (visibility, which is SQL,
# runs on both in test_visibility_matrix.py).
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_permission_matrix(app: Flask, api: Api, upstream: FakeUpstream) -> None:
    ctx = Ctx(api, upstream)
    add_group(api, TEAM)
    ctx.model = ingest_private(api, "model", BERT, [TEAM])["metadata"]["id"]
    rules = {e: r for e, r in _endpoints(app).items() if r is not None}
    wrong: list[str] = []

    for endpoint, rule in sorted(rules.items()):
        if rule.page:
            continue  # a browser session decides, not a token (tests/functional/test_web_*)
        if rule.public:
            method, path, kwargs = SAMPLES[endpoint](ctx, ADMIN["name"])
            resp = Api(api.client).call(method, path, **kwargs)
            if resp.status_code in (401, 403) or resp.status_code >= 500:
                wrong.append(f"public {endpoint}: {resp.status_code}")
            continue
        method, path, kwargs = SAMPLES[endpoint](ctx, ADMIN["name"])
        anonymous = Api(api.client).call(method, path, **kwargs)
        if anonymous.status_code not in (401, 403):
            wrong.append(f"{endpoint} without a token: {anonymous.status_code}")
        for label, held in PERMISSION_SETS.items():
            if endpoint == "system.reset" and "admin" in held:
                continue  # it would empty the registry: run last, below
            name = ctx.fresh("caller-")
            caller = add_user(api, name, held)
            assert api.call("PUT", f"/groups/{TEAM}/members/{name}").status_code == 200
            method, path, kwargs = SAMPLES[endpoint](ctx, name)
            resp = caller.call(method, path, **kwargs)
            expected, got = _expected(rule, held), _outcome(resp)
            if got != expected:
                wrong.append(f"{endpoint} as {label}: {got} ({resp.get_data(as_text=True)[:200]})")
            elif got == "403" and not _names_permission(rule, resp.get_data(as_text=True)):
                wrong.append(f"{endpoint} as {label}: 403 without naming the permission")

    admin = add_user(api, "last-admin", ["admin"])
    assert admin.call("DELETE", "/reset").status_code == 200
    assert wrong == []


def _doc_path(rule: str) -> str:
    renamed = {"type_name": "artifact_type", "id_": "id", "rest": "path"}
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: "{" + renamed.get(m[1], m[1]) + "}", rule)


def test_the_readme_table_states_every_rule(app: Flask) -> None:
    readme = README.read_text()
    missing = []
    for url_rule in app.url_map.iter_rules():
        rule = rule_of(app, url_rule.endpoint)
        assert rule is not None
        for method in sorted(url_rule.methods - {"HEAD", "OPTIONS"}):
            row = f"| `{method} {_doc_path(url_rule.rule)}` | {rule.describe()} |"
            if row not in readme:
                missing.append(row)
    assert missing == []


def test_upload_alone_does_not_let_a_user_change_someone_elses_artifact(
    api: Api, upstream: FakeUpstream
) -> None:
    """`upload` alone is not enough to change someone else's artifact."""
    art = api.ingest("code", f"{upstream.files_url}/files/weights.bin?v=owner")
    other = add_user(api, "outsider", ["upload", "search"])
    resp = other.call("DELETE", f"/artifacts/code/{art['metadata']['id']}")
    assert resp.status_code == 403
    assert "only the uploader" in resp.get_json()["message"]
    own = other.ingest("code", f"{upstream.files_url}/files/weights.bin?v=own")
    assert other.call("DELETE", f"/artifacts/code/{own['metadata']['id']}").status_code == 200
