"""The README's configuration table names every variable the registry reads, and what
the S3 backend needs from boto3's side (credentials), so an operator needs no code."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _configuration_section() -> str:
    readme = (ROOT / "README.md").read_text()
    return readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]


def test_every_variable_the_settings_read_is_documented() -> None:
    source = (ROOT / "src" / "registry" / "settings.py").read_text()
    read = set(re.findall(r"\(e(?:, |\.get\()\"([A-Z][A-Z0-9_]+)\"", source))
    assert {"PORT", "AWS_S3_BUCKET", "KEEPALIVE_SECONDS", "FORWARDED_ALLOW_IPS"} <= read
    table = _configuration_section()
    assert sorted(v for v in read if f"`{v}`" not in table) == []


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
