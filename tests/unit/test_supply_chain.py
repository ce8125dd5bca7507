"""The supply-chain checks of `make test`: wired in, and honest about what they audited."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from docs import audit_dependencies

ROOT = Path(__file__).resolve().parents[2]


def test_make_test_runs_bandit_and_pip_audit() -> None:
    makefile = (ROOT / "Makefile").read_text()
    # `make test` runs the static checks named in CHECKS beside pytest, and fails with them.
    checks = re.search(r"^CHECKS := (.*)$", makefile, re.MULTILINE)
    assert checks is not None and "security-lint" in checks.group(1).split()
    test_recipe = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    assert "$(CHECKS)" in test_recipe and "$$status -eq 0" in test_recipe
    recipe = makefile.split("\nsecurity-lint:", 1)[1].split("\n\n", 1)[0]
    assert "bandit -r src -q --severity-level medium" in recipe
    assert "-m docs.audit_dependencies" in recipe


def _report(monkeypatch: pytest.MonkeyPatch, report: dict[str, Any] | None, why: str = "") -> None:
    monkeypatch.setattr(audit_dependencies, "_run", lambda: (report, why))


def test_a_known_vulnerability_fails_the_audit(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    vuln = {"id": "PYSEC-2099-1", "fix_versions": ["2.0.1"]}
    deps = [
        {"name": "flask", "version": "3.1.0", "vulns": []},
        {"name": "jinja2", "version": "2.0", "vulns": [vuln]},
        {"name": "private-pkg", "version": "1", "skip_reason": "not on PyPI"},
    ]
    _report(monkeypatch, {"dependencies": deps})
    assert audit_dependencies.main() == 1
    out = capsys.readouterr().out
    assert "jinja2 2.0: PYSEC-2099-1 (fixed in 2.0.1)" in out
    assert "2 packages audited, 1 vulnerable; 1 not found by the service" in out


def test_a_clean_audit_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    _report(monkeypatch, {"dependencies": [{"name": "flask", "version": "3", "vulns": []}]})
    assert audit_dependencies.main() == 0


@pytest.mark.parametrize(
    ("report", "why", "says"),
    [
        (None, "pip-audit stopped (exit 1): ConnectionError", "cannot be reached (pip-audit"),
        (
            {"dependencies": [{"name": "a", "version": "1", "skip_reason": "not found"}]},
            "",
            "answered for none of the 1 installed packages",
        ),
    ],
)
def test_an_unreachable_service_is_a_skip_that_says_so(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    report: dict[str, Any] | None,
    why: str,
    says: str,
) -> None:
    _report(monkeypatch, report, why)
    assert audit_dependencies.main() == 0
    out = capsys.readouterr().out
    assert out.startswith("pip-audit SKIPPED: ") and says in out
