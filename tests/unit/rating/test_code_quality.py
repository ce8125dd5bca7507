"""code_quality: static checks of the linked repository; the code never runs."""

from __future__ import annotations

from pathlib import Path

from registry.rating.context import GitHubFacts
from registry.rating.metrics import code_quality
from tests.unit.rating.factories import CLEAN_MODULE, make_context, make_github

SLOPPY = "import os, sys, json\n\ndef f(x):\n    y = undefined_name\n    return x\n"
UNTYPED = '"""Helpers."""\n\n\ndef warmup(step, total):\n    return step / total\n'


def rate(gh: GitHubFacts) -> float:
    result = code_quality.score(make_context(github=gh))
    assert isinstance(result.score, float)
    assert 0.0 <= result.score <= 1.0
    assert result.evidence
    return result.score


def repo(files: dict[str, str], paths: tuple[str, ...] = ()) -> GitHubFacts:
    return make_github(files=files, file_paths=tuple(files) + paths)


def test_no_linked_code_scores_zero() -> None:
    result = code_quality.score(make_context())
    assert result.score == 0.0
    assert "no linked code" in result.evidence[0]


def test_linter_findings_lower_the_score() -> None:
    assert rate(repo({"m.py": SLOPPY})) < rate(repo({"m.py": CLEAN_MODULE}))


def test_pyflakes_findings_are_named_in_the_evidence() -> None:
    result = code_quality.score(make_context(github=repo({"m.py": SLOPPY})))
    text = " ".join(result.evidence)
    assert "pyflakes" in text
    assert "imported but unused" in text or "undefined name" in text


def test_syntax_errors_count_heavily() -> None:
    assert rate(repo({"m.py": "def f(:\n    pass\n"})) < rate(repo({"m.py": CLEAN_MODULE}))


def test_tests_raise_the_score() -> None:
    base = {"m.py": CLEAN_MODULE}
    assert rate(repo(base, ("tests/test_m.py",))) > rate(repo(base))


def test_type_hints_and_docstrings_raise_the_score() -> None:
    assert rate(repo({"m.py": CLEAN_MODULE})) > rate(repo({"m.py": UNTYPED}))


def test_pinned_dependencies_raise_the_score() -> None:
    base = {"m.py": CLEAN_MODULE}
    loose = rate(repo({**base, "requirements.txt": "torch\nnumpy\n"}))
    pinned = rate(repo({**base, "requirements.txt": "torch==2.3.0\nnumpy==1.26.4\n"}))
    locked = rate(repo(base, ("poetry.lock",)))
    assert loose < pinned
    assert loose < locked


def test_repository_without_python_is_scored_on_tests_and_dependencies() -> None:
    gh = repo({"main.cpp": "int main() {}", "requirements.txt": "numpy==1.0\n"}, ("test/a.cpp",))
    assert rate(gh) == 1.0


def test_code_is_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    evil = f"from pathlib import Path\nPath({str(marker)!r}).write_text('x')\n"
    rate(repo({"setup.py": evil, "evil.py": evil}))
    assert not marker.exists()
