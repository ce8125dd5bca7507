"""A fake Hugging Face Hub speaking the protocol the real ``huggingface_hub`` client uses.

Covered: repo info (``/api/{models,datasets}/{id}[/revision/{rev}]``, with ``blobs``, ``expand``
and ``securityStatus``), commits, tree, refs, paths-info, and ``HEAD``/``GET`` on
``[/datasets]/{id}/resolve/{rev}/{path}`` with the headers ``hf_hub_download`` needs.

Faults (``FakeHfRepo.fault``): ``server-error`` answers 500 to every request on the repo
(``fail_first=n`` to the first n API requests only, a hiccup that passes);
``slow-download`` sends the first half of each LFS body, then stalls until ``release_slow`` is set
(or ``slow_timeout`` passes); ``broken-download`` drops the connection half-way through the
first full download of each LFS file (the client then resumes with a ``Range``);
``gzip-text`` sends text files gzip-encoded, without a length, to clients that accept gzip.
Repos with ``gated`` answer 401/403 ``GatedRepo`` on downloads unless the bearer token is in
``gated_tokens``.
"""

from __future__ import annotations

import functools
import gzip
import socket
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

from werkzeug.wrappers import Request, Response

from .catalog import Catalog
from .records import (
    FAULT_BROKEN_DOWNLOAD,
    FAULT_GZIP_TEXT,
    FAULT_SERVER_ERROR,
    FAULT_SLOW_DOWNLOAD,
    FakeFile,
    FakeHfRepo,
    fake_sha,
    safetensors_parameters,
)
from .wsgi import FakeApp, file_response, json_response, throttled

_AUTO_MODELS = {
    "fill-mask": "AutoModelForMaskedLM",
    "text-classification": "AutoModelForSequenceClassification",
    "feature-extraction": "AutoModel",
}


def hub_error(status: int, code: str | None, message: str, **headers: str) -> Response:
    """An error as the Hub signals it: ``X-Error-Code`` (read by the client) and a JSON body."""
    extra = {"X-Error-Message": message, **headers}
    if code is not None:
        extra["X-Error-Code"] = code
    return json_response({"error": message}, status, extra)


def _truthy(value: str | None) -> bool:
    return value is not None and value.lower() in {"1", "true", "yes"}


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


