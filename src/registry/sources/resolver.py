"""Turn a source URL into a `SourceRef`: which upstream, which repository, which key.

Hugging Face and GitHub are recognised by their public hosts (huggingface.co,
hf.co, github.com) and also by the host of the configured `HF_ENDPOINT`, so a
mirror's URLs can be ingested as they are.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit, urlunsplit

from registry.domain.errors import BadRequest
from registry.domain.models import ArtifactType
from registry.sources.base import SourceKind, SourceRef
from registry.sources.safety import safe_relpath

HF_HOSTS = {"huggingface.co", "www.huggingface.co", "hf.co"}
GITHUB_HOSTS = {"github.com", "www.github.com"}
KAGGLE_HOSTS = {"kaggle.com", "www.kaggle.com"}
# An uploaded zip has no URL; it is named by its digest: "upload:sha256:<hex>".
UPLOAD_PREFIX = "upload:sha256:"
_DIGEST = re.compile(r"^[0-9a-f]{64}$")
_MAX_URL = 2048
_REPO_SUFFIXES = {"tree", "blob", "resolve", "raw", "commit", "commits", "discussions", "files"}
# Every Hugging Face repository's default branch: a URL naming it names the same
# revision as the bare repository URL, so both get one key (one artifact).
HF_DEFAULT_BRANCH = "main"


def hf_key(kind: SourceKind, repo_id: str, revision: str | None, subpath: str | None) -> str:
    """The identity of a Hugging Face source: the default branch is no revision."""
    revision = None if revision == HF_DEFAULT_BRANCH else revision
    return f"hf:{kind.value}:{repo_id.lower()}@{revision or ''}:{subpath or ''}"


def github_key(repo_id: str, revision: str | None, subpath: str | None) -> str:
    """The identity of a GitHub source (the caller drops a revision that is the
    repository's default branch: only GitHub knows which branch that is)."""
    return f"github:{repo_id.lower()}@{revision or ''}:{subpath or ''}"


def _netloc(url: str) -> str:
    return urlsplit(url).netloc.lower()


def parse_source_url(url: str, artifact_type: ArtifactType, hf_endpoint: str) -> SourceRef:
    if not isinstance(url, str) or not url.strip():
        raise BadRequest("url must be a non-empty string")
    url = url.strip()
    if len(url) > _MAX_URL:
        raise BadRequest(f"url is longer than {_MAX_URL} characters")
    if url.startswith(UPLOAD_PREFIX):
        return upload_ref(url[len(UPLOAD_PREFIX) :])
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError on a malformed port
    except ValueError as exc:
        raise BadRequest(f"url is malformed: {exc}") from exc
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise BadRequest(
            "url must be an absolute http(s) URL, e.g. https://huggingface.co/org/model"
        )
    host = parts.netloc.lower()
    segments = [unquote(s) for s in parts.path.split("/") if s]
    if parts.hostname.lower() in HF_HOSTS or host == _netloc(hf_endpoint):
        return _huggingface(url, segments, artifact_type)
    if parts.hostname.lower() in GITHUB_HOSTS:
        return _github(url, segments)
    if parts.hostname.lower() in KAGGLE_HOSTS:
        return _kaggle(url, segments, artifact_type)
    return _plain(url)


def upload_ref(digest: str, name: str = "upload") -> SourceRef:
    """The source of an uploaded zip, named by the sha256 of its bytes."""
    if not _DIGEST.match(digest):
        raise BadRequest(f"{UPLOAD_PREFIX}{digest} does not name an upload (a sha256 in hex)")
    url = UPLOAD_PREFIX + digest
    return SourceRef(kind=SourceKind.UPLOAD, url=url, key=url, default_name=name)


def _kaggle(url: str, segments: list[str], artifact_type: ArtifactType) -> SourceRef:
    """https://www.kaggle.com/datasets/{owner}/{name}[/versions/{n}] (other tabs ignored)."""
    if len(segments) < 3 or segments[0] != "datasets":
        raise BadRequest(
            "only Kaggle datasets can be ingested, e.g. https://www.kaggle.com/datasets/owner/name"
        )
    if artifact_type is not ArtifactType.DATASET:
        raise BadRequest(
            f"{url} is a Kaggle dataset; ingest it as type 'dataset' (POST /artifact/dataset)"
        )
    owner, name = segments[1], segments[2]
    for piece in (owner, name):
        if not piece or piece in {".", ".."} or not all(c.isalnum() or c in "-_." for c in piece):
            raise BadRequest(f"{owner}/{name} is not a valid Kaggle dataset")
    rest = segments[3:]
    version = None
    if len(rest) >= 2 and rest[0] == "versions":
        if not rest[1].isdigit():
            raise BadRequest(f"Kaggle dataset versions are numbers, not {rest[1]!r}")
        version = rest[1]
    repo_id = f"{owner}/{name}"
    return SourceRef(
        kind=SourceKind.KAGGLE,
        url=url,
        key=f"kaggle:{repo_id.lower()}@{version or ''}",
        default_name=name,
        repo_id=repo_id,
        revision=version,
    )


def _split_repo(segments: list[str]) -> tuple[str, list[str]]:
    """Split ['org', 'name', 'tree', 'main', ...] into ('org/name', ['tree', ...]).

    Legacy Hugging Face ids have no organisation ('bert-base-uncased')."""
    if len(segments) >= 2 and segments[1] not in _REPO_SUFFIXES:
        return f"{segments[0]}/{segments[1]}", segments[2:]
    return segments[0], segments[1:]


def _revision_and_path(rest: list[str], url: str) -> tuple[str | None, str | None]:
    if not rest:
        return None, None
    if rest[0] in {"tree", "blob", "resolve", "raw"} and len(rest) >= 2:
        subpath = safe_relpath("/".join(rest[2:])) if len(rest) > 2 else None
        return rest[1], subpath
    raise BadRequest(
        f"cannot tell which repository {url!r} names; give the repository URL "
        "(optionally with /tree/<revision>/<folder>)"
    )


def _huggingface(url: str, segments: list[str], artifact_type: ArtifactType) -> SourceRef:
    if not segments:
        raise BadRequest(
            "a Hugging Face URL must name a repository, e.g. https://huggingface.co/org/model"
        )
    if segments[0] == "spaces":
        raise BadRequest(
            "Hugging Face Spaces are applications, not artifacts; give a model or dataset URL"
        )
    if segments[0] == "models" and len(segments) > 1:
        segments = segments[1:]  # huggingface.co/models/org/name: the same repository
    is_dataset = segments[0] == "datasets"
    if is_dataset:
        segments = segments[1:]
        if not segments:
            raise BadRequest(
                "a Hugging Face dataset URL must name a dataset, e.g. https://huggingface.co/datasets/org/name"
            )
    expected = ArtifactType.DATASET if is_dataset else ArtifactType.MODEL
    if artifact_type is not expected:
        kind = "dataset" if is_dataset else "model"
        raise BadRequest(
            f"{url} is a Hugging Face {kind} repository; ingest it as type '{kind}' "
            f"(POST /artifact/{kind}), not '{artifact_type.value}'"
        )
    repo_id, rest = _split_repo(segments)
    revision, subpath = _revision_and_path(rest, url)
    for piece in repo_id.split("/"):
        if not piece or piece in {".", ".."} or not all(c.isalnum() or c in "-_." for c in piece):
            raise BadRequest(f"{repo_id!r} is not a valid Hugging Face repository id")
    kind = SourceKind.HF_DATASET if is_dataset else SourceKind.HF_MODEL
    key = hf_key(kind, repo_id, revision, subpath)
    return SourceRef(
        kind=kind,
        url=url,
        key=key,
        default_name=repo_id.rsplit("/", 1)[-1],
        repo_id=repo_id,
        revision=revision,
        subpath=subpath,
    )


def _github(url: str, segments: list[str]) -> SourceRef:
    if len(segments) < 2:
        raise BadRequest("a GitHub URL must name a repository, e.g. https://github.com/owner/repo")
    owner, repo = segments[0], segments[1]
    if repo.endswith(".git"):
        repo = repo[:-4]
    for piece in (owner, repo):
        if not piece or piece in {".", ".."} or not all(c.isalnum() or c in "-_." for c in piece):
            raise BadRequest(f"{owner}/{repo} is not a valid GitHub repository")
    revision, subpath = _revision_and_path(segments[2:], url)
    repo_id = f"{owner}/{repo}"
    key = github_key(repo_id, revision, subpath)
    return SourceRef(
        kind=SourceKind.GITHUB,
        url=url,
        key=key,
        default_name=repo,
        repo_id=repo_id,
        revision=revision,
        subpath=subpath,
    )


def _plain(url: str) -> SourceRef:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port
    default_port = {"http": 80, "https": 443}[parts.scheme]
    netloc = host if port in (None, default_port) else f"{host}:{port}"
    path = parts.path or "/"
    canonical = urlunsplit((parts.scheme, netloc, path, parts.query, ""))
    basename = unquote(path.rstrip("/").rsplit("/", 1)[-1])
    for suffix in (".tar.gz", ".zip", ".tgz"):
        if basename.lower().endswith(suffix):
            basename = basename[: -len(suffix)]
            break
    else:
        if "." in basename:
            basename = basename.rsplit(".", 1)[0]
    return SourceRef(
        kind=SourceKind.URL,
        url=url,
        key=f"url:{canonical}",
        default_name=basename or host,
    )
