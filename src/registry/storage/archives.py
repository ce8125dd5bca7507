"""Where a backup archive goes and comes from: a local file or an S3 object.

Both are streams. A writer is all-or-nothing: until `commit()` nothing is visible at
the destination (a file is written under a temporary name and renamed; an S3 object is
a multipart upload, completed at the end), and `abort()` leaves nothing behind, so a
backup that fails half-way never looks like a good one. Memory stays bounded by one
multipart part, whatever the archive's size.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any, Protocol
from urllib.parse import urlsplit

from botocore.exceptions import BotoCoreError, ClientError

from registry.storage.s3 import s3_client

# S3 allows 10,000 parts: 64 MiB parts make archives of up to 640 GB possible.
PART_SIZE = 64 << 20


class ArchiveError(RuntimeError):
    """The archive's location cannot be read or written; the message says why."""


class ArchiveWriter(Protocol):
    def write(self, data: bytes) -> int: ...

    def commit(self) -> None:
        """Make the archive visible at its destination, whole."""

    def abort(self) -> None:
        """Drop everything written; the destination is left as it was."""


def is_s3(location: str) -> bool:
    return location.startswith("s3://")


def _bucket_key(location: str) -> tuple[str, str]:
    parts = urlsplit(location)
    key = parts.path.lstrip("/")
    if not parts.netloc or not key or key.endswith("/"):
        raise ArchiveError(f"{location!r} must look like s3://bucket/path/to/backup.tar")
    return parts.netloc, key


def archive_s3_client(
    region: str, endpoint_url: str | None, credentials: Mapping[str, str] | None = None
) -> Any:
    """An S3 client for backup archives: a part of a multipart transfer may take long."""
    return s3_client(region, endpoint_url, credentials, read_timeout=120)


class FileArchiveWriter:
    def __init__(self, path: Path) -> None:
        if path.is_dir():
            raise ArchiveError(f"{path} is a folder: name the archive file to write")
        if not path.parent.is_dir():
            raise ArchiveError(f"the folder {path.parent} does not exist")
        self.path = path
        self._draft = path.with_name(f".{path.name}.{uuid.uuid4().hex}.partial")
        self._fh: IO[bytes] = self._draft.open("xb")

    def write(self, data: bytes) -> int:
        return self._fh.write(data)

    def commit(self) -> None:
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        os.replace(self._draft, self.path)

    def abort(self) -> None:
        self._fh.close()
        self._draft.unlink(missing_ok=True)


class S3ArchiveWriter:
    """A multipart upload fed by `write`; one part is buffered at a time."""

    def __init__(self, client: Any, location: str, part_size: int = PART_SIZE) -> None:
        self.client = client
        self.bucket, self.key = _bucket_key(location)
        self.part_size = part_size
        self._buffer = bytearray()
        self._parts: list[dict[str, Any]] = []
        try:
            started = client.create_multipart_upload(Bucket=self.bucket, Key=self.key)
        except (ClientError, BotoCoreError) as exc:
            raise ArchiveError(f"cannot write {location}: {exc}") from exc
        self._upload_id = started["UploadId"]

    def write(self, data: bytes) -> int:
        self._buffer += data
        while len(self._buffer) >= self.part_size:
            self._send(bytes(self._buffer[: self.part_size]))
            del self._buffer[: self.part_size]
        return len(data)

    def _send(self, body: bytes) -> None:
        number = len(self._parts) + 1
        try:
            done = self.client.upload_part(
                Bucket=self.bucket,
                Key=self.key,
                UploadId=self._upload_id,
                PartNumber=number,
                Body=body,
            )
        except (ClientError, BotoCoreError) as exc:
            raise ArchiveError(
                f"uploading part {number} of s3://{self.bucket}/{self.key} failed: {exc}"
            ) from exc
        self._parts.append({"PartNumber": number, "ETag": done["ETag"]})

    def commit(self) -> None:
        if self._buffer or not self._parts:  # the last part may be small (or the only one)
            self._send(bytes(self._buffer))
            self._buffer.clear()
        try:
            self.client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=self.key,
                UploadId=self._upload_id,
                MultipartUpload={"Parts": self._parts},
            )
        except (ClientError, BotoCoreError) as exc:
            raise ArchiveError(f"completing s3://{self.bucket}/{self.key} failed: {exc}") from exc

    def abort(self) -> None:
        self._buffer.clear()
        # Should this fail too, the bucket's lifecycle rule removes abandoned uploads.
        with contextlib.suppress(ClientError, BotoCoreError):
            self.client.abort_multipart_upload(
                Bucket=self.bucket, Key=self.key, UploadId=self._upload_id
            )


def open_writer(location: str, client: Any = None) -> ArchiveWriter:
    """A writer for `PATH` or `s3://bucket/key` (`client` is needed for S3)."""
    if is_s3(location):
        return S3ArchiveWriter(client, location)
    return FileArchiveWriter(Path(location))


def open_reader(location: str, client: Any = None) -> IO[bytes]:
    """The archive at `PATH` or `s3://bucket/key` as a stream of bytes."""
    if is_s3(location):
        bucket, key = _bucket_key(location)
        try:
            body: IO[bytes] = client.get_object(Bucket=bucket, Key=key)["Body"]
        except (ClientError, BotoCoreError) as exc:
            raise ArchiveError(f"cannot read {location}: {exc}") from exc
        return body
    path = Path(location)
    if not path.is_file():
        raise ArchiveError(f"{location} is not a file")
    return path.open("rb")
