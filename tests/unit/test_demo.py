"""`make demo` says which example models are meant to be refused, and why."""

from __future__ import annotations

from registry.settings import DEFAULT_INGEST_POLICY
from tests.fakes.__main__ import MODELS, describe_examples
from tests.fakes.verdicts import NOT_RATED, VERDICTS


def test_the_demo_names_each_refusal_with_its_reason() -> None:
    text = describe_examples()
    assert DEFAULT_INGEST_POLICY in text
    refused = text.split("meant to refuse", 1)[1].split("cannot be rated", 1)[0]
    for repo in MODELS:
        if repo in VERDICTS and not VERDICTS[repo].admitted:
            assert f"/{repo}\n      refused (424): {VERDICTS[repo].why}" in refused
        elif repo in VERDICTS:
            assert f"/{repo}" not in refused
    assert "acme/no-card-model" in refused and "acme/bert-finetuned-sst2" not in refused


def test_every_example_model_has_an_intended_outcome() -> None:
    assert all(repo in VERDICTS or repo in NOT_RATED for repo in MODELS)
