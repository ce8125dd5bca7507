"""What the default ingest policy is meant to decide for each model of the fake hub, and why.

The calibration of the rating (weights, threshold) is checked against this list by
``tests/functional/test_rating_benchmark.py``; ``make demo`` prints the refusals, and
``docs/rating.md`` lists them all. A model missing from here is not rated by the
benchmark (fault repos, and those that cannot be rated without a token).
"""

from __future__ import annotations

from typing import NamedTuple


class Verdict(NamedTuple):
    admitted: bool
    family: str
    why: str


def _admit(family: str, why: str) -> Verdict:
    return Verdict(True, family, why)


def _refuse(family: str, why: str) -> Verdict:
    return Verdict(False, family, why)


_NO_LICENCE = "no licence on its card: a company cannot know whether it may use it"
_THIN = "its card says next to nothing: what it is for, how to use it, how well it works"

VERDICTS: dict[str, Verdict] = {
    # Documented models under a licence a company may use.
    "google-bert/bert-base-uncased": _admit("documented base", "card, paper, code, data"),
    "acme/roberta-style": _admit("encoder", "datasets in front matter, paper, code"),
    "acme/vit-style": _admit("vision, card of tables", "results tables, usage, dataset"),
    "acme/tinyllama-1b": _admit("documented base", "card, data, code, evaluation"),
    "acme/tinyllama-chat": _admit("documented fine-tune", "names its base, data and code"),
    "acme/bert-finetuned-sst2": _admit("documented fine-tune", "Trainer card with results"),
    "acme/local-path-finetune": _admit(
        "documented fine-tune", "its config names a local folder, its card the base"
    ),
    "acme/tinyllama-gguf": _admit("quantisation", "names its base, shows how to run it"),
    "acme/bert-sst2-quantized": _admit("quantisation", "names its base, shows how to use it"),
    "acme/peft-adapter": _admit("adapter", "names its base, shows how to use it"),
    "acme/bert-merged": _admit("merge", "names its parents, shows how to use it"),
    "acme/html-card": _admit("card in HTML", "links in HTML read like any other"),
    "acme/bert-japanese": _admit("card in Japanese", "read in its own language"),
    "acme/sentence-links": _admit(
        "links in prose", "dataset and code found despite the full stops"
    ),
    "acme/markup-links": _admit("links in markup", "reference links, href, .git, /tree/"),
    "acme/dead-links": _admit("dead links", "documented; its dead links score as absent"),
    "acme/solo-model": _admit("one maintainer", "documented, usage, code; low bus factor"),
    "acme/runnable-example": _admit("card examples", "its example runs as written"),
    "acme/failing-example": _admit("card examples", "its example parses (fails only when run)"),
    "acme/broken-example": _admit("card examples", "a usage example, though it needs fixing"),
    # Refused: a licence the company cannot use.
    "acme/noncommercial-model": _refuse("licence", "non-commercial licence (CC-BY-NC)"),
    "licenses/nc-model": _refuse("licence", "non-commercial licence (CC-BY-NC)"),
    "licenses/gpl-model": _refuse("licence", "GPL: the whole product would become GPL"),
    "licenses/agpl-model": _refuse("licence", "AGPL: duties reach everyone who queries it"),
    "licenses/other-model": _refuse("licence", "'other' licence with no terms to read"),
    "licenses/unlicensed-model": _refuse("licence", _NO_LICENCE),
    "acme/tinyllama-lora": _refuse("adapter, empty template", _NO_LICENCE),
    "acme/one-line": _refuse("one-line card", _NO_LICENCE),
    "acme/broken-yaml": _refuse("broken front matter", "its licence cannot be read"),
    "acme/binary-readme": _refuse("binary card", "its card is not text: no licence, no docs"),
    # Refused: nothing to go on.
    "acme/no-card-model": _refuse("no card", "no card, no licence: nothing to go on"),
    "acme/large-weights": _refuse("no card", "no card, no licence: nothing to go on"),
    "licenses/mit-model": _refuse("title-only card", _THIN),
    "licenses/lgpl-model": _refuse("title-only card", _THIN),
    "licenses/cc-by-sa-model": _refuse("title-only card", _THIN),
    "licenses/openrail-model": _refuse("title-only card", _THIN),
    "licenses/llama-model": _refuse("title-only card", _THIN),
    "acme/diffusion-pipeline": _refuse("title-only card", _THIN),
    "acme/orphan-finetune": _refuse("title-only card", _THIN),
    "acme/malformed-card": _refuse("title-only card", _THIN),
    "acme/tinyllama-slerp": _refuse("merge recipe", "a recipe, no usage, data or results"),
    "acme/huge-readme": _refuse("huge card", "a megabyte of one repeated sentence"),
    "acme/loopback-links": _refuse("loopback links", _THIN),
    "acme/many-links": _refuse("10,000 links", _THIN),
}

# Rated only with a token (their files are gated), or never: their upstream fails.
NOT_RATED = {
    "acme/llama-gated": "gated: admitted once HF_TOKEN has access (Llama-style licence)",
    "acme/gated-model": "gated: HF_TOKEN needs access to read its card",
    "acme/flaky-links-model": "its code repository answers 500: 502, retry later",
    "acme/flaky-dataset-model": "its dataset's hub answers 500: 502, retry later",
}
