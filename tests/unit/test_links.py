"""Reading dataset, model and code links out of cards: every form real cards use."""

from __future__ import annotations

import pytest
from huggingface_hub.errors import HFValidationError
from huggingface_hub.utils import validate_repo_id
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.domain.lineage import code_repositories, declared_links
from registry.domain.links import (
    MAX_URLS,
    dataset_refs,
    field_values,
    github_repos,
    hub_id,
    valid_github_repo,
    valid_hub_id,
)

DS = "https://huggingface.co/datasets/acme/tiny-corpus"
GH = "https://github.com/acme/trainer"

# (how the card writes it, the dataset it names)
DATASET_FORMS = [
    (f"The training data at {DS}.", "acme/tiny-corpus"),
    (f"Trained on {DS}, then tuned.", "acme/tiny-corpus"),
    (f"Data: {DS}; code below.", "acme/tiny-corpus"),
    (f"See {DS}: it is small.", "acme/tiny-corpus"),
    (f"Look at {DS}!", "acme/tiny-corpus"),
    (f"Did you see {DS}?", "acme/tiny-corpus"),
    (f"The corpus ({DS}) is small.", "acme/tiny-corpus"),
    (f"The corpus [{DS}] is small.", "acme/tiny-corpus"),
    (f"The corpus ({DS}).", "acme/tiny-corpus"),
    (f"[tiny corpus]({DS})", "acme/tiny-corpus"),
    (f'[tiny corpus]({DS} "the corpus")', "acme/tiny-corpus"),
    (f"[{DS}]({DS})", "acme/tiny-corpus"),
    (f"[corpus]: {DS}", "acme/tiny-corpus"),
    (f"Data: <{DS}>", "acme/tiny-corpus"),
    (f'<a href="{DS}">corpus</a>', "acme/tiny-corpus"),
    (f"<a href='{DS}'>corpus</a>", "acme/tiny-corpus"),
    (f"**{DS}**", "acme/tiny-corpus"),
    (f"`{DS}`", "acme/tiny-corpus"),
    (f"{DS}/tree/main/data", "acme/tiny-corpus"),
    (f"{DS}/blob/main/README.md", "acme/tiny-corpus"),
    (f"{DS}/resolve/main/train.parquet", "acme/tiny-corpus"),
    (f"{DS}/viewer/default/train", "acme/tiny-corpus"),
    (f"{DS}#dataset-structure", "acme/tiny-corpus"),
    (f"{DS}?row=3", "acme/tiny-corpus"),
    (f"{DS}/", "acme/tiny-corpus"),
    ("http://www.huggingface.co/datasets/acme/tiny-corpus", "acme/tiny-corpus"),
    ("https://hf.co/datasets/acme/tiny-corpus", "acme/tiny-corpus"),
    ("data from huggingface.co/datasets/acme/tiny-corpus.", "acme/tiny-corpus"),
    ("https://huggingface.co/datasets/acme/tiny\\_corpus", "acme/tiny_corpus"),
    ("https://huggingface.co/datasets/squad.", "squad"),
    ("https://huggingface.co/datasets/squad/tree/main", "squad"),
    ("(https://huggingface.co/datasets/bookcorpus)", "bookcorpus"),
    ("https://HuggingFace.co/datasets/acme/tiny-corpus", "acme/tiny-corpus"),
]

