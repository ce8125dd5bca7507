"""The rating reaches its upstreams through Protocols: only app.py and cli.py name the
concrete clients (services/license_check.py, owned elsewhere, is left to its own change)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[3] / "src" / "registry"
CONCRETE = {
    "registry.sources.hub_client",
    "registry.sources.github_client",
    "registry.sources.huggingface",
    "registry.sources.github",
    "registry.sources.url",
}
RATING = [*sorted(p for p in (SRC / "rating").rglob("*.py")), SRC / "services" / "rating.py"]


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("path", RATING, ids=lambda p: str(p.relative_to(SRC)))
def test_the_rating_names_no_concrete_upstream_client(path: Path) -> None:
    assert imported_modules(path) & CONCRETE == set()
