"""What a model declares about where it came from, read from structured metadata.

Sources, most authoritative first:
- `config.json`: `_name_or_path` (transformers writes the checkpoint it started from);
- `adapter_config.json`: `base_model_name_or_path` (PEFT adapters);
- the model card's metadata: `base_model` (+ `base_model_relation`) and `datasets`;
- links in the card's text: GitHub repositories and Hugging Face datasets.

Links and ids are read by `registry.domain.links`, which documents every form it accepts.

Pure functions: the rating (tree_score, datasets, code) and the lineage graph use them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from registry.domain.errors import BadRequest
from registry.domain.links import (
    dataset_refs,
    field_values,
    github_repos,
    hub_id,
    valid_github_repo,
)

# How the card's base_model_relation names the edge.
_RELATIONS = {
    "adapter": "adapter_of",
    "merge": "merged_from",
    "quantized": "quantized_from",
    "finetune": "base_model",
}
# Repositories many cards link to that are libraries or tools, not the model's own code:
# kept in the lineage, never rated as the model's code.
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
    "abetlen/llama-cpp-python",
    "cg123/mergekit",
    "arcee-ai/mergekit",
    "vllm-project/vllm",
    "ollama/ollama",
    "microsoft/deepspeed",
}


# Card metadata fields that hold the model's code repository.
_CODE_FIELDS = ("repo", "repository", "github", "code", "code_repository")


class MalformedMetadata(BadRequest):
    code = "malformed_metadata"


@dataclass(frozen=True)
class DeclaredLink:
    ref: str  # hub id ("org/name"), or "owner/repo" for GitHub code
    kind: str  # model | dataset | code
    relationship: str  # base_model, adapter_of, quantized_from, fine_tuning_dataset ...
    source: str  # config_json | adapter_config | model_card | readme


def _strings(value: Any, field: str, strict: bool) -> list[str]:
    """The entries of a metadata field that holds a string or a list of strings.

    Strict (the lineage endpoint): any other shape is malformed. Lenient (the rating):
    the strings are read and anything else is ignored.
    """
    if value is None:
        return []
    well_formed = isinstance(value, str) or (
        isinstance(value, list) and all(isinstance(v, str) for v in value)
    )
    if strict and not well_formed:
        raise MalformedMetadata(f"the model card's {field!r} must be a string or a list of strings")
    return field_values(value)


def _texts(value: Any) -> list[str]:
    return [v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str)]


def _as_github_url(text: str) -> str:
    """`github: acme/tool` names a repository as plainly as a URL does."""
    bare = text.strip()
    return f"https://github.com/{bare}" if valid_github_repo(bare) else text


def is_library(ref: str) -> bool:
    """Whether a GitHub repository is a library many cards link to, not the model's code."""
    return ref.lower() in _LIBRARY_REPOS


def code_repositories(texts: Iterable[str]) -> list[str]:
    """GitHub 'owner/repo' names linked from the texts, libraries last, no duplicates."""
    seen = github_repos(texts)
    return [r for r in seen if not is_library(r)] + [r for r in seen if is_library(r)]


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
        add(hub_id(value, "dataset"), "dataset", data_relationship, "model_card")
    for ref in dataset_refs(readme or ""):
        add(ref, "dataset", data_relationship, "readme")

    card_texts = [_as_github_url(text) for key in _CODE_FIELDS for text in _texts(card.get(key))]
    for ref in code_repositories([*card_texts, readme or ""]):
        add(ref, "code", "code_repository", "readme")
    return list(links.values())
