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
