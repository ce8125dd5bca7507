"""Gather a model's rating context once: hub history, linked GitHub repository,
linked datasets, parents the registry does not hold, and (optionally) a sandboxed run
of the card's example.

Each part ("facet") is fetched once, timed, and may fail on its own: a failed facet
turns only the metrics that read it into errors (see `engine.FACETS`), and the error
keeps the upstream that failed and whether a retry may succeed.

What the card links but the upstream says does not exist is *absent*, never an error:
it is recorded ("linked but not found") and scored as if the card had not linked it.
A failure that may pass (5xx, 429, timeouts, refused connections) is retried with
exponential backoff while the retry budget lasts, then reported.

Work is bounded: at most `MAX_DATASETS` datasets, `MAX_CODE_LINKS` code repositories
and `MAX_PARENTS` parents are looked up per model, in the order the card names them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

import structlog

from registry.domain.errors import UpstreamError, UpstreamNotFound, UpstreamUnavailable
from registry.domain.lineage import DeclaredLink, is_library
from registry.rating.cache import TTLCache
from registry.rating.context import (
    CommitFact,
    DatasetFacts,
    ExampleRun,
    FileFact,
    GitHubFacts,
    ParentFacts,
    RatingContext,
)
from registry.rating.examples import runnable_example
from registry.rating.github_facts import github_facts
from registry.rating.licenses import declared
from registry.rating.upstream import CodeHost, HubReader

T = TypeVar("T")
log = structlog.get_logger(__name__)
MAX_DATASETS = 5
MAX_CODE_LINKS = 3
MAX_PARENTS = 5


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


class Fetch(Protocol):
    """An upstream call through the cache, retried while it may pass."""

    def __call__(self, key: Hashable, call: Callable[[], T]) -> T: ...


@dataclass(frozen=True)
class FacetError:
    """Why a facet could not be fetched, and who failed."""

    message: str
    upstream: str | None = None  # "Hugging Face", "GitHub"; None: the registry itself
    transient: bool = False  # a retry may succeed


@dataclass
class Gathered:
    context: RatingContext
    seconds: dict[str, float]  # facet -> time spent fetching it
    errors: dict[str, FacetError]  # facet -> why it could not be fetched


@dataclass(frozen=True)
class RetryPolicy:
    """Retries of upstream calls that may pass: `attempts` more tries, waiting `backoff`,
    then twice that, ..., and never starting a wait that would end past `budget` seconds
    after the rating began."""

    attempts: int = 2
    backoff: float = 0.5
    budget: float = 30.0


class Gatherer:
    def __init__(
        self,
        hub: HubReader,
        github: CodeHost,
        cache: TTLCache,
        *,
        run_example: Callable[[str], ExampleRun] | None = None,
        retry: RetryPolicy | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.hub = hub
        self.github = github
        self.cache = cache
        self.run_example = run_example
        self.retry = retry or RetryPolicy()
        self.clock = clock
        self.sleep = sleep

    def gather(self, subject: RatingSubject) -> Gathered:
        now = self.clock()
        deadline = time.monotonic() + self.retry.budget
        seconds: dict[str, float] = {}
        errors: dict[str, FacetError] = {}

        def fetch(key: Hashable, call: Callable[[], T]) -> T:
            return self.cache.get_or_compute(key, lambda: self._retrying(call, deadline))

        def facet(name: str, read: Callable[[], T], empty: T) -> T:
            start = time.perf_counter()
            try:
                return read()
            except UpstreamError as exc:
                log.warning(
                    "rating_facet_failed", facet=name, model=subject.repo_id, error=exc.message
                )
                errors[name] = FacetError(exc.message, exc.upstream, exc.transient)
                return empty
            finally:
                seconds[name] = time.perf_counter() - start

        code = [lk.ref for lk in subject.links if lk.kind == "code" and not is_library(lk.ref)]
        if subject.upstream.get("kind") == "github":
            code = [subject.repo_id]  # a model ingested from GitHub is its own code
        not_found: list[str] = []
        no_commits: tuple[CommitFact, ...] = ()
        no_datasets: tuple[DatasetFacts, ...] = ()
        # The facets are independent upstream round trips: fetch them side by side.
        with ThreadPoolExecutor(5, thread_name_prefix="facet") as pool:
            hf = pool.submit(
                facet, "hf_commits", lambda: self._hf_commits(subject, fetch), no_commits
            )
            gh = pool.submit(facet, "github", lambda: self._github(code, fetch, not_found), None)
            ds = pool.submit(facet, "datasets", lambda: self._datasets(subject, fetch), no_datasets)
            pa = pool.submit(
                facet, "parents", lambda: self._parents(subject, fetch), subject.parents
            )
            ex = pool.submit(facet, "example", lambda: self._example(subject), None)
        github = gh.result()
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
                if isinstance(f, dict)
            ),
            license=license_raw,
            downloads=upstream.get("downloads"),
            likes=upstream.get("likes"),
            created_at=upstream.get("created_at"),
            last_modified=upstream.get("last_modified"),
            hf_commits=hf.result(),
            github=github,
            code_links=tuple(f"https://github.com/{ref}" for ref in code),
            code_not_found=tuple(not_found),
            datasets=ds.result(),
            parents=pa.result(),
            example_run=ex.result(),
            now=now.isoformat(),
        )
        return Gathered(context=context, seconds=seconds, errors=errors)

    def _retrying(self, call: Callable[[], T], deadline: float) -> T:
        wait = self.retry.backoff
        for attempt in range(self.retry.attempts + 1):
            try:
                return call()
            except UpstreamUnavailable:
                last = attempt == self.retry.attempts
                if last or time.monotonic() + wait > deadline:
                    raise
            self.sleep(wait)
            wait *= 2
        raise AssertionError("unreachable: the last attempt returns or raises")

    # -- facets -------------------------------------------------------------

    def _hf_commits(self, subject: RatingSubject, fetch: Fetch) -> tuple[CommitFact, ...]:
        if not subject.hub_model:
            return ()
        revision = subject.upstream.get("sha")
        revision = revision if isinstance(revision, str) else None
        key = ("hf_commits", subject.repo_id, revision)
        commits = fetch(key, _absent_as_none(lambda: self.hub.commits(subject.repo_id, revision)))
        if commits is None:
            return ()  # the repository is gone upstream: no history to read
        return tuple(
            CommitFact(author=authors[0] if authors else "", date=date) for authors, date in commits
        )

    def _github(self, links: list[str], fetch: Fetch, not_found: list[str]) -> GitHubFacts | None:
        """The first linked repository GitHub has; the ones it does not are noted."""
        for name in links[:MAX_CODE_LINKS]:
            read = _absent_as_none(lambda: github_facts(self.github, name))  # noqa: B023
            facts = fetch(("github", name.lower()), read)
            if facts is not None:
                return facts
            not_found.append(name)
        return None

    def _datasets(self, subject: RatingSubject, fetch: Fetch) -> tuple[DatasetFacts, ...]:
        facts = []
        for link in [lk for lk in subject.links if lk.kind == "dataset"][:MAX_DATASETS]:
            in_registry = link.ref.lower() in subject.registry_datasets
            key = ("dataset", link.ref.lower())
            info = fetch(key, _absent_as_none(lambda: self.hub.dataset(link.ref)))  # noqa: B023
            if info is None:
                info = DatasetFacts(ref=link.ref, found=False)
            found = info.found or in_registry
            facts.append(replace(info, ref=link.ref, found=found, in_registry=in_registry))
        return tuple(facts)

    def _parents(self, subject: RatingSubject, fetch: Fetch) -> tuple[ParentFacts, ...]:
        """Parents outside the registry are looked up on the Hub: one it does not have
        is linked but not found."""
        facts = []
        for n, parent in enumerate(subject.parents):
            if parent.artifact_id is None and n < MAX_PARENTS:
                key = ("exists", "model", parent.ref.lower())
                found = fetch(key, lambda: self.hub.exists("model", parent.ref))  # noqa: B023 (run now)
                parent = replace(parent, found=found)  # noqa: PLW2901
            facts.append(parent)
        return tuple(facts)

    def _example(self, subject: RatingSubject) -> ExampleRun | None:
        if self.run_example is None:
            return None
        snippet = runnable_example(subject.readme)
        return None if snippet is None else self.run_example(snippet)


def _absent_as_none(call: Callable[[], T]) -> Callable[[], T | None]:
    """The call, answering None where the upstream says "not found" (so that the cache
    keeps that answer too, and a card's dead link is asked about once)."""

    def run() -> T | None:
        try:
            return call()
        except UpstreamNotFound:
            return None

    return run
