"""The rating benchmark: cards written like well-known models, rated under the default policy.

Each family has its intended verdict (`tests/fakes/verdicts.py`) and a test of what its
rating and its declared lineage must show. Ratings are computed without the upstream
cache, twice, and must be identical (scores and evidence) on the same snapshot.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from registry.domain.models import ArtifactType
from registry.rating.policy import Policy
from registry.services.container import Registry
from registry.services.metadata import links_of
from registry.settings import DEFAULT_INGEST_POLICY
from registry.sources.resolver import parse_source_url
from tests.fakes import FakeUpstream
from tests.fakes.verdicts import VERDICTS
from tests.functional.rating_benchmark import (
    CALIBRATION_INTRO,
    HF,
    benchmark_registry,
    calibration_table,
    rate_all,
    without_latencies,
)

ROOT = Path(__file__).resolve().parents[2]
THRESHOLD = next(
    r.threshold for r in Policy.parse(DEFAULT_INGEST_POLICY).rules if r.metric == "net_score"
)
MARGIN = 0.02
Rated = dict[str, tuple[dict[str, Any], list[str]]]


@pytest.fixture(scope="module")
def bench() -> Iterator[tuple[Registry, Rated]]:
    """A hub of its own, as docs/generate_rating.py has: the session's shared fake hub
    carries what other tests did to it, and the calibration page is what a fresh one
    gives (rated on the shared one, the page differed in about one full run in three)."""
    with FakeUpstream() as upstream, benchmark_registry(upstream) as registry:
        yield registry, rate_all(registry, VERDICTS)


def evidence(rated: Rated, repo: str, metric: str) -> str:
    return "\n".join(rated[repo][0]["evidence"][metric])


def lineage(registry: Registry, repo: str) -> set[tuple[str, str, str]]:
    """(kind, ref, relationship) of every link the model's metadata declares."""
    ref = parse_source_url(f"{HF}/{repo}", ArtifactType.MODEL, registry.settings.hf_endpoint)
    with tempfile.TemporaryDirectory() as tmp:
        description = registry.ratings.hub_source.describe(ref, Path(tmp))
    links = links_of(description, registry.ratings.canonical)
    return {(lk.kind, lk.ref, lk.relationship) for lk in links}


def test_each_fixture_gets_its_intended_verdict(bench: tuple[Registry, Rated]) -> None:
    _, rated = bench
    wrong = {
        repo: (rated[repo][0]["rating"]["net_score"], rated[repo][1])
        for repo, verdict in VERDICTS.items()
        if verdict.admitted != (not rated[repo][1])
    }
    assert wrong == {}
    assert all(not payload["errors"] for payload, _ in rated.values())


def test_no_fixture_sits_on_the_threshold(bench: tuple[Registry, Rated]) -> None:
    _, rated = bench
    close = {
        repo: payload["rating"]["net_score"]
        for repo, (payload, _) in rated.items()
        if abs(payload["rating"]["net_score"] - THRESHOLD) < MARGIN
    }
    assert close == {}


def test_the_calibration_page_matches_the_ratings(bench: tuple[Registry, Rated]) -> None:
    _, rated = bench
    committed = (ROOT / "docs" / "rating-calibration.md").read_text()
    expected = CALIBRATION_INTRO + calibration_table(rated)
    assert committed == expected, (
        "run: .venv/bin/python docs/generate_rating.py --calibration > docs/rating-calibration.md"
    )


def test_ratings_are_identical_on_the_same_snapshot(bench: tuple[Registry, Rated]) -> None:
    registry, first = bench
    assert registry.settings.rating_cache_seconds == 0  # every answer is asked for again
    again = rate_all(registry, VERDICTS)
    for repo in VERDICTS:
        assert without_latencies(again[repo][0]) == without_latencies(first[repo][0]), repo
        assert again[repo][1] == first[repo][1], repo


