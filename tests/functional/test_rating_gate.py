"""The ingest gate judges models, not parsing accidents or upstream hiccups."""

from __future__ import annotations

import uuid

import pytest

from registry.rating.gather import MAX_DATASETS
from registry.services.container import Registry
from registry.settings import DEFAULT_INGEST_POLICY
from tests.conftest import Api, MakeApi
from tests.fakes import FakeUpstream
from tests.fakes.records import FakeHfRepo, json_file, readme_file, safetensors_file

HF = "https://huggingface.co"


@pytest.fixture
def gated(make_api: MakeApi) -> tuple[Api, Registry]:
    return make_api(ingest_policy=DEFAULT_INGEST_POLICY)


def _model_linking(upstream: FakeUpstream, card_text: str) -> str:
    """A new model on the fake hub whose card says `card_text`; its id."""
    repo = f"acme/runtime-{uuid.uuid4().hex[:8]}"
    card = {"license": "mit"}
    upstream.catalog.hf_repos.append(
        FakeHfRepo(
            repo_id=repo,
            files=[
                readme_file(card, f"# Runtime model\n\n{card_text}\n"),
                json_file("config.json", {"model_type": "bert"}),
                safetensors_file("model.safetensors", [("w", "F32", [8, 8])], seed=repo),
            ],
            card_data=card,
        )
    )
    return repo


def test_links_in_sentences_are_read_and_the_model_admitted(gated: tuple[Api, Registry]) -> None:
    api, _ = gated
    art = api.ingest("model", f"{HF}/acme/sentence-links")
    explained = api.call("GET", f"/artifact/model/{art['metadata']['id']}/rate?evidence=true")
    assert explained.status_code == 200
    body = explained.get_json()
    assert body["dataset_and_code_score"] == 1.0
    data = "\n".join(body["evidence"]["dataset_and_code_score"])
    assert "acme/tiny-corpus" in data and "acme/tiny-trainer linked and fetched" in data


def test_links_that_lead_nowhere_are_rated_without_error(gated: tuple[Api, Registry]) -> None:
    api, _ = gated
    art = api.ingest("model", f"{HF}/acme/dead-links")
    resp = api.call("GET", f"/artifact/model/{art['metadata']['id']}/rate?evidence=true")
    assert resp.status_code == 200
    body = resp.get_json()
    # Every metric's evidence, and the pickle scan's, which is not a ModelRating field.
    assert body["evidence"].pop("pickle_safety")[0] == "score 1"
    assert all(isinstance(body[m], float | dict) for m in body["evidence"])
    assert any("linked but not found" in e for e in body["evidence"]["dataset_and_code_score"])


def test_a_hub_500_for_a_linked_dataset_is_a_502_never_a_424(gated: tuple[Api, Registry]) -> None:
    api, reg = gated
    resp = api.call("POST", "/artifact/model", json={"url": f"{HF}/acme/flaky-dataset-model"})
    assert resp.status_code == 502
    body = resp.get_json()
    assert body["error"] == "upstream_unavailable"
    assert body["details"]["upstream"] == "Hugging Face"
    message = body["message"]
    assert "Hugging Face" in message and "acme/flaky-corpus" in message
    assert "a retry may succeed" in message and "not a verdict" in message
    # What could not be computed is named, with why: never shown as a score of 0.
    missing = body["details"]["missing"]
    assert set(missing) >= {"dataset_quality", "dataset_and_code_score", "net_score"}
    assert all("answered 500" in why or "depends on" in why for why in missing.values())
    assert "rating" not in body["details"] and "0.0" not in message
    assert api.enumerate([{"name": "*"}]).get_json() == []
    assert list(reg.blobs.iter_blobs()) == []


def test_a_hub_hiccup_is_retried_and_the_model_admitted(
    make_api: MakeApi, upstream: FakeUpstream
) -> None:
    api, _ = make_api(ingest_policy=DEFAULT_INGEST_POLICY, upstream_retries=2)
    corpus = f"acme/hiccup-{uuid.uuid4().hex[:8]}"
    upstream.catalog.hf_repos.append(
        FakeHfRepo(
            repo_id=corpus,
            repo_type="dataset",
            files=[readme_file({"license": "mit"}, "# A corpus\n")],
            fail_first=1,  # one 500, then the hub is back
        )
    )
    repo = _model_linking(
        upstream,
        f"A BERT encoder for English sentiment, trained on https://huggingface.co/datasets/{corpus}.\n\n"
        "## Usage\n\n```python\nfrom transformers import pipeline\n\n"
        "print(pipeline('text-classification')('great'))\n```\n",
    )
    upstream.clear_logs()
    art = api.ingest("model", f"{HF}/{repo}")
    assert upstream.hf_requests.count(f"/api/datasets/{corpus}") == 2  # the 500, the retry
    rating = api.call("GET", f"/artifact/model/{art['metadata']['id']}/rate").get_json()
    assert rating["dataset_and_code_score"] == 0.5  # the dataset was reached


