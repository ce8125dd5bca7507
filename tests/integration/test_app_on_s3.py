"""The same app on S3 (moto's server) with each database: only settings change."""

from __future__ import annotations

import hashlib
import io
import stat
import zipfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3

from tests.conftest import BERT, FINETUNE, MakeApi
from tests.fakes import FakeUpstream


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


def test_a_monitor_on_s3_is_shown_a_private_copy_of_the_bundle_removed_after(
    make_api: MakeApi, s3_endpoint: str, s3_bucket: str, upstream: FakeUpstream
) -> None:
    api, registry = make_api(aws_s3_bucket=s3_bucket, aws_endpoint_url=s3_endpoint)
    model = api.ingest("model", f"{upstream.files_url}/files/bundle.zip")["metadata"]["id"]
    seen: list[tuple[Path, str, int]] = []

    def runner(program_text: str, *, zip_path: Path, **_: Any) -> Any:
        seen.append(
            (zip_path, hashlib.sha256(zip_path.read_bytes()).hexdigest(), zip_path.stat().st_mode)
        )
        return SimpleNamespace(allowed=True, exit_code=0, output="", problem=None, message="")

    registry.monitors.runner = runner
    put = api.call("PUT", f"/artifacts/model/{model}/monitor", json={"program": "allow"})
    assert put.status_code == 200
    resp = api.call("GET", f"/download/{model}")
    assert resp.status_code == 200
    [(path, digest, mode)] = seen
    assert digest == hashlib.sha256(resp.get_data()).hexdigest()
    assert path.is_relative_to(registry.settings.data_dir / "work")
    assert stat.S_IMODE(mode) == 0o644 and not path.exists()