def test_encoder_with_datasets_in_front_matter(bench: tuple[Registry, Rated]) -> None:
    registry, rated = bench
    data = evidence(rated, "acme/roberta-style", "dataset_and_code_score")
    assert "bookcorpus/bookcorpus" in data and "wikimedia/wikipedia" in data
    assert "acme-research/roberta linked and fetched" in data
    assert "cites a paper" in evidence(rated, "acme/roberta-style", "performance_claims")
    assert lineage(registry, "acme/roberta-style") == {
        ("dataset", "bookcorpus/bookcorpus", "training_dataset"),
        ("dataset", "wikimedia/wikipedia", "training_dataset"),
        ("code", "acme-research/roberta", "code_repository"),
    }


def test_vision_card_of_tables_on_a_gated_dataset(bench: tuple[Registry, Rated]) -> None:
    registry, rated = bench
    claims = evidence(rated, "acme/vit-style", "performance_claims")
    assert "results table" in claims or "table with numbers" in claims
    assert "ImageNet" in claims and "CIFAR-10" in claims
    # The dataset's files are gated; its metadata is public and is what the rating reads.
    assert "acme-vision/imagenet-1k" in evidence(rated, "acme/vit-style", "dataset_quality")
    assert rated["acme/vit-style"][0]["rating"]["dataset_and_code_score"] == 0.5
    assert lineage(registry, "acme/vit-style") == {
        ("dataset", "acme-vision/imagenet-1k", "training_dataset")
    }


def test_gguf_quantisation_points_at_its_base(bench: tuple[Registry, Rated]) -> None:
    registry, rated = bench
    assert lineage(registry, "acme/tinyllama-gguf") == {
        ("model", "acme/tinyllama-1b", "base_model"),
        ("code", "ggerganov/llama.cpp", "code_repository"),  # the runtime, kept as a link
    }
    assert 'a "How to run" section' in evidence(rated, "acme/tinyllama-gguf", "ramp_up_time")
    # ... but never rated as the model's own code.
    assert "no code repository linked" in evidence(
        rated, "acme/tinyllama-gguf", "dataset_and_code_score"
    )


def test_peft_adapter_with_the_empty_template(bench: tuple[Registry, Rated]) -> None:
    registry, rated = bench
    assert lineage(registry, "acme/tinyllama-lora") == {
        ("model", "acme/tinyllama-1b", "adapter_of")
    }
    payload, objections = rated["acme/tinyllama-lora"]
    assert payload["rating"]["license"] == 0.0
    assert objections[0] == "license=0 fails license>=0.5"
    ramp = evidence(rated, "acme/tinyllama-lora", "ramp_up_time")
    assert int(ramp.split("card has ", 1)[1].split(" words", 1)[0]) < 15  # fillers count nothing


def test_mergekit_merge_names_both_parents(bench: tuple[Registry, Rated]) -> None:
    registry, rated = bench
    assert lineage(registry, "acme/tinyllama-slerp") == {
        ("model", "acme/tinyllama-1b", "base_model"),
        ("model", "acme/tinyllama-chat", "base_model"),
        ("code", "cg123/mergekit", "code_repository"),
    }
    assert "2 parent(s), none rated" in evidence(rated, "acme/tinyllama-slerp", "tree_score")
    # mergekit is the tool that made it, not the model's own code.
    assert "no code repository linked" in evidence(
        rated, "acme/tinyllama-slerp", "dataset_and_code_score"
    )


def test_one_line_card(bench: tuple[Registry, Rated]) -> None:
    registry, rated = bench
    assert lineage(registry, "acme/one-line") == set()
    rating = rated["acme/one-line"][0]["rating"]
    assert rating["license"] == 0.0 and rating["ramp_up_time"] < 0.05


def test_card_in_html(bench: tuple[Registry, Rated]) -> None:
    registry, rated = bench
    assert lineage(registry, "acme/html-card") == {
        ("dataset", "acme/tiny-corpus", "training_dataset"),
        ("code", "acme/html-llm", "code_repository"),
    }
    assert "cites a paper" in evidence(rated, "acme/html-card", "performance_claims")
    assert "MMLU" in evidence(rated, "acme/html-card", "performance_claims")