# (how the card writes it, the GitHub repository it names)
CODE_FORMS = [
    (f"Code: {GH}.", "acme/trainer"),
    (f"Code ({GH}).", "acme/trainer"),
    (f"[code]({GH})", "acme/trainer"),
    (f"[code]: {GH}", "acme/trainer"),
    (f"<{GH}>", "acme/trainer"),
    (f'<a href="{GH}">code</a>', "acme/trainer"),
    (f"git clone {GH}.git", "acme/trainer"),
    (f"git clone {GH}.git.", "acme/trainer"),
    (f"pip install git+{GH}.git@v1.0", "acme/trainer"),
    (f"{GH}/tree/main/src", "acme/trainer"),
    (f"{GH}/blob/main/train.py#L10", "acme/trainer"),
    (f"{GH}#readme", "acme/trainer"),
    (f"{GH}?tab=readme", "acme/trainer"),
    ("see github.com/acme/trainer, then", "acme/trainer"),
    ("https://raw.githubusercontent.com/acme/trainer/main/setup.py", "acme/trainer"),
    ("_https://github.com/acme/trainer_", "acme/trainer"),
    ("https://github.com/acme/.github", "acme/.github"),
]

# What a metadata field may hold, and the id it names.
ID_FORMS = [
    ("acme/base", "model", "acme/base"),
    ("  acme/base  ", "model", "acme/base"),
    ("gpt2", "model", "gpt2"),
    ("https://huggingface.co/acme/base", "model", "acme/base"),
    ("https://huggingface.co/acme/base/tree/main", "model", "acme/base"),
    ("hf.co/acme/base", "model", "acme/base"),
    ("https://huggingface.co/gpt2", "model", "gpt2"),
    ("https://huggingface.co/datasets/squad", "dataset", "squad"),
    ("https://huggingface.co/datasets/acme/corpus.", "dataset", "acme/corpus"),
    ("<acme/base>", "model", "acme/base"),
    ("/home/me/checkpoints/run-3", "model", None),
    ("./outputs", "model", None),
    ("~/models/base", "model", None),
    ("C:\\models\\base", "model", None),
    ("checkpoints/run/epoch-3", "model", None),
    ("https://huggingface.co/datasets/squad", "model", None),  # a dataset is no parent
    ("https://huggingface.co/spaces/acme/demo", "model", None),
    ("https://github.com/acme/base", "model", None),
    ("bad..id", "model", None),
    ("a--b", "model", None),
    ("name.git", "model", None),
    ("-leading", "model", None),
    ("", "model", None),
]


@pytest.mark.parametrize(("text", "expected"), DATASET_FORMS)
def test_each_form_of_dataset_link_yields_its_id(text: str, expected: str) -> None:
    assert dataset_refs(text) == [expected]


@pytest.mark.parametrize(("text", "expected"), CODE_FORMS)
def test_each_form_of_code_link_yields_its_repository(text: str, expected: str) -> None:
    assert github_repos([text]) == [expected]


@pytest.mark.parametrize(("value", "kind", "expected"), ID_FORMS)
def test_each_form_of_metadata_id(value: str, kind: str, expected: str | None) -> None:
    assert hub_id(value, kind) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        "https://huggingface.co/docs/datasets/index",
        "https://huggingface.co/spaces/acme/demo",
        "https://huggingface.co/blog/acme",
        "https://example.com/huggingface.co/datasets/acme/x",
        "https://myhuggingface.co/datasets/acme/x",
        "https://huggingface.co/datasets",
        "https://huggingface.co/datasets/bad..name",
    ],
)
def test_pages_that_are_not_datasets_yield_nothing(text: str) -> None:
    assert dataset_refs(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "https://github.com/acme",
        "https://github.com/orgs/acme/repositories",
        "https://github.com/topics/nlp",
        "https://gist.github.com/acme/0123abcd",
        "https://example.com/github.com/acme/x",
        "https://github.com/-bad/x",
    ],
)
def test_pages_that_are_not_repositories_yield_nothing(text: str) -> None:
    assert github_repos([text]) == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("squad", ["squad"]),
        (["bookcorpus", "wikipedia"], ["bookcorpus", "wikipedia"]),
        ("bookcorpus, wikipedia", ["bookcorpus", "wikipedia"]),
        ("bookcorpus; wikipedia", ["bookcorpus", "wikipedia"]),
        (["acme/corpus (sample-10BT)", "squad (v2)"], ["acme/corpus", "squad"]),
        (["Common Crawl", 3, None, {"name": "x"}, ["nested"]], []),
        (None, []),
        (42, []),
    ],
)
def test_metadata_fields_hold_a_string_or_a_list(value: object, expected: list[str]) -> None:
    assert field_values(value) == expected


