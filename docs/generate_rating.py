"""Write docs/rating.md (and, with --calibration, docs/rating-calibration.md) from the code.

Each metric documents its inputs, formula and failure in its module docstring and what
absent, unknown and error mean for it in its `STATES`; the limits come from the modules
that enforce them and the intended verdicts from `tests/fakes/verdicts.py`. Tests compare
this script's output with the committed pages, so the docs cannot drift from the code.

    .venv/bin/python docs/generate_rating.py > docs/rating.md
    .venv/bin/python docs/generate_rating.py --calibration > docs/rating-calibration.md
"""

from __future__ import annotations

import importlib
import inspect
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for `tests.fakes`

from tests.fakes.verdicts import NOT_RATED, VERDICTS

from registry.domain.links import MAX_URLS
from registry.rating import gather, github_facts, pickle_safety
from registry.rating.engine import FACETS
from registry.rating.metrics import net
from registry.services.ingest import MAX_README_CHARS
from registry.settings import DEFAULT_INGEST_POLICY

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

INTRO = f"""\
# How the registry rates a model

Every model gets a rating before it is stored (the ingest gate) and keeps it until its
contents change. `GET /artifact/model/{{id}}/rate` serves it; `registry rate URL ...`
computes it for models not yet ingested.

## How a rating is computed

1. **Gather once** (`rating/gather.py`). From what ingest recorded (the card, its
   metadata, `config.json`, the file list, the upstream snapshot) and from five
   *facets* fetched once each, side by side: the Hub repository's commit history
   (`hf_commits`), the linked GitHub repository (`github`: repository, contributors, the
   newest 300 commits, closed pull requests and the reviews of the newest
   {github_facts.MAX_REVIEWED_PULLS} merged ones, the source files of its zipball), the
   named datasets' cards and metadata (`datasets`), the parents the registry does not
   hold, asked of the Hub (`parents`), and, when `RATING_EXECUTE_EXAMPLES=true`, a run
   of the card's example in a sandbox (`example`). Upstream answers, "not found"
   included, are cached for `RATING_CACHE_SECONDS` (3600). The card is read up to
   {MAX_README_CHARS:,} characters, the length the registry keeps, so a rating at ingest
   and one computed later agree.
2. **Retry what may pass.** An upstream that answers 5xx, 408 or 429, times out or
   cannot be reached is asked again, `UPSTREAM_RETRIES` times (3) with exponential
   backoff from 0.5 s, while the waits end within `UPSTREAM_TIMEOUT_SECONDS` (30) of the
   rating's start. (The Hub client itself also retries history pages and file
   downloads.)
3. **Score in parallel** (`rating/engine.py`). Each metric is a pure function of that
   context, run in a thread pool under one deadline (`RATING_METRIC_TIMEOUT_SECONDS`,
   10). A metric that raises, times out, or reads a facet that could not be fetched
   becomes an error naming it (and the upstream that failed); the others are
   unaffected. The same snapshot always gives the same scores.
4. **Latency** of a metric is the time spent fetching the facets it reads plus its own
   scoring time; `net_score_latency` is the whole rating's wall time, in seconds.
5. **Store.** The rating computed at ingest is stored with the artifact, in the same
   transaction; an update stores a new one. A rating with errors is not stored: `/rate`
   computes again (once, however many requests ask at the same time) and answers 500
   naming the metrics that still fail and the upstream behind them.

## How links are read

Datasets, code and parents come from the card's metadata (`datasets`, `base_model`,
`base_model_relation`, `repo`/`repository`/`github`/`code`), from `config.json`
(`_name_or_path`), from `adapter_config.json` (`base_model_name_or_path`) and from links
in the card's text (Hugging Face datasets, GitHub repositories). One reader
(`registry/domain/links.py`) handles every form real cards use:

- a URL ending a sentence or a clause (`.` `,` `;` `:` `!` `?` after it), inside
  parentheses or brackets, bold or italic, a markdown link `[text](url "title")`, a
  reference link `[text]: url`, an autolink `<url>`, an HTML `href="url"`, or written
  without a scheme (`github.com/acme/tool`);
- `.git`, `/tree/...`, `/blob/...`, `/resolve/...`, `#anchor` and `?query` after the
  repository, markdown escapes (`tiny\\_corpus`), `hf.co` short links, and the Hub's
  canonical repositories without an owner (`huggingface.co/datasets/squad`,
  `datasets: [bookcorpus, wikipedia]`), which are mapped to the id the Hub files them
  under today;
- metadata fields holding a string where a list is usual (`datasets: squad, glue`) or
  a list where a string is usual (`base_model: [a/b, c/d]`); an entry with a remark after
  the id (`acme/corpus (sample)`) keeps the id, prose (`Common Crawl`) is skipped;
- local paths in `_name_or_path` (`/home/me/ckpt`, `./out`, `C:\\models`) are not parents.

Only ids the upstream would accept are kept; what cannot be read as one is dropped,
never guessed. Work is bounded: the first {MAX_URLS:,} URLs of a text are read, and
the first {gather.MAX_DATASETS} datasets, {gather.MAX_CODE_LINKS} code repositories and
{gather.MAX_PARENTS} parents are looked up, in the order the card names them. The first
linked repository that GitHub has (libraries such as `huggingface/transformers` left
out) is the model's code. Links to other hosts, private or loopback addresses included,
are evidence only: the rating fetches nothing but through the configured Hub
(`HF_ENDPOINT`) and GitHub (`GITHUB_API_URL`) clients.

## Absent, unknown and error

- **Absent**: the model does not have it (no licence, no card, no dataset named). A link
  the upstream says does not exist (a deleted dataset, repository or parent) is *linked
  but not found*: listed in the evidence and scored exactly as if the card had not
  linked it. Absent is a score, usually 0, never an error.
- **Unknown**: the model names it, but nothing can be judged of it (a parent no one has
  rated, a licence called "other"): a documented middle value.
- **Error**: an upstream the metric reads failed (5xx, timeout, refused connection after
  the retries, a corrupt archive), or the registry failed (a metric crashed or passed its
  timeout). The metric is not computed: its score is `null`, never 0; `/rate` answers
  500; the ingest gate answers 502 when it needed that metric (see below).

| metric | absent | unknown | error |
|---|---|---|---|
"""

