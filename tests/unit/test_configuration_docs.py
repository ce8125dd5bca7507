"""The README's configuration table tells an operator the truth: every variable the
settings read has exactly one row, with the default the code really uses, and the
table says what the S3 backend needs from boto3's side (credentials), so an operator
needs no code. (That the table names no variable the settings do not read is checked
in test_settings.py.)"""

from __future__ import annotations

from dataclasses import MISSING, fields
from pathlib import Path

import pytest

from registry.settings import Settings

ROOT = Path(__file__).resolve().parents[2]

# Defaults the table describes in words because the code's literal is not what an
# operator gets: the secrets are replaced at start by random ones kept in DATA_DIR, the
# admin password is the published one, JSON logs follow FLASK_ENV, and the database is
# a SQLite file in DATA_DIR.
DESCRIBED = {
    "DATABASE_URL": "`sqlite:///$DATA_DIR/registry.db`",
    "JWT_SECRET": "(random, kept in `DATA_DIR/secret.key`)",
    "LOG_JSON": "production",
    "REGISTRY_ADMIN_PASSWORD": "the published one",
}


def _configuration_section() -> str:
    readme = (ROOT / "README.md").read_text()
    return readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]


def _rows() -> list[tuple[list[str], str]]:
    """(variables, default cell) of each row of the table."""
    rows = []
    for line in _configuration_section().splitlines():
        if not line.startswith("| `"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split(" | ")]
        names = [part.strip().strip("`") for part in cells[0].split(",")]
        rows.append((names, cells[1]))
    return rows


def _entries(cell: str) -> list[str]:
    """Split a default cell at its top-level commas: `a,b` and (x, y) stay whole."""
    entries, current, depth, quoted = [], "", 0, False
    for char in cell:
        if char == "`":
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
        if char == "," and not quoted and depth == 0:
            entries.append(current.strip())
            current = ""
        else:
            current += char
    return [*entries, current.strip()]


def _shown(value: object) -> str:
    """A default as the table writes it."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, tuple):
        return ",".join(value)
    if isinstance(value, Path):
        return f"./{value}"
    return str(value)


def _settings_defaults() -> dict[str, object]:
    return {
        str(f.metadata["env"]): f.default
        for f in fields(Settings)
        if "env" in f.metadata and f.default is not MISSING
    }


def _documented_defaults() -> dict[str, list[str]]:
    """Each variable's default entries, one list per row that names it."""
    documented: dict[str, list[str]] = {}
    for names, cell in _rows():
        entries = _entries(cell)
        if len(entries) == 1:  # one default said of them all: "(boto3's search)"
            entries *= len(names)
        assert len(entries) == len(names), f"row {names}: {len(entries)} defaults in {cell!r}"
        for name, entry in zip(names, entries, strict=True):
            documented.setdefault(name, []).append(entry)
    return documented


def test_every_setting_has_exactly_one_row() -> None:
    documented = _documented_defaults()
    missing = sorted(set(_settings_defaults()) - set(documented))
    repeated = sorted(name for name, entries in documented.items() if len(entries) > 1)
    assert not missing, f"variables the settings read but the README table does not: {missing}"
    assert not repeated, f"variables with more than one row in the README table: {repeated}"


@pytest.mark.parametrize("variable", sorted(_settings_defaults()))
def test_the_table_gives_the_real_default(variable: str) -> None:
    default = _settings_defaults()[variable]
    (entry,) = _documented_defaults().get(variable, ["(missing row)"])
    if variable in DESCRIBED:
        assert entry.startswith(DESCRIBED[variable]), entry
    elif default is None or default == () or default == "":
        assert entry.startswith("("), f"{variable} has no default, the table says {entry!r}"
    else:
        assert entry.startswith("`"), f"{variable}: the table says {entry!r}, not a value"
        assert entry.split("`")[1] == _shown(default), (
            f"{variable}: the table says {entry!r}, the code's default is {_shown(default)!r}"
        )


def test_the_s3_backend_can_be_configured_from_the_table() -> None:
    table = _configuration_section()
    for variable in (
        "AWS_S3_BUCKET",
        "AWS_S3_PREFIX",
        "AWS_REGION",
        "AWS_ENDPOINT_URL",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
    ):
        assert f"`{variable}`" in table, variable
    assert "instance role" in table
