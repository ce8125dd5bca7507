"""Everything the metrics may look at, gathered once per model (see `gather.py`).

Metrics are pure functions of a `RatingContext`: the same snapshot always gives the
same scores, and a metric can be unit-tested by building a context by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FileFact:
    path: str
    size: int
    role: str  # weights | config | tokenizer | code | data | docs


@dataclass(frozen=True)
class CommitFact:
    author: str  # login or name; "" when unknown
    date: str  # ISO-8601, UTC
    pull_number: int | None = None  # the pull request that brought the commit, if known
    additions: int = 0  # lines added, when known


@dataclass(frozen=True)
class PullFact:
    number: int
    author: str
    merged: bool
    approved_reviews: int  # reviews in state APPROVED by someone other than the author
    additions: int
    merged_at: str | None = None


@dataclass(frozen=True)
class GitHubFacts:
    """A GitHub repository linked from the model card (or the code artifact itself)."""

    full_name: str
    license_spdx: str | None
    stars: int
    forks: int
    pushed_at: str | None
    archived: bool
    contributors: tuple[tuple[str, int], ...]  # (login, contributions), most first
    commits: tuple[CommitFact, ...]  # recent commits of the default branch, newest first
    pulls: tuple[PullFact, ...]  # closed pull requests, newest first
    # Source files of the repository (path -> text), capped in number and size.
    files: dict[str, str] = field(default_factory=dict)
    file_paths: tuple[str, ...] = ()  # every path in the repository, even the uncapped ones
    sources_note: str | None = None  # why no source was read, when the archive was skipped


@dataclass(frozen=True)
class DatasetFacts:
    """A dataset the model card names (`datasets:` in its metadata, or a link), as the
    Hub describes it (see `upstream.HubReader.dataset`) and as the registry knows it."""

    ref: str  # as named: "bookcorpus", "stanfordnlp/sst2"
    found: bool = True  # False: linked but not found, on the Hub or in the registry
    in_registry: bool = False
    card: dict[str, Any] = field(default_factory=dict)
    readme: str = ""
    license: str | None = None
    downloads: int | None = None
    likes: int | None = None
    size_bytes: int | None = None


@dataclass(frozen=True)
class ParentFacts:
    """A model this one derives from (config `_name_or_path`, card `base_model`, ...)."""

    ref: str  # upstream repo id, e.g. "google-bert/bert-base-uncased"
    source: str  # config_json | model_card | adapter_config
    artifact_id: str | None  # its id when it is in the registry
    net_score: float | None  # its net_score when it is in the registry and rated
    found: bool = True  # False: neither the registry nor the Hub has it (linked but not found)


@dataclass(frozen=True)
class ExampleRun:
    """Outcome of running the card's example in the sandbox (RATING_EXECUTE_EXAMPLES=true)."""

    code: str  # the snippet that ran
    returncode: int | None  # None: killed by the time or memory limit
    output_tail: str  # last lines of stdout+stderr, for the evidence


@dataclass(frozen=True)
class RatingContext:
    name: str  # the artifact's name in the registry
    repo_id: str  # upstream id ("org/name"), or the source URL for non-hub models
    readme: str  # full model card text, front matter included
    card: dict[str, Any]  # parsed card metadata (license, datasets, base_model, model-index ...)
    config: dict[str, Any]  # config.json, {} when absent
    files: tuple[FileFact, ...]  # files the registry stored for the model
    upstream_files: tuple[FileFact, ...]  # every file the upstream repo lists (before dedupe)
    license: str | None  # as declared (card, else GitHub), not normalised
    downloads: int | None
    likes: int | None
    created_at: str | None
    last_modified: str | None
    hf_commits: tuple[CommitFact, ...]  # history of the hub repo, newest first
    github: GitHubFacts | None  # the linked code repository, if any
    code_links: tuple[str, ...]  # every GitHub URL the card mentions
    code_not_found: tuple[str, ...]  # linked repositories GitHub says do not exist
    datasets: tuple[DatasetFacts, ...]
    parents: tuple[ParentFacts, ...]
    example_run: ExampleRun | None  # None unless examples are executed
    now: str  # ISO-8601 time the snapshot was taken: "recent" is relative to it

    @property
    def weights_bytes(self) -> int:
        """Bytes of weights a user must load: the stored weight files."""
        return sum(f.size for f in self.files if f.role == "weights")
