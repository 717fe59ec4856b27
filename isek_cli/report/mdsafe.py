"""Plan text in Markdown output, made inert: written anew from markdown-it's token stream.

Plan texts are CommonMark. For the Markdown report they stay Markdown, but nothing in them may
run or load: no raw HTML, no images (they would be fetched), and links only to http(s), mailto
and #anchors (others keep their text). Regular expressions over the source miss what CommonMark
knows (reference-style images ``![x][r]`` with ``[r]: https://…`` elsewhere, nested brackets
``[a [b]](javascript:…)``, entities, escapes), so the text is parsed with markdown-it, exactly
as the HTML report parses it, and written back from the tokens: every construct is emitted by
this writer, and all text in between is escaped so that it cannot form a new one.
"""

from __future__ import annotations

import re
from typing import Any

_ALLOWED = re.compile(r"(?i)^(https?:|mailto:|#)")
_LINE_BREAKS = re.compile(r"\s*[\r\n\x0b\x0c\x85\u2028\u2029]+\s*")
_BACKTICKS = re.compile(r"`+")
_LINE_START = re.compile(r"^(#|[-+*](?=\s|$)|\d{1,9}(?=[.)](?:\s|$))|=+\s*$|-+\s*$)")
_INFO = re.compile(r"^[A-Za-z0-9_+.-]*$")

_parser = None


def _markdown():
    global _parser
    if _parser is None:
        from markdown_it import MarkdownIt

        md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
        md.validateLink = lambda url: True  # every link becomes a token; the writer decides (text only if refused)
        _parser = md
    return _parser


def md_text(text: Any) -> str:
    """Plan text for Markdown output: the same Markdown, made inert (see the module doc)."""
    if text is None or not str(text).strip():
        return ""
    from markdown_it.tree import SyntaxTreeNode

    return _Writer().blocks(SyntaxTreeNode(_markdown().parse(str(text))).children)


def md_cell(text: Any) -> str:
    """Plan text inside a Markdown table cell: one line, pipes escaped."""
    return _LINE_BREAKS.sub(" ", md_text(text)).replace("|", "\\|").strip()


def escape(text: str, line_start: bool) -> str:
    """Literal text that Markdown reads back as the same text and never as a construct."""
    out = []
    n = len(text)
    for i, ch in enumerate(text):
        if ch in "&<>":
            out.append({"&": "&amp;", "<": "&lt;", ">": "&gt;"}[ch])
        elif ch in "\\`[]":
            out.append("\\" + ch)
        elif ch in "*_":
            before = text[i - 1] if i else " "
            after = text[i + 1] if i + 1 < n else " "
            inert = before.isspace() and after.isspace() or (ch == "_" and before.isalnum() and after.isalnum())
            out.append(ch if inert else "\\" + ch)
        else:
            out.append(ch)
    result = "".join(out)
    if line_start:
        m = _LINE_START.match(result)
        if m:  # a heading, list item or setext underline at the start of a line
            at = m.end() if m.group(0)[0].isdigit() else 0
            result = result[:at] + "\\" + result[at:]
    return result


def _code_span(code: str) -> str:
    fence = "`" * (max((len(r) for r in _BACKTICKS.findall(code)), default=0) + 1)
    pad = " " if code.startswith("`") or code.endswith("`") or (code.startswith(" ") and code.strip()) else ""
    return f"{fence}{pad}{code}{pad}{fence}"


class _Writer:
    """Markdown from markdown-it's syntax tree: blocks, then the inline content of each."""

    def blocks(self, nodes: list, tight: bool = False) -> str:
        parts = [self.block(n) for n in nodes]
        return ("\n" if tight else "\n\n").join(p for p in parts if p)

    def block(self, n) -> str:
        kind = n.type
        if kind == "paragraph":
            return self.inline(n.children)
        if kind == "heading":
            return "#" * int(n.tag[1]) + " " + self.inline(n.children)
        if kind in ("bullet_list", "ordered_list"):
            return self.list(n)
        if kind == "blockquote":
            return "\n".join(("> " + line).rstrip() for line in self.blocks(n.children).split("\n"))
        if kind in ("fence", "code_block"):
            body = n.content if n.content.endswith("\n") or not n.content else n.content + "\n"
            fence = "`" * max(3, max((len(r) for r in _BACKTICKS.findall(body)), default=0) + 1)
            info = n.info.strip() if kind == "fence" and _INFO.match(n.info.strip()) else ""
            return f"{fence}{info}\n{body}{fence}"
        if kind == "hr":
            return "---"
        if kind == "inline":
            return self.inline(n.children)
        return escape(n.content, True) if n.content else self.blocks(n.children)

    def list(self, n) -> str:
        tight = any(p.hidden for item in n.children for p in item.children if p.type == "paragraph")
        number = int(n.attrs.get("start", 1)) if n.type == "ordered_list" else None
        items = []
        for item in n.children:
            marker = f"{number}{item.markup}" if number is not None else item.markup
            lines = self.blocks(item.children, tight).split("\n")
            pad = " " * (len(marker) + 1)
            items.append("\n".join([f"{marker} {lines[0]}".rstrip()] + [pad + x if x else "" for x in lines[1:]]))
            number = number + 1 if number is not None else None
        return ("\n" if tight else "\n\n").join(items)

    def inline(self, nodes: list) -> str:
        out: list[str] = []
        line_start = True
        for n in nodes:
            kind = n.type
            if kind == "inline":
                out.append(self.inline(n.children))
            elif kind == "text":
                out.append(escape(n.content, line_start))
            elif kind == "softbreak":
                out.append("\n")
            elif kind == "hardbreak":
                out.append("  \n")
            elif kind == "code_inline":
                out.append(_code_span(n.content))
            elif kind in ("em", "strong"):
                out.append(n.markup + self.inline(n.children) + n.markup)
            elif kind == "link":
                out.append(self.link(n, self.inline(n.children)))
            elif kind == "image":  # the alt text, never the picture: no network
                out.append(self.inline(n.children))
            elif n.children:
                out.append(self.inline(n.children))
            elif n.content:
                out.append(escape(n.content, line_start))
            line_start = kind in ("softbreak", "hardbreak")
        return "".join(out)

    @staticmethod
    def link(n, label: str) -> str:
        href = str(n.attrs.get("href") or "")
        if not _ALLOWED.match(href) or any(c in href for c in "<>\n\r"):
            return label  # not a link we write: its text only
        if n.markup == "autolink":
            bare = href[7:] if href.lower().startswith("mailto:") else href
            if label in (escape(href, False), escape(bare, False)):
                return f"<{bare if label == escape(bare, False) else href}>"
        title = n.attrs.get("title")
        title = ' "' + str(title).replace("\\", "\\\\").replace('"', '\\"') + '"' if title else ""
        dest = f"<{href}>" if any(c in href for c in " ()") else href
        return f"[{label}]({dest}{title})"
