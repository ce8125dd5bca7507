"""The docs that are generated from code must match it."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_rating_doc_is_up_to_date() -> None:
    generated = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "generate_rating.py")],
        capture_output=True, text=True, check=True, cwd=ROOT,
    ).stdout  # fmt: skip
    committed = (ROOT / "docs" / "rating.md").read_text()
    assert generated == committed, "run: .venv/bin/python docs/generate_rating.py > docs/rating.md"


def test_license_table_in_the_docs_is_the_one_the_code_uses() -> None:
    from registry.rating.compatibility import COMPATIBLE
    from registry.rating.licenses import LicenseCategory

    lines = (ROOT / "docs" / "license-compatibility.md").read_text().splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("| model \\ code"))
    columns = [c.strip() for c in lines[header].strip("|").split("|")][1:]
    documented = {}
    for line in lines[header + 2 : header + 2 + len(LicenseCategory)]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        documented[LicenseCategory(cells[0])] = {
            LicenseCategory(col)
            for col, cell in zip(columns, cells[1:], strict=True)
            if cell == "✓"
        }
    assert documented == {k: set(v) for k, v in COMPATIBLE.items()}
