"""Rendering reports through Jinja templates in a sandbox.

The template search path is the user's ``--templates`` folder first, then the
built-in templates, so any single template can be overridden. Templates run
in Jinja's immutable sandbox with strict undefined variables and a budget for
their work (``sandbox``); they receive plain data and a few formatting
filters, nothing else.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined, TemplateError, TemplateSyntaxError
from jinja2.sandbox import SecurityError
from markupsafe import Markup

from ..i18n import catalogue, status_label
from ..resources import templates_dir
from ..errors import IsekError
from .mdsafe import md_cell, md_text  # noqa: F401  (filters; written from markdown-it's tokens)
from .sandbox import BASE_STEPS, MAX_TEXT, MAX_WIDTH, Budget, ReportSandbox  # noqa: F401  (the limits, for callers)

FORMATS = ("md", "html", "pdf")
TEMPLATE_FOR = {"md": "report.md.j2", "html": "report.html.j2", "pdf": "report.html.j2"}


class TemplateProblem(IsekError):
    """A template that cannot be loaded or rendered; names template and line."""


def environment(lang: str, user_templates: Path | None = None, max_steps: int = BASE_STEPS) -> ReportSandbox:
    """The sandbox for one render: compiled templates are shared, the work budget is fresh.

    Compiling every template again for each page made a site (a dozen pages) and `isek serve`
    (a rebuild on every save) slow; the budget, though, must count one render only.
    """
    env = compiled_environment(lang, user_templates, max_steps)
    env.budget = Budget(max_steps)
    return env


@lru_cache(maxsize=8)
def compiled_environment(lang: str, user_templates: Path | None, max_steps: int) -> ReportSandbox:
    # Jinja's auto_reload still recompiles a template whose file changed.
    paths = ([str(user_templates)] if user_templates else []) + [str(templates_dir())]
    env = ReportSandbox(
        max_steps=max_steps,
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
        "money": fmt.money,
        "cost": fmt.cost,
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
    env.bound_filters()
    env.globals["t"] = catalogue(lang)
    return env


class Formatter:
    """Numbers, money, shares and dates the way each language writes them."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.months = catalogue(lang)["months"]
        self.words = catalogue(lang)["money"]

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

    def money(self, value: Any) -> str:
        """An amount of money that may not have been reported: "keine Angabe", never 0 €."""
        return self.words["none"] if value is None else self.eur(value)

    def cost(self, low: Any, high: Any = None) -> str:
        """An estimated cost, a range when the bounds differ: "3,0–3,5 Mio. €", "380.000–420.000 €".
        Millions get one decimal, or two where one would hide a difference."""
        if high is None:
            high = low
        if low is None:
            return self.words["none"]
        if high < 1_000_000:
            text = self.num(round(low), 0) if low == high else f"{self.num(round(low), 0)}–{self.num(round(high), 0)}"
            return self.words["euro"].format(n=text)
        digits = 1 if all(round(v) % 100_000 == 0 for v in (low, high)) else 2
        lo, hi = self.num(low / 1e6, digits), self.num(high / 1e6, digits)
        return self.words["million"].format(n=lo if lo == hi else f"{lo}–{hi}")

    def millions(self, value: float) -> str:
        """An axis tick in millions, as short as it can be: 2 → "2", 2.5 → "2,5"."""
        return self.num(value / 1e6, 0 if float(value / 1e6).is_integer() else (1 if value % 100_000 == 0 else 2))

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


def render(context: dict[str, Any], fmt: str, lang: str, user_templates: Path | None = None,
           template: str | None = None, max_steps: int = BASE_STEPS) -> str:
    """Render a template; ``max_steps`` is the work budget (``sandbox.for_plan``)."""
    return render_with(environment(lang, user_templates, max_steps), context, fmt, template or TEMPLATE_FOR[fmt])


def render_with(env: ReportSandbox, context: dict[str, Any], fmt: str, name: str) -> str:
    """Render the template ``name`` of ``env``; every way a template can fail is a :class:`TemplateProblem`."""
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
    except MemoryError:
        raise TemplateProblem(f"{_where(name)}: the template needs more memory than there is") from None


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
