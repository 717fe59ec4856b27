"""Rendering reports through Jinja templates in a sandbox.

The template search path is the user's ``--templates`` folder first, then the
built-in templates, so any single template can be overridden. Templates run
in Jinja's immutable sandbox with strict undefined variables; they receive
plain data and a few formatting filters, nothing else.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined, TemplateError, TemplateSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from markupsafe import Markup

from ..i18n import catalogue, status_label
from ..resources import templates_dir
from ..errors import IsekError

FORMATS = ("md", "html", "pdf")
TEMPLATE_FOR = {"md": "report.md.j2", "html": "report.html.j2", "pdf": "report.html.j2"}


class TemplateProblem(IsekError):
    """A template that cannot be loaded or rendered; names template and line."""


# Limits a template cannot exceed: against "x" * 10**9, "{:>999999999}" and the like.
MAX_TEXT = 20_000_000
MAX_WIDTH = 10_000


class ReportSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, plus limits on the size of what a template can build."""

    intercepted_binops = frozenset(["*", "**"])

    def call_binop(self, context, operator, left, right):
        if operator == "**":
            if isinstance(right, (int, float)) and abs(right) > 100:
                raise SecurityError("exponent too large in a template")
        elif operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(n, int) and len(seq) * n > MAX_TEXT:
                    raise SecurityError("repetition too large in a template")
        return super().call_binop(context, operator, left, right)

    def wrap_str_format(self, value):
        wrapper = super().wrap_str_format(value)
        if wrapper is None:
            return None
        _check_format(value.__self__)
        return wrapper


def _check_format(fmt: str) -> None:
    import string

    for _, _, spec, _ in string.Formatter().parse(fmt):
        if spec and ("{" in spec or any(int(n) > MAX_WIDTH for n in re.findall(r"\d+", spec))):
            raise SecurityError("format width too large (or nested) in a template")


def _bounded(name: str, func):
    """A filter whose numeric arguments (widths) are capped."""
    def filtered(value, *args, **kwargs):
        for a in list(args) + list(kwargs.values()):
            if isinstance(a, int) and not isinstance(a, bool) and abs(a) > MAX_WIDTH:
                raise SecurityError(f"argument of the '{name}' filter too large in a template")
        if name == "format" and isinstance(value, str):
            for n in re.findall(r"%[-+ #0]*(\d+)", value):
                if int(n) > MAX_WIDTH:
                    raise SecurityError("format width too large in a template")
        return func(value, *args, **kwargs)
    return filtered


