"""bus_factor: how many people keep the model and its code alive.

Inputs: commits of the hub repository (`ctx.hf_commits`) and of the linked GitHub
repository (`ctx.github.commits`), and GitHub's all-time contributor counts
(`ctx.github.contributors`); "recent" means the `WINDOW_DAYS` before `ctx.now`.

Formula: from the share p_i of the commits each author made, the effective number of
contributors is N = 1 / sum(p_i^2) (inverse Herfindahl index): n people sharing evenly
give N = n, one person doing nearly everything gives N close to 1, so concentration
lowers it. The score is min(1, N / HEALTHY_TEAM). It is computed twice and the better
value kept:

    recent    from the recent commits of both repositories together;
    all-time  from GitHub's contributor counts (or, without them, from every commit
              known), multiplied by STALE_FACTOR because past contributors may have left.

Fails (0) with no commit or contributor data at all; scores at most 0.2 when one person
does all the work.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from registry.rating.context import CommitFact, RatingContext
from registry.rating.metrics.base import MetricResult, clamp

WINDOW_DAYS = 365  # a year covers release cycles and the academic calendar
HEALTHY_TEAM = 5.0  # five people sharing the work evenly: losing one is survivable
STALE_FACTOR = 0.5  # all-time counts say who could help, not who still does
STATES = {
    "absent": "no Hub history and no linked repository (or linked but not found): 0",
    "unknown": "never: only the commits known are counted",
    "error": "the Hub history or the linked GitHub repository could not be fetched: not computed",
}


def parse_time(text: str | None) -> datetime | None:
    """An ISO-8601 instant as an aware datetime (naive ones are read as UTC), else None."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def effective_contributors(counts: Counter[str]) -> float:
    """1 / Herfindahl index of the shares: n equal contributors -> n."""
    total = sum(counts.values())
    if total <= 0:
        return 0.0
    return 1.0 / sum((c / total) ** 2 for c in counts.values())


def _authors(commits: Iterable[CommitFact]) -> Counter[str]:
    # Logins and names differ only in case between the hub and GitHub often enough.
    return Counter(c.author.strip().lower() for c in commits if c.author.strip())


def _describe(counts: Counter[str], what: str) -> str:
    top, top_count = counts.most_common(1)[0]
    total = sum(counts.values())
    return (
        f"{top_count} of {total} {what} came from {top} ({top_count / total:.0%}); "
        f"{len(counts)} distinct author(s), effective number "
        f"{effective_contributors(counts):.1f}"
    )


def score(ctx: RatingContext) -> MetricResult:
    gh = ctx.github
    commits = ctx.hf_commits + (gh.commits if gh else ())
    dates = [when for c in commits if (when := parse_time(c.date)) is not None]
    # Without a readable snapshot time, the newest commit stands in: never the wall clock,
    # so the same context always gives the same score.
    now = parse_time(ctx.now) or max(dates, default=None)
    recent: Counter[str] = Counter()
    if now is not None:
        try:
            since = now - timedelta(days=WINDOW_DAYS)
        except OverflowError:  # a snapshot dated in the calendar's first year
            since = datetime.min.replace(tzinfo=UTC)
        recent = _authors(c for c in commits if (when := parse_time(c.date)) and when >= since)
    if gh and gh.contributors:
        all_time = Counter({login.lower(): n for login, n in gh.contributors if n > 0})
        all_time_what = "contributions (all time, GitHub)"
    else:
        all_time, all_time_what = _authors(commits), "commits (all time)"
    if not recent and not all_time:
        return MetricResult(0.0, ("no commit or contributor data: nobody known to maintain it",))

    evidence = []
    recent_score = clamp(effective_contributors(recent) / HEALTHY_TEAM)
    if recent:
        evidence.append(_describe(recent, f"commits of the last {WINDOW_DAYS} days"))
    else:
        evidence.append(f"no commits in the last {WINDOW_DAYS} days")
    stale_score = 0.0
    if all_time:
        stale_score = STALE_FACTOR * clamp(effective_contributors(all_time) / HEALTHY_TEAM)
        evidence.append(_describe(all_time, all_time_what))
    if stale_score > recent_score:
        evidence.append(f"scored on all-time contributors, weighted by {STALE_FACTOR}")
    return MetricResult(round(max(recent_score, stale_score), 4), tuple(evidence))
