"""GitHub repositories as artifacts: the API's zipball of a branch, tag or commit."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from registry.domain.models import ArtifactType
from registry.sources.archive import ArchiveLimits, extract_zip
from registry.sources.base import ByteSink, Manifest, SourceRef, read_card
from registry.sources.github_client import GitHubClient
from registry.sources.resolver import github_key

README_NAMES = ("readme.md", "readme.rst", "readme.txt", "readme")


def find_readme(files: dict[str, Path]) -> str | None:
    """The text of the top-level README among staged files, if there is one."""
    by_lower = {path.lower(): local for path, local in files.items() if "/" not in path}
    for name in README_NAMES:
        if name in by_lower:
            return read_card(by_lower[name])
    return None


class GitHubSource:
    def __init__(
        self, client: GitHubClient, max_bytes: int, archive_limits: ArchiveLimits | None = None
    ) -> None:
        self.client = client
        self.max_bytes = max_bytes
        self.archive_limits = archive_limits

    def canonical(self, ref: SourceRef) -> SourceRef:
        """`ref` with the key of the bare repository URL when its revision is the
        repository's default branch (`/tree/master` of a repository on master)."""
        if ref.revision is None or ref.repo_id is None:
            return ref
        if ref.revision != self.client.repo(ref.repo_id).default_branch:
            return ref
        return replace(ref, key=github_key(ref.repo_id, None, ref.subpath))

    def fetch(
        self,
        ref: SourceRef,
        artifact_type: ArtifactType,
        workdir: Path,
        sink: ByteSink | None = None,
    ) -> Manifest:
        assert ref.repo_id is not None
        repo = self.client.repo(ref.repo_id)
        revision = ref.revision or repo.default_branch
        archive = workdir / "zipball.zip"
        self.client.download_zipball(repo.full_name, revision, archive, self.max_bytes)
        files = extract_zip(
            archive,
            workdir / "files",
            artifact_type,
            max_bytes=self.max_bytes,
            limits=self.archive_limits,
            strip_top_folder=True,  # GitHub wraps everything in "<owner>-<repo>-<sha>/"
            subpath=ref.subpath,
            # A repository's symlink is a git blob holding its target: kept as that text.
            symlinks_as_text=True,
        )
        archive.unlink(missing_ok=True)
        readme = find_readme({f.path: f.local for f in files})
        if readme is None and not ref.subpath:
            readme = self.client.readme(repo.full_name)
        card = {"license": repo.license_spdx, "description": repo.description}
        upstream = {
            "kind": "github",
            "repo_id": repo.full_name,
            "html_url": repo.html_url,
            "revision": revision,
            "default_branch": repo.default_branch,
            "subpath": ref.subpath,
            "license": repo.license_spdx,
            "description": repo.description,
            "stars": repo.stars,
            "forks": repo.forks,
            "open_issues": repo.open_issues,
            "created_at": repo.created_at,
            "pushed_at": repo.pushed_at,
            "archived": repo.archived,
        }
        return Manifest(ref=ref, files=files, readme=readme or "", card=card, upstream=upstream)