GATE = f"""
## The ingest gate: what each answer means

- **201**: the rating is complete and passes `INGEST_POLICY`; it is stored with the model.
- **424**: the metrics the policy reads were computed and fail it: the only answer that
  judges the model. The message and `details.failures` name each failing rule;
  `details.rating` holds the scores (a metric the policy does not read and that could
  not be computed is `null`, its reason in `details.missing`); nothing is stored.
- **502**: an upstream failed while the model was rated, so a metric the policy reads
  could not be computed. The message names the upstream and the metrics, and says when a
  retry may succeed (`error: upstream_unavailable`, after 5xx, 429, timeouts); details
  carry `upstream`, `failed_metrics` and `missing` (each metric and why). Nothing is
  stored, and nothing is said about the model's trustworthiness. The same holds when
  the Hub fails while a legacy id the card names (`wikipedia`, `bert-base-uncased`) is
  resolved to its home: taken as given, the id would name nothing, and the rating
  would silently lose that link.
- **500**: the registry itself could not compute a metric the policy reads (a metric
  crashed or timed out); see its logs.

A metric the policy does not read may fail without blocking the ingest; that incomplete
rating is not stored, and `/rate` computes it again. Datasets and code are not rated,
but their pickles are scanned and judged by the `pickle_safety` rules like a model's.

Rules are `<metric><op><number>` joined by commas; metric is a ModelRating field,
`size_score.<device>`, `size_score` (its best device), `all` (every metric, skipping
reviewedness's -1), or `pickle_safety` (the pickle scan, below); op is `>=`, `>`, `<=`
or `<`; `none` admits everything. An update that fails the policy keeps the previous
version.

## The default policy

`{DEFAULT_INGEST_POLICY}`: a licence a company may use inside its products (permissive,
weak copyleft, or a responsible-AI licence whose use restrictions it passes on), and
enough evidence overall. It is meant to **admit** a documented model under such a
licence: a base model with a card, or a fine-tune, quantisation, adapter or merge whose
card names its base and shows how to use it, names its data, or reports results. It is
meant to **refuse** a model under a licence the company cannot use (none, non-commercial,
GPL-family, unidentified terms) and a model there is nothing to go on for: no card, a
title, one line, an unfilled template, a merge recipe alone; and any artifact holding a
pickle that imports what runs code (`os.system`, `subprocess`, `eval` ...) or that could
not be scanned. A fine-tune of a documented
base with a permissive licence passes even before its parent is in the registry.

The weights and the threshold were chosen on the fixture families below, so that what a
bare card gets for free (a permissive licence, small weights, no parents) stays well
under the threshold and every documented card well over it.
[rating-calibration.md](rating-calibration.md) shows each metric's contribution for
every fixture; `tests/functional/test_rating_benchmark.py` checks each verdict, and that
no net_score lies within 0.02 of the threshold.

| model | family | verdict | why |
|---|---|---|---|
"""

