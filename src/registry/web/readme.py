"""A README (markdown) as HTML that is safe to put in a page, in bounded time.

Its headings move two levels down (# becomes h3), under the page's h1 and the README
section's h2, so the page keeps one outline.

markdown-it-py renders CommonMark with tables and strikethrough; raw HTML in the
README is allowed through the renderer and then everything goes through nh3 (the
Ammonia sanitiser), which keeps an allow-list of tags and attributes: no script,
style, iframe, object or form, no event-handler attributes, and links and images only
with http, https or mailto URLs (so no javascript: and no data:). The source is cut
at `max_bytes` before rendering, so a 5 MB table costs what its first part costs; the
page says when it was cut.
"""

from __future__ import annotations

from dataclasses import dataclass

import nh3
from markdown_it import MarkdownIt

# What a model card needs: headings, lists, tables, code, quotes, images and links.
# No h1 or h2: the page has its own; the README's headings start at h3 (raw HTML ones
# lose their tag and keep their text).
ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl",
        "dt", "em", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li",
        "ol", "p", "pre", "s", "span", "strong", "sub", "summary", "sup", "table",
        "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan", "scope"},
    "ol": {"start"},
    "code": {"class"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})


@dataclass(frozen=True)
class RenderedReadme:
    html: str
    truncated: bool  # the source was longer than the limit: only its start is shown
    shown_bytes: int
    total_bytes: int


def _renderer() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True, "linkify": False}).enable(
        ["table", "strikethrough"]
    )


def _cut(text: str, max_bytes: int) -> tuple[str, int, int]:
    raw = text.encode("utf-8")
    if len(raw) <= max_bytes:
        return text, len(raw), len(raw)
    shown = raw[:max_bytes].decode("utf-8", errors="ignore")
    # End at a line break, so a table row or code line is not cut in half.
    if "\n" in shown:
        shown = shown[: shown.rindex("\n") + 1]
    return shown, len(shown.encode("utf-8")), len(raw)


def without_front_matter(text: str) -> str:
    """A model card's YAML header (between --- lines) is metadata the page shows as
    facts (licence, base model), not prose: it is left out of the rendered README."""
    if not text.startswith("---"):
        return text
    first = text.find("\n")
    end = text.find("\n---", first)
    if first < 0 or end < 0:
        return text
    after = text.find("\n", end + 4)
    return "" if after < 0 else text[after + 1 :]


def render_readme(text: str, max_bytes: int) -> RenderedReadme:
    source, shown, total = _cut(without_front_matter(text), max_bytes)
    md = _renderer()
    tokens = md.parse(source)
    for token in tokens:
        if token.type in {"heading_open", "heading_close"}:
            token.tag = f"h{min(6, int(token.tag[1]) + 2)}"
    html = md.renderer.render(tokens, md.options, {})
    clean = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return RenderedReadme(clean, shown < total, shown, total)
