"""Hugging Face models and datasets, through the real `huggingface_hub` client.

The endpoint and token come from settings (`HF_ENDPOINT`, `HF_TOKEN`) and are passed
explicitly, so several registries (or tests) with different hubs can share a
process. Files are pinned to the commit `model_info` reports, so a push to the repo
during an ingest cannot mix two revisions.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from huggingface_hub import HfApi, hf_hub_download
from huggingface_hub.errors import (
    EntryNotFoundError,
    HfHubHTTPError,
    LocalEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)

from registry.domain.errors import PayloadTooLarge, RegistryError, UpstreamError, UpstreamNotFound
from registry.domain.models import ArtifactType
from registry.sources.base import Manifest, SourceKind, SourceRef, StagedFile
from registry.sources.files import classify, redundant_weight_files
from registry.sources.safety import is_under, safe_relpath
from registry.storage.blobs import sha256_file

os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

T = TypeVar("T")


@dataclass(frozen=True)
class RemoteFile:
    path: str
    size: int | None
    lfs_sha256: str | None


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """A model card's YAML header (between '---' lines) and its markdown body."""
    if not text.startswith("---"):
        return {}, text
    end = text.find("\n---", 3)
    if end == -1:
        return {}, text
    try:
        meta = yaml.safe_load(text[3:end])
    except yaml.YAMLError:
        return {}, text
    body = text[end + 4 :].lstrip("\n")
    return (meta if isinstance(meta, dict) else {}), body


def _wrap(what: str, call: Callable[[], T]) -> T:
    """Run a hub call, turning its exceptions into the registry's errors."""
    try:
        return call()
    except RegistryError:
        raise
    except (RepositoryNotFoundError, RevisionNotFoundError, EntryNotFoundError) as exc:
        raise UpstreamNotFound(f"Hugging Face has no {what}") from exc
    except HfHubHTTPError as exc:
        status = exc.response.status_code if exc.response is not None else "no response"
        raise UpstreamError(f"Hugging Face answered {status} for {what}") from exc
    except LocalEntryNotFoundError as exc:  # raised when the hub cannot be reached
        raise UpstreamError(f"Hugging Face could not be reached for {what}") from exc
    except (OSError, ValueError, RuntimeError) as exc:
        raise UpstreamError(f"fetching {what} from Hugging Face failed: {exc}") from exc
    except Exception as exc:  # the client's HTTP library raises its own transport errors
        raise UpstreamError(f"fetching {what} from Hugging Face failed: {exc}") from exc


