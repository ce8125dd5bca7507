"""Write docs/rating.md from the metric modules' own documentation.

Each metric documents its inputs, formula and failure in its module docstring; this
page gathers them with the weights, so the docs cannot drift from the code (a test
compares this script's output with the committed page).

    .venv/bin/python docs/generate_rating.py > docs/rating.md
"""

from __future__ import annotations

import importlib
import inspect

from registry.rating.engine import FACETS
from registry.rating.metrics import net

MODULES = {
    "ramp_up_time": "ramp_up",
    "bus_factor": "bus_factor",
    "performance_claims": "performance_claims",
    "license": "license",
    "size_score": "size",
    "dataset_and_code_score": "dataset_and_code",
    "dataset_quality": "dataset_quality",
    "code_quality": "code_quality",
    "reproducibility": "reproducibility",
    "reviewedness": "reviewedness",
    "tree_score": "tree",
}

INTRO = """\
# How the registry rates a model

Every model gets a rating before it is stored (the ingest gate) and keeps it until its
contents change. `GET /artifact/model/{id}/rate` serves it; `registry rate URL ...`
computes it for models not yet ingested.

## How a rating is computed

1. **Gather once** (`rating/gather.py`). From what ingest recorded (the card, its
   metadata, `config.json`, the file list, the upstream snapshot) and from four
   *facets* fetched once each: the Hub repository's commit history (`hf_commits`), the
   linked GitHub repository (`github`: repository, contributors, the newest 300
   commits, closed pull requests and their reviews, the source files of its zipball),
   the named datasets' cards and metadata (`datasets`), and, when
   `RATING_EXECUTE_EXAMPLES=true`, a run of the card's example in a sandbox
   (`example`). Parents are looked up in the registry (`parents`). Upstream answers
   are cached for `RATING_CACHE_SECONDS` (3600). The linked repository is the first
   GitHub link of the card that is not a well-known library.
2. **Score in parallel** (`rating/engine.py`). Each metric is a pure function of that
   context, run in a thread pool under one deadline (`RATING_METRIC_TIMEOUT_SECONDS`,
   10). A metric that raises, times out, or reads a facet that could not be fetched
   becomes an error result naming it; the others are unaffected. The same snapshot
   always gives the same scores.
3. **Latency** of a metric is the time spent fetching the facets it reads plus its own
   scoring time; `net_score_latency` is the whole rating's wall time, in seconds.
4. **Store.** The rating computed at ingest is stored with the artifact, in the same
   transaction; an update stores a new one. A rating with errors is not stored: `/rate`
   computes again (once, however many requests ask at the same time) and answers 500
   naming the metrics that still fail.

## The ingest policy

`INGEST_POLICY` decides which models may enter (424 otherwise, with the failing rules in
the message and in `details.failures`; nothing is stored). Rules are
`<metric><op><number>` joined by commas; metric is a ModelRating field,
`size_score.<device>`, `size_score` (its best device), or `all` (every metric, skipping
reviewedness's -1); op is `>=`, `>`, `<=` or `<`; `none` admits everything. Default:
`net_score>=0.5`. A metric that could not be computed fails every rule that reads it.
An update that fails the policy keeps the previous version. Datasets and code are not
rated.

## Running card examples

With `RATING_EXECUTE_EXAMPLES=true` the best Python example of the card runs in the
registry's jail (bubblewrap: its own user, mount, pid and network namespaces, uid 65534,
a read-only root with nothing of the registry in it, a private size-capped /tmp, no
secrets in its environment, a cgroup for memory and processes, rlimits), with the
standard library only (`python -I -S`); the wall-clock limit is
`RATING_EXAMPLE_TIMEOUT_SECONDS` (30), after which its whole process tree is killed.
A host that cannot build the jail refuses to start with examples enabled
([security.md](security.md), "The example and monitor jail"). Off by default: running
upstream code is a decision for the registry's operators.
"""


def weight_reasons() -> dict[str, str]:
    """The comment above each entry of net.WEIGHTS: the reason for that weight."""
    block = inspect.getsource(net).split("WEIGHTS: dict[str, float] = {", 1)[1].split("}", 1)[0]
    reasons: dict[str, str] = {}
    comment: list[str] = []
    for line in block.splitlines():
        text = line.strip()
        if text.startswith("#"):
            comment.append(text.lstrip("# "))
        elif text.startswith('"'):
            reasons[text.split('"')[1]] = " ".join(comment)
            comment = []
    return reasons


def main() -> None:
    reasons = weight_reasons()
    out = [INTRO, "## Weights of net_score", ""]
    out.append("| metric | weight | why | facets it reads |")
    out.append("|---|---|---|---|")
    for name, weight in net.WEIGHTS.items():
        facets = ", ".join(FACETS[name]) or "(none)"
        out.append(f"| `{name}` | {weight:.2f} | {reasons.get(name, '')} | {facets} |")
    net_doc = inspect.getdoc(net) or ""
    out += ["", "```", net_doc, "```", ""]
    out.append("## The metrics")
    for field, module in MODULES.items():
        mod = importlib.import_module(f"registry.rating.metrics.{module}")
        doc = inspect.getdoc(mod) or ""
        out += ["", f"### `{field}` (weight {net.WEIGHTS[field]:.2f})", "", "```", doc, "```"]
    print("\n".join(out))


if __name__ == "__main__":
    main()
