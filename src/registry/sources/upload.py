"""Uploaded zips as artifacts: `registry push ./folder` or POST /artifact/{type} with a zip.

The upload service stages the archive under its sha256 before the ingest starts; this
source only unpacks it, with the same safety as any other archive (escaping names
refused, zip bombs refused, symlinks and devices refused).
"""

from __future__ import annotations

from pathlib import Path

from registry.domain.errors import BadRequest
from registry.domain.models import ArtifactType
from registry.sources.archive import ArchiveLimits, extract_zip
from registry.sources.base import ByteSink, Manifest, SourceRef
from registry.sources.github import find_readme
from registry.sources.hub_client import split_front_matter
from registry.sources.resolver import UPLOAD_PREFIX


def staged_path(staging: Path, digest: str) -> Path:
    return staging / f"{digest}.zip"


class UploadSource:
    def __init__(
        self, staging: Path, max_bytes: int, archive_limits: ArchiveLimits | None = None
    ) -> None:
        self.staging = staging
        self.max_bytes = max_bytes
        self.archive_limits = archive_limits

    def fetch(
        self,
        ref: SourceRef,
        artifact_type: ArtifactType,
        workdir: Path,
        sink: ByteSink | None = None,
    ) -> Manifest:
        digest = ref.url[len(UPLOAD_PREFIX) :]
        archive = staged_path(self.staging, digest)
        if not archive.is_file():
            raise BadRequest(
                f"{ref.url} names an uploaded zip the registry does not hold; upload it "
                f"again (POST /artifact/{artifact_type.value} with Content-Type "
                "application/zip, or multipart/form-data with a file and a name)"
            )
        files = extract_zip(
            archive,
            workdir / "files",
            artifact_type,
            max_bytes=self.max_bytes,
            limits=self.archive_limits,
        )
        if not files:
            raise BadRequest("the uploaded zip holds no files")
        readme = find_readme({f.path: f.local for f in files}) or ""
        upstream = {"kind": "upload", "sha256": digest}
        # A model card's YAML header (licence, datasets, base model) is the upload's card.
        card = split_front_matter(readme)[0]
        return Manifest(ref=ref, files=files, readme=readme, card=card, upstream=upstream)
