"""Blob store on S3 (or anything speaking its protocol, such as moto's server)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from registry.domain.errors import StorageUnavailable
from registry.storage.blobs import CHUNK_SIZE, check_digest

_MISSING = {"404", "NoSuchKey", "NotFound"}
# Multipart above 64 MiB keeps memory flat for multi-GB weights.
_TRANSFER = TransferConfig(multipart_threshold=64 << 20, multipart_chunksize=64 << 20)


def s3_client(
    region: str,
    endpoint_url: str | None,
    credentials: Mapping[str, str] | None = None,
    *,
    read_timeout: int = 60,
) -> Any:
    """A boto3 S3 client with the registry's retries, timeouts and pool size."""
    keys = credentials or {}
    return boto3.client(
        "s3",
        region_name=region,
        endpoint_url=endpoint_url,
        # None lets boto3 find credentials itself (instance role, ~/.aws).
        aws_access_key_id=keys.get("aws_access_key_id"),
        aws_secret_access_key=keys.get("aws_secret_access_key"),
        aws_session_token=keys.get("aws_session_token"),
        config=Config(
            retries={"max_attempts": 5, "mode": "standard"},
            connect_timeout=10,
            read_timeout=read_timeout,
            max_pool_connections=32,
        ),
    )


class S3BlobStore:
    def __init__(
        self,
        bucket: str,
        *,
        region: str,
        endpoint_url: str | None = None,
        prefix: str = "",
        client: Any = None,
        credentials: Mapping[str, str] | None = None,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self._s3 = client or s3_client(region, endpoint_url, credentials)

    def _key(self, digest: str) -> str:
        return f"{self.prefix}blobs/{check_digest(digest)}"

    def _fail(self, exc: Exception, digest: str | None = None) -> Exception:
        if isinstance(exc, ClientError):
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in _MISSING:
                return FileNotFoundError(f"blob {digest} not found")
        return StorageUnavailable(f"S3 bucket {self.bucket} failed: {exc}")

    def put_file(self, digest: str, source: Path) -> None:
        if self.exists(digest):
            return
        try:
            self._s3.upload_file(
                str(source),
                self.bucket,
                self._key(digest),
                Config=_TRANSFER,
                ExtraArgs={"Metadata": {"sha256": digest}},
            )
        except (ClientError, BotoCoreError) as exc:
            raise self._fail(exc, digest) from exc

    def presigned_url(self, digest: str, seconds: int, filename: str) -> str:
        """A URL that GETs the blob straight from S3 for `seconds` (ranges included),
        saved by the browser as `filename`. Signing is local: no request to S3."""
        try:
            return str(
                self._s3.generate_presigned_url(
                    "get_object",
                    Params={
                        "Bucket": self.bucket,
                        "Key": self._key(digest),
                        "ResponseContentDisposition": f'attachment; filename="{filename}"',
                        "ResponseContentType": "application/zip",
                    },
                    ExpiresIn=seconds,
                )
            )
        except (BotoCoreError, ClientError) as exc:
            raise self._fail(exc, digest) from exc

    def local_path(self, digest: str) -> Path | None:
        return None  # objects live in the bucket; readers stream them

    def exists(self, digest: str) -> bool:
        try:
            self.size(digest)
        except FileNotFoundError:
            return False
        return True

    def size(self, digest: str) -> int:
        try:
            head = self._s3.head_object(Bucket=self.bucket, Key=self._key(digest))
        except (ClientError, BotoCoreError) as exc:
            raise self._fail(exc, digest) from exc
        return int(head["ContentLength"])

    def read(self, digest: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        args: dict[str, Any] = {"Bucket": self.bucket, "Key": self._key(digest)}
        if start or end is not None:
            args["Range"] = f"bytes={start}-{'' if end is None else end}"
        try:
            body = self._s3.get_object(**args)["Body"]
        except (ClientError, BotoCoreError) as exc:
            raise self._fail(exc, digest) from exc
        return self._chunks(body)

    @staticmethod
    def _chunks(body: Any) -> Iterator[bytes]:
        try:
            yield from body.iter_chunks(CHUNK_SIZE)
        finally:
            body.close()

    def delete(self, digest: str) -> None:
        try:
            self._s3.delete_object(Bucket=self.bucket, Key=self._key(digest))
        except (ClientError, BotoCoreError) as exc:
            err = self._fail(exc, digest)
            if not isinstance(err, FileNotFoundError):
                raise err from exc

    def iter_blobs(self) -> Iterator[tuple[str, datetime]]:
        paginator = self._s3.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=f"{self.prefix}blobs/"):
                for obj in page.get("Contents", []):
                    yield obj["Key"].rsplit("/", 1)[-1], obj["LastModified"]
        except (ClientError, BotoCoreError) as exc:
            raise self._fail(exc) from exc

    def clear(self) -> None:
        batch: list[Any] = []
        for digest, _ in list(self.iter_blobs()):
            batch.append({"Key": self._key(digest)})
            if len(batch) == 1000:  # DeleteObjects takes at most 1000 keys
                self._delete_batch(batch)
                batch = []
        if batch:
            self._delete_batch(batch)

    def _delete_batch(self, batch: list[Any]) -> None:
        try:
            self._s3.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})
        except (ClientError, BotoCoreError) as exc:
            raise self._fail(exc) from exc
