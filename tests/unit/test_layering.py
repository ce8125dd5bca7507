"""The layering rule of DESIGN.md, checked on the imports themselves: nothing below the
API imports Flask, and services name no concrete backend (app.py injects them)."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "registry"
BELOW_THE_API = ("services", "domain", "db", "storage", "sources", "rating", "auth")
CONCRETE = {
    "registry.sources.github_client",
    "registry.sources.hub_client",
    "registry.sources.huggingface",
    "registry.sources.github",
    "registry.sources.url",
    "registry.storage.local",
    "registry.storage.s3",
}


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def test_nothing_below_the_api_imports_flask() -> None:
    offenders = {
        str(path.relative_to(SRC))
        for layer in BELOW_THE_API
        for path in (SRC / layer).rglob("*.py")
        if any(name == "flask" or name.startswith("flask.") for name in _imports(path))
    }
    assert offenders == set()


def test_services_name_no_concrete_backend() -> None:
    named = {
        path.name: _imports(path) & CONCRETE for path in sorted((SRC / "services").glob("*.py"))
    }
    assert {name: found for name, found in named.items() if found} == {}
