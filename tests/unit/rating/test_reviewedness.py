"""reviewedness: share of code that came through approved pull requests; -1 without GitHub."""

from __future__ import annotations

from registry.rating.context import GitHubFacts
from registry.rating.metrics import reviewedness
from tests.unit.rating.factories import commit, make_context, make_github, pull


def rate(gh: GitHubFacts | None) -> float:
    result = reviewedness.score(make_context(github=gh))
    assert isinstance(result.score, float)
    assert result.evidence
    return result.score


def test_minus_one_without_github() -> None:
    assert rate(None) == -1.0


def test_no_commits_scores_zero() -> None:
    assert rate(make_github()) == 0.0


def test_approved_pull_request_share_raises_the_score() -> None:
    pulls = tuple(pull(n) for n in range(1, 5))
    values = []
    for reviewed in range(5):
        commits = tuple(
            commit("dev", pull=n + 1 if n < reviewed else None, additions=10) for n in range(4)
        )
        values.append(rate(make_github(commits=commits, pulls=pulls)))
    assert values == sorted(values)
    assert values[0] == 0.0
    assert values[-1] == 1.0


def test_unapproved_or_unmerged_pulls_do_not_count() -> None:
    commits = (commit("dev", pull=1, additions=10), commit("dev", pull=2, additions=10))
    unapproved = make_github(commits=commits, pulls=(pull(1, approved=0), pull(2, merged=False)))
    assert rate(unapproved) == 0.0


def test_lines_weigh_more_than_commits_when_known() -> None:
    commits = (commit("dev", pull=1, additions=90), commit("dev", additions=10))
    assert rate(make_github(commits=commits, pulls=(pull(1),))) == 0.9


def test_commit_counts_when_lines_are_unknown() -> None:
    commits = (commit("dev", pull=1), commit("dev"), commit("dev"), commit("dev"))
    assert rate(make_github(commits=commits, pulls=(pull(1),))) == 0.25
