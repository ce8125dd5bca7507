"""Uploads: a zip sent by a user becomes an artifact, rated and gated like any ingest."""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path
from typing import IO

from registry.domain.errors import BadRequest, PayloadTooLarge
from registry.domain.models import Artifact, ArtifactType, User
from registry.services.ingest import IngestService
from registry.sources.resolver import UPLOAD_PREFIX
from registry.sources.upload import staged_path
from registry.storage.blobs import CHUNK_SIZE

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


class UploadService:
    def __init__(self, ingest: IngestService, staging: Path, max_bytes: int) -> None:
        self.ingest = ingest
        self.staging = staging
        self.max_bytes = max_bytes

    def create(
        self,
        artifact_type: ArtifactType,
        name: str | None,
        body: IO[bytes],
        user: User,
        groups: tuple[str, ...] = (),
    ) -> Artifact:
        """Stage `body` (a zip) under its sha256, then ingest it as `name`."""
        if not name:
            raise BadRequest("an upload needs a name (the form field or ?name=)")
        self.staging.mkdir(parents=True, exist_ok=True)
        partial = self.staging / f"incoming-{uuid.uuid4().hex}"
        try:
            digest = self._receive(body, partial)
            archive = staged_path(self.staging, digest)
            os.replace(partial, archive)
            try:
                return self.ingest.create(artifact_type, UPLOAD_PREFIX + digest, name, user, groups)
            finally:
                archive.unlink(missing_ok=True)
        finally:
            partial.unlink(missing_ok=True)

    def _receive(self, body: IO[bytes], dest: Path) -> str:
        digest = hashlib.sha256()
        size = 0
        with dest.open("wb") as out:
            while chunk := body.read(CHUNK_SIZE):
                if size == 0 and not chunk.startswith(_ZIP_MAGIC):
                    raise BadRequest("the upload is not a zip archive (it must start with PK)")
                size += len(chunk)
                if size > self.max_bytes:
                    raise PayloadTooLarge(
                        f"the upload is over MAX_ARTIFACT_BYTES ({self.max_bytes} bytes)"
                    )
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise BadRequest("the upload is empty; send a zip of the artifact's files")
        return digest.hexdigest()
