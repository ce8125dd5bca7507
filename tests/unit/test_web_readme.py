"""READMEs become safe HTML in bounded time, whatever they contain."""

from __future__ import annotations

import re

from registry.domain.models import ArtifactType
from registry.web.ingest import guess_type
from registry.web.readme import render_readme

HOSTILE = """# Model card

<script>alert(1)</script>
<img src="x.png" onerror="alert(2)" alt="a picture">
<a href="javascript:alert(3)">click</a>
[markdown link](javascript:alert(4))
[data link](data:text/html;base64,PHNjcmlwdD5hbGVydCg1KTwvc2NyaXB0Pg==)
![data image](data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=)
<iframe src="https://evil.example/"></iframe>
<div style="position:fixed" onclick="alert(6)">styled</div>
<svg><script>alert(7)</script></svg>
<form action="https://evil.example/"><input name="x"></form>
<a href="https://example.com/ok">fine link</a>
"""


def test_scripts_handlers_dangerous_links_and_frames_are_removed() -> None:
    html = render_readme(HOSTILE, 1 << 20).html.lower()
    for bad in ("<script", "onerror", "onclick", "<iframe", "<form", "<input", "style=", "<svg"):
        assert bad not in html, bad
    # Links and images keep only http(s) and mailto URLs (a refused one is plain text).
    urls = re.findall(r'(?:href|src)="([^"]*)"', html)
    assert urls and all(u.startswith(("https:", "http:", "mailto:", "x.png")) for u in urls), urls
    assert '<a href="https://example.com/ok" rel="noopener noreferrer nofollow">fine link</a>' in (
        html
    )
    assert 'alt="a picture"' in html  # the image stays, without its handler


def test_headings_sit_under_the_pages_own() -> None:
    html = render_readme("# Title\n\n## Part\n\n<h1>raw</h1>\n", 1 << 20).html
    assert "<h1" not in html and "<h2" not in html
    assert "<h3>Title</h3>" in html and "<h4>Part</h4>" in html and "raw" in html


def test_a_huge_table_is_cut_at_a_line_and_says_so() -> None:
    header = "| a | b |\n|---|---|\n"
    text = header + "| x | <script>y</script> |\n" * 200_000  # about 5 MB
    assert len(text.encode()) > 4_000_000
    rendered = render_readme(text, 256 << 10)
    assert rendered.truncated and rendered.total_bytes == len(text.encode())
    assert rendered.shown_bytes <= 256 << 10
    assert "<table>" in rendered.html and "<script" not in rendered.html
    assert rendered.html.count("<tr>") < 20_000


def test_non_latin_text_survives() -> None:
    rendered = render_readme(
        "# 模型卡\n\n\u041c\u043e\u0434\u0435\u043b\u044c für Ärzte — نموذج\n", 1 << 20
    )
    assert (
        "模型卡" in rendered.html and "نموذج" in rendered.html and "\u041c\u043e" in rendered.html
    )
    assert not rendered.truncated


def test_a_cut_never_splits_a_character() -> None:
    rendered = render_readme("é" * 3000, 1025)
    assert rendered.truncated and rendered.html.count("é") <= 512


def test_the_type_is_guessed_from_the_url() -> None:
    assert guess_type("https://huggingface.co/google-bert/bert-base-uncased") is ArtifactType.MODEL
    assert guess_type("https://huggingface.co/datasets/bookcorpus/bookcorpus") is (
        ArtifactType.DATASET
    )
    assert guess_type("https://github.com/openai/whisper") is ArtifactType.CODE
    assert guess_type("https://www.kaggle.com/datasets/owner/data") is ArtifactType.DATASET
    assert guess_type("https://example.com/weights.bin") is ArtifactType.MODEL
    assert guess_type("not a url") is ArtifactType.MODEL


def test_the_cards_yaml_header_is_not_rendered_as_prose() -> None:
    card = "---\nlicense: mit\nbase_model: a/b\n---\n# Title\n\nBody\n"
    html = render_readme(card, 1 << 20).html
    assert "license" not in html and "<h3>Title</h3>" in html and "Body" in html
    assert "<hr" in render_readme("---\n\nno header, a rule\n", 1 << 20).html
