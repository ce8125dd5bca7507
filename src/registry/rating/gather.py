"""Gather a model's rating context once: hub history, linked GitHub repository,
linked datasets, and (optionally) a sandboxed run of the card's example.

Each part ("facet") is fetched once, timed, and may fail on its own: a failed facet
turns only the metrics that read it into errors (see `engine.FACETS`).
"""

from __future__ import annotations

import re
import tempfile
import time
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import structlog

from registry.domain.errors import RegistryError, UpstreamNotFound
from registry.domain.lineage import DeclaredLink
from registry.rating.cache import TTLCache
from registry.rating.context import (
    CommitFact,
    DatasetFacts,
    ExampleRun,
    FileFact,
    GitHubFacts,
    ParentFacts,
    PullFact,
    RatingContext,
)
from registry.rating.examples import runnable_example
from registry.rating.licenses import declared
from registry.sources.github_client import GitHubClient
from registry.sources.hub_client import HubClient, HubDataset

T = TypeVar("T")
log = structlog.get_logger(__name__)
_PR_IN_MESSAGE = re.compile(r"(?:\(#(\d+)\)|Merge pull request #(\d+))")
_SOURCE_SUFFIXES = (".py", ".pyi", ".toml", ".cfg", ".txt", ".ini", ".lock", ".md")
_MAX_SOURCE_FILES = 400
_MAX_SOURCE_BYTES = 256 << 10
_MAX_ZIPBALL = 64 << 20
_MAX_REVIEWED_PULLS = 30
_MAX_DATASETS = 5


@dataclass(frozen=True)
class RatingSubject:
    """What the registry knows about a model before asking anyone else."""

    name: str
    repo_id: str  # hub id, "owner/repo", or the source URL
    hub_model: bool  # True when repo_id is a Hugging Face model
    readme: str
    card: dict[str, Any]
    config: dict[str, Any]
    files: tuple[FileFact, ...]
    upstream: dict[str, Any]  # the ingest-time snapshot of upstream metadata
    links: tuple[DeclaredLink, ...]
    parents: tuple[ParentFacts, ...]  # resolved against the registry by the caller
    registry_datasets: frozenset[str] = field(default_factory=frozenset)  # lower-case refs


@dataclass
class Gathered:
    context: RatingContext
    seconds: dict[str, float]  # facet -> time spent fetching it
    errors: dict[str, str]  # facet -> why it could not be fetched


