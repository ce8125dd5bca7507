"""reproducibility: can the card's example be run as written?

Inputs: `ctx.example_run` (the engine's sandbox run, when examples are executed);
otherwise `ctx.readme`, checked statically by `examples.check_examples`, with the
linked repository's requirements and modules (`ctx.github.files`, `file_paths`) and the
model repository's own Python files (`ctx.files`) counted as installable.

Formula (the three levels the rating defines):

    1.0  an example that runs as written: the sandbox run exited 0, or (statically) a
         Python block that parses and whose every import can be resolved
    0.5  an example that needs fixing: the sandbox run failed or was killed, or every
         Python block fails to parse or imports something that cannot be resolved
    0.0  no Python example at all

A sandbox run, when present, decides: it is the stronger evidence.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import PurePosixPath

from registry.rating.context import RatingContext
from registry.rating.examples import check_examples, requirements
from registry.rating.metrics.base import MetricResult

RUNS = 1.0
NEEDS_FIXING = 0.5
NO_EXAMPLE = 0.0
STATES = {
    "absent": "no Python example on the card: 0",
    "unknown": "never: without a sandbox run the example is checked statically",
    "error": "the linked GitHub repository could not be fetched: not computed",
}


def local_modules(paths: Iterable[str]) -> set[str]:
    """Top-level modules a repository ships (`pkg/__init__.py` -> pkg, `utils.py` -> utils)."""
    found = set()
    for path in paths:
        parts = PurePosixPath(path).parts
        if parts and path.endswith(".py"):
            found.add(parts[0] if len(parts) > 1 else PurePosixPath(parts[0]).stem)
            if len(parts) > 2 and parts[0] in {"src", "lib"}:  # the src layout
                found.add(parts[1])
    return {name for name in found if name.isidentifier()}


def installable(ctx: RatingContext) -> set[str]:
    """Names an example may import beyond the standard library and the well-known table."""
    names = {f.path for f in ctx.files if f.path.endswith(".py")}
    known = local_modules(names)
    if ctx.github is not None:
        known |= {r.name for r in requirements(ctx.github.files) if r.spec != "lock"}
        known |= local_modules(set(ctx.github.file_paths) | set(ctx.github.files))
    return known


def _tail(output: str) -> str:
    lines = [line for line in output.strip().splitlines() if line.strip()]
    return lines[-1][:160] if lines else "no output"


def score(ctx: RatingContext) -> MetricResult:
    run = ctx.example_run
    if run is not None:
        if run.returncode == 0:
            return MetricResult(RUNS, ("the card's example ran in the sandbox and exited 0",))
        how = (
            "was killed (time or memory limit)"
            if run.returncode is None
            else (f"exited {run.returncode}")
        )
        return MetricResult(
            NEEDS_FIXING, (f"the card's example {how} in the sandbox: {_tail(run.output_tail)}",)
        )
    checks = check_examples(ctx.readme, installable(ctx))
    if not checks:
        return MetricResult(NO_EXAMPLE, ("card has no Python code example",))
    runnable = [c for c in checks if c.runnable]
    if runnable:
        imports = ", ".join(runnable[0].imports) or "nothing"
        return MetricResult(
            RUNS,
            (
                f"{len(runnable)} of {len(checks)} Python example(s) parse with every import "
                f"resolvable (imports {imports})",
            ),
        )
    reasons = []
    for check in checks[:3]:
        if not check.parses:
            reasons.append(f"an example does not parse: {check.error}")
        else:
            missing = ", ".join("relative import" if m == "." else m for m in check.unresolved)
            reasons.append(f"an example imports what cannot be resolved: {missing}")
    return MetricResult(
        NEEDS_FIXING, (f"{len(checks)} Python example(s), none runnable as written", *reasons)
    )