class HubApp(FakeApp):
    def __init__(
        self,
        catalog: Catalog,
        *,
        release_slow: threading.Event | None = None,
        slow_timeout: float = 60.0,
        gated_tokens: set[str] | None = None,
        commits_page_size: int = 50,
        tree_page_size: int = 1000,
    ) -> None:
        super().__init__()
        self.catalog = catalog
        self.release_slow = release_slow or threading.Event()
        self.slow_stalled = threading.Event()  # set once a slow body has reached its stall point
        self.broken: set[tuple[str, str]] = set()  # files whose first download was cut
        self.slow_timeout = slow_timeout
        self.gated_tokens = gated_tokens if gated_tokens is not None else set()
        self.commits_page_size = commits_page_size
        self._hiccups = threading.Lock()
        self.tree_page_size = tree_page_size

    # ---- dispatch -------------------------------------------------------------------------

    def handle(self, request: Request, segments: list[str]) -> Response:
        if len(segments) >= 2 and segments[0] == "api" and segments[1] in {"models", "datasets"}:
            return self._api(
                request, "model" if segments[1] == "models" else "dataset", segments[2:]
            )
        if segments[:1] == ["datasets"]:
            return self._resolve(request, "dataset", segments[1:])
        return self._resolve(request, "model", segments)

    def _lookup(self, repo_type: str, rest: list[str]) -> FakeHfRepo | Response:
        repo = self.catalog.hf_repo("/".join(rest[:2]), repo_type) if len(rest) >= 2 else None
        if repo is None:
            # The Hub answers 401 (not 404) for unknown repos, so as not to reveal private ones.
            return hub_error(401, "RepoNotFound", "Repository not found")
        if repo.fault == FAULT_SERVER_ERROR or self._hiccup(repo):
            return json_response({"error": "Internal Error - We're working hard to fix this"}, 500)
        return repo

    def _hiccup(self, repo: FakeHfRepo) -> bool:
        with self._hiccups:
            if repo.fail_first <= 0:
                return False
            repo.fail_first -= 1
            return True

    def _check_revision(self, repo: FakeHfRepo, revision: str) -> Response | None:
        if revision in {"main", "refs/heads/main", repo.sha}:
            return None
        return hub_error(404, "RevisionNotFound", f"Invalid rev id: {revision}")

    def _api(self, request: Request, repo_type: str, rest: list[str]) -> Response:
        canonical = self.catalog.aliases.get((repo_type, rest[0])) if rest else None
        if canonical and self.catalog.hf_repo("/".join(rest[:2]), repo_type) is None:
            # Like the Hub: a legacy id redirects to the repo it moved to.
            kind = "models" if repo_type == "model" else "datasets"
            location = "/".join(["", "api", kind, canonical, *rest[1:]])
            return Response(status=307, headers={"Location": location})
        found = self._lookup(repo_type, rest)
        if isinstance(found, Response):
            return found
        repo, sub = found, rest[2:]
        if not sub:
            return self._info(request, repo, "main")
        action, args = sub[0], sub[1:]
        if action == "revision" and args:
            return self._info(request, repo, "/".join(args))
        if action == "commits" and args:
            return self._commits(request, repo, "/".join(args))
        if action == "tree" and args:
            return self._tree(request, repo, args[0], "/".join(args[1:]))
        if action == "refs":
            return self._refs(request, repo)
        if action == "paths-info" and args and request.method == "POST":
            return self._paths_info(request, repo, "/".join(args))
        return hub_error(404, None, "Sorry, we can't find the page you are looking for.")

    # ---- repo info ------------------------------------------------------------------------

    def _info(self, request: Request, repo: FakeHfRepo, revision: str) -> Response:
        bad = self._check_revision(repo, revision)
        if bad is not None:
            return bad
        blobs = _truthy(request.args.get("blobs"))
        data = self.info_json(repo, blobs=blobs)
        if _truthy(request.args.get("securityStatus")):
            data["securityRepoStatus"] = {"scansDone": True, "filesWithIssues": []}
        expand = request.args.getlist("expand") + request.args.getlist("expand[]")
        if expand:
            # With expand the Hub returns only the asked properties (plus the ids).
            data = {k: v for k, v in data.items() if k in {"_id", "id", *expand}}
        return json_response(data)

    def info_json(self, repo: FakeHfRepo, *, blobs: bool = False) -> dict[str, Any]:
        card = repo.card_data
        common: dict[str, Any] = {
            "_id": fake_sha("_id", repo.repo_id)[:24],
            "id": repo.repo_id,
            "author": repo.author,
            "sha": repo.sha,
            "lastModified": repo.last_modified,
            "private": False,
            "gated": repo.gated,
            "disabled": False,
        }
        siblings = [self._sibling(f, blobs) for f in repo.files]
        if repo.repo_type == "dataset":
            data = {
                **common,
                "tags": self._dataset_tags(repo),
                "description": repo.description,
                "downloads": repo.downloads,
                "likes": repo.likes,
                "cardData": card,
                "siblings": siblings,
                "createdAt": repo.created_at,
                "usedStorage": repo.used_storage,
            }
            if card and card.get("paperswithcode_id"):
                data["paperswithcode_id"] = card["paperswithcode_id"]
        else:
            data = {
                **common,
                "modelId": repo.repo_id,
                "pipeline_tag": repo.pipeline_tag,
                "tags": self._model_tags(repo),
                "downloads": repo.downloads,
                "library_name": repo.library_name,
                "likes": repo.likes,
                "config": self._config(repo),
                "cardData": card,
                "transformersInfo": self._transformers_info(repo),
                "siblings": siblings,
                "spaces": [],
                "createdAt": repo.created_at,
                "safetensors": self._safetensors(repo),
                "usedStorage": repo.used_storage,
            }
            if repo.pipeline_tag == "fill-mask":
                data["mask_token"] = "[MASK]"
        # The Hub omits absent properties rather than sending null.
        return {k: v for k, v in data.items() if v is not None}

    @staticmethod
    def _sibling(file: FakeFile, blobs: bool) -> dict[str, Any]:
        entry: dict[str, Any] = {"rfilename": file.path}
        if blobs:
            entry["size"] = file.size
            entry["blobId"] = file.blob_id
            if file.lfs:
                entry["lfs"] = {
                    "sha256": file.sha256,
                    "size": file.size,
                    "pointerSize": len(file.lfs_pointer()),
                }
        return entry

    @staticmethod
    def _config(repo: FakeHfRepo) -> dict[str, Any] | None:
        config: dict[str, Any] = {}
        raw = repo.json_file("config.json")
        if raw is not None:
            for key in ("architectures", "model_type"):
                if key in raw:
                    config[key] = raw[key]
        tokenizer = repo.json_file("tokenizer_config.json")
        if tokenizer is not None:
            config["tokenizer_config"] = {
                k: v for k, v in tokenizer.items() if k.endswith("_token")
            }
        index = repo.json_file("model_index.json")
        if index is not None and "_class_name" in index:
            config["diffusers"] = {"_class_name": index["_class_name"]}
        return config or None

    @staticmethod
    def _transformers_info(repo: FakeHfRepo) -> dict[str, str] | None:
        auto = _AUTO_MODELS.get(repo.pipeline_tag or "")
        if repo.library_name != "transformers" or auto is None:
            return None
        return {
            "auto_model": auto,
            "pipeline_tag": repo.pipeline_tag or "",
            "processor": "AutoTokenizer",
        }

    @staticmethod
    def _safetensors(repo: FakeHfRepo) -> dict[str, Any] | None:
        totals: dict[str, int] = {}
        for file in repo.files:
            if "/" in file.path or not file.path.endswith(".safetensors"):
                continue
            for dtype, count in (safetensors_parameters(file) or {}).items():
                totals[dtype] = totals.get(dtype, 0) + count
        return {"parameters": totals, "total": sum(totals.values())} if totals else None

    @staticmethod
    def _model_tags(repo: FakeHfRepo) -> list[str]:
        # The Hub merges card tags with tags it computes from the card and the files.
        card = repo.card_data or {}
        tags = [t for t in [repo.library_name] if t]
        if any(f.path.endswith(".safetensors") for f in repo.files):
            tags.append("safetensors")
        tags += _as_list(card.get("tags")) + repo.tags
        if repo.pipeline_tag:
            tags.append(repo.pipeline_tag)
        tags += [f"dataset:{d}" for d in _as_list(card.get("datasets"))]
        tags += [f"base_model:{b}" for b in _as_list(card.get("base_model"))]
        tags += _as_list(card.get("language"))
        tags += [f"license:{lic}" for lic in _as_list(card.get("license"))]
        return _dedupe([*tags, "region:us"])

    @staticmethod
    def _dataset_tags(repo: FakeHfRepo) -> list[str]:
        card = repo.card_data or {}
        tags = list(repo.tags)
        for key in ("task_categories", "task_ids", "language", "size_categories", "license"):
            tags += [f"{key.removesuffix('s')}:{v}" for v in _as_list(card.get(key))]
        return _dedupe([*tags, "region:us"])

    # ---- commits, tree, refs --------------------------------------------------------------

    def _commits(self, request: Request, repo: FakeHfRepo, revision: str) -> Response:
        bad = self._check_revision(repo, revision)
        if bad is not None:
            return bad
        items = [
            {
                "id": commit_id,
                "title": commit.title,
                "message": commit.message,
                "authors": [
                    {"user": a, "avatar": f"https://cdn-avatars.huggingface.co/{a}.png"}
                    for a in commit.authors
                ],
                "date": commit.date,
            }
            for commit, commit_id in zip(repo.commits, repo.commit_ids, strict=True)
        ]
        page = int(request.args.get("p", "0") or 0)
        size = self.commits_page_size
        headers = {}
        if (page + 1) * size < len(items):
            headers["Link"] = f'<{request.base_url}?{urlencode({"p": page + 1})}>; rel="next"'
        return json_response(items[page * size : (page + 1) * size], headers=headers)

    def _tree_entry(
        self, repo: FakeHfRepo, path: str, file: FakeFile | None, expand: bool
    ) -> dict[str, Any]:
        entry: dict[str, Any]
        if file is None:
            entry = {
                "type": "directory",
                "oid": fake_sha(repo.sha, "tree", path),
                "size": 0,
                "path": path,
            }
        else:
            entry = {"type": "file", "oid": file.blob_id, "size": file.size, "path": path}
            if file.lfs:
                entry["lfs"] = {
                    "oid": file.sha256,
                    "size": file.size,
                    "pointerSize": len(file.lfs_pointer()),
                }
        if expand:
            head = repo.commits[0]
            entry["lastCommit"] = {"id": repo.sha, "title": head.title, "date": head.date}
            if file is not None:
                entry["securityFileStatus"] = {
                    "status": "safe",
                    "avScan": {"virusFound": False, "virusNames": None},
                    "pickleImportScan": None,
                }
        return entry

    def tree_entries(
        self, repo: FakeHfRepo, base: str, *, recursive: bool, expand: bool
    ) -> list[dict[str, Any]] | None:
        """Entries under directory ``base`` ("" = root); None if it is not a directory."""
        prefix = f"{base.strip('/')}/" if base.strip("/") else ""
        found: dict[str, FakeFile | None] = {}
        for file in repo.files:
            if not file.path.startswith(prefix):
                continue
            parts = file.path[len(prefix) :].split("/")
            depth = len(parts) if recursive else 1
            for level in range(1, min(depth, len(parts) - 1) + 1):
                found.setdefault(prefix + "/".join(parts[:level]), None)
            if recursive or len(parts) == 1:
                found[file.path] = file
        if prefix and not found:
            return None
        return [self._tree_entry(repo, p, f, expand) for p, f in sorted(found.items())]

    def _tree(self, request: Request, repo: FakeHfRepo, revision: str, path: str) -> Response:
        bad = self._check_revision(repo, revision)
        if bad is not None:
            return bad
        expand = _truthy(request.args.get("expand"))
        entries = self.tree_entries(
            repo, path, recursive=_truthy(request.args.get("recursive")), expand=expand
        )
        if entries is None:
            return hub_error(
                404,
                "EntryNotFound",
                f'{path} does not exist on "{revision}"',
                **{"X-Repo-Commit": repo.sha},
            )
        size = min(self.tree_page_size, 50) if expand else self.tree_page_size
        start = int(request.args.get("cursor", "0") or 0)
        headers = {}
        if start + size < len(entries):
            args = {**request.args.to_dict(), "cursor": str(start + size)}
            headers["Link"] = f'<{request.base_url}?{urlencode(args)}>; rel="next"'
        return json_response(entries[start : start + size], headers=headers)

    def _refs(self, request: Request, repo: FakeHfRepo) -> Response:
        data: dict[str, Any] = {
            "branches": [{"name": "main", "ref": "refs/heads/main", "targetCommit": repo.sha}],
            "converts": [],
            "tags": [],
        }
        if _truthy(request.args.get("include_prs")):
            data["pullRequests"] = []
        return json_response(data)

    def _paths_info(self, request: Request, repo: FakeHfRepo, revision: str) -> Response:
        bad = self._check_revision(repo, revision)
        if bad is not None:
            return bad
        expand = _truthy(request.form.get("expand"))
        result = []
        for path in request.form.getlist("paths"):
            file = repo.file(path)
            if file is not None:
                result.append(self._tree_entry(repo, path, file, expand))
            elif any(f.path.startswith(path.rstrip("/") + "/") for f in repo.files):
                result.append(self._tree_entry(repo, path.rstrip("/"), None, expand))
        return json_response(result)

    # ---- file downloads -------------------------------------------------------------------

    def _resolve(self, request: Request, repo_type: str, segments: list[str]) -> Response:
        if len(segments) >= 2 and segments[1] == "resolve":
            # A one-segment repo id ("gpt2/resolve/..."): none exist in the catalogue.
            return hub_error(401, "RepoNotFound", "Repository not found")
        if len(segments) < 5 or segments[2] != "resolve":
            return hub_error(404, None, "Sorry, we can't find the page you are looking for.")
        found = self._lookup(repo_type, segments)
        if isinstance(found, Response):
            return found
        repo = found
        if request.method not in {"GET", "HEAD"}:
            return hub_error(405, None, "Method not allowed")
        revision, path = segments[3], "/".join(segments[4:])
        bad = self._check_revision(repo, revision)
        if bad is not None:
            return bad
        if repo.gated:
            denied = self._gate(request, repo)
            if denied is not None:
                return denied
        file = repo.file(path)
        if file is None:
            # The client caches the absence under this commit, hence X-Repo-Commit on a 404.
            return hub_error(404, "EntryNotFound", "Entry not found", **{"X-Repo-Commit": repo.sha})
        headers = {
            "X-Repo-Commit": repo.sha,
            "ETag": f'"{file.etag}"',
            "Content-Disposition": (
                f"inline; filename*=UTF-8''{quote(file.name)}; filename=\"{file.name}\";"
            ),
        }
        if file.lfs:
            # Only LFS files carry the linked headers (on the real Hub they describe the CDN
            # object the 302 points to); the client prefers them over ETag/Content-Length.
            headers["X-Linked-Etag"] = f'"{file.sha256}"'
            headers["X-Linked-Size"] = str(file.size)
        body = None
        if repo.fault == FAULT_SLOW_DOWNLOAD and file.lfs:
            body = functools.partial(self._slow_body, file)
        whole = request.method == "GET" and "Range" not in request.headers
        first = (repo.repo_id, path) not in self.broken
        if repo.fault == FAULT_BROKEN_DOWNLOAD and file.lfs and whole and first:
            self.broken.add((repo.repo_id, path))
            body = functools.partial(_broken_body, file, request.environ["werkzeug.socket"])
        accepts_gzip = "gzip" in request.headers.get("Accept-Encoding", "")
        if repo.fault == FAULT_GZIP_TEXT and not file.lfs and accepts_gzip:
            return _gzipped(request, file, headers)
        return file_response(request, file, headers, body)

    def _slow_body(self, file: FakeFile, start: int, end: int) -> Iterator[bytes]:
        """The bytes of ``[start, end)``, stalling where the file's second half begins."""
        return throttled(
            file.iter_bytes(start, end),
            start,
            file.size // 2,
            self.slow_stalled,
            self.release_slow,
            self.slow_timeout,
        )

    def _gate(self, request: Request, repo: FakeHfRepo) -> Response | None:
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else ""
        if token and token in self.gated_tokens:
            return None
        if not token:
            return hub_error(
                401,
                "GatedRepo",
                f"Access to model {repo.repo_id} is restricted. "
                "You must have access to it and be authenticated to access it. "
                "Please log in.",
            )
        return hub_error(
            403,
            "GatedRepo",
            f"Access to model {repo.repo_id} is restricted and you are not in the authorized list.",
        )


def _broken_body(file: FakeFile, sock: socket.socket, start: int, end: int) -> Iterator[bytes]:
    """The first half of ``[start, end)``, then the connection cut under the client."""
    yield from file.iter_bytes(start, start + (end - start) // 2)
    sock.shutdown(socket.SHUT_RDWR)
    raise ConnectionResetError("the fake hub cut the transfer")


def _gzipped(request: Request, file: FakeFile, headers: dict[str, str]) -> Response:
    body = gzip.compress(b"".join(file.iter_bytes(0, file.size)))
    headers = {"Content-Type": file.content_type, "Content-Encoding": "gzip", **headers}
    if request.method == "HEAD":
        return Response(b"", headers=headers)
    # Chunked, as the Hub sends compressed text: no Content-Length to go by.
    return Response(iter([body]), headers=headers, direct_passthrough=True)
