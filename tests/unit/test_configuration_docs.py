"""The README's configuration table says what the S3 backend needs from boto3's side
(credentials), so an operator needs no code. (That it names every variable the settings
read is checked in test_settings.py.)"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _configuration_section() -> str:
    readme = (ROOT / "README.md").read_text()
    return readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]


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
