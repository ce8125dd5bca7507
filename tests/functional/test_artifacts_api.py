"""Ingest, read, enumerate, update and delete through HTTP, per the spec."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask

from tests.conftest import BERT, BOOKCORPUS, FINETUNE, GH_BERT, GH_WHISPER, Api, MakeApi
from tests.fakes import FakeUpstream

ID = re.compile(r"^[a-zA-Z0-9-]+$")


def test_ingest_each_kind_returns_the_spec_envelope(api: Api, upstream: FakeUpstream) -> None:
    cases = [
        ("model", BERT, "bert-base-uncased"),
        ("dataset", BOOKCORPUS, "bookcorpus"),
        ("code", GH_BERT, "bert"),
        ("model", f"{upstream.files_url}/files/bundle.zip", "bundle"),
    ]
    ids = set()
    for kind, url, name in cases:
        art = api.ingest(kind, url)
        assert art["metadata"]["name"] == name
        assert art["metadata"]["type"] == kind
        assert ID.match(art["metadata"]["id"])
        assert art["data"]["url"] == url
        assert art["data"]["download_url"] == f"http://localhost/download/{art['metadata']['id']}"
        ids.add(art["metadata"]["id"])
    assert len(ids) == len(cases)


def test_name_in_body_overrides_the_repository_name(api: Api) -> None:
    art = api.ingest("model", BERT, name="team-bert")
    assert art["metadata"]["name"] == "team-bert"


def test_get_returns_the_same_envelope_and_checks_the_type(api: Api) -> None:
    art = api.ingest("dataset", BOOKCORPUS)
    ident = art["metadata"]["id"]
    got = api.call("GET", f"/artifacts/dataset/{ident}")
    assert got.status_code == 200
    assert got.get_json() == art
    assert api.call("GET", f"/artifacts/model/{ident}").status_code == 404
    assert api.call("GET", "/artifacts/dataset/1234567890").status_code == 404
    bad = api.call("GET", "/artifacts/dataset/bad%20id")
    assert bad.status_code == 400
    assert bad.get_json()["message"] == (
        "artifact id must match ^[a-zA-Z0-9-]+$ (at most 64 characters)"
    )
    assert api.call("GET", f"/artifacts/weights/{ident}").status_code == 400


def test_public_url_is_the_base_of_download_urls(make_api: MakeApi) -> None:
    api, _ = make_api(public_url="https://models.example.com")
    art = api.ingest("code", GH_BERT)
    assert art["data"]["download_url"].startswith("https://models.example.com/download/")


def test_enumerate_everything_by_type_by_name_and_as_a_union(api: Api) -> None:
    bert = api.ingest("model", BERT)["metadata"]
    book = api.ingest("dataset", BOOKCORPUS)["metadata"]
    code = api.ingest("code", GH_BERT)["metadata"]

    everything = api.enumerate([{"name": "*"}])
    assert everything.status_code == 200
    assert everything.get_json() == [bert, book, code]
    assert "offset" not in everything.headers

    assert api.enumerate([{"name": "*", "types": ["dataset"]}]).get_json() == [book]
    assert api.enumerate([{"name": "*", "types": ["model", "code"]}]).get_json() == [bert, code]
    assert api.enumerate([{"name": "bert"}]).get_json() == [code]
    assert api.enumerate([{"name": "bert", "types": ["model"]}]).get_json() == []
    union = api.enumerate(
        [{"name": "bert-base-uncased"}, {"name": "bookcorpus"}, {"name": "*", "types": ["model"]}]
    )
    assert union.get_json() == [bert, book]


def test_pagination_follows_the_offset_header_to_the_end(
    make_api: MakeApi, upstream: FakeUpstream
) -> None:
    api, _ = make_api(page_size=2)
    ingested = [
        api.ingest("model", f"{upstream.files_url}/files/weights.bin?v={i}", name=f"w{i}")[
            "metadata"
        ]
        for i in range(5)
    ]
    seen, offset, pages = [], None, 0
    while True:
        resp = api.enumerate([{"name": "*"}], offset)
        assert resp.status_code == 200
        pages += 1
        seen.extend(resp.get_json())
        offset = resp.headers.get("offset")
        if offset is None:
            break
        if pages == 1:  # an artifact added mid-listing shows up at the end, nothing repeats
            ingested.append(
                api.ingest("model", f"{upstream.files_url}/files/weights.bin?v=late", name="late")[
                    "metadata"
                ]
            )
    assert seen == ingested
    assert pages == 3


def test_an_offset_held_across_deletes_does_not_skip_a_new_artifact(
    make_api: MakeApi, upstream: FakeUpstream
) -> None:
    api, _ = make_api(page_size=2)
    first, second, third = (
        api.ingest("model", f"{upstream.files_url}/files/weights.bin?v={i}", name=f"w{i}")[
            "metadata"
        ]
        for i in range(3)
    )
    page = api.enumerate([{"name": "*"}])
    assert page.get_json() == [first, second]
    held = page.headers["offset"]
    # The two newest go away, and a new artifact arrives before the client comes back.
    for gone in (second, third):
        assert api.call("DELETE", f"/artifacts/model/{gone['id']}").status_code == 200
    late = api.ingest("model", f"{upstream.files_url}/files/weights.bin?v=late", name="late")
    rest = api.enumerate([{"name": "*"}], held)
    assert rest.get_json() == [late["metadata"]]
    assert "offset" not in rest.headers


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"name": "*"}, 400),
        ([], 400),
        ([{"types": ["model"]}], 400),
        ([{"name": 5}], 400),
        ([{"name": "*", "types": ["weights"]}], 400),
        ([{"name": "*", "types": "model"}], 400),
        ([{"name": ""}], 400),
        ([{"name": "*"}] * 101, 413),
    ],
)
def test_enumerate_refuses_malformed_queries(api: Api, body: object, status: int) -> None:
    assert api.call("POST", "/artifacts", json=body).status_code == status


def test_enumerate_offset_and_limit_are_checked(api: Api) -> None:
    assert api.call("POST", "/artifacts?offset=abc", json=[{"name": "*"}]).status_code == 400
    assert api.call("POST", "/artifacts?offset=-1", json=[{"name": "*"}]).status_code == 400
    assert api.call("POST", "/artifacts?limit=5000", json=[{"name": "*"}]).status_code == 413
    assert api.call("POST", "/artifacts?limit=0", json=[{"name": "*"}]).status_code == 400


def test_same_source_twice_is_a_conflict_naming_the_existing_id(api: Api) -> None:
    first = api.ingest("model", BERT)
    again = api.call("POST", "/artifact/model", json={"url": BERT + "/", "name": "other"})
    assert again.status_code == 409
    body = again.get_json()
    assert first["metadata"]["id"] in body["message"]
    assert body["details"]["existing_id"] == first["metadata"]["id"]
    # The same GitHub repository may be registered once per type.
    api.ingest("code", GH_BERT)
    api.ingest("model", GH_BERT)


def test_a_duplicate_is_refused_before_anything_is_fetched(
    api: Api, upstream: FakeUpstream
) -> None:
    first = api.ingest("model", BERT)
    other = api.ingest("model", FINETUNE)
    hub_before = len(upstream.hf_requests.snapshot())
    again = api.call("POST", "/artifact/model", json={"url": BERT})
    assert again.status_code == 409
    assert again.get_json()["details"]["existing_id"] == first["metadata"]["id"]
    body = {"metadata": other["metadata"], "data": {"url": BERT}}
    moved = api.call("PUT", f"/artifacts/model/{other['metadata']['id']}", json=body)
    assert moved.status_code == 409
    # Not one request reached the hub: no metadata call, not a byte of a file.
    assert upstream.hf_requests.snapshot()[hub_before:] == []


def test_concurrent_ingests_of_one_source_have_one_winner(app: Flask, api: Api) -> None:
    def attempt(_: int) -> int:
        client = Api(app.test_client(), api.token)
        return int(client.call("POST", "/artifact/model", json={"url": FINETUNE}).status_code)

    with ThreadPoolExecutor(4) as pool:
        statuses = sorted(pool.map(attempt, range(4)))
    assert statuses == [201, 409, 409, 409]
    assert len(api.enumerate([{"name": "*"}]).get_json()) == 1


def test_many_ingests_at_once_all_get_distinct_ids(
    app: Flask, api: Api, upstream: FakeUpstream
) -> None:
    def attempt(i: int) -> str:
        client = Api(app.test_client(), api.token)
        art = client.ingest(
            "code", f"{upstream.files_url}/files/weights.bin?copy={i}", name="same-name"
        )
        return str(art["metadata"]["id"])

    with ThreadPoolExecutor(6) as pool:
        ids = list(pool.map(attempt, range(12)))
    assert len(set(ids)) == 12
    by_name = api.call("GET", "/artifact/byName/same-name").get_json()
    assert sorted(a["id"] for a in by_name) == sorted(ids)


def test_update_swaps_contents_and_keeps_the_id(api: Api, upstream: FakeUpstream) -> None:
    art = api.ingest("code", GH_WHISPER, name="whisper")
    ident = art["metadata"]["id"]
    before = api.call("GET", api.download_path(art)).headers["ETag"]
    body = {"metadata": art["metadata"], "data": {"url": GH_WHISPER + "/tree/v1"}}
    resp = api.call("PUT", f"/artifacts/code/{ident}", json=body)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    after = api.call("GET", f"/artifacts/code/{ident}").get_json()
    assert after["metadata"] == art["metadata"]
    assert after["data"]["url"] == GH_WHISPER + "/tree/v1"
    assert api.call("GET", api.download_path(art)).headers["ETag"] != before


@pytest.mark.parametrize(
    "change",
    [
        {"metadata": {"name": "renamed"}},
        {"metadata": {"id": "999"}},
        {"metadata": {"type": "dataset"}},
        {"data": {}},
        {"data": {"url": 7}},
    ],
)
def test_update_with_mismatched_or_malformed_body_is_400(api: Api, change: dict) -> None:
    art = api.ingest("code", GH_BERT)
    body = {"metadata": dict(art["metadata"]), "data": {"url": GH_BERT}}
    for key, value in change.items():
        body[key] = {**body[key], **value} if value else {}
    resp = api.call("PUT", f"/artifacts/code/{art['metadata']['id']}", json=body)
    assert resp.status_code == 400


def test_update_of_unknown_artifact_is_404(api: Api) -> None:
    body = {"metadata": {"name": "x", "id": "123", "type": "model"}, "data": {"url": BERT}}
    assert api.call("PUT", "/artifacts/model/123", json=body).status_code == 404


def test_failed_update_keeps_the_previous_version(api: Api) -> None:
    art = api.ingest("model", BERT)
    ident = art["metadata"]["id"]
    etag = api.call("GET", api.download_path(art)).headers["ETag"]
    body = {
        "metadata": art["metadata"],
        "data": {"url": "https://huggingface.co/acme/does-not-exist"},
    }
    assert api.call("PUT", f"/artifacts/model/{ident}", json=body).status_code == 404
    body["data"]["url"] = "https://huggingface.co/fault/server-error"
    assert api.call("PUT", f"/artifacts/model/{ident}", json=body).status_code == 502
    assert api.call("GET", f"/artifacts/model/{ident}").get_json() == art
    assert api.call("GET", api.download_path(art)).headers["ETag"] == etag


def test_update_to_a_source_another_artifact_has_is_409(api: Api) -> None:
    api.ingest("model", BERT)
    other = api.ingest("model", FINETUNE)
    body = {"metadata": other["metadata"], "data": {"url": BERT}}
    assert (
        api.call("PUT", f"/artifacts/model/{other['metadata']['id']}", json=body).status_code == 409
    )


def test_delete_removes_it_everywhere(api: Api) -> None:
    art = api.ingest("model", BERT)
    keep = api.ingest("dataset", BOOKCORPUS)
    ident = art["metadata"]["id"]
    assert api.call("DELETE", f"/artifacts/dataset/{ident}").status_code == 404
    assert api.call("DELETE", f"/artifacts/model/{ident}").status_code == 200
    assert api.call("GET", f"/artifacts/model/{ident}").status_code == 404
    assert api.enumerate([{"name": "*"}]).get_json() == [keep["metadata"]]
    assert api.call("GET", "/artifact/byName/bert-base-uncased").status_code == 404
    assert api.call("POST", "/artifact/byRegEx", json={"regex": "bert-base"}).status_code == 404
    assert api.call("GET", api.download_path(art)).status_code == 404
    assert api.call("DELETE", f"/artifacts/model/{ident}").status_code == 404
    # Its source may be ingested again afterwards.
    api.ingest("model", BERT)
