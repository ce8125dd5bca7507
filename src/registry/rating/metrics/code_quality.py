"""code_quality: static health of the linked code repository. The code is never executed.

Inputs: `ctx.github.files` (path -> text of the source files the gatherer kept) and
`ctx.github.file_paths` (every path, to find tests and lock files beyond the cap).

Formula: a weighted mean of the components that apply (Python-only components drop out,
and the weights are renormalised, for a repository without Python source):

    tests         0.20  1 when the repository has tests (tests/, test_*.py, *_test.py,
                        conftest.py)
    lint          0.30  1 / (1 + pyflakes findings per 100 lines): 0.5 at one finding per
                        100 lines; a file that does not parse counts SYNTAX_ERROR findings
    typing        0.15  share of functions with a type annotation (argument or return)
    docstrings    0.15  share of modules, classes and public functions with a docstring
    dependencies  0.20  1 for a lock file; else the share of declared requirements pinned
                        (== counts 1, a bounded or compatible range 0.5, none 0); 0 when
                        no dependency is declared

Scores 0 when no code repository is linked or the linked one does not exist. A
repository whose archive is over the size cap is scored on what its file listing shows.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

import pyflakes.api

from registry.rating.context import GitHubFacts, RatingContext
from registry.rating.examples import LOCK_FILES, Requirement, requirements
from registry.rating.metrics.base import MetricResult, clamp
from registry.rating.pyparse import PARSE_LOCK, parse

WEIGHTS = {"tests": 0.20, "lint": 0.30, "typing": 0.15, "docstrings": 0.15, "dependencies": 0.20}
SYNTAX_ERROR = 5  # a file that does not even parse is worse than one stray warning
TEST_PATH = re.compile(r"(^|/)(tests?|testing)/|(^|/)test_[^/]*\.py$|_test\.py$|(^|/)conftest\.py$")
STATES = {
    "absent": "no linked repository (or linked but not found): 0",
    "unknown": "its archive is over the size cap: scored without source files",
    "error": "GitHub failed while the repository was read: not computed",
}


@dataclass
class _Collector:
    """A pyflakes reporter that keeps the findings instead of printing them."""

    findings: list[str] = field(default_factory=list)

    def unexpectedError(self, filename: str, msg: str) -> None:  # noqa: N802 (pyflakes API)
        self.findings.append(f"{filename}: {msg}")

    def syntaxError(self, filename: str, msg: str, lineno: int | None, *_: Any) -> None:  # noqa: N802
        self.findings += [f"{filename}:{lineno or 1}: {msg}"] * SYNTAX_ERROR

    def flake(self, message: Any) -> None:
        self.findings.append(str(message))


def lint(files: dict[str, str]) -> tuple[list[str], int]:
    """pyflakes findings over the Python files, and their number of non-blank lines."""
    reporter = _Collector()
    lines = 0
    for path, text in sorted(files.items()):
        lines += sum(1 for line in text.splitlines() if line.strip())
        try:
            with PARSE_LOCK:  # pyflakes parses too; see registry.rating.pyparse
                pyflakes.api.check(text, path, reporter)
        except RecursionError:  # pyflakes walks the tree recursively
            reporter.unexpectedError(path, "too deeply nested to check")
    return reporter.findings, lines


def _annotated(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    args = fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs
    args += [a for a in (fn.args.vararg, fn.args.kwarg) if a is not None]
    return fn.returns is not None or any(a.annotation is not None for a in args)


def structure(files: dict[str, str]) -> tuple[int, int, int, int]:
    """(annotated functions, functions, documented items, documentable items)."""
    annotated = functions = documented = documentable = 0
    for text in files.values():
        try:
            tree = parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        nodes: list[ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef] = [tree]
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                functions += 1
                annotated += _annotated(node)
                if not node.name.startswith("_"):
                    nodes.append(node)
            elif isinstance(node, ast.ClassDef):
                nodes.append(node)
        documentable += len(nodes)
        documented += sum(1 for n in nodes if ast.get_docstring(n) is not None)
    return annotated, functions, documented, documentable


def pinned_share(reqs: list[Requirement]) -> float:
    if any(r.spec == "lock" for r in reqs):
        return 1.0
    if not reqs:
        return 0.0
    points = [
        1.0 if r.spec.startswith(("==", "===")) else 0.5 if re.search(r"~=|<|,", r.spec) else 0.0
        for r in reqs
    ]
    return sum(points) / len(points)


def _dependency_reason(reqs: list[Requirement]) -> str:
    locks = [r.source for r in reqs if r.spec == "lock"]
    if locks:
        return f"dependencies locked by {locks[0]}"
    if not reqs:
        return "no dependency list (requirements.txt, pyproject.toml, setup.py)"
    exact = sum(1 for r in reqs if r.spec.startswith("=="))
    return f"{exact} of {len(reqs)} declared requirements pinned with =="


def measure(gh: GitHubFacts) -> tuple[dict[str, float], list[str]]:
    """Applicable components and the reasons behind them."""
    paths = sorted(set(gh.file_paths) | set(gh.files))
    tests = [p for p in paths if TEST_PATH.search(p)]
    reqs = requirements(gh.files)
    # Lock files are large and often beyond the gatherer's cap: their path is enough.
    reqs += [
        Requirement(PurePosixPath(p).name, "lock", p)
        for p in paths
        if PurePosixPath(p).name.lower() in LOCK_FILES and p not in gh.files
    ]
    values = {"tests": 1.0 if tests else 0.0, "dependencies": pinned_share(reqs)}
    reasons = [
        f"tests present ({len(tests)} file(s), e.g. {tests[0]})" if tests else "no tests found",
        _dependency_reason(reqs),
    ]
    python = {p: t for p, t in gh.files.items() if p.endswith(".py")}
    if not python:
        reasons.append("no Python source to lint: scored on tests and dependencies")
        return values, reasons
    findings, lines = lint(python)
    rate = 100 * len(findings) / max(1, lines)
    values["lint"] = 1 / (1 + rate)
    example = f", e.g. {findings[0]}" if findings else ""
    reasons.append(
        f"pyflakes: {len(findings)} finding(s) in {len(python)} Python file(s), {lines} lines "
        f"({rate:.2f} per 100 lines){example}"
    )
    annotated, functions, documented, documentable = structure(python)
    if functions:
        values["typing"] = annotated / functions
        reasons.append(f"type hints on {annotated} of {functions} functions")
    values["docstrings"] = documented / max(1, documentable)
    reasons.append(f"docstrings on {documented} of {documentable} modules/classes/public functions")
    return values, reasons


def score(ctx: RatingContext) -> MetricResult:
    if ctx.github is None:
        gone = ctx.code_not_found
        lost = (f"linked but not found, scored as absent: {', '.join(gone)}",) if gone else ()
        return MetricResult(0.0, ("no linked code repository: no code to judge", *lost))
    values, reasons = measure(ctx.github)
    if ctx.github.sources_note:
        reasons.append(ctx.github.sources_note)
    weight = sum(WEIGHTS[name] for name in values)
    total = clamp(sum(WEIGHTS[name] * v for name, v in values.items()) / weight)
    return MetricResult(round(total, 4), tuple(reasons))
