"""bus_factor: more people, more evenly, more recently -> higher."""

from __future__ import annotations

from registry.rating.metrics import bus_factor
from tests.unit.rating.factories import OLD, commit, make_context, make_github


def rate(**overrides: object) -> float:
    result = bus_factor.score(make_context(**overrides))
    assert isinstance(result.score, float)
    assert 0.0 <= result.score <= 1.0
    assert result.evidence
    return result.score


def test_no_data_scores_zero_and_says_so() -> None:
    result = bus_factor.score(make_context())
    assert result.score == 0.0
    assert "no commit" in result.evidence[0]


def test_concentration_lowers_the_score() -> None:
    even = tuple(commit(a) for a in ["alice", "bob", "carol", "dave"])
    concentrated = tuple(commit(a) for a in ["alice"] * 9 + ["bob", "carol", "dave"])
    assert rate(hf_commits=concentrated) < rate(hf_commits=even)


def test_more_distinct_contributors_raise_the_score() -> None:
    scores = [rate(hf_commits=tuple(commit(f"dev{i}") for i in range(n))) for n in range(1, 7)]
    assert scores == sorted(scores)
    assert scores[0] < scores[-1]


def test_single_maintainer_scores_low() -> None:
    assert rate(hf_commits=tuple(commit("alice") for _ in range(20))) <= 0.25


def test_old_commits_count_less_than_recent_ones() -> None:
    authors = ["alice", "bob", "carol"]
    recent = rate(hf_commits=tuple(commit(a) for a in authors))
    old = rate(hf_commits=tuple(commit(a, date=OLD) for a in authors))
    assert 0.0 < old < recent


def test_github_commits_and_hub_commits_both_count() -> None:
    hub_only = rate(hf_commits=(commit("alice"),))
    both = rate(hf_commits=(commit("alice"),), github=make_github(commits=(commit("bob"),)))
    assert both > hub_only


def test_all_time_contributors_help_a_quiet_repository() -> None:
    gh = make_github(contributors=(("alice", 50), ("bob", 40), ("carol", 30)))
    assert rate(github=gh) > 0.0


def test_evidence_names_the_top_contributor_and_share() -> None:
    commits = tuple(commit(a) for a in ["alice", "alice", "alice", "bob"])
    result = bus_factor.score(make_context(hf_commits=commits))
    assert "3 of 4" in result.evidence[0]
    assert "alice" in result.evidence[0]
    assert "75%" in result.evidence[0]


def test_unparseable_now_falls_back_to_the_newest_commit() -> None:
    commits = (commit("alice"), commit("bob"))
    assert rate(hf_commits=commits, now="not a date") == rate(hf_commits=commits)
