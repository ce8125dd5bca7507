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
import requests

from tests.conftest import BERT, FINETUNE, MakeApi
from tests.fakes import FakeUpstream
from tests.functional.access_support import add_user
from tests.functional.live_server import downloads


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


def test_redirected_downloads_are_checked_audited_then_served_by_s3(
    make_api: MakeApi, s3_endpoint: str, s3_bucket: str
) -> None:
    api, registry = make_api(
        aws_s3_bucket=s3_bucket, aws_endpoint_url=s3_endpoint, s3_download="redirect"
    )
    bert = api.ingest("model", BERT)
    ident = bert["metadata"]["id"]
    path = api.download_path(bert)

    # A caller without the download permission gets the refusal, no URL, no audit entry.
    reader = add_user(api, "reader", ["search"])
    refused = reader.call("GET", path)
    assert refused.status_code == 403 and "Location" not in refused.headers
    assert downloads(registry, ident) == 0

    resp = api.call("GET", path)
    assert resp.status_code == 302 and resp.headers["Cache-Control"] == "no-store"
    location = resp.headers["Location"]
    assert location.startswith(f"{s3_endpoint}/{s3_bucket}/") and "Signature=" in location
    assert downloads(registry, ident) == 1  # audited before the client has the URL
    body = requests.get(location, timeout=30)
    assert body.status_code == 200
    assert resp.headers["ETag"] == f'"{hashlib.sha256(body.content).hexdigest()}"'
    part = requests.get(location, headers={"Range": "bytes=0-3"}, timeout=30)
    assert part.status_code == 206 and part.content == b"PK\x03\x04"

    # HEAD and a client that holds the bundle read no bytes: answered here, not sent on.
    head = api.call("HEAD", path)
    assert head.status_code == 200 and int(head.headers["Content-Length"]) == len(body.content)
    held = api.call("GET", path, headers={"If-None-Match": resp.headers["ETag"]})
    assert held.status_code == 304
    assert downloads(registry, ident) == 1
