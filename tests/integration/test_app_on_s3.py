"""The same app on S3 (moto's server) with each database: only settings change."""

from __future__ import annotations

import hashlib
import io
import zipfile

import boto3

from tests.conftest import BERT, FINETUNE, MakeApi


def test_ingest_download_delete_on_s3(make_api: MakeApi, s3_endpoint: str, s3_bucket: str) -> None:
    api, _ = make_api(aws_s3_bucket=s3_bucket, aws_endpoint_url=s3_endpoint, s3_prefix="prod")
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
