"""The Hub client: its errors become the registry's (absent, may-pass, refused, or a bug),
and a card's front matter reads as a mapping or as none."""

from __future__ import annotations

from collections.abc import Callable

import httpx2
import pytest
from huggingface_hub.errors import (
    EntryNotFoundError,
    FileMetadataError,
    GatedRepoError,
    HfHubHTTPError,
    HFValidationError,
    LocalEntryNotFoundError,
    RemoteEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)

from registry.domain.errors import (
    RETRY_HINT,
    UpstreamError,
    UpstreamNotFound,
    UpstreamUnavailable,
)
from registry.sources.hub_client import HubClient, split_front_matter, wrap_hub_call


def _response(status: int) -> httpx2.Response:
    return httpx2.Response(status, request=httpx2.Request("GET", "http://hub.test/api/x"))


def _raises(exc: BaseException) -> Callable[[], None]:
    def call() -> None:
        raise exc

    return call


@pytest.mark.parametrize(
    "exc",
    [
        RepositoryNotFoundError("no repo", response=_response(401)),
        RevisionNotFoundError("no revision", response=_response(404)),
        EntryNotFoundError("no file"),
        RemoteEntryNotFoundError("no file", response=_response(404)),
        HFValidationError("Repo id must use alphanumeric chars: 'acme/corpus.'"),
    ],
)
def test_what_the_hub_does_not_have_is_not_found(exc: BaseException) -> None:
    with pytest.raises(UpstreamNotFound, match="Hugging Face has no dataset acme/corpus"):
        wrap_hub_call("dataset acme/corpus", _raises(exc))


@pytest.mark.parametrize(
    "exc",
    [
        HfHubHTTPError("boom", response=_response(500)),
        HfHubHTTPError("busy", response=_response(503)),
        HfHubHTTPError("slow down", response=_response(429)),
        LocalEntryNotFoundError("cannot reach the hub"),
        httpx2.ConnectError("connection refused"),
        httpx2.ReadTimeout("timed out"),
        FileMetadataError("no ETag in the answer"),
    ],
)
def test_failures_that_may_pass_are_unavailable_and_say_a_retry_may_succeed(
    exc: BaseException,
) -> None:
    with pytest.raises(UpstreamUnavailable) as caught:
        wrap_hub_call("dataset acme/corpus", _raises(exc))
    assert caught.value.transient and caught.value.upstream == "Hugging Face"
    assert caught.value.message.endswith(RETRY_HINT)
    assert caught.value.status == 502


def test_a_gated_repository_is_a_lasting_refusal_naming_the_token() -> None:
    gated = GatedRepoError("gated", response=_response(401))
    with pytest.raises(UpstreamError, match="HF_TOKEN") as caught:
        wrap_hub_call("file README.md of acme/gated", _raises(gated))
    assert not caught.value.transient
    assert not isinstance(caught.value, UpstreamNotFound)


def test_other_client_errors_are_lasting_upstream_errors() -> None:
    with pytest.raises(UpstreamError, match="answered 400") as caught:
        wrap_hub_call("model a/b", _raises(HfHubHTTPError("bad", response=_response(400))))
    assert not caught.value.transient


@pytest.mark.parametrize("bug", [KeyError("siblings"), TypeError("NoneType"), ValueError("x")])
def test_a_bug_is_not_blamed_on_the_hub(bug: Exception) -> None:
    # The registry's own bugs (and the client's) surface unchanged: a 500 with a
    # traceback in the logs, never a 502 that sends the user to Hugging Face.
    with pytest.raises(type(bug)) as caught:
        wrap_hub_call("model a/b", _raises(bug))
    assert caught.value is bug


@pytest.mark.parametrize(
    ("text", "meta"),
    [
        ("---\nlicense: mit\n---\n# Card\n", {"license": "mit"}),
        ("---\nlicense: [mit\n---\n# Card\n", {}),  # broken
        ("---\n- a\n- b\n---\n# Card\n", {}),  # not a mapping
        ("# Card without front matter\n", {}),
        ("---\nnever closed\n", {}),
        ("---\na: &x [1, 2]\nb: [*x, *x, *x]\n---\n# Card\n", {}),  # aliases multiply
    ],
)
def test_front_matter_reads_as_a_mapping_or_as_none(text: str, meta: dict[str, object]) -> None:
    assert split_front_matter(text)[0] == meta


class _Hub:
    """HfApi's dataset_info, answering from a script: an id, or an exception to raise."""

    def __init__(self, *answers: str | BaseException) -> None:
        self.answers = list(answers)
        self.calls = 0

    def dataset_info(self, ref: str, timeout: float) -> object:
        self.calls += 1
        answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return type("Info", (), {"id": answer})()


def _client(hub: _Hub) -> HubClient:
    client = HubClient("http://hub.test", None, 5.0)
    client.api = hub  # type: ignore[assignment]
    return client


def test_a_legacy_id_is_resolved_once_and_remembered() -> None:
    hub = _Hub("wikimedia/wikipedia")
    client = _client(hub)
    assert client.canonical_id("dataset", "wikipedia") == "wikimedia/wikipedia"
    assert client.canonical_id("dataset", "Wikipedia") == "wikimedia/wikipedia"
    assert hub.calls == 1
    assert client.canonical_id("dataset", "acme/corpus") == "acme/corpus"  # not asked
    assert hub.calls == 1


def test_an_id_the_hub_does_not_have_stays_as_given() -> None:
    client = _client(_Hub(RepositoryNotFoundError("no repo", response=_response(404))))
    assert client.canonical_id("dataset", "nonesuch") == "nonesuch"


def test_a_hub_that_fails_is_not_taken_for_an_answer() -> None:
    """A hiccup raises (a 502 that says a retry may succeed) and is not remembered:
    taken as given, "wikipedia" would name nothing and the rating would lose it."""
    hub = _Hub(HfHubHTTPError("busy", response=_response(503)), "wikimedia/wikipedia")
    client = _client(hub)
    with pytest.raises(UpstreamUnavailable):
        client.canonical_id("dataset", "wikipedia")
    assert client.canonical_id("dataset", "wikipedia") == "wikimedia/wikipedia"
