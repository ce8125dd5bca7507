"""Kaggle datasets, through Kaggle's public REST API (the one the `kaggle` client calls).

`GET {KAGGLE_API_URL}/datasets/view/{owner}/{name}` describes the dataset (title,
description, licence, size), `/datasets/list/{owner}/{name}` lists its files (paged by
`nextPageToken`) and `/datasets/download/{owner}/{name}` answers with the zip of them
all, usually through a redirect to storage. Requests carry HTTP basic auth with
KAGGLE_USERNAME and KAGGLE_KEY, which Kaggle requires even for public datasets.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests

from registry.domain.errors import UpstreamError, UpstreamNotFound
from registry.domain.models import ArtifactType
from registry.sources.archive import ArchiveLimits, extract_zip
from registry.sources.base import ByteSink, Manifest, SourceRef
from registry.sources.http import make_session, stream_to_file

_MAX_FILE_PAGES = 50
# Kaggle's licence names, as the hub spells the same licences (what the rating reads).
_LICENSES = {
    "CC0: Public Domain": "cc0-1.0",
    "CC0-1.0": "cc0-1.0",
    "CC BY 4.0": "cc-by-4.0",
    "CC BY-SA 4.0": "cc-by-sa-4.0",
    "CC BY-NC-SA 4.0": "cc-by-nc-sa-4.0",
    "CC BY-NC 4.0": "cc-by-nc-4.0",
    "Apache 2.0": "apache-2.0",
    "MIT": "mit",
    "GPL 2": "gpl-2.0",
    "GPL-3.0": "gpl-3.0",
    "ODbL-1.0": "odbl",
    "Open Database, Contents: Database Contents": "odbl",
    "Community Data License Agreement - Permissive - Version 1.0": "cdla-permissive-1.0",
}


def spdx_license(name: str | None) -> str | None:
    if not name:
        return None
    return _LICENSES.get(name.strip(), name.strip())


class KaggleSource:
    def __init__(
        self,
        base_url: str,
        username: str | None,
        key: str | None,
        *,
        timeout: float,
        retries: int,
        max_bytes: int,
        session: requests.Session | None = None,
        archive_limits: ArchiveLimits | None = None,
    ) -> None:
        self.archive_limits = archive_limits
        self.base_url = base_url.rstrip("/")
        self.auth = (username, key) if username and key else None
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.session = session or make_session(retries)

    def _get(self, path: str, what: str, **kwargs: Any) -> requests.Response:
        try:
            resp = self.session.get(
                f"{self.base_url}{path}", auth=self.auth, timeout=self.timeout, **kwargs
            )
        except requests.RequestException as exc:
            raise UpstreamError(f"Kaggle could not be reached for {what}: {exc}") from exc
        if resp.status_code == 404:
            resp.close()
            raise UpstreamNotFound(f"Kaggle has no {what}")
        if resp.status_code in (401, 403):
            resp.close()
            hint = "" if self.auth else "; set KAGGLE_USERNAME and KAGGLE_KEY"
            raise UpstreamError(f"Kaggle refused the registry's credentials for {what}{hint}")
        if resp.status_code >= 400:
            resp.close()
            raise UpstreamError(f"Kaggle answered {resp.status_code} for {what}")
        return resp

    def _json(self, path: str, what: str, params: dict[str, str] | None = None) -> Any:
        resp = self._get(path, what, params=params)
        try:
            return resp.json()
        except ValueError as exc:
            raise UpstreamError(f"Kaggle answered {what} with something other than JSON") from exc

    def _files(self, slug: str, what: str) -> list[dict[str, Any]]:
        files: list[dict[str, Any]] = []
        token = ""
        for _ in range(_MAX_FILE_PAGES):
            params = {"pageToken": token} if token else None
            page = self._json(f"/datasets/list/{slug}", f"the files of {what}", params)
            files += [
                {"path": f.get("name"), "size": f.get("totalBytes")}
                for f in page.get("datasetFiles") or []
            ]
            token = page.get("nextPageToken") or ""
            if not token:
                break
        return files

    def fetch(
        self,
        ref: SourceRef,
        artifact_type: ArtifactType,
        workdir: Path,
        sink: ByteSink | None = None,
    ) -> Manifest:
        assert ref.repo_id is not None
        slug = "/".join(quote(part, safe="") for part in ref.repo_id.split("/"))
        what = f"dataset {ref.repo_id}"
        meta = self._json(f"/datasets/view/{slug}", what)
        listed = self._files(slug, what)
        params = {"datasetVersionNumber": ref.revision} if ref.revision else None
        archive = workdir / "kaggle.zip"
        with self._get(f"/datasets/download/{slug}", what, params=params, stream=True) as resp:
            stream_to_file(resp, archive, self.max_bytes, f"Kaggle {what}")
        files = extract_zip(
            archive,
            workdir / "files",
            artifact_type,
            max_bytes=self.max_bytes,
            limits=self.archive_limits,
        )
        archive.unlink(missing_ok=True)
        license_ = spdx_license(meta.get("licenseName"))
        description = str(meta.get("description") or meta.get("subtitle") or "")
        card = {
            "license": license_,
            "pretty_name": meta.get("title"),
            "description": meta.get("subtitle"),
            "tags": [t.get("name") for t in meta.get("tags") or [] if isinstance(t, dict)],
        }
        upstream = {
            "kind": "kaggle",
            "repo_id": ref.repo_id,
            "url": meta.get("url"),
            "title": meta.get("title"),
            "license_name": meta.get("licenseName"),
            "license": license_,
            "version": ref.revision or meta.get("currentVersionNumber"),
            "last_updated": meta.get("lastUpdated"),
            "downloads": meta.get("downloadCount"),
            "votes": meta.get("voteCount"),
            "usability": meta.get("usabilityRating"),
            "total_bytes": meta.get("totalBytes"),
            "files": listed,
        }
        return Manifest(ref=ref, files=files, readme=description, card=card, upstream=upstream)
