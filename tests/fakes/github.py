"""A fake GitHub REST API (the v3 shapes GitHub documents), plus a codeload-like zip server.

``GET /repos/{o}/{r}/zipball[/{ref}]`` answers 302 to ``/codeload/{o}/{r}/legacy.zip/{ref}`` on
this same server, which serves a zip whose top folder is ``{o}-{r}-{sha7}/`` as GitHub's does.

Lists paginate with ``per_page``/``page`` and a ``Link`` header.  Every response carries the
``X-RateLimit-*`` headers (60/h anonymous, 5000/h with a token); exceeding them answers 403 only
if ``enforce_rate_limit`` is set.  If ``valid_tokens`` is set, any other token gets 401.
Fault: a repo with ``fault="server-error"`` answers 500 on every endpoint.
"""

from __future__ import annotations

import base64
import math
import threading
import time
from typing import Any
from urllib.parse import quote, urlencode

from werkzeug.wrappers import Request, Response

from .catalog import Catalog
from .records import (
    FAULT_SERVER_ERROR,
    FakeFile,
    FakeGhCommit,
    FakeGitHubRepo,
    FakePull,
    build_zip,
    fake_sha,
)
from .wsgi import FakeApp, file_response, json_response

DOCS = "https://docs.github.com/rest"

LICENSES = {
    "Apache-2.0": ("apache-2.0", "Apache License 2.0"),
    "MIT": ("mit", "MIT License"),
    "BSD-3-Clause": ("bsd-3-clause", 'BSD 3-Clause "New" or "Revised" License'),
    "GPL-3.0": ("gpl-3.0", "GNU General Public License v3.0"),
    "LGPL-2.1": ("lgpl-2.1", "GNU Lesser General Public License v2.1"),
    "AGPL-3.0": ("agpl-3.0", "GNU Affero General Public License v3.0"),
}


def not_found(message: str = "Not Found", status: int = 404) -> Response:
    return json_response(
        {"message": message, "documentation_url": DOCS, "status": str(status)}, status
    )


def _b64(data: bytes) -> str:
    # GitHub wraps base64 content at 60 characters per line.
    text = base64.b64encode(data).decode()
    return "".join(text[i : i + 60] + "\n" for i in range(0, len(text), 60))


