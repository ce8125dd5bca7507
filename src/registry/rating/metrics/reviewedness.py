"""reviewedness: the share of the code that another person reviewed before it landed.

Inputs: `ctx.github`: its recent commits (each with the pull request that brought it and
the lines it added, when known) and its closed pull requests (merged or not, and how
many APPROVED reviews came from someone other than the author).

Formula: a commit counts as reviewed when it arrived through a merged pull request with
at least one approving review by someone other than the author.

    share = lines added by reviewed commits / lines added by all commits

When no commit records its additions, commits are counted instead of lines. A direct
push to the default branch counts as unreviewed.

Returns -1 when no GitHub repository is linked: the metric does not apply, and the
net score leaves it out (see `net.py`). Fails (0) with a repository but no commit
history, or when nothing went through an approved pull request.
"""

from __future__ import annotations

from registry.rating.context import RatingContext
from registry.rating.metrics.base import MetricResult, clamp

NOT_APPLICABLE = -1.0
STATES = {
    "absent": "no linked repository (or linked but not found): -1, not applicable",
    "unknown": "never",
    "error": "GitHub failed while the repository was read: not computed",
}


def score(ctx: RatingContext) -> MetricResult:
    gh = ctx.github
    if gh is None:
        gone = ctx.code_not_found
        lost = (f"linked but not found, scored as absent: {', '.join(gone)}",) if gone else ()
        return MetricResult(NOT_APPLICABLE, ("no linked GitHub repository: not applicable", *lost))
    if not gh.commits:
        return MetricResult(0.0, (f"{gh.full_name}: no commit history to measure",))
    approved = {p.number for p in gh.pulls if p.merged and p.approved_reviews > 0}
    merged = {p.number for p in gh.pulls if p.merged}
    reviewed = [c for c in gh.commits if c.pull_number is not None and c.pull_number in approved]
    via_pull = [c for c in gh.commits if c.pull_number is not None]
    total_lines = sum(max(0, c.additions) for c in gh.commits)
    if total_lines > 0:
        reviewed_lines = sum(max(0, c.additions) for c in reviewed)
        share = reviewed_lines / total_lines
        measure = f"{reviewed_lines} of {total_lines} lines added"
    else:
        share = len(reviewed) / len(gh.commits)
        measure = f"{len(reviewed)} of {len(gh.commits)} commits (line counts unknown)"
    evidence = (
        f"{measure} came through approved pull requests ({share:.0%})",
        f"{len(via_pull)} of {len(gh.commits)} recent commits came through a pull request; "
        f"{len(approved)} of {len(merged)} merged pull requests had an approving review",
    )
    return MetricResult(round(clamp(share), 4), evidence)
