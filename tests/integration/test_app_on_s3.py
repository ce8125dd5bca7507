"""The same app on S3 (moto's server) with each database: only settings change."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import boto3

from registry.app import build_registry, create_app
from tests.conftest import ADMIN, BERT, FINETUNE, Api, make_settings
from tests.fakes import FakeUpstream


def test_ingest_download_delete_on_s3(
    tmp_path: Path, database_url: str, upstream: FakeUpstream, s3_endpoint: str, s3_bucket: str
) -> None:
    settings = make_settings(
        tmp_path,
        database_url,
        upstream,
        aws_s3_bucket=s3_bucket,
        aws_endpoint_url=s3_endpoint,
        s3_prefix="prod",
    )
    reg = build_registry(settings)
    reg.users.seed()
    client = create_app(registry=reg).test_client()
    api = Api(client, Api(client).login(ADMIN["name"], ADMIN["password"]).get_json())
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")

    def keys() -> set[str]:
        listing = s3.list_objects_v2(Bucket=s3_bucket, Prefix="prod/blobs/")
        return {o["Key"].rsplit("/", 1)[-1] for o in listing.get("Contents", [])}

    bert = api.ingest("model", BERT)
    api.ingest("model", FINETUNE)
    resp = api.call("GET", api.download_path(bert))
    assert resp.status_code == 200
    digest = hashlib.sha256(resp.get_data()).hexdigest()
    assert resp.headers["ETag"] == f'"{digest}"' and digest in keys()
    with zipfile.ZipFile(io.BytesIO(resp.get_data())) as zf:
        assert "model.safetensors" in zf.namelist()
    ranged = api.call("GET", api.download_path(bert), headers={"Range": "bytes=0-3"})
    assert ranged.status_code == 206 and ranged.get_data() == b"PK\x03\x04"

    before = keys()
    assert api.call("DELETE", f"/artifacts/model/{bert['metadata']['id']}").status_code == 200
    after = keys()
    assert digest not in after and after < before
    assert api.call("DELETE", "/reset").status_code == 200
    assert keys() == set()
    reg.close()
