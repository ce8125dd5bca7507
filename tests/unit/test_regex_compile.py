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
    with pytest.raises(BadRequest, match=r"^regex must be a non-empty string$"):
        compile_pattern("", 10)
    assert compile_pattern("a" * 10, 10).search("a" * 10)
    with pytest.raises(BadRequest, match=r"^regex is longer than 10 characters$"):
        compile_pattern("a" * 11, 10)


def test_the_program_budget_is_the_registrys_not_re2s_default() -> None:
    # Larger than RE2's default 8 MiB program, within the registry's 64 MiB.
    assert compile_pattern(r"\pL{1000}", 4096).search("é" * 1000)
    with pytest.raises(BadRequest, match="cannot be compiled: pattern too large"):
        compile_pattern(r"\pL{1000}" * 4, 4096)


def test_the_reason_re2_gives_is_passed_on() -> None:
    with pytest.raises(BadRequest) as refused:
        compile_pattern("(?<=a)b", 100)
    assert refused.value.message.startswith("regex cannot be compiled: invalid perl operator: (?<")
    assert refused.value.message.endswith(
        "(the registry uses RE2 syntax: no look-around or back-references)"
    )
