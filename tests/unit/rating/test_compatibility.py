"""The licence compatibility table, row by row, and licence expressions."""

import pytest

from registry.rating.compatibility import COMPATIBLE, decide
from registry.rating.licenses import LicenseCategory, classify

C = LicenseCategory
# One representative licence per category, as users declare them.
SAMPLES = {
    C.PERMISSIVE: "MIT",
    C.WEAK_COPYLEFT: "LGPL-2.1-only",
    C.STRONG_COPYLEFT: "GPL-3.0-only",
    C.NETWORK_COPYLEFT: "AGPL-3.0-only",
    C.RESPONSIBLE_AI: "openrail",
    C.NONCOMMERCIAL: "cc-by-nc-4.0",
    C.PROPRIETARY_OR_UNKNOWN: "other",
    C.NONE: None,
}


def test_samples_fall_in_their_categories() -> None:
    for cat, declared in SAMPLES.items():
        assert classify(declared).category is cat, declared


@pytest.mark.parametrize("model_cat", list(C))
@pytest.mark.parametrize("code_cat", list(C))
def test_every_cell_of_the_table(model_cat: C, code_cat: C) -> None:
    verdict = decide(classify(SAMPLES[model_cat]), classify(SAMPLES[code_cat]))
    assert verdict.compatible is (code_cat in COMPATIBLE[model_cat])
    assert verdict.reason


def test_the_rules_that_matter_most() -> None:
    ok = lambda m, c: decide(classify(m), classify(c)).compatible  # noqa: E731
    assert ok("apache-2.0", "GPL-3.0-only")  # permissive weights go anywhere
    assert not ok("openrail", "GPL-3.0-only")  # GPL forbids the model's use restrictions
    assert ok("llama2", "MIT")
    assert not ok("cc-by-nc-4.0", "MIT")  # a company may not use it commercially
    assert not ok("MIT", "cc-by-nc-4.0")
    assert not ok("MIT", None)  # code without a licence grants nothing
    assert not ok(None, "MIT")
    assert not ok("cc-by-nd-4.0", "MIT")  # no derivatives: fine-tuning makes one


def test_expressions_or_picks_an_option_and_binds_every_term() -> None:
    ok = lambda m, c: decide(classify(m), classify(c)).compatible  # noqa: E731
    assert ok("openrail OR MIT", "GPL-3.0-only")  # the user takes MIT
    assert not ok("MIT AND openrail", "GPL-3.0-only")  # both terms apply
    assert ok("openrail", "GPL-3.0-only OR Apache-2.0")  # the code may be taken as Apache
