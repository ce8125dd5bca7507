"""ramp_up_time: how fast a newcomer gets from the model card to a first working call.

Inputs: `ctx.readme` only (the card, front matter ignored).

Formula: a weighted sum of six features, each in [0, 1] and each non-decreasing as the
card gains text, sections, code or links, so better documentation never scores lower:

    description   0.25  prose words outside code, headings and tables / 150, capped at 1
                        (lines of the hub template's "[More Information Needed]" count nothing;
                        in Chinese or Japanese, two characters count as one word)
    usage         0.15  a section titled Usage / How to use / How to run / Quick start /
                        Getting started / Inference / Example(s), or the same in Japanese,
                        Chinese, German, French, Spanish, Italian or Russian
    usage_code    0.20  that section holds a fenced code block (the first thing people copy)
    install       0.15  an install step: `pip install`, `conda install`, `uv pip install` ...
    examples      0.10  fenced code blocks anywhere / 3, capped at 1
    docs          0.15  1 for a link to documentation (docs, readthedocs, tutorial, guide,
                        wiki, a notebook or Colab); 0.4 for any other link

Fails (0) when there is no card; scores low for a card that is only metadata or a title.
"""

from __future__ import annotations

import re

from registry.rating.context import RatingContext
from registry.rating.examples import LINK, code_blocks, prose_words, sections, strip_front_matter
from registry.rating.metrics.base import MetricResult, clamp

WEIGHTS = {
    "description": 0.25,
    "usage": 0.15,
    "usage_code": 0.20,
    "install": 0.15,
    "examples": 0.10,
    "docs": 0.15,
}
DESCRIPTION_WORDS = 150  # about two paragraphs: what the model is, what it is for
EXAMPLE_BLOCKS = 3
USAGE_TITLE = re.compile(
    r"\b(usage|how to (use|run)|how to get started|quick ?start|get(ting)? started|inference"
    r"|examples?|sample code|code snippets?|running the model"
    # the same titles in the languages cards are most often written in
    r"|使い方|使用方法|用法|快速开始|快速上手|クイックスタート|verwendung|utilisation|uso"
    r"|использование)\b",
    re.I,
)
INSTALL = re.compile(r"\b(pip3?|conda|mamba|uv pip|poetry)\s+(install|add)\b", re.I)
DOC_LINK = re.compile(
    r"docs?\b|documentation|readthedocs|tutorial|guide|\bwiki\b|colab\.research|\.ipynb|/learn/",
    re.I,
)
STATES = {
    "absent": "no card text: 0",
    "unknown": "never: the card is stored with the model",
    "error": "never from an upstream (it reads only the card)",
}


def features(readme: str) -> tuple[dict[str, float], list[str]]:
    """Each feature's value in [0, 1], and a reason naming the fact behind it."""
    body = strip_front_matter(readme)
    blocks = code_blocks(body)
    words = prose_words(body)
    usage = [s for s in sections(body) if USAGE_TITLE.search(s.title)]
    usage_blocks = [b for s in usage for b in code_blocks(s.body)]
    install = INSTALL.search(body)
    links = LINK.findall(body)
    doc_links = [link for link in links if DOC_LINK.search(link)]
    values = {
        "description": min(1.0, words / DESCRIPTION_WORDS),
        "usage": 1.0 if usage else 0.0,
        "usage_code": 1.0 if usage_blocks else 0.0,
        "install": 1.0 if install else 0.0,
        "examples": min(1.0, len(blocks) / EXAMPLE_BLOCKS),
        "docs": 1.0 if doc_links else (0.4 if links else 0.0),
    }
    reasons = [f"card has {words} words of description"]
    if usage:
        lang = next((b.lang for b in usage_blocks if b.lang), "")
        code = f"a {lang} code block" if usage_blocks and lang else "a code block"
        detail = f" with {code}" if usage_blocks else " but no code block in it"
        reasons.append(f'card has a "{usage[0].title}" section{detail}')
    else:
        reasons.append("card has no usage / how-to-use section")
    reasons.append(
        f'card shows an install step ("{install.group(0)}")'
        if install
        else "card shows no install step (pip install ...)"
    )
    reasons.append(f"card has {len(blocks)} code block(s)")
    if doc_links:
        reasons.append(f"card links to documentation ({doc_links[0]})")
    else:
        reasons.append(f"card has {len(links)} link(s), none to documentation")
    return values, reasons


def score(ctx: RatingContext) -> MetricResult:
    if not strip_front_matter(ctx.readme).strip():
        return MetricResult(0.0, ("no model card text: nothing to start from",))
    values, reasons = features(ctx.readme)
    total = clamp(sum(WEIGHTS[name] * value for name, value in values.items()))
    return MetricResult(round(total, 4), tuple(reasons))
