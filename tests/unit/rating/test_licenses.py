"""Licence normalisation and categories: spellings, expressions, LGPL-2.1 compatibility."""

from __future__ import annotations

import pytest

from registry.rating.licenses import (
    RESTRICTIVENESS,
    LicenseCategory,
    LicenseOp,
    category,
    classify,
    lgpl_2_1_compatible,
    normalize,
)

C = LicenseCategory


@pytest.mark.parametrize(
    ("declared", "spdx"),
    [
        ("apache-2.0", "Apache-2.0"),
        ("MIT", "MIT"),
        ("mit", "MIT"),
        ("MIT License", "MIT"),
        ("Apache License, Version 2.0", "Apache-2.0"),
        ("cc-by-nc-4.0", "CC-BY-NC-4.0"),
        ("bsd-3-clause", "BSD-3-Clause"),
        ("lgpl-2.1", "LGPL-2.1-only"),
        ("gpl-3.0", "GPL-3.0-only"),
        ("odbl", "ODbL-1.0"),
        ("openrail", "LicenseRef-openrail"),
        ("openrail++", "LicenseRef-openrail-pp"),
        ("llama2", "LicenseRef-llama2"),
        ("other", "LicenseRef-other"),
        ("NOASSERTION", "LicenseRef-other"),
        ("unknown", "LicenseRef-unknown"),
    ],
)
def test_hub_and_free_spellings_normalise_to_spdx(declared: str, spdx: str) -> None:
    assert normalize(declared) == spdx


@pytest.mark.parametrize("declared", [None, "", "  ", "none"])
def test_nothing_declared_is_none(declared: str | None) -> None:
    info = classify(declared)
    assert info.spdx is None
    assert info.category is C.NONE
    assert info.ids == ()


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        ("apache-2.0", C.PERMISSIVE),
        ("cc0-1.0", C.PERMISSIVE),
        ("cc-by-4.0", C.PERMISSIVE),
        ("lgpl-3.0", C.WEAK_COPYLEFT),
        ("mpl-2.0", C.WEAK_COPYLEFT),
        ("cc-by-sa-4.0", C.WEAK_COPYLEFT),
        ("gpl-3.0", C.STRONG_COPYLEFT),
        ("agpl-3.0", C.NETWORK_COPYLEFT),
        ("cc-by-nc-sa-4.0", C.NONCOMMERCIAL),
        ("bigscience-openrail-m", C.RESPONSIBLE_AI),
        ("llama3.1", C.RESPONSIBLE_AI),
        ("gemma", C.RESPONSIBLE_AI),
        ("other", C.PROPRIETARY_OR_UNKNOWN),
        ("some custom words", C.PROPRIETARY_OR_UNKNOWN),
    ],
)
def test_categories(declared: str, expected: LicenseCategory) -> None:
    assert classify(declared).category is expected


def test_every_category_has_a_restrictiveness_rank() -> None:
    assert set(RESTRICTIVENESS) == set(LicenseCategory)
    assert RESTRICTIVENESS[0] is C.PERMISSIVE
    assert RESTRICTIVENESS[-1] is C.NONE


def test_or_takes_the_least_restrictive_and_and_the_most() -> None:
    assert classify("MIT OR GPL-3.0").category is C.PERMISSIVE
    assert classify("MIT AND GPL-3.0").category is C.STRONG_COPYLEFT
    info = classify("(MIT OR Apache-2.0) AND cc-by-nc-4.0")
    assert info.category is C.NONCOMMERCIAL
    assert info.ids == ("MIT", "Apache-2.0", "CC-BY-NC-4.0")
    assert isinstance(info.tree, LicenseOp)
    assert info.tree.op == "AND"


def test_linking_exception_softens_gpl() -> None:
    assert category("GPL-2.0-or-later WITH Classpath-exception-2.0") is C.WEAK_COPYLEFT
    assert category("GPL-2.0-or-later") is C.STRONG_COPYLEFT


def test_lgpl_2_1_compatibility() -> None:
    for license_id in ("MIT", "Apache-2.0", "BSD-3-Clause", "LGPL-2.1-only", "MPL-2.0"):
        assert lgpl_2_1_compatible(license_id), license_id
    for license_id in ("GPL-3.0-only", "CC-BY-NC-4.0", "LicenseRef-openrail", "LicenseRef-other"):
        assert not lgpl_2_1_compatible(license_id), license_id


def test_classification_is_deterministic() -> None:
    assert classify("Apache-2.0 OR MIT") == classify("Apache-2.0 OR MIT")
