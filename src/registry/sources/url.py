"""Plain http(s) downloads: a single file, or a zip whose entries become the files.

The URL is the user's, so every request (the first and each redirect) goes through
the egress session (`registry.sources.egress`): checked against the networks no user
may reach, and connected to the very address that was checked.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import requests

from registry.domain.errors import (
    RETRY_HINT,
    BadRequest,
    UpstreamError,
    UpstreamNotFound,
    UpstreamUnavailable,
)
from registry.domain.models import ArtifactType
from registry.sources.archive import ArchiveLimits, extract_zip
from registry.sources.base import ByteSink, Manifest, SourceRef, StagedFile
from registry.sources.egress import UNREACHABLE, EgressPolicy, egress_session
from registry.sources.files import classify
from registry.sources.github import find_readme
from registry.sources.http import stream_to_file
from registry.sources.safety import safe_relpath

_MAX_REDIRECTS = 5
_FILENAME = re.compile(r"filename\*?=(?:UTF-8'')?\"?([^\";]+)\"?", re.IGNORECASE)

_WEB_PAGE_TYPES = {"text/html", "application/xhtml+xml"}
_HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body")


def _starts_like_html(path: Path) -> bool:
    """Sniff a file served under another type: a web page starts with an HTML tag."""
    with path.open("rb") as fh:
        head = fh.read(512).lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(_HTML_STARTS)


def _web_page(url: str, what: str) -> BadRequest:
    return BadRequest(
        f"{url} serves a web page ({what}), not a file or an archive; give the URL of "
        "the download itself (a direct link to the file or zip)"
    )


class UrlSource:
    def __init__(
        self,
        *,
        max_bytes: int,
        timeout: float,
        retries: int,
        policy: EgressPolicy,
        session: requests.Session | None = None,
        archive_limits: ArchiveLimits | None = None,
    ) -> None:
        self.max_bytes = max_bytes
        self.archive_limits = archive_limits
        self.timeout = timeout
        self.session = session or egress_session(policy, retries)

    def _open(self, url: str) -> requests.Response:
        for _ in range(_MAX_REDIRECTS + 1):
            try:
                resp = self.session.get(
                    url, stream=True, timeout=self.timeout, allow_redirects=False
                )
            except (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema) as exc:
                raise BadRequest(
                    f"{url} is not a URL the registry can fetch (its host is not a valid "
                    "name or address); give an http(s) URL"
                ) from exc
            except requests.RequestException as exc:
                # Refused, reset, timed out, bad certificate: one answer for all, so the
                # registry cannot be used to tell which internal ports are open.
                raise UpstreamUnavailable(f"{UNREACHABLE.format(url=url)}; {RETRY_HINT}") from exc
            if resp.is_redirect and "Location" in resp.headers:
                resp.close()
                url = urljoin(url, resp.headers["Location"])
                if urlsplit(url).scheme not in {"http", "https"}:
                    raise UpstreamError(f"{url} redirects to a non-http(s) location")
                continue
            if resp.status_code in (404, 410):
                resp.close()
                raise UpstreamNotFound(f"{url} does not exist upstream ({resp.status_code})")
            if resp.status_code >= 400:
                resp.close()
                raise UpstreamError(f"{url} answered {resp.status_code}")
            return resp
        raise UpstreamError(f"{url} redirects more than {_MAX_REDIRECTS} times")

    @staticmethod
    def _filename(resp: requests.Response, url: str) -> str:
        match = _FILENAME.search(resp.headers.get("Content-Disposition", ""))
        name = unquote(match.group(1)) if match else ""
        if not name:
            name = unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])
        name = name.replace("\\", "/").rsplit("/", 1)[-1]
        return safe_relpath(name) if name and name not in {".", ".."} else "download"

    def fetch(
        self,
        ref: SourceRef,
        artifact_type: ArtifactType,
        workdir: Path,
        sink: ByteSink | None = None,
    ) -> Manifest:
        resp = self._open(ref.url)
        with resp:
            name = self._filename(resp, resp.url or ref.url)
            content_type = resp.headers.get("Content-Type", "")
            if content_type.split(";")[0].strip().lower() in _WEB_PAGE_TYPES:
                raise _web_page(ref.url, content_type)
            download = workdir / "download"
            hashed = hashlib.sha256()  # on the way to disk: the file is not read again
            size = stream_to_file(resp, download, self.max_bytes, ref.url, on_chunk=hashed.update)
            digest = hashed.hexdigest()
        if _starts_like_html(download):
            raise _web_page(ref.url, "HTML")
        upstream = {"kind": "url", "url": ref.url, "content_type": content_type, "filename": name}
        if zipfile.is_zipfile(download):
            files = extract_zip(
                download,
                workdir / "files",
                artifact_type,
                max_bytes=self.max_bytes,
                limits=self.archive_limits,
            )
            download.unlink(missing_ok=True)
            readme = find_readme({f.path: f.local for f in files}) or ""
            return Manifest(ref=ref, files=files, readme=readme, upstream=upstream)
        staged = StagedFile(
            path=name, local=download, sha256=digest, size=size, role=classify(name, artifact_type)
        )
        readme = ""
        if name.lower().startswith("readme") and size < (1 << 20):
            readme = download.read_text(encoding="utf-8", errors="replace")
        upstream["sha256"] = digest
        return Manifest(ref=ref, files=[staged], readme=readme, upstream=upstream)
