"""Hugging Face models and datasets, through the real `huggingface_hub` client.

The endpoint and token come from settings (`HF_ENDPOINT`, `HF_TOKEN`) and are passed
explicitly, so several registries (or tests) with different hubs can share a
process. Files are pinned to the commit `model_info` reports, so a push to the repo
during an ingest cannot mix two revisions.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from huggingface_hub import HfApi, hf_hub_download

from registry.domain.errors import PayloadTooLarge, UpstreamError, UpstreamNotFound
from registry.domain.models import ArtifactType
from registry.sources.base import (
    ByteSink,
    Description,
    Manifest,
    SourceKind,
    SourceRef,
    StagedFile,
    read_card,
    read_json,
)
from registry.sources.deadline import in_context
from registry.sources.files import classify, redundant_weight_files
from registry.sources.http import bound_hub_transfers
from registry.sources.hub_client import split_front_matter, wrap_hub_call
from registry.sources.safety import is_under, safe_relpath
from registry.sources.tap import tapping
from registry.storage.blobs import sha256_file


@dataclass(frozen=True)
class RemoteFile:
    path: str
    size: int | None
    lfs_sha256: str | None


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
        bound_hub_transfers()  # downloads honour the ingest's deadline

    def _info(self, ref: SourceRef) -> Any:
        assert ref.repo_id is not None
        if ref.kind is SourceKind.HF_DATASET:
            return wrap_hub_call(
                f"dataset {ref.repo_id}",
                lambda: self.api.dataset_info(
                    ref.repo_id or "",
                    revision=ref.revision,
                    files_metadata=True,
                    timeout=self.timeout,
                ),
            )
        return wrap_hub_call(
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
        self,
        ref: SourceRef,
        repo_type: str,
        sha: str,
        f: RemoteFile,
        dest: Path,
        *,
        sink: ByteSink | None,
    ) -> StagedFile:
        # The file is hashed (and handed to `sink`) as it arrives: read again only when
        # the tap cannot vouch for what reached the disk (registry.sources.tap).
        feed = None
        if sink is not None:
            sink.begin(f.path)
            feed = lambda data: sink.feed(f.path, data)  # noqa: E731
        with tapping(feed) as tap:
            local = wrap_hub_call(
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
        heard = tap.verdict(path)
        if sink is not None:
            sink.complete(f.path, path, live=heard is not None)
        digest, size = heard if heard is not None else sha256_file(path)
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

    @staticmethod
    def _remote(info: Any) -> list[RemoteFile]:
        return [
            RemoteFile(
                path=safe_relpath(s.rfilename),
                size=s.size,
                lfs_sha256=s.lfs.sha256 if s.lfs is not None else None,
            )
            for s in (info.siblings or [])
        ]

    def legacy_id(self, ref: SourceRef, info: Any) -> str | None:
        """The one-segment id the Hub also answers to for this repo ("bert-base-uncased"
        for google-bert/bert-base-uncased), asked of the Hub itself; None when there is none.

        Kept in the upstream snapshot, so code that still names the legacy id finds
        the stored repo through the registry's Hub-compatible API, without guessing.
        """
        canonical = str(getattr(info, "id", "") or "")
        if "/" not in canonical:
            return None
        if ref.repo_id and "/" not in ref.repo_id:
            return ref.repo_id  # ingested through the legacy id
        name = canonical.split("/", 1)[1]
        try:
            if ref.kind is SourceKind.HF_DATASET:
                other: Any = self.api.dataset_info(name, timeout=self.timeout)
            else:
                other = self.api.model_info(name, timeout=self.timeout)
        except Exception:  # no such id (the usual case), or the hub is unreachable
            return None
        return name if str(getattr(other, "id", "")) == canonical else None

    def _fetch(
        self,
        ref: SourceRef,
        artifact_type: ArtifactType,
        workdir: Path,
        wanted: Callable[[RemoteFile], bool],
        sink: ByteSink | None = None,
    ) -> tuple[Manifest, list[RemoteFile]]:
        """The one pipeline: the hub's metadata, the files kept, the `wanted` ones of
        them downloaded (pinned to one commit); returns the manifest of what was
        downloaded and the list of every file kept."""
        info = self._info(ref)
        sha = str(info.sha or ref.revision or "main")
        remote = self._remote(info)
        chosen = self.select_files(ref, remote)
        repo_type = "dataset" if ref.kind is SourceKind.HF_DATASET else "model"
        dest = workdir / "files"
        dest.mkdir(parents=True, exist_ok=True)
        fetched = [f for f in chosen if wanted(f)]
        if sink is not None:
            sink.plan((f.path, f.size) for f in fetched)
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="hf-download") as pool:
            # Each download runs under the ingest's deadline (registry.sources.deadline).
            download = in_context(lambda f: self._download(ref, repo_type, sha, f, dest, sink=sink))
            staged = list(pool.map(download, fetched))
        readme_file = next((s for s in staged if s.path.lower() == "readme.md"), None)
        readme = read_card(readme_file.local) if readme_file else ""
        front, _body = split_front_matter(readme)
        card_data = info.card_data.to_dict() if getattr(info, "card_data", None) else {}
        manifest = Manifest(
            ref=ref,
            files=staged,
            readme=readme,
            card={**front, **card_data},
            upstream={
                **_snapshot(info, ref, remote, artifact_type),
                "legacy_id": self.legacy_id(ref, info),
            },
        )
        return manifest, chosen

    def fetch(
        self,
        ref: SourceRef,
        artifact_type: ArtifactType,
        workdir: Path,
        sink: ByteSink | None = None,
    ) -> Manifest:
        manifest, _chosen = self._fetch(ref, artifact_type, workdir, lambda f: True, sink)
        return manifest

    def describe(self, ref: SourceRef, workdir: Path) -> Description:
        """Metadata only: the hub's file list and the small JSON and README files."""
        kind = _artifact_type(ref)
        manifest, chosen = self._fetch(ref, kind, workdir, _is_metadata)
        staged = {f.path: f.local for f in manifest.files}
        return Description(
            ref=ref,
            readme=manifest.readme,
            card=manifest.card,
            upstream=manifest.upstream,
            files=tuple((f.path, f.size or 0, classify(f.path, kind).value) for f in chosen),
            config=read_json(staged.get("config.json")),
            adapter_config=read_json(staged.get("adapter_config.json")),
        )


def _is_metadata(f: RemoteFile) -> bool:
    return f.path.lower() == "readme.md" or f.path in {"config.json", "adapter_config.json"}


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
