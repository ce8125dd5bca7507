"""What the rating asks of its upstreams, as small Protocols.

`app.py` injects the concrete clients (`sources.hub_client.HubClient`,
`sources.github_client.GitHubClient`); tests inject fakes. Every method raises the
registry's errors only: `UpstreamNotFound` when the upstream says the thing does not
exist (the rating records it as "linked but not found"), `UpstreamUnavailable` when a
retry may succeed, `UpstreamError` for other refusals.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from registry.rating.context import DatasetFacts


class HubReader(Protocol):
    """The Hugging Face Hub, read-only."""

    def commits(self, repo_id: str, revision: str | None) -> list[tuple[list[str], str]]:
        """(authors, ISO date) of a model repository's commits, newest first."""
        ...

    def dataset(self, ref: str) -> DatasetFacts:
        """A dataset's card, licence, size and popularity."""
        ...

    def exists(self, kind: str, ref: str) -> bool:
        """Whether the Hub has the model or dataset `ref`."""
        ...


class RepoSummary(Protocol):
    """A code repository's metadata, as the code host reports it."""

    @property
    def full_name(self) -> str: ...
    @property
    def default_branch(self) -> str: ...
    @property
    def license_spdx(self) -> str | None: ...
    @property
    def stars(self) -> int: ...
    @property
    def forks(self) -> int: ...
    @property
    def pushed_at(self) -> str | None: ...
    @property
    def archived(self) -> bool: ...


class CodeHost(Protocol):
    """GitHub's REST API, read-only (paths as in https://docs.github.com/rest)."""

    def repo(self, full_name: str) -> RepoSummary: ...

    def get_json(self, path: str, what: str, params: dict[str, Any] | None = None) -> Any: ...

    def paginate(
        self, path: str, what: str, params: dict[str, Any] | None = None, max_pages: int = 10
    ) -> list[Any]: ...

    def download_zipball(self, full_name: str, ref: str, dest: Path, max_bytes: int) -> int:
        """Write the repository at `ref` as a zip archive to `dest`; its size in bytes."""
        ...