def test_card_in_japanese(bench: tuple[Registry, Rated]) -> None:
    registry, rated = bench
    ramp = evidence(rated, "acme/bert-japanese", "ramp_up_time")
    assert 'a "使い方" section with a bash code block' in ramp
    words = int(ramp.split("card has ", 1)[1].split(" words", 1)[0])
    assert words > 50  # two characters of Japanese make about one word
    assert "none to documentation" in ramp  # a link to Wikipedia is no documentation
    # A URL ended by full-width punctuation still names its dataset.
    assert lineage(registry, "acme/bert-japanese") == {
        ("dataset", "wikimedia/wikipedia", "training_dataset")
    }


def test_config_naming_a_local_folder(bench: tuple[Registry, Rated]) -> None:
    registry, rated = bench
    assert lineage(registry, "acme/local-path-finetune") == {
        ("model", "google-bert/bert-base-uncased", "base_model"),
        ("dataset", "stanfordnlp/sst2", "fine_tuning_dataset"),
    }
    assert "google-bert/bert-base-uncased" in evidence(
        rated, "acme/local-path-finetune", "tree_score"
    )


@pytest.mark.parametrize("repo", ["acme/sentence-links", "acme/markup-links"])
def test_links_in_prose_and_markup_show_data_and_code(
    bench: tuple[Registry, Rated], repo: str
) -> None:
    registry, rated = bench
    payload, objections = rated[repo]
    assert objections == []
    data = evidence(rated, repo, "dataset_and_code_score")
    assert "reachable: acme/tiny-corpus" in data
    assert "acme/tiny-trainer linked and fetched" in data
    assert payload["rating"]["dataset_and_code_score"] == 1.0
    assert ("dataset", "acme/tiny-corpus", "fine_tuning_dataset") in lineage(registry, repo)


def test_dead_links_are_rated_as_absent_without_error(bench: tuple[Registry, Rated]) -> None:
    _, rated = bench
    payload, _ = rated["acme/dead-links"]
    assert payload["errors"] == {}
    data = evidence(rated, "acme/dead-links", "dataset_and_code_score")
    assert "linked but not found, scored as absent: acme/deleted-corpus" in data
    assert "linked but not found, scored as absent: acme/deleted-repo" in data
    tree = evidence(rated, "acme/dead-links", "tree_score")
    assert "linked but not found, scored as absent: acme/deleted-base" in tree
    assert payload["rating"]["dataset_quality"] == 0.0


def test_a_documented_base_and_its_chat_fine_tune(bench: tuple[Registry, Rated]) -> None:
    registry, rated = bench
    assert lineage(registry, "acme/tinyllama-1b") == {
        ("dataset", "acme/tiny-corpus", "training_dataset"),
        ("code", "acme/tinyllama", "code_repository"),
    }
    assert lineage(registry, "acme/tinyllama-chat") == {
        ("model", "acme/tinyllama-1b", "base_model"),
        ("dataset", "acme/instructions", "fine_tuning_dataset"),
        ("code", "acme/tinyllama", "code_repository"),
    }
    chat = rated["acme/tinyllama-chat"][0]["rating"]
    assert chat["dataset_and_code_score"] == 1.0 and chat["tree_score"] == 0.5
    assert "MT-Bench" in evidence(rated, "acme/tinyllama-chat", "performance_claims")


def test_a_card_over_the_size_cap_is_read_up_to_the_cap(bench: tuple[Registry, Rated]) -> None:
    _, rated = bench
    ramp = evidence(rated, "acme/huge-readme", "ramp_up_time")
    words = int(ramp.split("card has ", 1)[1].split(" words", 1)[0])
    # The card holds 360,000 words; the registry keeps (and rates) its first mebibyte.
    assert 200_000 < words < 210_000
