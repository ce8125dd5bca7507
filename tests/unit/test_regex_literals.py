"""The literals a regex search may look up in the index: exactly those every match needs."""

from __future__ import annotations

import re
import warnings

import pytest
import re2
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from registry.domain.regex_literals import And, Lit, Or, Query, required_literals


def holds(query: Query, text: str) -> bool:
    if isinstance(query, Lit):
        return query.text in text
    if isinstance(query, And):
        return all(holds(p, text) for p in query.parts)
    return any(holds(p, text) for p in query.parts)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("transformer", Lit("transformer")),
        ("transformer|diffusion", Or((Lit("diffusion"), Lit("transformer")))),
        ("bert.*base", And((Lit("bert"), Lit("base")))),
        ("colou?r", Or((Lit("color"), Lit("colour")))),
        ("^llama-[0-9]+b$", Lit("llama-")),
        ("(?:abc)+x", Lit("abc")),
        (r"a\.b\.c", Lit("a.b.c")),
        (r"\Qa.b*c\E", Lit("a.b*c")),
        (r"\x41\x{42}C", Lit("ABC")),
        (r"foo\bbar", Lit("foobar")),
        ("(?P<n>abc)d", Lit("abcd")),
        ("(?i:x)bert", Lit("bert")),
        ("(?i)123", Lit("123")),
        ("abc{2}", Lit("abcc")),
        ("(ab){2,}", Lit("abab")),
        ("abc+", None),
        ("ab{,2}", Lit("ab{,2}")),
        ("[abc]def", Lit("def")),
        ("x(abc|de)y", Or((Lit("xabcy"), Lit("xdey")))),
    ],
)
def test_required_literals_of_common_patterns(pattern: str, expected: Query) -> None:
    assert required_literals(pattern) == expected


@pytest.mark.parametrize(
    "pattern",
    [
        "ab",  # shorter than a trigram
        "a.b.c",
        "abc|d",  # one branch needs too little
        "(abc)?",
        "(abc)*",
        "(?i)bert",  # folded letters match other letters
        "(?i:bert)",
        "x(?i)bert",
        "abc(?i)|bert",  # (?i) reaches across | until the group ends
        "[abc]+",
        r"\d{4}",
        r"\pL+",
        r"\p{Greek}+",
        r"\C\C",
    ],
)
def test_patterns_without_a_usable_literal_are_scanned(pattern: str) -> None:
    assert required_literals(pattern) is None


def test_a_flag_group_ends_with_its_parenthesis() -> None:
    assert required_literals("(?i:x)bert|(x(?i)y)abcd") == Or((Lit("bert"), Lit("abcd")))


# Random patterns over a small alphabet, so that random texts often match them.
ATOMS = st.sampled_from(
    [
        "a", "b", "c", "ab", "abc", "bca", "K", "k", "s", "\u212a", "\u017f", "-", ".",
        "[ab]", "[^a]", r"\d", r"\w", r"\b", "^", "$", r"\.", r"\x61", r"\Qa.c\E", "[[:alpha:]]",
        "[]a]", r"\pL", "{", "}",
    ]
)  # fmt: skip


def _patterns() -> st.SearchStrategy[str]:
    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.lists(inner, min_size=2, max_size=4).map("".join),
            st.lists(inner, min_size=2, max_size=3).map("|".join),
            inner.map(lambda p: f"({p})"),
            inner.map(lambda p: f"(?:{p})"),
            inner.map(lambda p: f"(?i:{p})"),
            inner.map(lambda p: f"(?i){p}"),
            st.tuples(inner, st.sampled_from(["*", "+", "?", "{2}", "{1,3}", "{0,1}", "+?"])).map(
                lambda t: f"({t[0]}){t[1]}"
            ),
        )

    return st.recursive(ATOMS, extend, max_leaves=8)


TEXT = st.text(alphabet="abcKks\u212a\u017f-. 1\n", max_size=30)


def _matching_texts(pattern: str) -> st.SearchStrategy[str]:
    """Texts likely to match: drawn from the pattern by Hypothesis (Python `re` syntax,
    close to RE2's for most of the alphabet above), else random ones. Only texts RE2
    really matches are checked, so where the two syntaxes differ nothing is wrongly
    asserted, only less is covered."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            re.compile(pattern)
        except (re.error, OverflowError):
            return TEXT
    return st.one_of(st.from_regex(pattern), TEXT)


@settings(max_examples=1500, suppress_health_check=list(HealthCheck), deadline=None)
@given(pattern=_patterns(), data=st.data())
@example(pattern="(?i)abc|kab", data=None)
def test_every_text_a_pattern_matches_holds_its_required_literals(
    pattern: str, data: st.DataObject | None
) -> None:
    try:
        compiled = re2.compile(pattern)
    except re2.error:
        return
    query = required_literals(pattern)
    if data is None:  # the explicit example: RE2 folds the Kelvin sign into k
        assert compiled.search("\u212aab") and query is None
        return
    if query is None:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        texts = data.draw(st.lists(_matching_texts(pattern), min_size=1, max_size=5))
    for text in texts:
        if compiled.search(text):
            assert holds(query, text), (pattern, text, query)
