"""GET /artifacts/{type}/{id}/details: the facts the spec's Artifact leaves out."""

from __future__ import annotations

import hashlib

from registry.services.container import Registry
from tests.conftest import ADMIN, BERT, GH_BERT, Api
from tests.functional.access_support import add_group, add_user, ingest_private


def test_the_details_name_every_file_the_licence_the_uploader_and_the_bundle(
    api: Api, registry: Registry
) -> None:
    art = api.ingest("model", BERT)
    ident = art["metadata"]["id"]
    resp = api.call("GET", f"/artifacts/model/{ident}/details")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["metadata"] == art["metadata"]
    assert body["license"] == "apache-2.0"
    assert body["uploader"] == ADMIN["name"] and body["private_to"] == []
    assert body["ingested_at"].endswith("Z") and body["updated_at"] >= body["ingested_at"]
    assert body["download_url"] == art["data"]["download_url"]
    assert body["caller"] == {"may_manage": True, "may_download": True}
    paths = [f["path"] for f in body["files"]]
    assert paths == sorted(paths) and "config.json" in paths
    assert body["size"] == sum(f["size"] for f in body["files"])
    for f in body["files"]:
        data = b"".join(registry.blobs.read(f["sha256"]))
        assert len(data) == f["size"] and hashlib.sha256(data).hexdigest() == f["sha256"]
    bundle = api.call("GET", api.download_path(art))
    assert bundle.status_code == 200
    digest = hashlib.sha256(bundle.data).hexdigest()
    assert body["bundle"] == {"size": len(bundle.data), "sha256": digest}
    rating = api.call("GET", f"/artifact/model/{ident}/rate").get_json()
    rated = api.call("GET", f"/artifacts/model/{ident}/details").get_json()
    assert rated["net_score"] == rating["net_score"]
    code = api.ingest("code", GH_BERT)["metadata"]["id"]
    assert api.call("GET", f"/artifacts/code/{code}/details").get_json()["net_score"] is None


def test_the_details_follow_the_rules_of_reading_the_artifact(api: Api) -> None:
    add_group(api, "team")
    private = ingest_private(api, "code", GH_BERT, ["team"])["metadata"]["id"]
    public = api.ingest("model", BERT)["metadata"]["id"]
    outsider = add_user(api, "outsider", ["search"])
    assert outsider.call("GET", f"/artifacts/code/{private}/details").status_code == 404
    seen = outsider.call("GET", f"/artifacts/model/{public}/details").get_json()
    assert seen["caller"] == {"may_manage": False, "may_download": False}
    nosearch = add_user(api, "nosearch", ["download"])
    refused = nosearch.call("GET", f"/artifacts/model/{public}/details")
    assert refused.status_code == 403 and "'search' permission" in refused.get_json()["message"]
    assert api.call("GET", f"/artifacts/dataset/{public}/details").status_code == 404
    assert api.call("GET", f"/artifacts/weights/{public}/details").status_code == 400
    details = api.call("GET", f"/artifacts/code/{private}/details").get_json()
    assert details["private_to"] == ["team"]
