"""GET /artifact/byName/{name} and POST /artifact/byRegEx."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.conftest import BERT, BOOKCORPUS, GH_BERT, Api
from tests.fakes import FakeUpstream


def test_by_name_is_exact_and_lists_every_artifact_with_it(
    api: Api, upstream: FakeUpstream
) -> None:
    a = api.ingest("model", BERT, name="shared")["metadata"]
    b = api.ingest("code", GH_BERT, name="shared")["metadata"]
    api.ingest("dataset", BOOKCORPUS, name="Shared")
    resp = api.call("GET", "/artifact/byName/shared")
    assert resp.status_code == 200
    assert resp.get_json() == [a, b]
    assert api.call("GET", "/artifact/byName/shar").status_code == 404
    assert api.call("GET", "/artifact/byName/SHARED").status_code == 404


@pytest.mark.parametrize(
    "name", ["模型 ü-名前", "x'; DROP TABLE artifacts;--", "a/b c", '100% "quoted" & <tagged>']
)
def test_unusual_names_round_trip(api: Api, name: str) -> None:
    art = api.ingest("code", GH_BERT, name=name)["metadata"]
    resp = api.call("GET", "/artifact/byName/" + quote(name, safe=""))
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.get_json() == [art]
    assert api.enumerate([{"name": name}]).get_json() == [art]


def test_regex_matches_names_and_readme_text(api: Api) -> None:
    bert = api.ingest("model", BERT)["metadata"]
    book = api.ingest("dataset", BOOKCORPUS)["metadata"]
    assert api.call(
        "POST", "/artifact/byRegEx", json={"regex": ".*?(audience|bert).*"}
    ).get_json() == [bert]
    assert api.call("POST", "/artifact/byRegEx", json={"regex": "^book"}).get_json() == [book]
    # Words that appear only in a README are found too.
    readme_only = api.call("POST", "/artifact/byRegEx", json={"regex": "[Mm]asked language model"})
    assert bert in readme_only.get_json()


def test_regex_is_case_sensitive_and_404_when_nothing_matches(api: Api) -> None:
    bert = api.ingest("model", BERT)["metadata"]
    missed = api.call("POST", "/artifact/byRegEx", json={"regex": "BERT-BASE"})
    assert missed.status_code == 404
    assert "'BERT-BASE'" in missed.get_json()["message"]
    found = api.call("POST", "/artifact/byRegEx", json={"regex": "(?i)BERT-BASE"})
    assert found.get_json() == [bert]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"regex": "(?<=x)y"}, "cannot be compiled"),
        ({"regex": "(a)\\1"}, "cannot be compiled"),
        ({"regex": "["}, "cannot be compiled"),
        ({"regex": ""}, "non-empty"),
        ({"regex": 5}, "schema"),
        ({}, "schema"),
    ],
)
def test_bad_regexes_are_400_with_the_reason(api: Api, body: object, reason: str) -> None:
    resp = api.call("POST", "/artifact/byRegEx", json=body)
    assert resp.status_code == 400
    assert reason in resp.get_json()["message"]


def test_pathological_pattern_answers_correctly(api: Api) -> None:
    art = api.ingest("model", BERT, name="a" * 200 + "!")["metadata"]
    resp = api.call("POST", "/artifact/byRegEx", json={"regex": "(a+)+$"})
    assert resp.status_code == 404  # no name or README ends in a run of 'a'
    resp = api.call("POST", "/artifact/byRegEx", json={"regex": "(a|aa)+!"})
    assert resp.get_json() == [art]


def test_sql_looking_and_unicode_patterns_are_just_patterns(api: Api) -> None:
    art = api.ingest("code", GH_BERT, name="模型-x")["metadata"]
    injected = api.call("POST", "/artifact/byRegEx", json={"regex": "'; DROP TABLE artifacts;--"})
    assert injected.status_code == 404
    # The pattern was only a pattern: the artifact is still there and still found.
    assert api.call("POST", "/artifact/byRegEx", json={"regex": "模型"}).get_json() == [art]
    assert api.enumerate([{"name": "*"}]).get_json() == [art]
    assert api.call("GET", "/artifact/byName/" + quote("模型-x")).get_json() == [art]
