"""What every command shares: the plan folder option, loading with diagnostics,
and output as table, JSON or CSV."""

from __future__ import annotations

import enum
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Sequence

import typer

from ..plan.diagnostics import Diagnostic
from ..terminal import json_text, term  # noqa: F401  (used by the command modules too)

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


def echo(text: Any = "", *, err: bool = False, nl: bool = True) -> None:
    """``typer.echo`` of human-readable text, with :func:`term`."""
    typer.echo(term(text), err=err, nl=nl)


def err_console_print_diagnostics(diags: Sequence[Diagnostic], limit: int = 20) -> None:
    for d in diags[:limit]:
        echo(f"{d.where}: {d.severity}[{d.code}]: {d.message}", err=True)
    if len(diags) > limit:
        echo(f"… and {len(diags) - limit} more", err=True)


def is_terminal(stream=None) -> bool:
    stream = stream or sys.stdout
    return hasattr(stream, "isatty") and stream.isatty() and os.environ.get("TERM") != "dumb"


def dump_json(data: Any) -> str:
    return json_text(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def emit_json(data: Any) -> None:
    typer.echo(dump_json(data))


def emit_csv(rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> None:
    """CSV with text cells made inert against spreadsheet formulas (``export.csv_line``)."""
    from ..data.export import csv_text

    typer.echo(csv_text(list(columns), ([row.get(c) for c in columns] for row in rows)), nl=False)


def emit_table(rows: Sequence[Sequence[Any]], headers: Sequence[str], *, title: str | None = None,
               right: Sequence[int] = (), footer: Sequence[Any] | None = None) -> None:
    """A rich table in a terminal; plain aligned columns when piped. Cells are plain text, never rich markup."""
    cells = [[_cell(v) for v in r] for r in rows]
    foot = [_cell(v) for v in footer] if footer is not None else None
    if is_terminal():
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        table = Table(title=Text(term(title)) if title else None, show_footer=foot is not None, title_justify="left")
        for i, h in enumerate(headers):
            table.add_column(Text(h), justify="right" if i in right else "left",
                             footer=Text(foot[i]) if foot else "", overflow="fold")
        for r in cells:
            table.add_row(*(Text(c) for c in r))
        Console().print(table)
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