class GitHubApp(FakeApp):
    def __init__(
        self,
        catalog: Catalog,
        *,
        valid_tokens: set[str] | None = None,
        enforce_rate_limit: bool = False,
    ) -> None:
        super().__init__()
        self.catalog = catalog
        self.valid_tokens = valid_tokens
        self.enforce_rate_limit = enforce_rate_limit
        self.tokens_seen: list[str | None] = []
        self._used: dict[str | None, int] = {}
        self._lock = threading.Lock()
        self._reset_at = int(time.time()) + 3600

    # ---- dispatch -------------------------------------------------------------------------

    def handle(self, request: Request, segments: list[str]) -> Response:
        base = request.host_url.rstrip("/")
        token = self._token(request)
        with self._lock:
            self.tokens_seen.append(token)
        if self.valid_tokens is not None and token is not None and token not in self.valid_tokens:
            return not_found("Bad credentials", 401)
        if segments[:1] == ["codeload"] and len(segments) >= 4 and segments[3] == "legacy.zip":
            return self._codeload(request, segments[1], segments[2], "/".join(segments[4:]))
        limited = self._count_rate(token, counts=segments != ["rate_limit"])
        response = self._route(request, segments, base, token) if limited is None else limited
        response.headers.update(self._rate_headers(token))
        response.headers["X-GitHub-Media-Type"] = "github.v3; format=json"
        return response

    @staticmethod
    def _token(request: Request) -> str | None:
        auth = request.headers.get("Authorization", "")
        for scheme in ("Bearer ", "token ", "bearer "):
            if auth.startswith(scheme):
                return auth[len(scheme) :].strip()
        return None

    def _count_rate(self, token: str | None, *, counts: bool) -> Response | None:
        with self._lock:
            if counts:
                self._used[token] = self._used.get(token, 0) + 1
            over = self._used.get(token, 0) > (5000 if token else 60)
        if over and self.enforce_rate_limit:
            return json_response(
                {"message": "API rate limit exceeded", "documentation_url": DOCS}, 403
            )
        return None

    def _rate_headers(self, token: str | None) -> dict[str, str]:
        limit = 5000 if token else 60
        used = self._used.get(token, 0)
        return {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(max(limit - used, 0)),
            "X-RateLimit-Reset": str(self._reset_at),
            "X-RateLimit-Used": str(used),
            "X-RateLimit-Resource": "core",
        }

    def _route(self, request: Request, seg: list[str], base: str, token: str | None) -> Response:
        if seg == ["rate_limit"]:
            limit, used = (5000 if token else 60), self._used.get(token, 0)
            core = {
                "limit": limit,
                "used": used,
                "remaining": max(limit - used, 0),
                "reset": self._reset_at,
                "resource": "core",
            }
            return json_response({"resources": {"core": core}, "rate": core})
        if len(seg) < 3 or seg[0] != "repos":
            return not_found()
        repo = self.catalog.github_repo(seg[1], seg[2])
        if repo is None:
            return not_found()
        if repo.fault == FAULT_SERVER_ERROR:
            return json_response({"message": "Server Error"}, 500)
        api = f"{base}/repos/{repo.full_name}"
        rest = seg[3:]
        if not rest:
            return json_response(self.repo_json(repo, base))
        action, args = rest[0], rest[1:]
        if action == "zipball":
            return self._zipball(repo, base, "/".join(args) or None)
        if action in {"readme", "license"} and not args:
            return (
                self._readme(request, repo, api) if action == "readme" else self._license(repo, api)
            )
        if action == "contents":
            return self._contents(request, repo, api, "/".join(args))
        if action == "contributors" and not args:
            items = [
                {**self.user(base, login), "contributions": n}
                for login, n in sorted(repo.contributors, key=lambda c: -c[1])
            ]
            return self._paginate(request, items)
        if action == "pulls":
            return self._pulls(request, repo, base, args)
        if action == "commits":
            return self._commits(request, repo, base, args)
        if action == "branches":
            return self._branches(request, repo, api, "/".join(args))
        return not_found()

    # ---- shapes ---------------------------------------------------------------------------

    @staticmethod
    def user(base: str, login: str) -> dict[str, Any]:
        number = int(fake_sha("user", login)[:7], 16)
        return {
            "login": login,
            "id": number,
            "node_id": f"MDQ6VXNlcj{number}",
            "avatar_url": f"https://avatars.githubusercontent.com/u/{number}?v=4",
            "gravatar_id": "",
            "url": f"{base}/users/{login}",
            "html_url": f"https://github.com/{login}",
            "type": "User",
            "site_admin": False,
        }

    @staticmethod
    def license_json(spdx: str, base: str) -> dict[str, Any]:
        key, name = LICENSES.get(spdx, ("other", "Other"))
        return {
            "key": key,
            "name": name,
            "spdx_id": spdx if key != "other" else "NOASSERTION",
            "url": f"{base}/licenses/{key}" if key != "other" else None,
            "node_id": f"MDc6TGljZW5zZ{key}",
        }

    def repo_json(self, repo: FakeGitHubRepo, base: str) -> dict[str, Any]:
        api = f"{base}/repos/{repo.full_name}"
        owner = {**self.user(base, repo.owner), "type": "Organization"}
        return {
            "id": repo.repo_number,
            "node_id": f"MDEwOlJlcG9zaXRvcnk{repo.repo_number}",
            "name": repo.name,
            "full_name": repo.full_name,
            "private": False,
            "owner": owner,
            "html_url": f"https://github.com/{repo.full_name}",
            "description": repo.description,
            "fork": repo.fork,
            "url": api,
            "contributors_url": f"{api}/contributors",
            "pulls_url": f"{api}/pulls{{/number}}",
            "commits_url": f"{api}/commits{{/sha}}",
            "archive_url": f"{api}/{{archive_format}}{{/ref}}",
            "clone_url": f"https://github.com/{repo.full_name}.git",
            "created_at": repo.created_at,
            "updated_at": repo.pushed_at,
            "pushed_at": repo.pushed_at,
            "homepage": None,
            "size": max(1, sum(f.size for f in repo.files) // 1024),
            "stargazers_count": repo.stars,
            "watchers_count": repo.stars,
            "language": repo.language,
            "has_issues": True,
            "forks_count": repo.forks,
            "archived": repo.archived,
            "disabled": False,
            "open_issues_count": repo.open_issues,
            "license": self.license_json(repo.license_spdx, base) if repo.license_spdx else None,
            "topics": repo.topics,
            "visibility": "public",
            "forks": repo.forks,
            "open_issues": repo.open_issues,
            "watchers": repo.stars,
            "default_branch": repo.default_branch,
            "subscribers_count": max(1, repo.stars // 50),
        }

    def _paginate(self, request: Request, items: list[Any]) -> Response:
        per_page = min(max(int(request.args.get("per_page", "30") or 30), 1), 100)
        page = max(int(request.args.get("page", "1") or 1), 1)
        last = max(1, math.ceil(len(items) / per_page))
        links = []

        def link(number: int, rel: str) -> str:
            query = urlencode({**request.args.to_dict(), "per_page": per_page, "page": number})
            return f'<{request.base_url}?{query}>; rel="{rel}"'

        if page > 1:
            links += [link(page - 1, "prev"), link(1, "first")]
        if page < last:
            links += [link(page + 1, "next"), link(last, "last")]
        headers = {"Link": ", ".join(links)} if links else {}
        return json_response(items[(page - 1) * per_page : page * per_page], headers=headers)

    def _file_json(
        self, repo: FakeGitHubRepo, api: str, file: FakeFile, ref: str, with_content: bool = True
    ) -> dict[str, Any]:
        html = f"https://github.com/{repo.full_name}/blob/{ref}/{file.path}"
        entry: dict[str, Any] = {
            "type": "file",
            "name": file.name,
            "path": file.path,
            "sha": file.git_sha1,
            "size": file.size,
            "url": f"{api}/contents/{quote(file.path)}?ref={ref}",
            "html_url": html,
            "git_url": f"{api}/git/blobs/{file.git_sha1}",
            "download_url": f"https://raw.githubusercontent.com/{repo.full_name}/{ref}/{file.path}",
        }
        if with_content:
            entry.update(content=_b64(file.read()), encoding="base64")
        entry["_links"] = {"self": entry["url"], "git": entry["git_url"], "html": html}
        return entry

    # ---- endpoints ------------------------------------------------------------------------

    def _readme(self, request: Request, repo: FakeGitHubRepo, api: str) -> Response:
        resolved = repo.resolve_ref(request.args.get("ref"))
        if resolved is None:
            return not_found(f"No commit found for the ref {request.args.get('ref')}")
        branch, _sha, files = resolved
        readme = next(
            (f for f in files if "/" not in f.path and f.path.lower().startswith("readme")), None
        )
        if readme is None:
            return not_found()
        return json_response(self._file_json(repo, api, readme, branch))

    def _license(self, repo: FakeGitHubRepo, api: str) -> Response:
        if repo.license_spdx is None:
            return not_found()
        file = next(
            (
                f
                for f in repo.files
                if f.path.upper().split(".")[0] in {"LICENSE", "LICENCE", "COPYING"}
            ),
            None,
        )
        if file is None:
            file = FakeFile("LICENSE", content=f"{repo.license_spdx}\n".encode())
        data = self._file_json(repo, api, file, repo.default_branch)
        data["license"] = self.license_json(repo.license_spdx, api.split("/repos/", maxsplit=1)[0])
        return json_response(data)

    def _contents(self, request: Request, repo: FakeGitHubRepo, api: str, path: str) -> Response:
        resolved = repo.resolve_ref(request.args.get("ref"))
        if resolved is None:
            return not_found(f"No commit found for the ref {request.args.get('ref')}")
        branch, _sha, files = resolved
        path = path.strip("/")
        exact = next((f for f in files if f.path == path), None)
        if exact is not None:
            return json_response(self._file_json(repo, api, exact, branch))
        prefix = f"{path}/" if path else ""
        listing: dict[str, dict[str, Any]] = {}
        for file in files:
            if not file.path.startswith(prefix):
                continue
            head, _, tail = file.path[len(prefix) :].partition("/")
            if tail:
                listing.setdefault(
                    head,
                    {
                        "type": "dir",
                        "name": head,
                        "path": prefix + head,
                        "sha": fake_sha(branch, prefix + head),
                        "size": 0,
                    },
                )
            else:
                listing[head] = self._file_json(repo, api, file, branch, with_content=False)
        if not listing:
            return not_found()
        return json_response([listing[name] for name in sorted(listing)])

    def _zipball(self, repo: FakeGitHubRepo, base: str, ref: str | None) -> Response:
        resolved = repo.resolve_ref(ref)
        if resolved is None:
            return not_found()
        branch, sha, _files = resolved
        target = f"refs/heads/{branch}" if ref is None or not sha.startswith(ref) else sha
        location = f"{base}/codeload/{repo.full_name}/legacy.zip/{target}"
        return Response(b"", status=302, headers={"Location": location})

    def _codeload(self, request: Request, owner: str, name: str, ref: str) -> Response:
        repo = self.catalog.github_repo(owner, name)
        if repo is None:
            return Response(b"404: Not Found", status=404, content_type="text/plain")
        if repo.fault == FAULT_SERVER_ERROR:
            return Response(b"500: Internal Server Error", status=500, content_type="text/plain")
        resolved = repo.resolve_ref(ref or None)
        if resolved is None:
            return Response(b"404: Not Found", status=404, content_type="text/plain")
        _branch, sha, files = resolved
        top = f"{repo.owner}-{repo.name}-{sha[:7]}"
        data = build_zip(files, top=f"{top}/", raw_entries=repo.raw_zip_entries, comment=sha)
        headers = {"Content-Disposition": f"attachment; filename={top}.zip", "ETag": f'"{sha}"'}
        return file_response(request, FakeFile(f"{top}.zip", content=data), headers)

    def _pull_json(
        self, repo: FakeGitHubRepo, base: str, pull: FakePull, *, full: bool
    ) -> dict[str, Any]:
        api = f"{base}/repos/{repo.full_name}"
        merge_sha = next((c.sha for c in repo.commits if c.pull_number == pull.number), None)
        closed_at = pull.merged_at or (pull.created_at if pull.state == "closed" else None)
        data: dict[str, Any] = {
            "url": f"{api}/pulls/{pull.number}",
            "id": int(fake_sha(repo.full_name, "pull", pull.number)[:8], 16),
            "html_url": f"https://github.com/{repo.full_name}/pull/{pull.number}",
            "number": pull.number,
            "state": pull.state,
            "locked": False,
            "title": pull.title,
            "user": self.user(base, pull.user),
            "body": f"{pull.title}.",
            "labels": [],
            "created_at": pull.created_at,
            "updated_at": closed_at or pull.created_at,
            "closed_at": closed_at,
            "merged_at": pull.merged_at if pull.merged else None,
            "merge_commit_sha": merge_sha or fake_sha(repo.full_name, "merge", pull.number),
            "head": {
                "label": f"{pull.user}:patch-{pull.number}",
                "ref": f"patch-{pull.number}",
                "sha": fake_sha(repo.full_name, "head", pull.number),
                "user": self.user(base, pull.user),
            },
            "base": {
                "label": f"{repo.owner}:{repo.default_branch}",
                "ref": repo.default_branch,
                "sha": repo.head_sha(repo.default_branch),
            },
            "author_association": "CONTRIBUTOR",
            "draft": False,
        }
        if full:
            merger = pull.reviews[-1][0] if pull.reviews else repo.owner
            data.update(
                merged=pull.merged,
                merged_by=self.user(base, merger) if pull.merged else None,
                comments=0,
                review_comments=len(pull.reviews),
                commits=1,
                additions=pull.additions,
                deletions=pull.deletions,
                changed_files=max(1, (pull.additions + pull.deletions) // 50),
            )
        return data

    def _pulls(
        self, request: Request, repo: FakeGitHubRepo, base: str, args: list[str]
    ) -> Response:
        if not args:
            state = request.args.get("state", "open")
            pulls = [p for p in repo.pulls if state == "all" or p.state == state]
            pulls.sort(key=lambda p: p.created_at, reverse=request.args.get("direction") != "asc")
            return self._paginate(
                request, [self._pull_json(repo, base, p, full=False) for p in pulls]
            )
        pull = next((p for p in repo.pulls if str(p.number) == args[0]), None)
        if pull is None:
            return not_found()
        if len(args) == 1:
            return json_response(self._pull_json(repo, base, pull, full=True))
        if args[1:] == ["reviews"]:
            api = f"{base}/repos/{repo.full_name}"
            reviews = [
                {
                    "id": int(fake_sha(repo.full_name, pull.number, i)[:8], 16),
                    "user": self.user(base, login),
                    "body": "LGTM" if state == "APPROVED" else "",
                    "state": state,
                    "html_url": f"https://github.com/{repo.full_name}/pull/{pull.number}",
                    "pull_request_url": f"{api}/pulls/{pull.number}",
                    "author_association": "MEMBER",
                    "submitted_at": pull.merged_at or pull.created_at,
                    "commit_id": fake_sha(repo.full_name, "head", pull.number),
                }
                for i, (login, state) in enumerate(pull.reviews)
            ]
            return self._paginate(request, reviews)
        return not_found()

    def _commit_json(
        self, repo: FakeGitHubRepo, base: str, commit: FakeGhCommit, parent: str | None
    ) -> dict[str, Any]:
        api = f"{base}/repos/{repo.full_name}"
        person = {
            "name": commit.author,
            "email": f"{commit.author}@users.noreply.github.com",
            "date": commit.date,
        }
        html = f"https://github.com/{repo.full_name}/commit/{commit.sha}"
        return {
            "sha": commit.sha,
            "node_id": f"C_{commit.sha[:20]}",
            "commit": {
                "author": person,
                "committer": person,
                "message": commit.message,
                "tree": {
                    "sha": fake_sha(commit.sha, "tree"),
                    "url": f"{api}/git/trees/{fake_sha(commit.sha, 'tree')}",
                },
                "url": f"{api}/git/commits/{commit.sha}",
                "comment_count": 0,
                "verification": {
                    "verified": False,
                    "reason": "unsigned",
                    "signature": None,
                    "payload": None,
                },
            },
            "url": f"{api}/commits/{commit.sha}",
            "html_url": html,
            "comments_url": f"{api}/commits/{commit.sha}/comments",
            "author": self.user(base, commit.author),
            "committer": self.user(base, commit.author),
            "parents": []
            if parent is None
            else [
                {
                    "sha": parent,
                    "url": f"{api}/commits/{parent}",
                    "html_url": f"https://github.com/{repo.full_name}/commit/{parent}",
                }
            ],
        }

    def _history(self, repo: FakeGitHubRepo, ref: str | None) -> list[FakeGhCommit] | None:
        """Commits reachable from ``ref``, newest first."""
        resolved = repo.resolve_ref(ref)
        if resolved is None:
            return None
        branch, sha, _files = resolved
        if branch != repo.default_branch or not repo.commits:
            # Other branches' histories are not modelled: one synthetic head commit.
            return [FakeGhCommit(sha, repo.owner, repo.pushed_at, f"Snapshot of {branch}")]
        index = next(i for i, c in enumerate(repo.commits) if c.sha == sha)
        return repo.commits[index:]

    def _commits(
        self, request: Request, repo: FakeGitHubRepo, base: str, args: list[str]
    ) -> Response:
        if not args:
            history = self._history(repo, request.args.get("sha"))
            if history is None:
                return not_found(f"No commit found for SHA: {request.args.get('sha')}")
            since, until = request.args.get("since"), request.args.get("until")
            author = request.args.get("author")
            shown = [
                self._commit_json(
                    repo, base, c, history[i + 1].sha if i + 1 < len(history) else None
                )
                for i, c in enumerate(history)
                if (since is None or c.date >= since)
                and (until is None or c.date <= until)
                and (author is None or c.author == author)
            ]
            return self._paginate(request, shown)
        history = self._history(repo, args[0])
        if history is None:
            return not_found(f"No commit found for SHA: {args[0]}", 422)
        commit = history[0]
        if len(args) == 1:
            parent = history[1].sha if len(history) > 1 else None
            data = self._commit_json(repo, base, commit, parent)
            data["stats"] = {"total": 12, "additions": 10, "deletions": 2}
            data["files"] = []
            return json_response(data)
        if args[1:] == ["pulls"]:
            pulls = [p for p in repo.pulls if p.number == commit.pull_number]
            return json_response([self._pull_json(repo, base, p, full=False) for p in pulls])
        return not_found()

    def _branches(self, request: Request, repo: FakeGitHubRepo, api: str, name: str) -> Response:
        if not name:
            return self._paginate(
                request,
                [
                    {
                        "name": b,
                        "commit": {
                            "sha": repo.head_sha(b),
                            "url": f"{api}/commits/{repo.head_sha(b)}",
                        },
                        "protected": b == repo.default_branch,
                    }
                    for b in repo.branch_names()
                ],
            )
        if name not in repo.branch_names():
            return not_found("Branch not found")
        history = self._history(repo, name) or []
        base = api.split("/repos/", maxsplit=1)[0]
        parent = history[1].sha if len(history) > 1 else None
        return json_response(
            {
                "name": name,
                "commit": self._commit_json(repo, base, history[0], parent),
                "_links": {
                    "self": f"{api}/branches/{name}",
                    "html": f"https://github.com/{repo.full_name}/tree/{name}",
                },
                "protected": name == repo.default_branch,
                "protection_url": f"{api}/branches/{name}/protection",
            }
        )
