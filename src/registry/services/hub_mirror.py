"""The Hub-compatible read API: stored artifacts as Hugging Face repositories.

Names: an artifact ingested from the Hub answers to its upstream repo id (and to the
legacy one-segment id the Hub maps to it, when the ingest recorded one); any artifact
answers to `artifacts/{id}`. Revisions: `main` and the commit the artifact is served
at (see `hub_views.commit_of`), plus a branch or tag named in the ingest URL.

Every read goes through `DownloadService.authorize`, the same check (and audit trail)
as /download, so whatever rule decides who may download an artifact applies here too:
the `download` permission, private artifacts (names resolve only among the artifacts
the caller may see), and a sensitive model's monitor program, which decides each file
download as the audit records it (once per file, not per range).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from sqlalchemy.orm import Session

from registry.db.models import ArtifactRow
from registry.db.repositories import ArtifactRepository
from registry.db.session import Database
from registry.domain.errors import BadRequest, EntryNotFound, RepoNotFound, RevisionNotFound
from registry.domain.models import ArtifactFile, ArtifactType, User
from registry.domain.names import validate_artifact_id
from registry.services import hub_views
from registry.services.download import DownloadService, Permitted, Use
from registry.services.hub_views import HubRepo, commit_of
from registry.sources.resolver import parse_source_url

_ORIGIN_PREFIX = {"model": "hf-model", "dataset": "hf-dataset"}
_MAIN = {"main", "refs/heads/main"}
_REGISTRY_NAMESPACE = "artifacts"


@dataclass(frozen=True)
class HubRef:
    """A repository at a revision, as a Hub client names it."""

    repo_type: str  # "model" or "dataset"
    repo_id: str
    revision: str = "main"


@dataclass(frozen=True)
class _Candidate:
    artifact_id: str
    seq: int
    commit: str
    revision: str | None  # the branch, tag or commit named in the ingest URL
    subpath: str | None
    paths: frozenset[str]


def pick_revision(candidates: list[_Candidate], revision: str) -> _Candidate | None:
    """Which stored version a revision names.

    `main` is the newest whole-repository ingest that named no revision, falling back
    to the newest of any kind; a commit or a ref names the version ingested at it.
    """
    if not candidates:
        return None
    newest_first = sorted(candidates, key=lambda c: c.seq, reverse=True)
    if revision in _MAIN:
        return min(
            newest_first,
            key=lambda c: (c.revision is not None, c.subpath is not None),
        )
    for c in newest_first:
        if revision in (c.commit, c.revision):
            return c
    return None


def _names(row: ArtifactRow, prefix: str) -> set[str]:
    """Every repo id a stored Hub artifact answers to (lower case)."""
    names = set()
    if row.origin and row.origin.startswith(prefix + ":"):
        names.add(row.origin.split(":", 1)[1])
    upstream = row.upstream or {}
    for key in ("repo_id", "legacy_id"):
        value = upstream.get(key)
        if isinstance(value, str) and value:
            names.add(value.lower())
    return names


class HubMirrorService:
    def __init__(
        self,
        db: Database,
        downloads: DownloadService,
        *,
        hf_endpoint: str,
        tree_page_size: int = hub_views.TREE_PAGE_SIZE,
    ) -> None:
        self.db = db
        self.downloads = downloads
        self.hf_endpoint = hf_endpoint
        self.tree_page_size = tree_page_size

    # -- use cases ------------------------------------------------------------

    def info(
        self, ref: HubRef, user: User, *, blobs: bool = False, expand: list[str] | None = None
    ) -> dict[str, Any]:
        repo = self._open(ref, user)
        return hub_views.info(repo, blobs=blobs, expand=expand or [])

    def tree(
        self,
        ref: HubRef,
        path: str,
        user: User,
        *,
        recursive: bool,
        expand: bool,
        cursor: str | None,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of the folder's entries and the cursor of the next (None: last page)."""
        repo = self._open(ref, user)
        entries = hub_views.tree(repo, path, recursive=recursive, expand=expand)
        if entries is None:
            raise EntryNotFound(
                f"{path!r} is not a folder of {ref.repo_id} at {ref.revision}", commit=repo.sha
            )
        size = self.tree_page_size
        if expand:
            size = min(size, hub_views.EXPANDED_PAGE_SIZE)
        return hub_views.page(entries, cursor, size)

    def paths_info(
        self, ref: HubRef, paths: list[str], user: User, *, expand: bool
    ) -> list[dict[str, Any]]:
        return hub_views.paths_info(self._open(ref, user), paths, expand)

    def refs(self, ref: HubRef, user: User) -> dict[str, Any]:
        return hub_views.refs(self._open(ref, user))

    def file(self, ref: HubRef, path: str, user: User, *, use: Use) -> tuple[HubRepo, ArtifactFile]:
        """A file to serve; `use` says whether the request starts, resumes or only looks."""
        repo = self._open(ref, user, path=path, use=use)
        found = repo.file(path)
        if found is None:
            raise EntryNotFound(
                f"{ref.repo_id} has no file {path!r} at revision {ref.revision}", commit=repo.sha
            )
        return repo, found

    def read(self, sha256: str, start: int, end: int) -> Iterator[bytes]:
        return self.downloads.read(sha256, start, end)

    def open_local(self, sha256: str, start: int) -> BinaryIO | None:
        return self.downloads.open_local(sha256, start)

    # -- resolution -----------------------------------------------------------

    def _open(
        self, ref: HubRef, user: User, *, path: str | None = None, use: Use = Use.LOOK
    ) -> HubRepo:
        """The stored repository `ref` names, if `user` may download it.

        For a file `path`, `use` is what the request does with it, but only when the file
        exists: a probe for an optional file (transformers asks for many) is no download.
        """
        with self.db.read() as session:
            candidate, shown = self._locate(session, ref, user)
        chosen = use if path is not None and path in candidate.paths else Use.LOOK
        permitted = self.downloads.authorize(candidate.artifact_id, user, use=chosen).artifact
        repo = self._repo(permitted, shown, ref.repo_type)
        if repo.sha != candidate.commit and ref.revision not in _MAIN:
            # Updated between the lookup and now: that commit is gone.
            raise RevisionNotFound(f"{ref.repo_id} is no longer at revision {ref.revision}")
        return repo

    def _locate(self, session: Session, ref: HubRef, user: User) -> tuple[_Candidate, str]:
        repo_type, repo_id, revision = ref.repo_type, ref.repo_id, ref.revision
        repo = ArtifactRepository(session, user)
        namespace, _, rest = repo_id.partition("/")
        if namespace == _REGISTRY_NAMESPACE and rest:
            try:
                row = repo.get(validate_artifact_id(rest))
            except BadRequest:
                row = None
            rows = [row] if row is not None else []
            shown = repo_id
        else:
            rows = self._by_upstream_id(repo, repo_type, repo_id)
            shown = next(
                (str(r.upstream.get("repo_id")) for r in rows if (r.upstream or {}).get("repo_id")),
                repo_id,
            )
        if not rows:
            raise RepoNotFound(
                f"the registry has no {repo_type} {repo_id!r}: ingest it first "
                f"(POST /artifact/{repo_type} with its URL), or name a stored artifact "
                "as artifacts/<id>"
            )
        candidates = [self._candidate(row) for row in rows]
        chosen = pick_revision(candidates, revision)
        if chosen is None:
            stored = ", ".join(sorted({c.commit for c in candidates}))
            raise RevisionNotFound(
                f"{repo_id} is stored at revision main ({stored}); {revision!r} is not stored"
            )
        return chosen, shown

    @staticmethod
    def _by_upstream_id(
        repo: ArtifactRepository, repo_type: str, repo_id: str
    ) -> list[ArtifactRow]:
        prefix = _ORIGIN_PREFIX.get(repo_type)
        if prefix is None:
            return []
        wanted = repo_id.lower()
        kind = ArtifactType(repo_type)
        if "/" in wanted:
            # Also an ingest through the legacy id whose upstream is this repo.
            name = wanted.split("/", 1)[1]
            rows = repo.by_origins(kind, [f"{prefix}:{wanted}", f"{prefix}:{name}"])
        else:
            rows = repo.by_origins(kind, [f"{prefix}:{wanted}"])
            rows += repo.by_origin_name(kind, prefix, wanted)
        return [r for r in rows if wanted in _names(r, prefix)]

    def _candidate(self, row: ArtifactRow) -> _Candidate:
        try:
            ref = parse_source_url(row.source_url, ArtifactType(row.type), self.hf_endpoint)
            revision, subpath = ref.revision, ref.subpath
        except BadRequest:  # an upload, or a URL form this version no longer parses
            revision, subpath = None, None
        return _Candidate(
            artifact_id=row.id,
            seq=row.seq,
            commit=commit_of(dict(row.upstream or {}), row.bundle_sha256),
            revision=revision,
            subpath=subpath,
            paths=frozenset(f.path for f in row.files),
        )

    @staticmethod
    def _repo(permitted: Permitted, shown: str, repo_type: str) -> HubRepo:
        return HubRepo(
            repo_id=shown,
            repo_type=repo_type,
            artifact_id=permitted.artifact_id,
            artifact_type=permitted.type,
            name=permitted.name,
            sha=commit_of(permitted.upstream, permitted.bundle_sha256),
            files=permitted.files,
            card=permitted.card,
            upstream=permitted.upstream,
            source_url=permitted.source_url,
            created_at=permitted.created_at,
            updated_at=permitted.updated_at,
        )