def test_the_card_declares_its_links_in_any_form() -> None:
    card = {"datasets": "bookcorpus, wikipedia", "base_model": ["acme/base"], "github": "acme/t"}
    readme = f"Trained on [the corpus]({DS}). Code at <{GH}.git>, built on {GH}.\n"
    links = declared_links(config=None, adapter_config=None, card=card, readme=readme, own_id="x/y")
    got = {(lk.kind, lk.ref) for lk in links}
    assert got == {
        ("model", "acme/base"),
        ("dataset", "bookcorpus"),
        ("dataset", "wikipedia"),
        ("dataset", "acme/tiny-corpus"),
        ("code", "acme/t"),
        ("code", "acme/trainer"),
    }


def test_libraries_come_after_the_models_own_code() -> None:
    text = "uses https://github.com/huggingface/transformers and https://github.com/acme/own"
    assert code_repositories([text]) == ["acme/own", "huggingface/transformers"]


def test_only_the_first_urls_of_a_card_are_read() -> None:
    card = " ".join(f"https://huggingface.co/datasets/acme/d{i}." for i in range(10_000))
    found = dataset_refs(card)
    assert len(found) == MAX_URLS
    assert found[0] == "acme/d0" and found[-1] == f"acme/d{MAX_URLS - 1}"


def _hub_accepts(ref: str) -> bool:
    try:
        validate_repo_id(ref)
    except HFValidationError:
        return False
    return valid_hub_id(ref)


_LINKISH = st.sampled_from(
    [
        "https://", "http://", "huggingface.co/", "hf.co/", "github.com/", "datasets/",
        "tree/", "blob/", ".git", "/", ".", ",", ";", ":", "(", ")", "[", "]", "<", ">",
        '"', "'", "#", "?", "\\_", "-", "--", "..", "_", "*", "acme", "x", "é", "\n", " ",
    ]
)  # fmt: skip
_CARD_TEXT = st.one_of(st.text(max_size=300), st.lists(_LINKISH, max_size=60).map("".join))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_CARD_TEXT)
def test_no_text_makes_extraction_raise_or_yield_a_rejected_id(text: str) -> None:
    assert all(_hub_accepts(ref) for ref in dataset_refs(text))
    assert all(valid_github_repo(ref) for ref in github_repos([text]))
    for kind in ("model", "dataset"):
        ref = hub_id(text, kind)  # type: ignore[arg-type]
        assert ref is None or _hub_accepts(ref)
    for value in field_values(text.split("\n")):
        ref = hub_id(value, "dataset")
        assert ref is None or _hub_accepts(ref)


_NAME = st.from_regex(r"\A[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,15}[A-Za-z0-9])?\Z").filter(
    lambda s: valid_hub_id(s) and s not in {"tree", "blob", "resolve", "viewer", "raw"}
)
_WRAPPERS = [
    "{url}", "{url}.", "{url},", "({url})", "({url}).", "[{url}]", "[data]({url})",
    "[data]: {url}", "<{url}>", '<a href="{url}">', "**{url}**", "{url}/tree/main",
    "{url}#card", "{url}?x=1",
]  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(
    owner=st.one_of(st.none(), _NAME),
    name=_NAME,
    wrapper=st.sampled_from(_WRAPPERS),
    host=st.sampled_from(["https://huggingface.co", "https://hf.co", "huggingface.co"]),
)
def test_any_valid_dataset_id_survives_any_wrapping(
    owner: str | None, name: str, wrapper: str, host: str
) -> None:
    ref = f"{owner}/{name}" if owner else name
    text = "Trained on " + wrapper.format(url=f"{host}/datasets/{ref}") + " and more."
    assert dataset_refs(text) == [ref]