def test_a_gated_model_needs_a_token_and_is_then_rated(
    make_api: MakeApi, upstream: FakeUpstream
) -> None:
    api, _ = make_api(ingest_policy=DEFAULT_INGEST_POLICY)
    resp = api.call("POST", "/artifact/model", json={"url": f"{HF}/acme/llama-gated"})
    assert resp.status_code == 502  # the operator must configure a token: no verdict
    assert "gated" in resp.get_json()["message"] and "HF_TOKEN" in resp.get_json()["message"]
    token = f"hf_{uuid.uuid4().hex}"
    upstream.hub.gated_tokens.add(token)
    api, _ = make_api(ingest_policy=DEFAULT_INGEST_POLICY, hf_token=token)
    art = api.ingest("model", f"{HF}/acme/llama-gated")
    rating = api.call("GET", f"/artifact/model/{art['metadata']['id']}/rate").get_json()
    assert rating["license"] == 0.5  # the Llama licence: use restrictions to pass on
    assert rating["code_quality"] > 0.5  # github.com/acme/llama, linked in the card


@pytest.mark.parametrize(
    ("repo", "why"),
    [
        ("acme/broken-yaml", "license=0 fails"),
        ("acme/binary-readme", "license=0 fails"),
        ("acme/huge-readme", "net_score="),
        ("acme/many-links", "net_score="),
    ],
)
def test_bad_cards_are_judged_not_crashed_on(
    gated: tuple[Api, Registry], repo: str, why: str
) -> None:
    api, _ = gated
    resp = api.call("POST", "/artifact/model", json={"url": f"{HF}/{repo}"})
    assert resp.status_code == 424, resp.get_data(as_text=True)
    body = resp.get_json()
    assert any(why in failure for failure in body["details"]["failures"])
    rating = body["details"]["rating"]
    assert all(v is not None for v in rating.values())  # a complete rating was judged


def test_a_card_with_10000_links_follows_a_bounded_few(
    registry: Registry, upstream: FakeUpstream
) -> None:
    upstream.clear_logs()
    rating, _ = registry.ratings.rate_url(f"{HF}/acme/many-links")
    asked = [r for r in upstream.hf_requests.snapshot() if r.path.startswith("/api/datasets/")]
    assert len(asked) == MAX_DATASETS  # one lookup each for the first five datasets
    assert rating.failed == []


def test_private_and_loopback_links_are_never_fetched(
    registry: Registry, upstream: FakeUpstream
) -> None:
    # The fake file server is itself on a loopback address: a card linking it must not
    # make the rating (or the ingest) call it.
    url = f"{upstream.files_url}/files/weights.bin"
    repo = _model_linking(
        upstream, f"Mirror: {url}. Metadata: http://169.254.169.254/latest/meta-data/."
    )
    upstream.clear_logs()
    rating, _ = registry.ratings.rate_url(f"{HF}/{repo}")
    assert rating.failed == []
    assert upstream.files_requests.count() == 0


def test_a_binary_card_is_stored_as_text(api: Api) -> None:
    # NUL bytes would be refused by PostgreSQL's text columns: they arrive as U+FFFD.
    art = api.ingest("model", f"{HF}/acme/binary-readme")
    found = api.call("POST", "/artifact/byRegEx", json={"regex": "IHDR"}).get_json()
    assert [a["id"] for a in found] == [art["metadata"]["id"]]


def test_a_refusal_on_computed_metrics_says_why_others_are_missing(make_api: MakeApi) -> None:
    # The policy reads only performance_claims, which the card alone decides; the metrics
    # GitHub's 500 left uncomputed are null in the body, with their reason, never 0.
    api, _ = make_api(ingest_policy="performance_claims>=0.5")
    resp = api.call("POST", "/artifact/model", json={"url": f"{HF}/acme/flaky-links-model"})
    assert resp.status_code == 424
    details = resp.get_json()["details"]
    assert details["failures"] == ["performance_claims=0 fails performance_claims>=0.5"]
    assert details["rating"]["code_quality"] is None and details["rating"]["net_score"] is None
    assert "GitHub answered 500" in details["missing"]["code_quality"]
