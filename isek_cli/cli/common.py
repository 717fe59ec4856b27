"""What every command shares: the plan folder option, loading with diagnostics,
and output as table, JSON or CSV."""

from __future__ import annotations

import enum
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Sequence

import typer

from ..plan.diagnostics import Diagnostic
from ..terminal import json_dumps, json_text, term  # noqa: F401  (used by the command modules too)

if TYPE_CHECKING:
    from ..api import Plan


class TableFormat(str, enum.Enum):
    table = "table"
    json = "json"
    csv = "csv"


@dataclass
class State:
    plan_option: str | None = None
    debug: bool = False
    no_cache: bool = False

    @property
    def plan_dir(self) -> Path:
        from ..plan.loader import find_plan_dir

        return find_plan_dir(self.plan_option)


def state(ctx: typer.Context) -> State:
    obj = ctx.find_root().obj
    if not isinstance(obj, State):
        obj = ctx.find_root().obj = State()
    return obj


REV_HELP = "Read the plan as it was at this git revision (the working tree stays untouched)."


def open_any(ctx: typer.Context, rev: str | None = None, *, use_cache: bool = True) -> "Plan":
    """The plan from the working tree or a git revision, errors and all (for ``check`` and ``diff``)."""
    from ..api import open_plan

    return open_plan(state(ctx).plan_dir, rev=rev, strict=False, use_cache=use_cache)


def load(ctx: typer.Context, *, rev: str | None = None) -> "Plan":
    """The plan, valid: commands never work on a plan with errors (``PlanInvalid`` exits 1)."""
    from ..api import open_plan

    return open_plan(state(ctx).plan_dir, rev=rev)


def stdout_dash(output: Path | None, what: str | None = None) -> Path | None:
    """``-o -`` means standard output, as in every Unix tool: ``None`` for the callers' stdout path.

    ``what`` names an output that cannot go to standard output (binary, or many files): a usage error.
    """
    if output is None or str(output) != "-":
        return output
    if what is not None:
        raise typer.BadParameter(f"'-' (standard output) cannot take {what}; give a file or folder name",
                                 param_hint="-o")
    return None


def echo(text: Any = "", *, err: bool = False, nl: bool = True) -> None:
    """``typer.echo`` of human-readable text, with :func:`term`."""
    typer.echo(term(text), err=err, nl=nl)


def err_console_print_diagnostics(diags: Sequence[Diagnostic], root: Path | None = None, limit: int = 20) -> None:
    from .ci import where

    for d in diags[:limit]:
        echo(f"{where(d, root) if root is not None else d.where}: {d.severity}[{d.code}]: {d.message}", err=True)
    if len(diags) > limit:
        echo(f"… and {len(diags) - limit} more", err=True)


def is_terminal(stream=None) -> bool:
    stream = stream or sys.stdout
    return hasattr(stream, "isatty") and stream.isatty() and os.environ.get("TERM") != "dumb"


def working(message: str):
    """A spinner on stderr while slow work runs (PDF, site, import, export, history) in a terminal;
    nothing when stderr is piped or redirected, so logs and scripts see only results."""
    import contextlib

    if not is_terminal(sys.stderr):
        return contextlib.nullcontext()
    from rich.console import Console

    return Console(stderr=True, force_terminal=True).status(message, spinner="dots")


def dump_json(data: Any) -> str:
    return json_text(json_dumps(data))  # = json.dumps(data, ensure_ascii=False, indent=2, default=str)


def emit_json(data: Any) -> None:
    typer.echo(dump_json(data))


def emit_csv(rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> None:
    """CSV with text cells made inert against spreadsheet formulas (``export.csv_line``)."""
    from ..data.export import csv_text

    typer.echo(csv_text(list(columns), ([row.get(c) for c in columns] for row in rows)), nl=False)


WIDE_HELP = "In a terminal: full headings and no wrapping, however wide the table gets."
# Short status headings so a terminal table fits 80 columns; a legend under the table names them.
SHORT_STATUS = {"nicht_begonnen": "nb", "in_planung": "ip", "in_umsetzung": "iu", "abgeschlossen": "ab",
                "daueraufgabe": "da", "zurueckgestellt": "zg", "entfallen": "ef"}


def status_style(status: str) -> str:
    """A status's colour in a terminal: the fill colour it has in the report (report/charts.py)."""
    from ..report.charts import STATUS_COLORS

    fill = STATUS_COLORS.get(status)
    return f"bold {fill[0]}" if fill else ""


def status_legend() -> str:
    return "  ".join(f"{short}={status}" for status, short in SHORT_STATUS.items())


def emit_table(rows: Sequence[Sequence[Any]], headers: Sequence[str], *, title: str | None = None,
               right: Sequence[int] = (), footer: Sequence[Any] | None = None, wide: bool = False,
               status_cols: Sequence[int] = (), short: dict[int, str] | None = None) -> None:
    """A rich table in a terminal, fitted to its width (titles wrap; ``short`` headings by column
    unless ``wide``), statuses in their report colours; plain aligned columns when piped.
    Cells are plain text, never rich markup."""
    cells = [[_cell(v) for v in r] for r in rows]
    foot = [_cell(v) for v in footer] if footer is not None else None
    if is_terminal():
        from rich import box
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        # No vertical rules: the columns get the width, so titles wrap at words, not inside them.
        table = Table(title=Text(term(title)) if title else None, show_footer=foot is not None, title_justify="left",
                      box=box.SIMPLE_HEAD, collapse_padding=True, pad_edge=False)
        for i, h in enumerate(headers):
            shown = h if wide or not short or i not in short else short[i]
            # Ids and numbers stay whole; titles keep room to be read and wrap at words, as do names.
            table.add_column(Text(shown, style=status_style(h)), justify="right" if i in right else "left",
                             footer=Text(foot[i]) if foot else "", overflow="fold",
                             no_wrap=wide or i == 0 or i in right, min_width=16 if h == "title" and not wide else None)
        for r in cells:
            table.add_row(*(Text(c, style=status_style(c) if i in status_cols else "") for i, c in enumerate(r)))
        console = Console(width=max(Console().width, 400)) if wide else Console()
        console.print(table)
        if short and not wide:
            console.print(status_legend(), style="dim")
        return
    allrows = [list(headers)] + cells + ([foot] if foot else [])
    widths = [max(len(r[i]) for r in allrows) for i in range(len(headers))]
    if title:
        echo(title)
    for n, r in enumerate(allrows):
        if foot and n == len(allrows) - 1:
            echo("  ".join("-" * w for w in widths))
        line = "  ".join(c.rjust(widths[i]) if i in right else c.ljust(widths[i]) for i, c in enumerate(r))
        echo(line.rstrip())


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:g}"
    return term(v)
