"""Reading links and ids out of model cards the way a person reads them.

Cards name their datasets, code and parents in prose, markdown and metadata, written by
hand. One reader handles every form seen in real cards:

- a URL ending a sentence or clause (`... at https://hf.co/datasets/acme/corpus.`), in
  parentheses or brackets, bold or italic, as a markdown link `[text](url "title")`, a
  reference link `[text]: url`, an autolink `<url>`, an HTML `href="url"`, or without a
  scheme (`github.com/acme/tool`);
- `.git` suffixes, `/tree/...`, `/blob/...`, `/resolve/...`, `#anchor` and `?query` tails,
  markdown escapes (`tiny\\_corpus`);
- `hf.co` short links and the Hub's canonical datasets and models without an owner
  (`https://huggingface.co/datasets/squad`, `datasets: [bookcorpus, wikipedia]`);
- metadata fields holding a string where a list is usual (`datasets: squad, glue`) or a
  list where a string is usual (`base_model: [a/b, c/d]`).

Every id returned is one the upstream would accept as an id (Hub: ASCII letters, digits,
`-_.`, at most 96 characters a part, no `--` or `..`; GitHub: its owner and repository
name rules); what cannot be read as one is dropped, never guessed. Only the first
`MAX_URLS` URLs of a text are read, so a card with 10,000 links costs a bounded amount
of work. Nothing here touches the network: a link is evidence, and only the registry's
configured Hub and GitHub clients ever fetch what it names.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from typing import Any, Literal

HubKind = Literal["model", "dataset"]

MAX_URLS = 1000  # URLs read from one text; a card rarely has more than a few dozen
_MAX_FIELD_ITEMS = 100  # entries read from one metadata field (`datasets: [...]`)

_PART = r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,94}[A-Za-z0-9_])?"
_HUB_ID = re.compile(rf"^(?:{_PART}/)?{_PART}$")
_GH_OWNER = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")
_GH_REPO = re.compile(r"^[A-Za-z0-9._-]{1,100}$")

# A URL on one of the hosts whose links name datasets, models or code. The look-behind
# keeps "myhuggingface.co" and "example.com/github.com/x" out; the path stops at spaces,
# quotes, brackets, parentheses, `*`, `,`, `;`, backticks and anything outside ASCII.
_URL = re.compile(
    r"(?<![A-Za-z0-9@.:/\\-])(?:https?://)?(?:www\.)?"
    r"(huggingface\.co|hf\.co|github\.com|raw\.githubusercontent\.com)"
    r"(/[A-Za-z0-9._~%/#?=&+@:!\\-]*)?",
    re.IGNORECASE,
)
_TRAILING = ".,;:!?~-"
# Hub pages that are not repositories.
_HUB_PAGES = frozenset({
    "spaces", "docs", "blog", "papers", "models", "api", "organizations", "collections",
    "settings", "join", "login", "pricing", "learn", "tasks", "new", "posts", "chat",
    "enterprise", "terms-of-service", "privacy", "search", "notifications", "inference-api",
    "inference-endpoints", "storage", "changelog", "hardware", "welcome", "course",
})  # fmt: skip
# What may follow a repository in a Hub URL.
_REPO_PAGES = frozenset({
    "tree", "blob", "resolve", "raw", "viewer", "discussions", "commits", "commit",
    "edit", "community", "files", "settings", "sql-console", "upload",
})  # fmt: skip
_GH_PAGES = frozenset({
    "orgs", "settings", "features", "topics", "marketplace", "sponsors", "about", "pricing",
    "login", "join", "apps", "collections", "explore", "search", "notifications", "users",
    "enterprise", "security", "site", "customer-stories", "readme", "trending", "new",
})  # fmt: skip


def valid_hub_id(ref: str) -> bool:
    """Whether the Hub would accept `ref` as a repository id."""
    # fullmatch: `$` alone would also accept the id followed by a newline ("0\n").
    return (
        bool(_HUB_ID.fullmatch(ref))
        and "--" not in ref
        and ".." not in ref
        and not ref.lower().endswith(".git")
    )


def valid_github_repo(ref: str) -> bool:
    owner, _, name = ref.partition("/")
    return (
        bool(_GH_OWNER.fullmatch(owner))
        and bool(_GH_REPO.fullmatch(name))
        and name not in {".", ".."}
        and not name.lower().endswith(".git")
    )


def _clean(path: str) -> str:
    """The path of a matched URL without its markdown escapes and sentence punctuation."""
    path = path.replace("\\_", "_").replace("\\-", "-")
    path = path.split("\\", 1)[0]
    path = re.split(r"[#?]", path, maxsplit=1)[0]
    return path.rstrip(_TRAILING).rstrip("/").rstrip(_TRAILING)


def urls(text: str, limit: int = MAX_URLS) -> Iterator[tuple[str, list[str]]]:
    """(host, path segments) of the first `limit` Hub and GitHub URLs in the text."""
    lower = (text or "").lower()
    if not any(host in lower for host in ("huggingface.co", "hf.co", "github")):
        return  # the case-blind scan costs ~0.3 s a megabyte: skip texts without a host
    for match in itertools.islice(_URL.finditer(text), limit):
        host = match.group(1).lower()
        path = match.group(2) or ""
        if match.start() and text[match.start() - 1] == "_" and path.endswith("_"):
            path = path[:-1]  # _italic_ markdown around the URL
        segments = [s for s in _clean(path).split("/") if s]
        yield ("huggingface.co" if host == "hf.co" else host), segments


def _repo_segments(segments: list[str]) -> str | None:
    """`owner/name` or a canonical `name`, from the segments after the host (or `datasets`)."""
    if not segments:
        return None
    first, rest = segments[0], segments[1:]
    # huggingface.co/datasets/squad/tree/main, .../squad/viewer/default: no owner. (A repo
    # named like a page, "acme/tree", reads as a page when more path follows it.)
    if len(rest) > 1 and rest[0] in _REPO_PAGES:
        return first
    return f"{first}/{rest[0]}" if rest else first


def hub_link(host: str, segments: list[str]) -> tuple[HubKind, str] | None:
    """What a Hub URL names: ("dataset", id), ("model", id), or None for other pages."""
    if host != "huggingface.co" or not segments:
        return None
    head = segments[0].lower()
    if head == "datasets":
        ref, kind = _repo_segments(segments[1:]), "dataset"
    elif head in _HUB_PAGES:
        return None
    else:
        ref, kind = _repo_segments(segments), "model"
    if ref is None or not valid_hub_id(ref):
        return None
    return ("dataset" if kind == "dataset" else "model"), ref


def github_link(host: str, segments: list[str]) -> str | None:
    """`owner/repo` of a GitHub URL (any page of the repository), else None."""
    if host not in {"github.com", "raw.githubusercontent.com"} or len(segments) < 2:
        return None
    owner, name = segments[0], segments[1].split("@", 1)[0]  # pip's `repo.git@v1.0`
    if owner.lower() in _GH_PAGES:
        return None
    if name.lower().endswith(".git"):
        name = name[:-4]
    ref = f"{owner}/{name}"
    return ref if valid_github_repo(ref) else None


def hub_id(value: str, kind: HubKind = "model") -> str | None:
    """A Hub id from what a metadata field holds: an id, or a URL of that kind of repo.

    None for local paths ("./out", "/home/me/ckpt", "C:\\models"), other pages and junk.
    """
    text = value.strip().strip("<>\"'`").strip()
    found = next(urls(text, limit=1), None)
    if found is not None and _URL.match(text):
        link = hub_link(*found)
        return link[1] if link is not None and link[0] == kind else None
    text = text.rstrip(_TRAILING)
    if text.startswith((".", "/", "~")) or "\\" in text or ":" in text:
        return None
    return text if valid_hub_id(text) else None


def field_values(value: Any) -> list[str]:
    """The entries of a metadata field that may hold one id, several, or a list of them.

    A string may list several ids ("squad, glue"); an entry with a remark after the id
    ("acme/corpus (sample)", "squad (v2)") keeps the id; prose ("Common Crawl") and
    entries that are not strings are skipped.
    """
    items: list[Any] = value if isinstance(value, list) else [value]
    found: list[str] = []
    for item in items[:_MAX_FIELD_ITEMS]:
        if not isinstance(item, str):
            continue
        for part in re.split(r"[,;]", item):
            words = part.split()
            if not words:
                continue
            remark = len(words) > 1 and words[1].startswith("(")
            if len(words) == 1 or remark or "/" in words[0] or "." in words[0]:
                found.append(words[0])
    return found


def dataset_refs(text: str) -> list[str]:
    """Hub datasets linked from the text, in order, once each."""
    found: dict[str, str] = {}
    for host, segments in urls(text):
        link = hub_link(host, segments)
        if link is not None and link[0] == "dataset":
            found.setdefault(link[1].lower(), link[1])
    return list(found.values())


def github_repos(texts: Iterable[str]) -> list[str]:
    """GitHub `owner/repo` names linked from the texts, in order, once each."""
    found: dict[str, str] = {}
    for text in texts:
        for host, segments in urls(text):
            ref = github_link(host, segments)
            if ref is not None:
                found.setdefault(ref.lower(), ref)
    return list(found.values())
