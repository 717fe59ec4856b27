"""`isek funding` and `isek grant draw`: the plan's money as programmes, grants and drawdowns."""

from __future__ import annotations

from typing import Optional

import typer

from .app import app
from .common import REV_HELP, TableFormat, echo, emit_csv, emit_json, emit_table, load, state
from .complete import grant_ids

grant_app = typer.Typer(help="Grants (Zuwendungen): record money drawn from them.", no_args_is_help=True)
app.add_typer(grant_app, name="grant")

FUNDING_COLUMNS = ["id", "title", "level", "family", "grants", "granted_eur", "drawn_eur", "open_eur", "measures",
                   "eligible_eur", "own_share_eur"]


def _eur(n: int | None) -> str:
    return "" if n is None else f"{n:,} €".replace(",", ".")


@app.command()
def funding(
    ctx: typer.Context,
    year: Optional[int] = typer.Option(None, "--year", "-y", help="Figures up to 31 Dec of this year. "
                                                                    "Default: the latest progress year."),
    format: TableFormat = typer.Option(TableFormat.table, "--format", "-f", help="table, json or csv."),
    rev: Optional[str] = typer.Option(None, "--rev", help=REV_HELP),
) -> None:
    """Per funding programme: grants, money granted and drawn up to the year, measures; and what needs a look."""
    data = load(ctx, rev=rev).funding(year)
    if format is TableFormat.json:
        emit_json(data)
        return
    if format is TableFormat.csv:
        emit_csv(data["programmes"], FUNDING_COLUMNS)
        return
    y, t = data["year"], data["total"]
    if not data["programmes"]:
        echo("No funding programmes: add them to funding.yaml (see 'isek init' or docs/plan-format.md).")
        return
    # A programme without grants has nothing granted or drawn to report: "–", not "0 €".
    emit_table([[p["id"], p["title"], p["grants"], *((_eur(p["granted_eur"]), _eur(p["drawn_eur"]), _eur(p["open_eur"]))
                                                     if p["grants"] else ("–", "–", "–")), p["measures"]]
                for p in data["programmes"]],
               ["programme", "title", "grants", "granted", "drawn", "open", "measures"],
               title=f"Funding up to 31 Dec {y} (granted: programme years ≤ {y}; drawn: payments by 31 Dec {y})",
               right=(2, 3, 4, 5, 6),
               footer=["total", "", t["grants"], _eur(t["granted_eur"]), _eur(t["drawn_eur"]), _eur(t["open_eur"]),
                       t["measures"]])
    flags = data["flags"]
    for f in flags["overspent"]:
        echo(f"overspent: {f['measure']} spent {_eur(f['spent_eur'])}, estimated at most {_eur(f['cost_max_eur'])}")
    for f in flags["drawn_above_granted"]:
        echo(f"drawn above granted: {f['grant']} drew {_eur(f['drawn_eur'])} of {_eur(f['granted_eur'])}")
    for f in flags["undrawn"]:
        echo(f"nothing drawn yet: {f['grant']} ({f['year']}, {_eur(f['granted_eur'])})")


@grant_app.command("draw")
def grant_draw(
    ctx: typer.Context,
    grant: str = typer.Argument(..., metavar="GRANT", autocompletion=grant_ids, help="Grant id from funding.yaml, e.g. G-2019-LZ."),
    eur: str = typer.Argument(..., metavar="EUR", help="The amount of this one payment in whole euros, e.g. 120000."),
    date: Optional[str] = typer.Option(None, "--date", "-d", help="Date of the payment, YYYY-MM-DD. Default: today."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show the entry and where it would go; write nothing."),
) -> None:
    """Record money drawn from a grant (one payment, not a running total) in progress/YEAR.yaml."""
    from ..api import record_progress
    from ..writing.append import Refused
    from .progress import _parse_date, _refused, _report, whole_euros

    amount = whole_euros(eur, "EUR")
    entry = {"grant": grant, "date": _parse_date(date), "eur": amount}
    try:
        result = record_progress(state(ctx).plan_dir, drawdowns=[entry], dry_run=dry_run)
    except Refused as exc:
        _refused(exc)
    _report(result, date_given=date is not None)
