"""The `github` facet: what the rating reads of a linked code repository.

The repository's metadata, its contributors, the newest 300 commits of the default
branch, its closed pull requests (reviews of the newest 30 merged ones) and the text of
its source files, read from its zipball. Bounded: pages, pulls reviewed, archive bytes,
files kept and bytes per file are capped below.
"""

from __future__ import annotations

import re
import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import Any

from registry.domain.errors import RETRY_HINT, PayloadTooLarge, UpstreamUnavailable
from registry.rating.context import CommitFact, GitHubFacts, PullFact
from registry.rating.upstream import CodeHost

_PR_IN_MESSAGE = re.compile(r"(?:\(#(\d+)\)|Merge pull request #(\d+))")
_SOURCE_SUFFIXES = (".py", ".pyi", ".toml", ".cfg", ".txt", ".ini", ".lock", ".md")
MAX_SOURCE_FILES = 400
MAX_SOURCE_BYTES = 256 << 10
MAX_ZIPBALL = 64 << 20
MAX_REVIEWED_PULLS = 30
# What a damaged archive raises while it is listed or read.
_CORRUPT = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError)


def github_facts(gh: CodeHost, name: str) -> GitHubFacts:
    repo = gh.repo(name)
    full = repo.full_name
    contributors = [
        (str(c.get("login") or ""), int(c.get("contributions") or 0))
        for c in gh.paginate(f"repos/{full}/contributors", f"contributors of {full}", max_pages=1)
    ]
    # The newest 300 commits, however old: the metrics judge recency themselves.
    raw_commits = gh.paginate(f"repos/{full}/commits", f"commits of {full}", max_pages=3)
    raw_pulls = gh.paginate(
        f"repos/{full}/pulls", f"pulls of {full}", {"state": "closed"}, max_pages=2
    )
    files, paths, note = _sources(gh, full, repo.default_branch)
    return GitHubFacts(
        full_name=full,
        license_spdx=repo.license_spdx,
        stars=repo.stars,
        forks=repo.forks,
        pushed_at=repo.pushed_at,
        archived=repo.archived,
        contributors=tuple(contributors),
        commits=tuple(_commit(c) for c in raw_commits),
        pulls=tuple(_pulls(gh, full, raw_pulls)),
        files=files,
        file_paths=paths,
        sources_note=note,
    )


def _commit(c: Any) -> CommitFact:
    message = str((c.get("commit") or {}).get("message") or "")
    match = _PR_IN_MESSAGE.search(message)
    number = int(match.group(1) or match.group(2)) if match else None
    author = (
        (c.get("author") or {}).get("login")
        or ((c.get("commit") or {}).get("author") or {}).get("name")
        or ""
    )
    date = ((c.get("commit") or {}).get("author") or {}).get("date") or ""
    return CommitFact(author=str(author), date=str(date), pull_number=number)


def _pulls(gh: CodeHost, full: str, raw: list[Any]) -> list[PullFact]:
    pulls = []
    # Reviews cost one request per pull: fetch them for the newest merged pulls only.
    merged = [p for p in raw if p.get("merged_at")][:MAX_REVIEWED_PULLS]
    to_review = {int(p.get("number") or 0) for p in merged}
    for p in raw:
        number = int(p.get("number") or 0)
        author = str((p.get("user") or {}).get("login") or "")
        approved = 0
        if number in to_review:
            reviews = gh.get_json(f"repos/{full}/pulls/{number}/reviews", f"reviews of #{number}")
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
                additions=int(p.get("additions") or 0),
                merged_at=p.get("merged_at"),
            )
        )
    return pulls


def _sources(
    gh: CodeHost, full: str, branch: str
) -> tuple[dict[str, str], tuple[str, ...], str | None]:
    """Text of the repository's source files, read from its zipball; a note when skipped."""
    with tempfile.TemporaryDirectory(prefix="registry-rating-") as tmp:
        archive = Path(tmp) / "code.zip"
        try:
            gh.download_zipball(full, branch, archive, MAX_ZIPBALL)
        except PayloadTooLarge:
            # Too big to read is a fact about the repository, not a failure to fetch it.
            return {}, (), f"the archive of {full} is over {MAX_ZIPBALL >> 20} MB: not read"
        try:
            return (*_read_zip(archive), None)
        except _CORRUPT as exc:
            raise UpstreamUnavailable(
                f"GitHub sent a corrupt archive of {full} ({type(exc).__name__}: {exc}); "
                f"{RETRY_HINT}",
                upstream="GitHub",
            ) from exc


def _read_zip(archive: Path) -> tuple[dict[str, str], tuple[str, ...]]:
    files: dict[str, str] = {}
    paths = []
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            if info.is_dir() or "/" not in info.filename:
                continue
            path = info.filename.split("/", 1)[1]  # GitHub puts everything in one top folder
            paths.append(path)
            if (
                path.endswith(_SOURCE_SUFFIXES)
                and info.file_size <= MAX_SOURCE_BYTES
                and len(files) < MAX_SOURCE_FILES
            ):
                # Read at most the declared size (+1 to notice a lying header).
                with zf.open(info) as fh:
                    data = fh.read(MAX_SOURCE_BYTES + 1)[:MAX_SOURCE_BYTES]
                files[path] = data.decode("utf-8", errors="replace")
    return files, tuple(paths)
