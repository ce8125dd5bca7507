"""The registry's one client for the GitHub REST API.

Shared session (pooling, retries with backoff), explicit timeouts, one
`_raise_for_status` that turns HTTP failures into typed errors, dataclass results.
The base URL comes from `GITHUB_API_URL`, so GitHub Enterprise or a local fake
serve just as well as api.github.com.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests

from registry.domain.errors import (
    RETRY_HINT,
    UpstreamError,
    UpstreamNotFound,
    UpstreamUnavailable,
)
from registry.sources.http import make_session, stream_to_file

GITHUB = "GitHub"


class GitHubNotFound(UpstreamNotFound):
    pass


class GitHubUnavailable(UpstreamUnavailable):
    """5xx, a rate limit, a timeout, a refused connection, a garbled answer: may pass."""

    def __init__(self, message: str) -> None:
        super().__init__(f"{message}; {RETRY_HINT}", upstream=GITHUB)


class GitHubRefused(UpstreamError):
    """GitHub refuses the registry's credentials: only the operator can fix that."""

    def __init__(self, message: str) -> None:
        super().__init__(message, upstream=GITHUB)


@dataclass(frozen=True)
class GitHubRepo:
    full_name: str
    name: str
    html_url: str
    description: str
    default_branch: str
    license_spdx: str | None
    stars: int
    forks: int
    open_issues: int
    created_at: str | None
    pushed_at: str | None
    archived: bool
    fork: bool
    raw: dict[str, Any]


class GitHubClient:
    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: float = 30.0,
        retries: int = 3,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = session or make_session(retries)
        self.session.headers.update(
            {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
        )
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def _url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    @staticmethod
    def _raise_for_status(resp: requests.Response, what: str) -> None:
        if resp.status_code < 400:
            return
        if resp.status_code == 404:
            raise GitHubNotFound(f"GitHub has no {what}")
        if resp.status_code in (403, 429) and (
            resp.headers.get("X-RateLimit-Remaining") == "0" or "rate limit" in resp.text.lower()
        ):
            raise GitHubUnavailable(
                f"GitHub rate limit reached while fetching {what} (set GITHUB_TOKEN to raise it)"
            )
        if resp.status_code in (401, 403):
            raise GitHubRefused(
                f"GitHub refused access to {what} ({resp.status_code}); check GITHUB_TOKEN"
            )
        if resp.status_code >= 500 or resp.status_code in (408, 429):
            raise GitHubUnavailable(f"GitHub answered {resp.status_code} for {what}")
        raise GitHubRefused(f"GitHub answered {resp.status_code} for {what}")

    def _get(self, path: str, what: str, **kwargs: Any) -> requests.Response:
        try:
            resp = self.session.get(self._url(path), timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise GitHubUnavailable(f"GitHub could not be reached for {what}: {exc}") from exc
        self._raise_for_status(resp, what)
        return resp

    def get_json(self, path: str, what: str, params: dict[str, Any] | None = None) -> Any:
        resp = self._get(path, what, params=params)
        try:
            return resp.json()
        except ValueError as exc:
            raise GitHubUnavailable(f"GitHub sent malformed JSON for {what}") from exc

    def paginate(
        self, path: str, what: str, params: dict[str, Any] | None = None, max_pages: int = 10
    ) -> list[Any]:
        """Follow `Link: rel="next"` up to `max_pages` pages of 100 items."""
        items: list[Any] = []
        url: str | None = self._url(path)
        query: dict[str, Any] | None = {"per_page": 100, **(params or {})}
        for _ in range(max_pages):
            if url is None:
                break
            try:
                resp = self.session.get(url, params=query, timeout=self.timeout)
            except requests.RequestException as exc:
                raise GitHubUnavailable(f"GitHub could not be reached for {what}: {exc}") from exc
            self._raise_for_status(resp, what)
            try:
                page = resp.json()
            except ValueError as exc:
                raise GitHubUnavailable(f"GitHub sent malformed JSON for {what}") from exc
            if not isinstance(page, list):
                raise GitHubUnavailable(f"GitHub sent an unexpected answer for {what}")
            items.extend(page)
            url = resp.links.get("next", {}).get("url")
            query = None  # the next link carries its own query string
        return items

    def repo(self, full_name: str) -> GitHubRepo:
        data = self.get_json(f"repos/{quote(full_name)}", f"repository {full_name}")
        if not isinstance(data, dict):
            raise GitHubUnavailable(f"GitHub sent an unexpected answer for {full_name}")
        lic = data.get("license") or {}
        spdx = lic.get("spdx_id") if isinstance(lic, dict) else None
        return GitHubRepo(
            full_name=str(data.get("full_name") or full_name),
            name=str(data.get("name") or full_name.rsplit("/", maxsplit=1)[-1]),
            html_url=str(data.get("html_url") or ""),
            description=str(data.get("description") or ""),
            default_branch=str(data.get("default_branch") or "main"),
            # NOASSERTION: a licence file GitHub could not identify, which is not "none".
            license_spdx=("other" if spdx == "NOASSERTION" else spdx) if lic else None,
            stars=int(data.get("stargazers_count") or 0),
            forks=int(data.get("forks_count") or 0),
            open_issues=int(data.get("open_issues_count") or 0),
            created_at=data.get("created_at"),
            pushed_at=data.get("pushed_at"),
            archived=bool(data.get("archived")),
            fork=bool(data.get("fork")),
            raw=data,
        )

    def readme(self, full_name: str) -> str | None:
        try:
            data = self.get_json(f"repos/{quote(full_name)}/readme", f"README of {full_name}")
        except GitHubNotFound:
            return None
        content = data.get("content") if isinstance(data, dict) else None
        if not isinstance(content, str):
            return None
        try:
            return base64.b64decode(content).decode("utf-8", errors="replace")
        except ValueError:
            return None

    def download_zipball(self, full_name: str, ref: str, dest: Path, max_bytes: int) -> int:
        """Stream the repository at `ref` as GitHub's zipball into `dest`."""
        what = f"the code of {full_name} at {ref}"
        resp = self._get(
            f"repos/{quote(full_name)}/zipball/{quote(ref, safe='')}", what, stream=True
        )
        with resp:
            return stream_to_file(resp, dest, max_bytes, what)
