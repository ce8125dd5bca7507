"""Private artifacts: every read endpoint, callers inside and outside the group, and admins.

bert-base-uncased is private to `team`; its fine-tuned child is public. Outsiders get 404
(never 403) for everything about the private model and never see its name or id; where
the public child depends on it, lineage shows a placeholder and cost leaves it out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from registry.services.container import Registry
from tests.conftest import BERT, FINETUNE, GH_BERT, Api
from tests.functional.access_support import add_group, add_user, ingest_private

EVERYDAY = ["search", "upload", "download"]


@dataclass
class World:
    admin: Api
    insider: Api
    outsider: Api
    bert: str
    child: str


@pytest.fixture
def world(api: Api) -> World:
    insider = add_user(api, "insider", EVERYDAY)
    outsider = add_user(api, "outsider", EVERYDAY)
    add_group(api, "team", ["insider"])
    bert = ingest_private(api, "model", BERT, ["team"])["metadata"]["id"]
    child = api.ingest("model", FINETUNE)["metadata"]["id"]
    return World(api, insider, outsider, bert, child)


# Every endpoint that reads one artifact, as (method, path) for the private model's id.
READS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "read": ("GET", "/artifacts/model/{id}", {}),
    "rate": ("GET", "/artifact/model/{id}/rate", {}),
    "lineage": ("GET", "/artifact/model/{id}/lineage", {}),
    "cost": ("GET", "/artifact/model/{id}/cost?dependency=true", {}),
    "license-check": (
        "POST",
        "/artifact/model/{id}/license-check",
        {"json": {"github_url": GH_BERT}},
    ),
    "audit": ("GET", "/artifact/model/{id}/audit", {}),
    "visibility": ("GET", "/artifacts/model/{id}/visibility", {}),
    "download": ("GET", "/download/{id}", {}),
    "download parts": ("GET", "/download/{id}?part=config", {}),
    "hub by id": ("GET", "/hf/api/models/artifacts/{id}", {}),
    "hub by repo id": ("GET", "/hf/api/models/google-bert/bert-base-uncased", {}),
    "hub file": ("GET", "/hf/google-bert/bert-base-uncased/resolve/main/config.json", {}),
    "update": ("PUT", "/artifacts/model/{id}", {"json": "UPDATE"}),
    "delete": ("DELETE", "/artifacts/model/{id}", {}),
    "monitor": ("PUT", "/artifacts/model/{id}/monitor", {"json": {"program": "1"}}),
    "share": ("PUT", "/artifacts/model/{id}/visibility", {"json": {"groups": []}}),
}


def _call(api: Api, what: str, ident: str) -> Any:
    method, path, kwargs = READS[what]
    if kwargs.get("json") == "UPDATE":
        body = {
            "metadata": {"name": "bert-base-uncased", "id": ident, "type": "model"},
            "data": {"url": BERT + "/tree/main"},
        }
        kwargs = {"json": body}
    return api.call(method, path.format(id=ident), **kwargs)


def test_outsiders_get_404_for_every_path_to_a_private_artifact(world: World) -> None:
    wrong = []
    for what, (_, path, _) in READS.items():
        resp = _call(world.outsider, what, world.bert)
        body = resp.get_data(as_text=True)
        if resp.status_code != 404:
            wrong.append(f"{what}: {resp.status_code} {body[:200]}")
        elif "{id}" in path and "bert" in body:  # asked by id: the answer must not name it
            wrong.append(f"{what}: the 404 names the model: {body[:200]}")
    assert wrong == []


@pytest.mark.parametrize("caller", ["insider", "admin"])
def test_group_members_and_admins_are_served(world: World, caller: str) -> None:
    api = world.insider if caller == "insider" else world.admin
    wrong = []
    # Last, the one that changes the model (a monitor program then decides downloads).
    for what in [w for w in READS if w not in {"update", "delete", "share"}]:
        resp = _call(api, what, world.bert)
        if resp.status_code >= 300:
            wrong.append(f"{what}: {resp.status_code} {resp.get_data(as_text=True)[:200]}")
    assert wrong == []


def test_listings_and_searches_leave_it_out_for_outsiders_only(world: World) -> None:
    def found(api: Api) -> dict[str, set[str]]:
        listed = api.enumerate([{"name": "*"}]).get_json()
        named = api.call("GET", "/artifact/byName/bert-base-uncased")
        regex = api.call("POST", "/artifact/byRegEx", json={"regex": "masked language modeling"})
        return {
            "enumerate": {a["id"] for a in listed},
            "byName": {a["id"] for a in named.get_json()} if named.status_code == 200 else set(),
            "byRegEx (README)": (
                {a["id"] for a in regex.get_json()} if regex.status_code == 200 else set()
            ),
        }

    both = {world.bert, world.child}
    assert found(world.outsider) == {
        "enumerate": {world.child},
        "byName": set(),
        "byRegEx (README)": set(),
    }
    for api in (world.insider, world.admin):
        assert found(api) == {
            "enumerate": both,
            "byName": {world.bert},
            "byRegEx (README)": {world.bert},
        }


def test_lineage_shows_a_placeholder_for_a_hidden_parent(world: World) -> None:
    seen = world.outsider.call("GET", f"/artifact/model/{world.child}/lineage")
    assert seen.status_code == 200
    text = json.dumps(seen.get_json())
    assert world.bert not in text and 'bert-base-uncased"' not in text
    nodes = {n["artifact_id"]: n for n in seen.get_json()["nodes"]}
    assert nodes["private-1"] == {
        "node": "private-1",
        "artifact_id": "private-1",
        "name": "private artifact",
        "source": "config_json",
        "metadata": {"private": True},
    }
    assert {
        "from_node_artifact_id": "private-1",
        "to_node_artifact_id": world.child,
        "relationship": "base_model",
    } in seen.get_json()["edges"]
    member = world.insider.call("GET", f"/artifact/model/{world.child}/lineage").get_json()
    assert world.bert in {n["artifact_id"] for n in member["nodes"]}
    assert "private-1" not in {n["artifact_id"] for n in member["nodes"]}


def test_cost_leaves_hidden_dependencies_out_and_counts_them(world: World) -> None:
    path = f"/artifact/model/{world.child}/cost?dependency=true"
    outside = world.outsider.call("GET", path).get_json()
    inside = world.insider.call("GET", path).get_json()
    assert world.bert not in outside and world.bert in inside
    assert outside[world.child]["hidden_dependencies"] == 1
    assert "hidden_dependencies" not in inside[world.child]
    assert outside[world.child]["total_cost"] == pytest.approx(
        inside[world.child]["total_cost"] - inside[world.bert]["standalone_cost"]
    )


def test_ingesting_the_source_of_a_hidden_artifact_is_a_409_that_does_not_name_it(
    world: World,
) -> None:
    resp = world.outsider.call("POST", "/artifact/model", json={"url": BERT})
    assert resp.status_code == 409
    assert world.bert not in resp.get_data(as_text=True)
    mine = world.insider.call("POST", "/artifact/model", json={"url": BERT})
    assert mine.status_code == 409 and mine.get_json()["details"]["existing_id"] == world.bert


def test_making_it_public_shows_it_to_everyone_and_is_audited(
    world: World, registry: Registry
) -> None:
    assert world.outsider.call("GET", f"/artifacts/model/{world.bert}").status_code == 404
    shared = world.insider.call(
        "PUT", f"/artifacts/model/{world.bert}/visibility", json={"groups": []}
    )
    assert shared.status_code == 200 and shared.get_json() == {"groups": []}
    assert world.outsider.call("GET", f"/artifacts/model/{world.bert}").status_code == 200
    trail = world.admin.call("GET", f"/audit?artifact={world.bert}&action=UPDATE").get_json()
    assert [e["detail"] for e in trail] == [{"visibility": {"groups": []}}]
    assert trail[0]["user"]["name"] == "insider"


def test_visibility_rules_for_uploaders(world: World) -> None:
    add_group(world.admin, "other-team")
    refused = world.insider.call(
        "POST", "/artifact/code", json={"url": GH_BERT, "visibility": {"groups": ["other-team"]}}
    )
    assert refused.status_code == 400 and "none of the groups" in refused.get_json()["message"]
    unknown = world.insider.call(
        "POST", "/artifact/code", json={"url": GH_BERT, "visibility": {"groups": ["nope"]}}
    )
    assert (
        unknown.status_code == 400 and "no group is named 'nope'" in unknown.get_json()["message"]
    )
    assert world.admin.call("DELETE", "/groups/team").status_code == 409
    assert world.admin.call("DELETE", "/groups/other-team").status_code == 200


def test_leaving_the_group_hides_it_at_once(world: World) -> None:
    assert world.insider.call("GET", f"/artifacts/model/{world.bert}").status_code == 200
    assert world.admin.call("DELETE", "/groups/team/members/insider").status_code == 200
    assert world.insider.call("GET", f"/artifacts/model/{world.bert}").status_code == 404
