"""The gatherer: absent is not an error, hiccups are retried, bugs are not swallowed."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from registry.domain.errors import (
    PayloadTooLarge,
    UpstreamError,
    UpstreamNotFound,
    UpstreamUnavailable,
)
from registry.domain.lineage import DeclaredLink
from registry.rating.cache import TTLCache
from registry.rating.context import DatasetFacts, ParentFacts
from registry.rating.gather import Gatherer, RatingSubject, RetryPolicy


def subject(*links: DeclaredLink, parents: tuple[ParentFacts, ...] = ()) -> RatingSubject:
    return RatingSubject(
        name="m", repo_id="org/m", hub_model=True, readme="", card={}, config={}, files=(),
        upstream={"sha": "abc"}, links=links, parents=parents,
    )  # fmt: skip


def dataset(ref: str) -> DeclaredLink:
    return DeclaredLink(ref, "dataset", "training_dataset", "model_card")


def code(ref: str) -> DeclaredLink:
    return DeclaredLink(ref, "code", "code_repository", "readme")


@dataclass
class FakeHub:
    datasets: dict[str, Any] = field(default_factory=dict)  # ref -> DatasetFacts or exception
    models: set[str] = field(default_factory=set)
    commit_errors: list[Exception] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)

    def commits(self, repo_id: str, revision: str | None) -> list[tuple[list[str], str]]:
        self.calls.append(f"commits {repo_id}")
        if self.commit_errors:
            raise self.commit_errors.pop(0)
        return [(["alice"], "2025-01-01T00:00:00+00:00")]

    def dataset(self, ref: str) -> DatasetFacts:
        self.calls.append(f"dataset {ref}")
        found = self.datasets.get(ref)
        if found is None:
            raise UpstreamNotFound(f"Hugging Face has no dataset {ref}")
        if isinstance(found, list):  # a queue of answers, one per call
            found = found.pop(0)
        if isinstance(found, Exception):
            raise found
        return found  # type: ignore[no-any-return]

    def exists(self, kind: str, ref: str) -> bool:
        self.calls.append(f"exists {ref}")
        return ref in self.models


@dataclass(frozen=True)
class Repo:
    full_name: str
    default_branch: str = "main"
    license_spdx: str | None = "MIT"
    stars: int = 1
    forks: int = 0
    pushed_at: str | None = None
    archived: bool = False


def zipball(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for path, text in files.items():
            zf.writestr(f"org-repo-abc123/{path}", text)
    return buf.getvalue()


@dataclass
class FakeGitHub:
    repos: dict[str, bytes | Exception] = field(default_factory=dict)  # name -> zip or error
    calls: list[str] = field(default_factory=list)

    def repo(self, full_name: str) -> Repo:
        self.calls.append(f"repo {full_name}")
        if full_name not in self.repos:
            raise UpstreamNotFound(f"GitHub has no repository {full_name}")
        return Repo(full_name)

    def get_json(self, path: str, what: str, params: dict[str, Any] | None = None) -> Any:
        return []

    def paginate(
        self, path: str, what: str, params: dict[str, Any] | None = None, max_pages: int = 10
    ) -> list[Any]:
        return []

    def download_zipball(self, full_name: str, ref: str, dest: Path, max_bytes: int) -> int:
        content = self.repos[full_name]
        if isinstance(content, Exception):
            raise content
        dest.write_bytes(content)
        return len(content)


def gatherer(
    hub: FakeHub, github: FakeGitHub | None = None, retry: RetryPolicy | None = None
) -> tuple[Gatherer, list[float]]:
    waits: list[float] = []
    g = Gatherer(
        hub, github or FakeGitHub(), TTLCache(60), retry=retry or RetryPolicy(), sleep=waits.append
    )
    return g, waits


def test_linked_datasets_code_and_parents_that_do_not_exist_are_absent_not_errors() -> None:
    hub = FakeHub(datasets={"acme/real": DatasetFacts("acme/real", license="mit")})
    github = FakeGitHub(repos={"acme/second": zipball({"train.py": "print(1)\n"})})
    parents = (ParentFacts("acme/deleted-base", "model_card", None, None),)
    links = (dataset("acme/gone"), dataset("acme/real"), code("acme/first"), code("acme/second"))
    got = gatherer(hub, github)[0].gather(subject(*links, parents=parents))
    assert got.errors == {}
    ctx = got.context
    assert [(d.ref, d.found) for d in ctx.datasets] == [("acme/gone", False), ("acme/real", True)]
    assert ctx.datasets[1].license == "mit"
    assert ctx.code_not_found == ("acme/first",)  # then the next link was followed
    assert ctx.github is not None and ctx.github.full_name == "acme/second"
    assert ctx.github.files == {"train.py": "print(1)\n"}
    assert [(p.ref, p.found) for p in ctx.parents] == [("acme/deleted-base", False)]


def test_a_dataset_in_the_registry_counts_as_found_even_when_the_hub_lost_it() -> None:
    s = subject(dataset("acme/kept"))
    s = RatingSubject(**{**s.__dict__, "registry_datasets": frozenset({"acme/kept"})})
    ctx = gatherer(FakeHub())[0].gather(s).context
    assert [(d.found, d.in_registry) for d in ctx.datasets] == [(True, True)]


def test_dead_links_are_asked_about_once_within_the_cache_time() -> None:
    hub = FakeHub()
    g, _ = gatherer(hub)
    g.gather(subject(dataset("acme/gone")))
    g.gather(subject(dataset("acme/gone")))
    assert hub.calls.count("dataset acme/gone") == 1


def test_library_repositories_are_not_taken_for_the_models_code() -> None:
    github = FakeGitHub(repos={"huggingface/transformers": zipball({})})
    ctx = gatherer(FakeHub(), github)[0].gather(subject(code("huggingface/transformers"))).context
    assert ctx.github is None and github.calls == []


def test_a_hiccup_is_retried_with_backoff_and_then_succeeds() -> None:
    down = UpstreamUnavailable("Hugging Face answered 503", upstream="Hugging Face")
    facts = DatasetFacts("acme/flaky", license="mit")
    hub = FakeHub(datasets={"acme/flaky": [down, down, facts]})
    g, waits = gatherer(hub, retry=RetryPolicy(attempts=3, backoff=0.5, budget=60))
    got = g.gather(subject(dataset("acme/flaky")))
    assert got.errors == {}
    assert got.context.datasets[0].license == "mit"
    assert waits == [0.5, 1.0]


def test_a_hiccup_that_lasts_is_an_error_naming_the_upstream_and_saying_it_may_pass() -> None:
    down = UpstreamUnavailable("Hugging Face answered 500", upstream="Hugging Face")
    hub = FakeHub(datasets={"acme/flaky": [down, down, down]}, commit_errors=[down] * 3)
    g, waits = gatherer(hub, retry=RetryPolicy(attempts=2, backoff=0.25, budget=60))
    got = g.gather(subject(dataset("acme/flaky")))
    assert set(got.errors) == {"datasets", "hf_commits"}
    error = got.errors["datasets"]
    assert (error.upstream, error.transient) == ("Hugging Face", True)
    assert "answered 500" in error.message
    assert sorted(waits) == [0.25, 0.25, 0.5, 0.5]  # two retries for each facet


def test_retries_stop_at_the_budget() -> None:
    down = UpstreamUnavailable("GitHub answered 502", upstream="GitHub")
    hub = FakeHub(datasets={"acme/flaky": [down, DatasetFacts("acme/flaky")]})
    g, waits = gatherer(hub, retry=RetryPolicy(attempts=5, backoff=1.0, budget=0.5))
    assert "datasets" in g.gather(subject(dataset("acme/flaky"))).errors
    assert waits == []


def test_a_lasting_refusal_is_not_retried() -> None:
    refused = UpstreamError("dataset acme/g is gated on Hugging Face", upstream="Hugging Face")
    hub = FakeHub(datasets={"acme/g": [refused, DatasetFacts("acme/g")]})
    g, waits = gatherer(hub)
    error = g.gather(subject(dataset("acme/g"))).errors["datasets"]
    assert (error.transient, waits) == (False, [])


def test_a_corrupt_zipball_is_a_facet_error_with_its_reason() -> None:
    github = FakeGitHub(repos={"acme/tool": b"PK\x03\x04 this is not a zip archive"})
    got = gatherer(FakeHub(), github, RetryPolicy(attempts=0))[0].gather(subject(code("acme/tool")))
    error = got.errors["github"]
    assert "corrupt archive of acme/tool" in error.message and "BadZipFile" in error.message
    assert error.upstream == "GitHub" and error.transient


def test_an_oversized_zipball_is_read_without_its_sources() -> None:
    github = FakeGitHub(repos={"acme/huge": PayloadTooLarge("over 64 MB")})
    got = gatherer(FakeHub(), github)[0].gather(subject(code("acme/huge")))
    assert got.errors == {}
    assert got.context.github is not None and got.context.github.files == {}
    assert "over 64 MB" in (got.context.github.sources_note or "")


def test_a_bug_in_a_client_is_not_swallowed_as_an_upstream_failure() -> None:
    hub = FakeHub(datasets={"acme/x": KeyError("siblings")})
    with pytest.raises(KeyError):
        gatherer(hub)[0].gather(subject(dataset("acme/x")))


def test_only_the_first_datasets_code_links_and_parents_are_followed() -> None:
    hub = FakeHub()
    links = [dataset(f"acme/d{i}") for i in range(20)] + [code(f"acme/c{i}") for i in range(9)]
    parents = tuple(ParentFacts(f"acme/p{i}", "model_card", None, None) for i in range(9))
    github = FakeGitHub()
    ctx = gatherer(hub, github)[0].gather(subject(*links, parents=parents)).context
    assert len(ctx.datasets) == 5
    assert ctx.code_not_found == ("acme/c0", "acme/c1", "acme/c2")
    assert sum(c.startswith("exists") for c in hub.calls) == 5
    assert len(github.calls) == 3
