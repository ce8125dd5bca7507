"""reproducibility: 0 no example, 0.5 needs fixing, 1 runs as written."""

from __future__ import annotations

from registry.rating.context import ExampleRun, FileFact
from registry.rating.metrics import reproducibility
from tests.unit.rating.factories import make_context, make_github

GOOD = "```python\nfrom transformers import pipeline\npipe = pipeline('x')\n```\n"
BROKEN = "```python\nfrom transformers import pipeline(\n```\n"
MISSING = "```python\nimport zz_private_helpers\nzz_private_helpers.run()\n```\n"


def rate(readme: str, **overrides: object) -> float:
    result = reproducibility.score(make_context(readme=readme, **overrides))
    assert isinstance(result.score, float)
    assert result.evidence
    return result.score


def test_no_example_scores_zero() -> None:
    assert rate("") == 0.0
    assert rate("# Model\n\n```bash\npip install x\n```\n") == 0.0


def test_static_levels() -> None:
    assert rate(GOOD) == 1.0
    assert rate(BROKEN) == 0.5
    assert rate(MISSING) == 0.5
    assert rate(BROKEN + GOOD) == 1.0  # one block that runs is enough


def test_linked_requirements_and_shipped_modules_resolve_imports() -> None:
    reqs = make_github(files={"requirements.txt": "zz-private-helpers==1.0\n"})
    assert rate(MISSING, github=reqs) == 1.0
    module = make_github(file_paths=("zz_private_helpers/__init__.py",))
    assert rate(MISSING, github=module) == 1.0
    shipped = (FileFact("zz_private_helpers.py", 100, "code"),)
    assert rate(MISSING, files=shipped) == 1.0


def test_a_sandbox_run_decides() -> None:
    ok = ExampleRun(code="x", returncode=0, output_tail="done")
    failed = ExampleRun(code="x", returncode=1, output_tail="Traceback\nImportError: nope")
    killed = ExampleRun(code="x", returncode=None, output_tail="")
    assert rate(BROKEN, example_run=ok) == 1.0
    assert rate(GOOD, example_run=failed) == 0.5
    assert rate(GOOD, example_run=killed) == 0.5


def test_evidence_names_the_failure() -> None:
    failed = ExampleRun(code="x", returncode=1, output_tail="Traceback\nImportError: nope")
    result = reproducibility.score(make_context(readme=GOOD, example_run=failed))
    assert "ImportError: nope" in result.evidence[0]
    result = reproducibility.score(make_context(readme=MISSING))
    assert any("zz_private_helpers" in e for e in result.evidence)
