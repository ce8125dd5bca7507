"""Sources people paste or push: uploaded zips, Kaggle datasets, and web pages refused."""

from __future__ import annotations

import hashlib
import io
import zipfile

from tests.conftest import Api, MakeApi
from tests.fakes import FakeUpstream
from tests.fakes.hf_content import BERT_CARD, BERT_CONFIG
from tests.fakes.records import render_readme, safetensors_bytes

IRIS = "https://www.kaggle.com/datasets/uciml/iris"


def make_zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def upload(api: Api, kind: str, body: bytes, name: str | None = "my-model") -> object:
    query = f"?name={name}" if name else ""
    return api.call(
        "POST", f"/artifact/{kind}{query}", data=body, headers={"Content-Type": "application/zip"}
    )


def test_an_uploaded_zip_becomes_an_artifact(api: Api) -> None:
    weights = safetensors_bytes(2 << 20, bytes(range(256)))  # over the JSON body cap (1 MiB)
    body = make_zip({"config.json": b'{"model_type": "bert"}', "model.safetensors": weights})
    resp = upload(api, "model", body)
    assert resp.status_code == 201, resp.get_data(as_text=True)
    created = resp.get_json()
    assert created["metadata"]["name"] == "my-model"
    assert created["data"]["url"] == "upload:sha256:" + hashlib.sha256(body).hexdigest()
    part = api.call("GET", api.download_path(created) + "?part=weights")
    with zipfile.ZipFile(io.BytesIO(part.get_data())) as zf:
        assert zf.read("model.safetensors") == weights
    again = upload(api, "model", body)
    assert again.status_code == 409
    assert again.get_json()["details"]["existing_id"] == created["metadata"]["id"]


def test_a_multipart_upload_names_its_artifact_in_the_form(api: Api) -> None:
    body = make_zip({"data/train.csv": b"a,b\n1,2\n", "README.md": b"# Toy data\n"})
    resp = api.call(
        "POST",
        "/artifact/dataset",
        data={"file": (io.BytesIO(body), "toy.zip"), "name": "toy-data"},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 201, resp.get_data(as_text=True)
    stored = api.call("GET", f"/artifacts/dataset/{resp.get_json()['metadata']['id']}")
    assert stored.get_json()["metadata"]["name"] == "toy-data"
    found = api.call("POST", "/artifact/byRegEx", json={"regex": "Toy data"})
    assert [a["name"] for a in found.get_json()] == ["toy-data"]


def test_bad_uploads_are_refused_with_the_reason(api: Api) -> None:
    not_zip = upload(api, "model", b"just some text")
    assert not_zip.status_code == 400 and "not a zip" in not_zip.get_json()["message"]
    nameless = upload(api, "model", make_zip({"a.txt": b"x"}), name=None)
    assert nameless.status_code == 400 and "name" in nameless.get_json()["message"]
    slip = make_zip({"../../evil.txt": b"outside"})
    escaped = upload(api, "code", slip, name="evil")
    assert escaped.status_code == 400 and "escape" in escaped.get_json()["message"]
    # An upload's source URL cannot be ingested by URL: its bytes came with the upload.
    by_url = api.call("POST", "/artifact/model", json={"url": "upload:sha256:" + "0" * 64})
    assert by_url.status_code == 400 and "upload it" in by_url.get_json()["message"]
    listed = api.enumerate([{"name": "*"}]).get_json()
    assert listed == []


def test_uploaded_models_are_rated_and_gated(make_api: MakeApi) -> None:
    api, _ = make_api(ingest_policy="license>=0.5")
    bare = upload(api, "model", make_zip({"model.safetensors": safetensors_bytes(1024)}), "bare")
    assert bare.status_code == 424, bare.get_data(as_text=True)
    assert bare.get_json()["details"]["failures"] == ["license=0 fails license>=0.5"]
    documented = make_zip(
        {
            "README.md": render_readme(BERT_CARD, "# A model\n\nSee the card.\n").encode(),
            "config.json": repr(BERT_CONFIG).encode(),
            "model.safetensors": safetensors_bytes(1024),
        }
    )
    resp = upload(api, "model", documented, name="documented")
    assert resp.status_code == 201, resp.get_data(as_text=True)
    rating = api.call("GET", f"/artifact/model/{resp.get_json()['metadata']['id']}/rate")
    assert rating.get_json()["license"] == 1.0


def test_kaggle_datasets_ingest_with_files_license_and_description(
    api: Api, upstream: FakeUpstream
) -> None:
    listed_before = len(upstream.kaggle_requests.matching("/datasets/list/uciml/iris"))
    created = api.ingest("dataset", IRIS)
    assert created["metadata"]["name"] == "iris"
    resp = api.call("GET", api.download_path(created))
    dataset = upstream.catalog.kaggle_dataset("uciml/iris")
    assert dataset is not None
    with zipfile.ZipFile(io.BytesIO(resp.get_data())) as zf:
        assert sorted(zf.namelist()) == sorted(f.path for f in dataset.files)
        assert zf.read("Iris.csv") == dataset.files[0].content
    found = api.call("POST", "/artifact/byRegEx", json={"regex": "Fisher's classic"})
    assert [a["id"] for a in found.get_json()] == [created["metadata"]["id"]]
    # Every page of the file list was read (two files per page).
    listed = upstream.kaggle_requests.matching("/datasets/list/uciml/iris")
    assert len(listed) - listed_before == 2
    assert api.ingest("dataset", IRIS, expect=409)


def test_kaggle_failures_say_what_is_wrong(api: Api, make_api: MakeApi) -> None:
    missing = api.call(
        "POST", "/artifact/dataset", json={"url": "https://www.kaggle.com/datasets/nobody/none"}
    )
    assert missing.status_code == 404
    as_model = api.call("POST", "/artifact/model", json={"url": IRIS})
    assert as_model.status_code == 400 and "dataset" in as_model.get_json()["message"]
    competition = api.call(
        "POST", "/artifact/dataset", json={"url": "https://www.kaggle.com/competitions/titanic"}
    )
    assert competition.status_code == 400
    wrong_key, _ = make_api(kaggle_key="not-the-key")
    refused = wrong_key.call("POST", "/artifact/dataset", json={"url": IRIS})
    assert refused.status_code == 502 and "credentials" in refused.get_json()["message"]


def test_a_url_serving_a_web_page_is_refused(api: Api, upstream: FakeUpstream) -> None:
    for path in ("/files/page", "/files/disguised-page.bin"):
        resp = api.call("POST", "/artifact/model", json={"url": upstream.files_url + path})
        assert resp.status_code == 400, path
        assert "web page" in resp.get_json()["message"]
    assert api.enumerate([{"name": "*"}]).get_json() == []
    # A real file from the same server is still ingested.
    api.ingest("model", upstream.files_url + "/files/weights.bin")