@lru_cache(maxsize=8)
def environment(lang: str, user_templates: Path | None = None) -> ImmutableSandboxedEnvironment:
    """One environment per language and template folder, so each template compiles once per process
    (a site renders a dozen pages; `isek serve` renders them on every save). Jinja's auto_reload
    still recompiles a template whose file changed."""
    paths = ([str(user_templates)] if user_templates else []) + [str(templates_dir())]
    env = ReportSandbox(
        loader=ChoiceLoader([FileSystemLoader(p) for p in paths]),
        undefined=StrictUndefined,
        autoescape=lambda name: bool(name) and (name.endswith(".html.j2") or name.endswith(".svg.j2")),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    fmt = Formatter(lang)
    env.filters.update({
        "num": fmt.num,
        "eur": fmt.eur,
        "pct": fmt.pct,
        "date": fmt.date,
        "signed": fmt.signed,
        "status": lambda s: status_label(s, lang),
        "md": markdown_html,
        "md_inline": markdown_inline,
        "mdcell": md_cell,
        "mdtext": md_text,
        "slug": slug,
        "anchor": gh_anchor,
    })
    for name in ("format", "center", "indent", "wordwrap", "truncate", "batch", "slice"):
        env.filters[name] = _bounded(name, env.filters[name])
    env.globals["t"] = catalogue(lang)
    return env


class Formatter:
    """Numbers, money, shares and dates the way each language writes them."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.months = catalogue(lang)["months"]

    def _group(self, text: str) -> str:
        if self.lang == "de":
            return text.replace(",", "\u0001").replace(".", ",").replace("\u0001", ".")
        return text

    def num(self, value: Any, digits: int | None = None) -> str:
        if value is None:
            return "–"
        if digits is None:
            digits = 0 if float(value).is_integer() else (1 if abs(value) >= 10 else 2)
        text = f"{value:,.{digits}f}"
        text = self._group(text)
        return text.replace("-", "−")

    def eur(self, value: Any) -> str:
        if value is None:
            return "–"
        text = self.num(round(value), 0)
        return f"{text} €" if self.lang == "de" else f"€{text}"

    def pct(self, share: Any, digits: int = 0) -> str:
        if share is None:
            return "–"
        text = self.num(share * 100, digits)
        return f"{text} %" if self.lang == "de" else f"{text}%"

    def date(self, value: Any, style: str = "short") -> str:
        if isinstance(value, str):
            value = dt.date.fromisoformat(value)
        if style == "long":
            month = self.months[value.month - 1]
            return f"{value.day}. {month} {value.year}" if self.lang == "de" else f"{value.day} {month} {value.year}"
        return f"{value.day:02d}.{value.month:02d}.{value.year}" if self.lang == "de" else value.isoformat()

    def signed(self, n: Any, digits: int | None = None) -> str:
        """A change with its sign; ``digits`` fixes the decimals (an indicator's ``decimals``)."""
        if n is None:
            return "–"
        if round(n, digits if digits is not None else 9) == 0:
            return "±" + self.num(0, digits)
        return ("+" if n > 0 else "−") + self.num(abs(n), digits)


def slug(text: str) -> str:
    """A safe HTML id / file name piece from any plan id."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", str(text)).strip("-").lower() or "x"


def gh_anchor(heading: str) -> str:
    """The anchor GitHub and GitLab give a Markdown heading (lower case, punctuation dropped)."""
    return re.sub(r"[^\w\- ]", "", str(heading).strip().lower()).replace(" ", "-")


_md = None


def _markdown():
    global _md
    if _md is None:
        from markdown_it import MarkdownIt

        md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
        md.disable("image")  # an image would make the report fetch from the network
        md.validateLink = lambda url: url.strip().lower().startswith(("http://", "https://", "mailto:"))
        _md = md
    return _md


def markdown_html(text: str | None, inline: bool = False) -> Markup:
    """Plan text (CommonMark) as safe HTML: raw HTML shown as text, links only http(s)/mailto."""
    if not text:
        return Markup("")
    md = _markdown()
    html = md.renderInline(str(text)) if inline else md.render(str(text))
    return Markup(html.replace("<a href=", '<a rel="nofollow noopener" href='))


def markdown_inline(text: str | None) -> Markup:
    """The same for text inside a line (a table cell, a list item): no paragraphs."""
    return markdown_html(text, inline=True)


_ALLOWED_LINK = re.compile(r"(?i)^\s*<?\s*(https?:|mailto:|#)")
_INLINE_LINK = re.compile(r"(!?)\[([^\]\n]*)\]\(\s*((?:[^()\s]|\([^()\s]*\))*)(?:\s+[^)]*)?\)")
_REF_DEFINITION = re.compile(r"(?m)^( {0,3}\[[^\]\n]+\]:\s*)(\S+)")


def md_text(text: Any) -> str:
    """Plan text for Markdown output: kept as Markdown, but made inert.

    Angle brackets become entities (no raw HTML), images become their alt
    text (no network), and links to anything but http(s)/mailto/#anchors keep
    only their text, as in the HTML report.
    """
    if text is None:
        return ""
    out = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    def link(m: re.Match) -> str:
        bang, label, url = m.groups()
        if bang or not _ALLOWED_LINK.match(url):
            return label
        return m.group(0)

    out = _INLINE_LINK.sub(link, out)
    return _REF_DEFINITION.sub(lambda m: m.group(0) if _ALLOWED_LINK.match(m.group(2)) else m.group(1) + "#", out)


_LINE_BREAKS = re.compile(r"\s*[\r\n\x0b\x0c\x85\u2028\u2029]+\s*")


def md_cell(text: Any) -> str:
    """Plan text inside a Markdown table cell: one line, pipes escaped."""
    return _LINE_BREAKS.sub(" ", md_text(text)).replace("|", "\\|").strip()


def render(context: dict[str, Any], fmt: str, lang: str, user_templates: Path | None = None,
           template: str | None = None) -> str:
    env = environment(lang, user_templates)
    name = template or TEMPLATE_FOR[fmt]
    try:
        tpl = env.get_template(name)
        return tpl.render(**context, format=fmt)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"{exc.filename or exc.name}:{exc.lineno}: {exc.message}") from None
    except SecurityError as exc:
        raise TemplateProblem(f"{_where(name)}: not allowed in a template: {exc}") from None
    except TemplateError as exc:
        raise TemplateProblem(f"{_where(name)}: {exc.message or exc}") from None
    except (ArithmeticError, LookupError, TypeError, ValueError, RecursionError) as exc:
        # Raised by an expression in a template (a range too big, a division by zero…).
        raise TemplateProblem(f"{_where(name)}: {type(exc).__name__}: {exc}") from None


def _where(default: str) -> str:
    """The template file and line from the traceback Jinja rewrote for us."""
    tb = sys.exc_info()[2]
    where = default
    while tb is not None:
        fname = tb.tb_frame.f_code.co_filename
        if fname.endswith(".j2"):
            where = f"{fname}:{tb.tb_lineno}"
        tb = tb.tb_next
    return where
