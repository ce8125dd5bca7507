"""Which Hub endpoint a request path names: pure parsing, unit-tested without Flask.

The Hub's paths put the repo id (one or two segments) before the action, so the split
is decided by where an action word stands; revisions and file paths arrive
percent-encoded (`refs%2Fheads%2Fmain`), which is why segments are decoded one by one
after splitting the raw path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from registry.domain.errors import MethodNotAllowed, NotFound, RepoNotFound
from registry.services.hub_mirror import HubRef

_ACTIONS = {"revision", "tree", "paths-info", "refs", "commits", "resolve"}
_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")
_TYPES = {"models": "model", "datasets": "dataset"}


@dataclass(frozen=True)
class HubCall:
    action: str  # info | tree | paths-info | refs | resolve
    ref: HubRef
    path: str = ""


class UnknownEndpoint(NotFound):
    """A path the Hub-compatible API does not serve."""

    code = "not_found"


def raw_segments(raw_path: str, prefix: str) -> list[str]:
    """The decoded segments of `raw_path` after `prefix` ("/hf/")."""
    path = raw_path.partition("?")[0]
    if path.startswith(("http://", "https://")):
        path = "/" + path.split("/", 3)[-1]
    if not path.startswith(prefix):
        raise UnknownEndpoint(f"{path} is not under {prefix}")
    return [unquote(s) for s in path[len(prefix) :].split("/")]


def allowed(segments: list[str]) -> tuple[str, ...]:
    """The methods the path of `segments` answers (UnknownEndpoint when none)."""
    try:
        parse(segments, "OPTIONS")
    except MethodNotAllowed as exc:
        return exc.allowed
    raise AssertionError("no Hub endpoint answers OPTIONS")  # pragma: no cover


def _repo_id(segments: list[str]) -> str:
    for s in segments:
        if not _SEGMENT.match(s) or ".." in s:
            raise RepoNotFound(f"{'/'.join(segments)!r} is not a valid repository id")
    return "/".join(segments)


def _split(rest: list[str], action_index: int) -> int:
    """How many segments the repo id takes (1 for legacy ids, else 2)."""
    if len(rest) > action_index + 1 and rest[action_index + 1] in _ACTIONS:
        return action_index + 1
    if len(rest) > action_index and rest[action_index] in _ACTIONS:
        return action_index
    return min(len(rest), action_index + 1)


def parse(segments: list[str], method: str) -> HubCall:
    if segments[:1] == ["api"] and len(segments) >= 3 and segments[1] in _TYPES:
        return _api(_TYPES[segments[1]], segments[2:], method)
    if segments[:1] == ["datasets"]:
        return _resolve("dataset", segments[1:], method)
    return _resolve("model", segments, method)


def _api(repo_type: str, rest: list[str], method: str) -> HubCall:
    n = 2 if len(rest) == 2 and rest[1] != "refs" else _split(rest, 1)
    repo_id = _repo_id(rest[:n])
    action, args = (rest[n], rest[n + 1 :]) if len(rest) > n else ("", [])
    call = _api_call(repo_type, repo_id, action, args)
    if call is None:
        raise UnknownEndpoint(
            f"the registry does not serve /api/{repo_type}s/{repo_id}/{'/'.join(rest[n:])}; "
            "it serves repository info, tree, paths-info, refs and file resolution"
        )
    _allow(method, ("POST",) if call.action == "paths-info" else ("GET", "HEAD"))
    return call


def _allow(method: str, allowed: tuple[str, ...]) -> None:
    if method not in allowed:
        raise MethodNotAllowed(
            f"this path answers {' and '.join(allowed)}, not {method}", allowed=allowed
        )


def _api_call(repo_type: str, repo_id: str, action: str, args: list[str]) -> HubCall | None:
    if not action:
        return HubCall("info", HubRef(repo_type, repo_id))
    if action == "revision" and args:
        return HubCall("info", HubRef(repo_type, repo_id, "/".join(args)))
    if action == "tree" and args:
        return HubCall("tree", HubRef(repo_type, repo_id, args[0]), "/".join(args[1:]))
    if action == "paths-info" and args:
        return HubCall("paths-info", HubRef(repo_type, repo_id, "/".join(args)))
    if action == "refs" and not args:
        return HubCall("refs", HubRef(repo_type, repo_id))
    return None


def _resolve(repo_type: str, rest: list[str], method: str) -> HubCall:
    if len(rest) > 2 and rest[2] == "resolve":
        n = 2
    elif len(rest) > 1 and rest[1] == "resolve":
        n = 1
    else:
        raise UnknownEndpoint("the registry serves files at /{repo_id}/resolve/{revision}/{path}")
    _allow(method, ("GET", "HEAD"))
    repo_id = _repo_id(rest[:n])
    args = rest[n + 1 :]
    if len(args) < 2 or not all(args[1:]):
        raise UnknownEndpoint("name a revision and a file: /{repo_id}/resolve/{revision}/{path}")
    return HubCall("resolve", HubRef(repo_type, repo_id, args[0]), "/".join(args[1:]))
