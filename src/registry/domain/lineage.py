"""What a model declares about where it came from, read from structured metadata.

Sources, most authoritative first:
- `config.json`: `_name_or_path` (transformers writes the checkpoint it started from);
- `adapter_config.json`: `base_model_name_or_path` (PEFT adapters);
- the model card's metadata: `base_model` (+ `base_model_relation`) and `datasets`;
- links in the card's text: GitHub repositories and Hugging Face datasets.

Pure functions: the rating (tree_score, datasets, code) and the lineage graph use them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from registry.domain.errors import BadRequest

_HUB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?$")
_HUB_URL = re.compile(r"^https?://(?:www\.)?(?:huggingface\.co|hf\.co)/(datasets/)?([^?#]+?)/?$")
_GITHUB_LINK = re.compile(
    r"https?://(?:www\.)?github\.com/([A-Za-z0-9][A-Za-z0-9-]*)/([A-Za-z0-9._-]+?)(?:\.git)?(?=[/)\]\s\"'#?.,;:]|$)"
)
_DATASET_LINK = re.compile(
    r"https?://(?:www\.)?huggingface\.co/datasets/([A-Za-z0-9][\w.-]*(?:/[A-Za-z0-9][\w.-]*)?)"
)
# How the card's base_model_relation names the edge.
_RELATIONS = {
    "adapter": "adapter_of",
    "merge": "merged_from",
    "quantized": "quantized_from",
    "finetune": "base_model",
}
# Repositories many cards link to that are libraries, not the model's own code.
_LIBRARY_REPOS = {
    "huggingface/transformers",
    "huggingface/diffusers",
    "huggingface/peft",
    "huggingface/datasets",
    "huggingface/huggingface_hub",
    "huggingface/accelerate",
    "huggingface/trl",
    "pytorch/pytorch",
    "tensorflow/tensorflow",
    "google/jax",
    "ggerganov/llama.cpp",
    "ggml-org/llama.cpp",
}


class MalformedMetadata(BadRequest):
    code = "malformed_metadata"


@dataclass(frozen=True)
class DeclaredLink:
    ref: str  # hub id ("org/name"), or "owner/repo" for GitHub code
    kind: str  # model | dataset | code
    relationship: str  # base_model, adapter_of, quantized_from, fine_tuning_dataset ...
    source: str  # config_json | adapter_config | model_card | readme


def hub_id(value: str) -> str | None:
    """A Hugging Face repo id from an id or a hub URL; None for paths and junk."""
    text = value.strip()
    match = _HUB_URL.match(text)
    if match:
        text = match.group(2)
        for marker in ("/tree/", "/blob/", "/resolve/"):
            text = text.split(marker, 1)[0]
    if text.startswith((".", "/", "~")) or "\\" in text:
        return None  # a local path from the machine that trained the model
    return text if _HUB_ID.match(text) else None


def _strings(value: Any, field: str, strict: bool) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    if strict:
        raise MalformedMetadata(f"the model card's {field!r} must be a string or a list of strings")
    return []


def code_repositories(texts: Iterable[str]) -> list[str]:
    """GitHub 'owner/repo' names linked from the texts, libraries last, no duplicates."""
    seen: dict[str, None] = {}
    for text in texts:
        for owner, repo in _GITHUB_LINK.findall(text or ""):
            seen.setdefault(f"{owner}/{repo}", None)
    own = [r for r in seen if r.lower() not in _LIBRARY_REPOS]
    return own + [r for r in seen if r.lower() in _LIBRARY_REPOS]


def declared_links(
    *,
    config: Any,
    adapter_config: Any,
    card: Any,
    readme: str,
    own_id: str,
    strict: bool = False,
) -> list[DeclaredLink]:
    """Every parent, dataset and code repository the metadata names, once each.

    With `strict`, metadata of the wrong shape raises MalformedMetadata (the lineage
    endpoint answers 400); otherwise such fields are ignored (the rating carries on).
    """
    if strict:
        named = (("config.json", config), ("adapter_config.json", adapter_config), ("card", card))
        for name, value in named:
            if value is not None and not isinstance(value, dict):
                raise MalformedMetadata(f"{name} is not a JSON object")
    config = config if isinstance(config, dict) else {}
    adapter_config = adapter_config if isinstance(adapter_config, dict) else {}
    card = card if isinstance(card, dict) else {}
    own = own_id.lower()
    links: dict[tuple[str, str], DeclaredLink] = {}

    def add(ref: str | None, kind: str, relationship: str, source: str) -> None:
        if ref is None or (kind == "model" and ref.lower() == own):
            return
        links.setdefault((kind, ref.lower()), DeclaredLink(ref, kind, relationship, source))

    relation = card.get("base_model_relation")
    relationship = (
        _RELATIONS.get(relation, "base_model") if isinstance(relation, str) else "base_model"
    )
    for value in _strings(config.get("_name_or_path"), "_name_or_path", strict):
        add(hub_id(value), "model", relationship, "config_json")
    for value in _strings(
        adapter_config.get("base_model_name_or_path"), "base_model_name_or_path", strict
    ):
        add(hub_id(value), "model", "adapter_of", "adapter_config")
    for value in _strings(card.get("base_model"), "base_model", strict):
        add(hub_id(value), "model", relationship, "model_card")

    has_parent = any(link.kind == "model" for link in links.values())
    data_relationship = "fine_tuning_dataset" if has_parent else "training_dataset"
    for value in _strings(card.get("datasets"), "datasets", strict):
        add(hub_id(value), "dataset", data_relationship, "model_card")
    for ref in _DATASET_LINK.findall(readme or ""):
        add(hub_id(ref), "dataset", data_relationship, "readme")

    card_texts = [str(v) for k, v in card.items() if k in {"repo", "repository", "github", "code"}]
    for ref in code_repositories([*card_texts, readme or ""]):
        add(ref, "code", "code_repository", "readme")
    return list(links.values())
