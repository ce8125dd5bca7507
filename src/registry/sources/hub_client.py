"""A thin client over `huggingface_hub` for the questions the registry asks the Hub.

Every call goes through `wrap_hub_call`, which turns the client's own errors into the
registry's: a missing repo, revision or file is UpstreamNotFound (404, or "absent" to the
rating); 5xx, 408, 429, timeouts and refused connections are UpstreamUnavailable (a
retry may succeed); other refusals are UpstreamError (502). Anything else is a bug of
the registry or the client and is left to surface as a 500 with its traceback.
"""

from __future__ import annotations

import json
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx2
import yaml
from huggingface_hub import HfApi, hf_hub_download
from huggingface_hub.errors import (
    DisabledRepoError,
    EntryNotFoundError,
    FileMetadataError,
    GatedRepoError,
    HfHubHTTPError,
    HFValidationError,
    LocalEntryNotFoundError,
    OfflineModeIsEnabled,
    RepositoryNotFoundError,
    RevisionNotFoundError,
    XetDownloadError,
)

from registry.domain.errors import (
    RETRY_HINT,
    UpstreamError,
    UpstreamNotFound,
    UpstreamUnavailable,
)
from registry.rating.context import DatasetFacts

T = TypeVar("T")
_MAX_README = 256 << 10
_MAX_COMMITS = 300


