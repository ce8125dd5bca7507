"""A thin client over `huggingface_hub` for the questions the registry asks the Hub.

Every call goes through `wrap_hub_call`, which turns the client's exceptions into
the registry's errors (404 for a missing repo, revision or file; 502 otherwise).
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
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

from registry.domain.errors import RegistryError, UpstreamError, UpstreamNotFound

T = TypeVar("T")
_MAX_README = 256 << 10
_MAX_COMMITS = 300


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


def wrap_hub_call(what: str, call: Callable[[], T]) -> T:
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


def _card_dict(card_data: Any) -> dict[str, Any]:
    return dict(card_data.to_dict()) if card_data is not None else {}


@dataclass(frozen=True)
class HubDataset:
    ref: str
    card: dict[str, Any] = field(default_factory=dict)
    readme: str = ""
    license: str | None = None
    downloads: int | None = None
    likes: int | None = None
    size_bytes: int | None = None


class HubClient:
    def __init__(self, endpoint: str, token: str | None, timeout: float) -> None:
        self.endpoint = endpoint
        self.token = token
        self.timeout = timeout
        self.api = HfApi(endpoint=endpoint, token=token or False)
        self._canonical: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    def canonical_id(self, kind: str, ref: str) -> str:
        """The id the Hub files a repo under today: legacy ids without an organisation
        ("bert-base-uncased") redirect to their new home. Unknown or unreachable: as given."""
        if "/" in ref:
            return ref
        key = (kind, ref.lower())
        with self._lock:
            if key in self._canonical:
                return self._canonical[key]
        try:
            if kind == "dataset":
                info: Any = self.api.dataset_info(ref, timeout=self.timeout)
            else:
                info = self.api.model_info(ref, timeout=self.timeout)
        except Exception:  # best effort: the id as given is still meaningful
            return ref
        found = str(getattr(info, "id", None) or ref)
        with self._lock:
            if len(self._canonical) > 4096:
                self._canonical.clear()
            self._canonical[key] = found
        return found

    def commits(self, repo_id: str, revision: str | None) -> list[tuple[list[str], str]]:
        """(authors, ISO date) of the repo's commits, newest first."""
        found = wrap_hub_call(
            f"the history of {repo_id}",
            lambda: self.api.list_repo_commits(repo_id, revision=revision),
        )
        return [
            (list(c.authors or []), c.created_at.isoformat() if c.created_at else "")
            for c in found[:_MAX_COMMITS]
        ]

    def dataset(self, ref: str) -> HubDataset:
        info = wrap_hub_call(
            f"dataset {ref}",
            lambda: self.api.dataset_info(ref, files_metadata=True, timeout=self.timeout),
        )
        siblings = info.siblings or []
        readme = ""
        if any(s.rfilename == "README.md" for s in siblings):
            with tempfile.TemporaryDirectory(prefix="registry-dataset-") as tmp:
                local = wrap_hub_call(
                    f"the README of dataset {ref}",
                    lambda: hf_hub_download(
                        ref,
                        "README.md",
                        repo_type="dataset",
                        revision=info.sha,
                        local_dir=tmp,
                        endpoint=self.endpoint,
                        token=self.token or False,
                        etag_timeout=self.timeout,
                    ),
                )
                readme = Path(str(local)).read_text("utf-8", errors="replace")[:_MAX_README]
        card = _card_dict(info.card_data) or split_front_matter(readme)[0]
        license_ = card.get("license")
        return HubDataset(
            ref=ref,
            card=card,
            readme=readme,
            license=str(license_) if license_ else None,
            downloads=info.downloads,
            likes=info.likes,
            size_bytes=sum(s.size or 0 for s in siblings) or None,
        )