class HuggingFaceSource:
    def __init__(
        self,
        *,
        endpoint: str,
        token: str | None,
        timeout: float,
        workers: int,
        max_bytes: int,
        keep_all_weight_formats: bool,
    ) -> None:
        self.endpoint = endpoint
        self.token = token
        self.timeout = timeout
        self.workers = workers
        self.max_bytes = max_bytes
        self.keep_all_weight_formats = keep_all_weight_formats
        self.api = HfApi(endpoint=endpoint, token=token or False)

    def _info(self, ref: SourceRef) -> Any:
        assert ref.repo_id is not None
        if ref.kind is SourceKind.HF_DATASET:
            return _wrap(
                f"dataset {ref.repo_id}",
                lambda: self.api.dataset_info(
                    ref.repo_id or "",
                    revision=ref.revision,
                    files_metadata=True,
                    timeout=self.timeout,
                ),
            )
        return _wrap(
            f"model {ref.repo_id}",
            lambda: self.api.model_info(
                ref.repo_id or "", revision=ref.revision, files_metadata=True, timeout=self.timeout
            ),
        )

    def select_files(self, ref: SourceRef, remote: list[RemoteFile]) -> list[RemoteFile]:
        """Which upstream files the artifact keeps."""
        chosen = [f for f in remote if is_under(f.path, ref.subpath)]
        if ref.subpath and not chosen:
            raise UpstreamNotFound(f"{ref.repo_id} has no folder {ref.subpath!r}")
        if ref.kind is SourceKind.HF_MODEL and not self.keep_all_weight_formats:
            drop = redundant_weight_files(f.path for f in chosen)
            chosen = [f for f in chosen if f.path not in drop]
        total = sum(f.size or 0 for f in chosen)
        if total > self.max_bytes:
            raise PayloadTooLarge(
                f"{ref.repo_id} holds {total} bytes, over MAX_ARTIFACT_BYTES ({self.max_bytes})"
            )
        return chosen

    def _download(
        self, ref: SourceRef, repo_type: str, sha: str, f: RemoteFile, dest: Path
    ) -> StagedFile:
        local = _wrap(
            f"file {f.path} of {ref.repo_id}",
            lambda: hf_hub_download(
                ref.repo_id or "",
                f.path,
                repo_type=repo_type,
                revision=sha,
                local_dir=dest,
                endpoint=self.endpoint,
                token=self.token or False,
                etag_timeout=self.timeout,
            ),
        )
        path = Path(str(local))
        digest, size = sha256_file(path)
        if f.lfs_sha256 and digest != f.lfs_sha256:
            raise UpstreamError(
                f"{f.path} of {ref.repo_id} arrived with sha256 {digest}, "
                f"but the hub announced {f.lfs_sha256}"
            )
        if f.size is not None and size != f.size:
            raise UpstreamError(
                f"{f.path} of {ref.repo_id} arrived truncated ({size} of {f.size} bytes)"
            )
        return StagedFile(
            path=f.path,
            local=path,
            sha256=digest,
            size=size,
            role=classify(f.path, _artifact_type(ref)),
        )

    def fetch(self, ref: SourceRef, artifact_type: ArtifactType, workdir: Path) -> Manifest:
        info = self._info(ref)
        sha = str(info.sha or ref.revision or "main")
        remote = [
            RemoteFile(
                path=safe_relpath(s.rfilename),
                size=s.size,
                lfs_sha256=s.lfs.sha256 if s.lfs is not None else None,
            )
            for s in (info.siblings or [])
        ]
        chosen = self.select_files(ref, remote)
        repo_type = "dataset" if ref.kind is SourceKind.HF_DATASET else "model"
        dest = workdir / "files"
        dest.mkdir(parents=True, exist_ok=True)
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="hf-download") as pool:
            staged = list(pool.map(lambda f: self._download(ref, repo_type, sha, f, dest), chosen))
        readme_file = next((s for s in staged if s.path.lower() == "readme.md"), None)
        readme = readme_file.local.read_text("utf-8", errors="replace") if readme_file else ""
        front, _body = split_front_matter(readme)
        card_data = info.card_data.to_dict() if getattr(info, "card_data", None) else {}
        card = {**front, **card_data}
        return Manifest(
            ref=ref,
            files=staged,
            readme=readme,
            card=card,
            upstream=_snapshot(info, ref, remote, artifact_type),
        )


def _artifact_type(ref: SourceRef) -> ArtifactType:
    return ArtifactType.DATASET if ref.kind is SourceKind.HF_DATASET else ArtifactType.MODEL


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None and hasattr(value, "isoformat") else None


def _snapshot(
    info: Any, ref: SourceRef, remote: list[RemoteFile], artifact_type: ArtifactType
) -> dict[str, Any]:
    """The upstream metadata the rating reads later, as plain JSON."""
    return {
        "kind": "huggingface",
        "repo_type": "dataset" if ref.kind is SourceKind.HF_DATASET else "model",
        "repo_id": info.id,
        "sha": info.sha,
        "author": getattr(info, "author", None),
        "downloads": getattr(info, "downloads", None),
        "likes": getattr(info, "likes", None),
        "tags": list(getattr(info, "tags", None) or []),
        "pipeline_tag": getattr(info, "pipeline_tag", None),
        "library_name": getattr(info, "library_name", None),
        "gated": getattr(info, "gated", None),
        "created_at": _iso(getattr(info, "created_at", None)),
        "last_modified": _iso(getattr(info, "last_modified", None)),
        "config": getattr(info, "config", None) or {},
        "description": getattr(info, "description", None),
        "files": [{"path": f.path, "size": f.size} for f in remote],
        "artifact_type": artifact_type.value,
    }
