"""Structured metadata of an artifact: its upstream origin and declared links."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from registry.db.models import ArtifactRow
from registry.domain.lineage import DeclaredLink, declared_links
from registry.domain.models import ArtifactType
from registry.services.blobs import read_referenced
from registry.sources.base import Description, Manifest, SourceKind, SourceRef, read_json
from registry.sources.resolver import parse_source_url
from registry.storage.blobs import BlobStore

_MAX_JSON = 1 << 20

# Upstream identity without revision: "hf-model:org/name", "github:owner/repo". An
# artifact's origin and the links other artifacts declare to it meet on this key.
_ORIGIN_PREFIX = {
    SourceKind.HF_MODEL: "hf-model",
    SourceKind.HF_DATASET: "hf-dataset",
    SourceKind.GITHUB: "github",
}
_LINK_SOURCE = {
    "model": SourceKind.HF_MODEL,
    "dataset": SourceKind.HF_DATASET,
    "code": SourceKind.GITHUB,
}


def _origin(kind: SourceKind, repo_id: str) -> str:
    return f"{_ORIGIN_PREFIX[kind]}:{repo_id.lower()}"


def origin_of(ref: SourceRef) -> str | None:
    """The origin of an ingested source; None for plain URLs."""
    if ref.repo_id is None or ref.kind not in _ORIGIN_PREFIX:
        return None
    return _origin(ref.kind, ref.repo_id)


def link_origin(link: DeclaredLink) -> str:
    """The origin a declared link points at."""
    return _origin(_LINK_SOURCE[link.kind], link.ref)


def manifest_json(manifest: Manifest, name: str) -> Any:
    staged = next((f for f in manifest.files if f.path == name), None)
    return read_json(staged.local if staged else None)


def description_of(manifest: Manifest) -> Description:
    return Description(
        ref=manifest.ref,
        readme=manifest.readme,
        card=manifest.card,
        upstream=manifest.upstream,
        files=tuple((f.path, f.size, f.role.value) for f in manifest.files),
        config=manifest_json(manifest, "config.json"),
        adapter_config=manifest_json(manifest, "adapter_config.json"),
    )


def links_of(
    description: Description, canonical: Callable[[str, str], str] | None = None
) -> list[DeclaredLink]:
    """The parents, datasets and code repositories an artifact's metadata names.

    `canonical(kind, ref)` maps hub ids to the id the hub files them under today, so
    a card's legacy `bert-base-uncased` meets the registry's google-bert/bert-base-uncased.
    """
    links = declared_links(
        config=description.config,
        adapter_config=description.adapter_config,
        card=description.card,
        readme=description.readme,
        own_id=description.ref.repo_id or description.ref.url,
    )
    if canonical is None:
        return links
    own = (description.ref.repo_id or "").lower()
    unique: dict[tuple[str, str], DeclaredLink] = {}
    for link in links:
        if link.kind != "code":
            link = replace(link, ref=canonical(link.kind, link.ref))  # noqa: PLW2901
        if link.kind == "model" and link.ref.lower() == own:
            continue
        unique.setdefault((link.kind, link.ref.lower()), link)
    return list(unique.values())


def stored_description(row: ArtifactRow, blobs: BlobStore, hf_endpoint: str) -> Description:
    """The description of a stored artifact; its small JSON files come from the blob store."""

    def blob_json(path: str) -> Any:
        entry = next((f for f in row.files if f.path == path), None)
        if entry is None or entry.size > _MAX_JSON:
            return None
        try:
            # A listed file whose blob is gone is data loss, not "no config": it raises.
            return json.loads(b"".join(read_referenced(blobs, entry.sha256)))
        except ValueError:
            return None

    ref = parse_source_url(row.source_url, ArtifactType(row.type), hf_endpoint)
    return Description(
        ref=ref,
        readme=row.readme,
        card=dict(row.card or {}),
        upstream=dict(row.upstream or {}),
        files=tuple((f.path, f.size, f.role) for f in row.files),
        config=blob_json("config.json"),
        adapter_config=blob_json("adapter_config.json"),
    )
