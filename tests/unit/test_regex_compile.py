import pytest

from registry.domain.errors import BadRequest
from registry.services.search import compile_pattern


def test_catastrophic_backtracking_pattern_finishes_with_the_right_answer() -> None:
    # With a backtracking engine, (a+)+$ against 'aaaa…!' takes exponential time.
    compiled = compile_pattern("(a+)+$", 100)
    assert compiled.search("a" * 200_000 + "!") is None
    assert compiled.search("a" * 200_000) is not None


def test_matching_is_case_sensitive_and_partial() -> None:
    compiled = compile_pattern("bert", 100)
    assert compiled.search("google-bert-base")
    assert not compiled.search("BERT")


@pytest.mark.parametrize("pattern", ["(?<=a)b", "(a)\\1", "[unclosed", "(", "a{1,100000}"])
def test_patterns_re2_cannot_compile_give_a_reason(pattern: str) -> None:
    with pytest.raises(BadRequest, match="cannot be compiled"):
        compile_pattern(pattern, 1000)


def test_empty_and_overlong_patterns_are_refused() -> None:
    with pytest.raises(BadRequest):
        compile_pattern("", 10)
    with pytest.raises(BadRequest, match="longer"):
        compile_pattern("a" * 11, 10)
