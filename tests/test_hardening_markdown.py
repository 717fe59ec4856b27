"""Plan text in the Markdown report is inert (issue 16): rendered by any CommonMark renderer — even
one that lets raw HTML through — it yields no image, no raw HTML and no link other than http(s),
mailto and #anchors. The sanitiser writes Markdown from markdown-it's token stream, so constructs
that regular expressions miss (reference-style images, nested brackets) are covered too."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from conftest import run
from isek_cli.report.mdsafe import md_cell, md_text

ALLOWED_TAGS = {"p", "em", "strong", "code", "pre", "a", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6",
                "blockquote", "hr", "br", "table", "thead", "tbody", "tr", "th", "td"}
PERMISSIVE = MarkdownIt("commonmark", {"html": True}).enable("table")
PERMISSIVE.validateLink = lambda url: True  # a renderer that trusts every link: the text must be safe itself

PAYLOADS = [
    "![x][r]\n\n[r]: https://evil.example/x.png",
    "![x][]\n\n[x]: https://evil.example/x.png",
    "![x]\n\n[x]: https://evil.example/x.png",
    "[a [b]](javascript:alert(1))",
    "[a [b [c]]](javascript:alert(1))",
    "[x][r]\n\n[r]: javascript:alert(1)",
    "[x](javascript&#58;alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x]( javascript:alert(1) )",
    "<javascript:alert(1)>",
    "[![x](https://evil.example/x.png)](https://ok.example)",
    "<img src=x onerror=alert(1)>",
    "<!-- x --><script>alert(1)</script>",
    "`<script>` and ``<img src=x>``",
    "```html\n<script>alert(1)</script>\n```",
    "\\[x](javascript:alert(1))",
    "[x]\\(javascript:alert(1))",
    "* [x](javascript:alert(1))\n  * ![y](http://evil.example/y.png)",
    "> [x](javascript:alert(1))\n> ![y](http://evil.example/y.png)",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](vbscript:msgbox(1))",
    "[x](file:///etc/passwd)",
]


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.bad: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self.bad.append(f"<{tag}>")
        for name, value in attrs:
            if name == "href" and not re.match(r"(?i)^(https?:|mailto:|#)", value or ""):
                self.bad.append(f"href={value}")
            elif name not in ("href", "title", "start", "class", "style"):
                self.bad.append(f"{tag}[{name}]")


def assert_inert_markdown(md: str, *, no_url: bool = True) -> None:
    parser = Tags()
    parser.feed(PERMISSIVE.render(md))
    assert parser.bad == [], (md, parser.bad)
    if no_url:  # an image's address is not even kept as text
        assert "evil.example" not in md


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_are_inert(payload):
    assert_inert_markdown(md_text(payload))
    assert_inert_markdown("| a |\n|---|\n| " + md_cell(payload) + " |\n")


@pytest.mark.parametrize("payload", PAYLOADS[:6])
def test_payloads_are_inert_in_the_report(mini, payload):
    path = mini / "isek.yaml"
    text = path.read_text(encoding="utf-8")
    quoted = '"' + payload.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    path.write_text(re.sub(r"(?ms)^vision:.*?(?=^\w)", lambda m: f"vision: {quoted}\n", text), encoding="utf-8")
    fields = mini / "fields/01-wohnen.yaml"
    fields.write_text(fields.read_text(encoding="utf-8").replace("title: Baulückenkataster aufbauen",
                                                                 f"title: {quoted}"), encoding="utf-8")
    r = run("report", "2024", "--format", "md", plan=mini)
    assert r.exit_code == 0, r
    assert_inert_markdown(r.stdout)


def test_ordinary_markdown_comes_through_unchanged():
    text = ("Beispielstadt bleibt eine **lebendige Mittelstadt** mit *starken* Quartieren.\n\n"
            "- die Einwohnerzahl stabilisieren,\n- die Innenstadt stärken.\n\n"
            "Mehr unter [der Website](https://example.org/isek) oder <mailto:isek@example.org>; "
            "Status `in_umsetzung`, 5 * 3 = 15 und snake_case.")
    assert md_text(text) == text
    assert md_cell("a | b\nc") == "a \\| b c"


def test_links_keep_their_text_when_refused():
    assert md_text("[klick](javascript:alert(1))") == "klick"
    assert md_text("[klick][r]\n\n[r]: javascript:alert(1)") == "klick"
    assert md_text("[a [b]](javascript:alert(1))") == "a \\[b\\]"
    assert md_text("![Bild](https://evil.example/x.png)") == "Bild"


MARKDOWNISH = st.lists(st.sampled_from(list("ab :/<>[]()!*_`\\#-+=.1&;\n") + ["javascript:", "http://e/", "](",
                                                                              "![", "<img ", "[r]: "]),
                       max_size=40).map("".join)


@settings(max_examples=400, deadline=None)
@given(MARKDOWNISH)
def test_any_text_is_inert(text):
    assert_inert_markdown(md_text(text))
    assert "\n" not in md_cell(text)


@pytest.mark.parametrize("payload", PAYLOADS[:6])
def test_payloads_are_inert_in_the_texts_v2_added(mini, payload):
    """Mandate and foreword (isek.yaml 'report', format v2) are Markdown the report prints as it
    stands; a programme's title is a table cell of the funding chapter."""
    quoted = '"' + payload.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    with open(mini / "isek.yaml", "a", encoding="utf-8") as fh:
        fh.write(f"report:\n  mandate: {quoted}\n  foreword: {quoted}\n")
    (mini / "funding.yaml").write_text(f"programmes:\n  - {{id: LZ, title: {quoted}, level: bund_land}}\n",
                                       encoding="utf-8")
    path = mini / "fields/01-wohnen.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("funding: [Eigenmittel]", "funding: [LZ]"),
                    encoding="utf-8")
    r = run("report", "2024", "--format", "md", plan=mini)
    assert r.exit_code == 0, r
    assert_inert_markdown(r.stdout)