class Gatherer:
    def __init__(
        self,
        hub: HubClient,
        github: GitHubClient,
        cache: TTLCache,
        *,
        run_example: Callable[[str], ExampleRun] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.hub = hub
        self.github = github
        self.cache = cache
        self.run_example = run_example
        self.clock = clock

    def gather(self, subject: RatingSubject) -> Gathered:
        now = self.clock()
        seconds: dict[str, float] = {}
        errors: dict[str, str] = {}

        def facet(name: str, fetch: Callable[[], T], empty: T) -> T:
            start = time.perf_counter()
            try:
                return fetch()
            except RegistryError as exc:
                log.warning(
                    "rating_facet_failed", facet=name, model=subject.repo_id, error=exc.message
                )
                errors[name] = exc.message
                return empty
            finally:
                seconds[name] = time.perf_counter() - start

        no_commits: tuple[CommitFact, ...] = ()
        no_datasets: tuple[DatasetFacts, ...] = ()
        code_links = tuple(link.ref for link in subject.links if link.kind == "code")
        # The facets are independent upstream round trips: fetch them side by side.
        with ThreadPoolExecutor(4, thread_name_prefix="facet") as pool:
            hf_future = pool.submit(
                facet, "hf_commits", lambda: self._hf_commits(subject), no_commits
            )
            gh_future = pool.submit(
                facet, "github", lambda: self._github(subject, code_links, now), None
            )
            ds_future = pool.submit(facet, "datasets", lambda: self._datasets(subject), no_datasets)
            ex_future = pool.submit(facet, "example", lambda: self._example(subject), None)
        hf_commits, github = hf_future.result(), gh_future.result()
        datasets, example = ds_future.result(), ex_future.result()
        seconds["parents"] = 0.0  # resolved by the caller against the registry
        upstream = subject.upstream
        license_raw = declared(subject.card.get("license"), github.license_spdx if github else None)
        context = RatingContext(
            name=subject.name,
            repo_id=subject.repo_id,
            readme=subject.readme,
            card=subject.card,
            config=subject.config,
            files=subject.files,
            upstream_files=tuple(
                FileFact(path=str(f.get("path")), size=int(f.get("size") or 0), role="")
                for f in upstream.get("files") or []
            ),
            license=license_raw,
            downloads=upstream.get("downloads"),
            likes=upstream.get("likes"),
            created_at=upstream.get("created_at"),
            last_modified=upstream.get("last_modified"),
            hf_commits=hf_commits,
            github=github,
            code_links=tuple(f"https://github.com/{ref}" for ref in code_links),
            datasets=datasets,
            parents=subject.parents,
            example_run=example,
            now=now.isoformat(),
        )
        return Gathered(context=context, seconds=seconds, errors=errors)

    # -- facets -------------------------------------------------------------

    def _hf_commits(self, subject: RatingSubject) -> tuple[CommitFact, ...]:
        if not subject.hub_model:
            return ()
        revision = subject.upstream.get("sha")
        key = ("hf_commits", subject.repo_id, revision)
        commits = self.cache.get_or_compute(
            key, lambda: self.hub.commits(subject.repo_id, revision)
        )
        return tuple(
            CommitFact(author=authors[0] if authors else "", date=date) for authors, date in commits
        )

    def _github(
        self, subject: RatingSubject, links: tuple[str, ...], now: datetime
    ) -> GitHubFacts | None:
        own = subject.upstream.get("kind") == "github"
        name = subject.repo_id if own else (links[0] if links else None)
        if name is None:
            return None
        return self.cache.get_or_compute(
            ("github", name.lower()), lambda: self._github_facts(name, now)
        )

    def _github_facts(self, name: str, now: datetime) -> GitHubFacts:
        gh = self.github
        repo = gh.repo(name)
        full = repo.full_name
        contributors = [
            (str(c.get("login") or ""), int(c.get("contributions") or 0))
            for c in gh.paginate(
                f"repos/{full}/contributors", f"contributors of {full}", max_pages=1
            )
        ]
        # The newest 300 commits, however old: the metrics judge recency themselves.
        raw_commits = gh.paginate(f"repos/{full}/commits", f"commits of {full}", max_pages=3)
        raw_pulls = gh.paginate(
            f"repos/{full}/pulls", f"pulls of {full}", {"state": "closed"}, max_pages=2
        )
        pulls = self._pulls(full, raw_pulls)
        commits = []
        for c in raw_commits:
            message = str((c.get("commit") or {}).get("message") or "")
            match = _PR_IN_MESSAGE.search(message)
            number = int(match.group(1) or match.group(2)) if match else None
            author = (
                (c.get("author") or {}).get("login")
                or ((c.get("commit") or {}).get("author") or {}).get("name")
                or ""
            )
            date = ((c.get("commit") or {}).get("author") or {}).get("date") or ""
            commits.append(CommitFact(author=str(author), date=str(date), pull_number=number))
        files, paths = self._sources(full, repo.default_branch)
        return GitHubFacts(
            full_name=full,
            license_spdx=repo.license_spdx,
            stars=repo.stars,
            forks=repo.forks,
            pushed_at=repo.pushed_at,
            archived=repo.archived,
            contributors=tuple(contributors),
            commits=tuple(commits),
            pulls=tuple(pulls),
            files=files,
            file_paths=paths,
        )

    def _pulls(self, full: str, raw: list[Any]) -> list[PullFact]:
        pulls = []
        # Reviews cost one request per pull: fetch them for the newest merged pulls only.
        merged = [p for p in raw if p.get("merged_at")][:_MAX_REVIEWED_PULLS]
        to_review = {int(p.get("number") or 0) for p in merged}
        for p in raw:
            number = int(p.get("number") or 0)
            author = str((p.get("user") or {}).get("login") or "")
            approved = 0
            additions = int(p.get("additions") or 0)
            if number in to_review:
                reviews = self.github.get_json(
                    f"repos/{full}/pulls/{number}/reviews", f"reviews of #{number}"
                )
                approved = sum(
                    1
                    for r in reviews or []
                    if r.get("state") == "APPROVED" and (r.get("user") or {}).get("login") != author
                )
            pulls.append(
                PullFact(
                    number=number,
                    author=author,
                    merged=bool(p.get("merged_at")),
                    approved_reviews=approved,
                    additions=additions,
                    merged_at=p.get("merged_at"),
                )
            )
        return pulls

    def _sources(self, full: str, branch: str) -> tuple[dict[str, str], tuple[str, ...]]:
        """Text of the repository's source files, read from its zipball."""
        files: dict[str, str] = {}
        with tempfile.TemporaryDirectory(prefix="registry-rating-") as tmp:
            archive = Path(tmp) / "code.zip"
            self.github.download_zipball(full, branch, archive, _MAX_ZIPBALL)
            with zipfile.ZipFile(archive) as zf:
                paths = []
                for info in zf.infolist():
                    if info.is_dir() or "/" not in info.filename:
                        continue
                    path = info.filename.split("/", 1)[1]
                    paths.append(path)
                    if (
                        path.endswith(_SOURCE_SUFFIXES)
                        and info.file_size <= _MAX_SOURCE_BYTES
                        and len(files) < _MAX_SOURCE_FILES
                    ):
                        files[path] = zf.read(info).decode("utf-8", errors="replace")
        return files, tuple(paths)

    def _datasets(self, subject: RatingSubject) -> tuple[DatasetFacts, ...]:
        facts = []
        for link in [lk for lk in subject.links if lk.kind == "dataset"][:_MAX_DATASETS]:
            in_registry = link.ref.lower() in subject.registry_datasets
            try:
                info = self._dataset(link.ref)
            except UpstreamNotFound:
                facts.append(DatasetFacts(ref=link.ref, found=in_registry, in_registry=in_registry))
                continue
            facts.append(
                DatasetFacts(
                    ref=link.ref,
                    found=True,
                    in_registry=in_registry,
                    card=info.card,
                    readme=info.readme,
                    license=info.license,
                    downloads=info.downloads,
                    likes=info.likes,
                    size_bytes=info.size_bytes,
                )
            )
        return tuple(facts)

    def _dataset(self, ref: str) -> HubDataset:
        return self.cache.get_or_compute(("dataset", ref.lower()), lambda: self.hub.dataset(ref))

    def _example(self, subject: RatingSubject) -> ExampleRun | None:
        if self.run_example is None:
            return None
        snippet = runnable_example(subject.readme)
        return None if snippet is None else self.run_example(snippet)