class _CardLoader(yaml.SafeLoader):
    """YAML without aliases: ten nested aliases of ten make a card of 10^10 values once it
    is stored as JSON. Real cards do not use them."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise yaml.YAMLError("a model card may not use YAML aliases")
        return super().compose_node(parent, index)


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """A model card's YAML header (between '---' lines) and its markdown body; a header
    that is broken, or not a mapping, reads as none."""
    if not text.startswith("---"):
        return {}, text
    end = text.find("\n---", 3)
    if end == -1:
        return {}, text
    try:
        # _CardLoader is a SafeLoader (plain data only) that also refuses aliases.
        meta = yaml.load(text[3:end], Loader=_CardLoader)  # noqa: S506  # nosec B506
    except yaml.YAMLError:
        return {}, text
    body = text[end + 4 :].lstrip("\n")
    return (meta if isinstance(meta, dict) else {}), body


HF = "Hugging Face"
# Statuses that say "not now" rather than "no": the same request may succeed later.
TRANSIENT_STATUS = frozenset({408, 429, 500, 502, 503, 504})


def wrap_hub_call(what: str, call: Callable[[], T]) -> T:
    """Run a hub call, turning the client's errors into the registry's (see the module)."""
    try:
        return call()
    except GatedRepoError as exc:  # before RepositoryNotFoundError, its base class
        raise UpstreamError(
            f"{what} is gated on {HF}: HF_TOKEN must belong to an account granted access",
            upstream=HF,
        ) from exc
    except (RepositoryNotFoundError, RevisionNotFoundError, DisabledRepoError) as exc:
        raise UpstreamNotFound(f"{HF} has no {what}") from exc
    except LocalEntryNotFoundError as exc:  # raised when the hub cannot be reached at all
        raise UpstreamUnavailable(
            f"{HF} could not be reached for {what}; {RETRY_HINT}", upstream=HF
        ) from exc
    except EntryNotFoundError as exc:
        raise UpstreamNotFound(f"{HF} has no {what}") from exc
    except HFValidationError as exc:  # an id the hub would refuse: it cannot have it
        raise UpstreamNotFound(f"{HF} has no {what}: not a valid id ({exc})") from exc
    except HfHubHTTPError as exc:
        status = exc.response.status_code if exc.response is not None else None
        if status is None or status in TRANSIENT_STATUS:
            answered = f"answered {status}" if status else "did not answer"
            raise UpstreamUnavailable(
                f"{HF} {answered} for {what}; {RETRY_HINT}", upstream=HF
            ) from exc
        raise UpstreamError(f"{HF} answered {status} for {what}", upstream=HF) from exc
    # A transfer cut, a garbled answer, a file served without its metadata headers.
    except (
        httpx2.TransportError,
        httpx2.DecodingError,
        json.JSONDecodeError,
        FileMetadataError,
        XetDownloadError,
    ) as exc:
        raise UpstreamUnavailable(
            f"{HF} failed for {what} ({type(exc).__name__}: {exc}); {RETRY_HINT}", upstream=HF
        ) from exc
    except OfflineModeIsEnabled as exc:
        raise UpstreamError(f"{HF} is off (HF_HUB_OFFLINE) for {what}", upstream=HF) from exc


def _card_dict(card_data: Any) -> dict[str, Any]:
    return dict(card_data.to_dict()) if card_data is not None else {}


class HubClient:
    def __init__(self, endpoint: str, token: str | None, timeout: float) -> None:
        self.endpoint = endpoint
        self.token = token
        self.timeout = timeout
        self.api = HfApi(endpoint=endpoint, token=token or False)
        self._canonical: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    def _repo_info(self, kind: str, ref: str) -> Any:
        what = f"{kind} {ref}"
        if kind == "dataset":
            return wrap_hub_call(what, lambda: self.api.dataset_info(ref, timeout=self.timeout))
        return wrap_hub_call(what, lambda: self.api.model_info(ref, timeout=self.timeout))

    def canonical_id(self, kind: str, ref: str) -> str:
        """The id the Hub files a repo under today: legacy ids without an organisation
        ("bert-base-uncased") redirect to their new home. Unknown to the Hub: as given.
        A Hub that fails raises (UpstreamError), and nothing is remembered: taken as
        given, the id would name nothing, and a hiccup would silently change what a
        rating reads (a dataset left out as "not found")."""
        if "/" in ref:
            return ref
        key = (kind, ref.lower())
        with self._lock:
            if key in self._canonical:
                return self._canonical[key]
        try:
            info = self._repo_info(kind, ref)
        except UpstreamNotFound:
            found = ref  # not on the Hub: the id as given is all there is
        else:
            found = str(getattr(info, "id", None) or ref)
        with self._lock:
            if len(self._canonical) > 4096:
                self._canonical.clear()
            self._canonical[key] = found
        return found

    def exists(self, kind: str, ref: str) -> bool:
        """Whether the Hub has the model or dataset; raises when it cannot tell."""
        try:
            self._repo_info(kind, ref)
        except UpstreamNotFound:
            return False
        return True

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

    def dataset(self, ref: str) -> DatasetFacts:
        info = wrap_hub_call(
            f"dataset {ref}",
            lambda: self.api.dataset_info(ref, files_metadata=True, timeout=self.timeout),
        )
        siblings = info.siblings or []
        readme = ""
        if any(s.rfilename == "README.md" for s in siblings):
            readme = self._dataset_readme(ref, info.sha)
        card = _card_dict(info.card_data) or split_front_matter(readme)[0]
        license_ = card.get("license")
        return DatasetFacts(
            ref=ref,
            found=True,
            card=card,
            readme=readme,
            license=str(license_) if license_ else None,
            downloads=info.downloads,
            likes=info.likes,
            size_bytes=sum(s.size or 0 for s in siblings) or None,
        )

    def _dataset_readme(self, ref: str, revision: str | None) -> str:
        """The dataset card's text; "" for a gated dataset, whose metadata is public but
        whose files need a token with access (the rating reads its metadata alone)."""

        def download() -> str | None:
            try:
                return hf_hub_download(
                    ref,
                    "README.md",
                    repo_type="dataset",
                    revision=revision,
                    local_dir=tmp,
                    endpoint=self.endpoint,
                    token=self.token or False,
                    etag_timeout=self.timeout,
                )
            except GatedRepoError:
                return None

        with tempfile.TemporaryDirectory(prefix="registry-dataset-") as tmp:
            local = wrap_hub_call(f"the README of dataset {ref}", download)
            if local is None:
                return ""
            return Path(local).read_text("utf-8", errors="replace")[:_MAX_README]
