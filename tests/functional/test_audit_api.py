"""The audit trail through the API: an artifact's (the spec's) and the whole one (admins)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from registry.services.container import Registry
from tests.conftest import ADMIN, GH_BERT, GH_WHISPER, Api
from tests.functional.access_support import add_user


def _actions(entries: list[dict[str, object]]) -> list[tuple[object, object]]:
    return [(e["action"], e["user"]["name"]) for e in entries]  # type: ignore[index]


def test_an_artifacts_trail_shows_who_did_what_oldest_first(api: Api) -> None:
    art = api.ingest("code", GH_BERT)
    ident = art["metadata"]["id"]
    bob = add_user(api, "bob", ["search", "download"])
    assert bob.call("GET", api.download_path(art)).status_code == 200
    update = {"metadata": art["metadata"], "data": {"url": GH_BERT + "/tree/main"}}
    assert api.call("PUT", f"/artifacts/code/{ident}", json=update).status_code == 200

    resp = bob.call("GET", f"/artifact/code/{ident}/audit")
    assert resp.status_code == 200
    entries = resp.get_json()
    assert _actions(entries) == [
        ("CREATE", ADMIN["name"]),
        ("DOWNLOAD", "bob"),
        ("UPDATE", ADMIN["name"]),
        ("AUDIT", "bob"),  # this reading, recorded in the same transaction
    ]
    first = entries[0]
    assert first["artifact"] == art["metadata"]
    assert first["user"] == {"name": ADMIN["name"], "is_admin": True}
    assert set(first) == {"user", "date", "artifact", "action"}  # exactly the spec's entry
    assert all(e["date"].endswith("Z") for e in entries)
    dates = [datetime.fromisoformat(e["date"].replace("Z", "+00:00")) for e in entries]
    assert dates == sorted(dates)
    assert datetime.now(UTC) - dates[0] < timedelta(minutes=5)
    again = bob.call("GET", f"/artifact/code/{ident}/audit").get_json()
    assert _actions(again)[-2:] == [("AUDIT", "bob"), ("AUDIT", "bob")]


def test_the_trail_is_paged_with_the_offset_header(api: Api) -> None:
    ident = api.ingest("code", GH_BERT)["metadata"]["id"]
    for _ in range(3):
        api.call("GET", f"/download/{ident}")
    first = api.call("GET", f"/artifact/code/{ident}/audit?limit=2")
    assert _actions(first.get_json()) == [("CREATE", ADMIN["name"]), ("DOWNLOAD", ADMIN["name"])]
    rest = api.call(
        "GET", f"/artifact/code/{ident}/audit?limit=10&offset={first.headers['offset']}"
    )
    assert [e["action"] for e in rest.get_json()] == ["DOWNLOAD", "DOWNLOAD", "AUDIT", "AUDIT"]
    assert "offset" not in rest.headers


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/artifact/code/1234/audit", 404),
        ("/artifact/model/{id}/audit", 404),  # the right id under another type
        ("/artifact/widget/{id}/audit", 400),
        ("/artifact/code/{id}/audit?limit=0", 400),
        ("/artifact/code/{id}/audit?limit=100000", 413),
    ],
)
def test_audit_refusals(api: Api, path: str, status: int) -> None:
    ident = api.ingest("code", GH_BERT)["metadata"]["id"]
    assert api.call("GET", path.format(id=ident)).status_code == status


def test_admins_read_the_whole_trail_filtered(api: Api) -> None:
    bert = api.ingest("code", GH_BERT)["metadata"]["id"]
    whisper = api.ingest("code", GH_WHISPER)["metadata"]["id"]
    bob = add_user(api, "bob", ["search", "download"])
    bob.call("GET", f"/download/{whisper}")
    everything = api.call("GET", "/audit").get_json()
    assert [(e["action"], e["artifact"]["id"]) for e in everything] == [
        ("CREATE", bert),
        ("CREATE", whisper),
        ("DOWNLOAD", whisper),
    ]
    assert all(isinstance(e["id"], int) for e in everything)
    assert _actions(api.call("GET", "/audit?user=bob").get_json()) == [("DOWNLOAD", "bob")]
    created = api.call("GET", "/audit?action=create").get_json()
    assert [e["artifact"]["id"] for e in created] == [bert, whisper]
    assert api.call("GET", f"/audit?artifact={bert}").get_json() == everything[:1]
    later = (datetime.now(UTC) + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert api.call("GET", f"/audit?since={later}").get_json() == []
    assert len(api.call("GET", f"/audit?until={later}").get_json()) == 3
    paged = api.call("GET", "/audit?limit=2")
    assert paged.get_json() == everything[:2]
    tail = api.call("GET", f"/audit?offset={paged.headers['offset']}").get_json()
    assert tail == everything[2:]


@pytest.mark.parametrize("query", ["action=STEAL", "since=yesterday", "until=2026-13-01"])
def test_bad_trail_filters_are_400(api: Api, query: str) -> None:
    assert api.call("GET", f"/audit?{query}").status_code == 400


def test_only_admins_read_the_whole_trail(api: Api) -> None:
    bob = add_user(api, "bob", ["search", "upload", "download"])
    resp = bob.call("GET", "/audit")
    assert resp.status_code == 403 and "'admin' permission" in resp.get_json()["message"]


def test_reset_clears_the_trail(api: Api, registry: Registry) -> None:
    api.ingest("code", GH_BERT)
    assert api.call("GET", "/audit").get_json() != []
    assert api.call("DELETE", "/reset").status_code == 200
    assert api.call("GET", "/audit").get_json() == []


def test_the_trail_outlives_a_deleted_artifact(api: Api) -> None:
    ident = api.ingest("code", GH_BERT)["metadata"]["id"]
    assert api.call("DELETE", f"/artifacts/code/{ident}").status_code == 200
    assert api.call("GET", f"/artifact/code/{ident}/audit").status_code == 404
    kept = api.call("GET", f"/audit?artifact={ident}").get_json()
    assert [e["action"] for e in kept] == ["CREATE"]