EXAMPLES = """
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


PICKLES = """### `pickle_safety` (not in net_score; judged by INGEST_POLICY for every type)

Not a ModelRating field, so the contract's rating is unchanged: the scan is recorded
with the artifact at ingest, shown under `evidence.pickle_safety` (`?evidence=true`),
and read by the policy's `pickle_safety` rules. A refusal (424) names each file and
import; see also [security.md](security.md), "Archives and files".
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


def rating_page() -> str:
    out = [INTRO.rstrip("\n")]
    for field, module in MODULES.items():
        states = importlib.import_module(f"registry.rating.metrics.{module}").STATES
        out.append(f"| `{field}` | {states['absent']} | {states['unknown']} | {states['error']} |")
    states = pickle_safety.STATES
    out.append(
        f"| `pickle_safety` (not in net_score) | {states['absent']} | {states['unknown']} "
        f"| {states['error']} |"
    )
    out.append(GATE.rstrip("\n"))
    for repo, verdict in VERDICTS.items():
        decision = "admitted" if verdict.admitted else "**refused**"
        out.append(f"| `{repo}` | {verdict.family} | {decision} | {verdict.why} |")
    for repo, why in NOT_RATED.items():
        out.append(f"| `{repo}` | not rated as is | - | {why} |")
    out += [EXAMPLES, "## Weights of net_score", ""]
    reasons = weight_reasons()
    out.append("| metric | weight | why | facets it reads |")
    out.append("|---|---|---|---|")
    for name, weight in net.WEIGHTS.items():
        facets = ", ".join(FACETS[name]) or "(none)"
        out.append(f"| `{name}` | {weight:.2f} | {reasons.get(name, '')} | {facets} |")
    out += ["", "```", inspect.getdoc(net) or "", "```", "", "## The metrics"]
    for field, module in MODULES.items():
        mod = importlib.import_module(f"registry.rating.metrics.{module}")
        doc = inspect.getdoc(mod) or ""
        out += ["", f"### `{field}` (weight {net.WEIGHTS[field]:.2f})", "", "```", doc, "```"]
    out += ["", PICKLES, "```", inspect.getdoc(pickle_safety) or "", "```"]
    return "\n".join(out) + "\n"


def calibration_page() -> str:
    from tests.fakes import FakeUpstream
    from tests.functional.rating_benchmark import (
        CALIBRATION_INTRO,
        benchmark_registry,
        calibration_table,
        rate_all,
    )

    with FakeUpstream() as upstream, benchmark_registry(upstream) as registry:
        return CALIBRATION_INTRO + calibration_table(rate_all(registry, VERDICTS))


def main() -> None:
    page = calibration_page() if "--calibration" in sys.argv[1:] else rating_page()
    sys.stdout.write(page)


if __name__ == "__main__":
    main()
