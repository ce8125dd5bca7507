"""Print the mutation score of the last `make mutation` run, per module and package.

mutmut keeps each mutant's outcome in `mutants/**/*.meta` (JSON: mutant name -> the
exit code of its test run). The score is killed / checked. Mutants no test reaches
count as survivors (code no test runs is code no test protects), and so do timeouts:
on a shared machine a survivor whose many covering tests outlast mutmut's budget times
out, so a timeout proves nothing. Mutants not run yet are left out and counted apart,
so a run scoped with MUTANTS=... gives the score of what it ran.

    .venv/bin/python -m docs.mutation_score            # the table
    .venv/bin/python -m docs.mutation_score --survivors  # and the names of the survivors
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

ROOT = Path(__file__).resolve().parents[1] / "mutants" / "src" / "registry"
KILLED = {"killed", "caught by type check", "segfault"}
SURVIVED = {"survived", "no tests", "suspicious", "timeout"}


def outcomes() -> dict[str, dict[str, str]]:
    """module ("services/search.py") -> mutant name -> status."""
    found: dict[str, dict[str, str]] = {}
    for meta in sorted(ROOT.rglob("*.py.meta")):
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        module = str(meta.relative_to(ROOT)).removesuffix(".meta")
        found[module] = {name: status_by_exit_code[code] for name, code in codes.items()}
    return found


def _row(label: str, counts: Counter[str]) -> str:
    killed = sum(counts[s] for s in KILLED)
    survived = sum(counts[s] for s in SURVIVED)
    checked = killed + survived
    score = f"{100 * killed / checked:.1f} %" if checked else "-"
    return (
        f"| {label} | {checked} | {killed} | {survived - counts['timeout']} | "
        f"{counts['timeout']} | {counts['not checked']} | {score} |"
    )


def main(argv: list[str]) -> None:
    found = outcomes()
    if not found:
        sys.exit("no mutmut results: run `make mutation` first")
    print("| module | checked | killed | survived | timed out | not run | score |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    packages: dict[str, Counter[str]] = {}
    total: Counter[str] = Counter()
    for module, statuses in found.items():
        counts = Counter(statuses.values())
        if sum(counts.values()) == counts["not checked"]:
            continue
        print(_row(module, counts))
        packages.setdefault(module.split("/", 1)[0], Counter()).update(counts)
        total.update(counts)
    for package, counts in sorted(packages.items()):
        print(_row(f"**{package}/**", counts))
    print(_row("**all**", total))
    if "--survivors" in argv:
        for statuses in found.values():
            for name, status in statuses.items():
                if status in SURVIVED:
                    print(f"{status}: {name}")


if __name__ == "__main__":
    main(sys.argv[1:])
