"""The issue's regex patterns over a 1 MiB README, through the API: a 400 naming the
budget before any scanning, or a correct answer; the server keeps answering."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import update

from registry.db.models import ArtifactRow
from registry.services.container import Registry
from tests.conftest import Api
from tests.fakes import FakeUpstream


@pytest.fixture
def huge_readme(api: Api, registry: Registry, upstream: FakeUpstream) -> str:
    art = api.ingest("code", f"{upstream.files_url}/files/weights.bin", "w0")
    rng = random.Random(461)
    text = "".join(rng.choice("ab") for _ in range(1 << 20))  # RE2's NFA at its slowest
    with registry.db.transaction() as session:
        session.execute(
            update(ArtifactRow).where(ArtifactRow.id == art["metadata"]["id"]).values(readme=text)
        )
    return str(art["metadata"]["id"])


@pytest.mark.parametrize("pattern", ["a.{999}c", "(?:a|b){0,1000}a.{999}c"])
def test_the_issues_patterns_answer_400_naming_the_budget(
    api: Api, huge_readme: str, pattern: str
) -> None:
    resp = api.call("POST", "/artifact/byRegEx", json={"regex": pattern})
    assert resp.status_code == 400
    assert "REGEX_BUDGET_SECONDS" in resp.get_json()["message"]
    assert api.call("GET", "/health").status_code == 200


def test_an_ordinary_pattern_over_the_same_readme_answers(api: Api, huge_readme: str) -> None:
    resp = api.call("POST", "/artifact/byRegEx", json={"regex": "ab{3}a"})
    assert resp.status_code == 200
    assert [a["id"] for a in resp.get_json()] == [huge_readme]
