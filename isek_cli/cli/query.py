"""`isek status`, `isek measures`, `isek show`."""

from __future__ import annotations

from typing import Optional

import typer

from ..errors import BadFilter, UnknownId
from ..plan.model import STATUSES
from . import ci
from .app import app
from .common import (
    REV_HELP,
    SHORT_STATUS,
    WIDE_HELP,
    TableFormat,
    emit_csv,
    emit_json,
    emit_table,
    load,
)
from .complete import actor_ids, any_ids, field_ids

STATUS_HELP = "One of: " + ", ".join(STATUSES) + "."


def _pct(share: float) -> str:
    return f"{share * 100:.0f} %"


def _delta(n: int) -> str:
    return f"+{n}" if n > 0 else (str(n) if n < 0 else "±0")


@app.command()
def status(
    ctx: typer.Context,
    year: Optional[int] = typer.Option(None, "--year", "-y", help="Monitoring year. Default: the latest year with a progress file."),
    format: TableFormat = typer.Option(TableFormat.table, "--format", "-f", help="table, json or csv."),
    area: Optional[str] = typer.Option(None, "--area", help="Only measures in this area (and the areas inside it)."),
    rev: Optional[str] = typer.Option(None, "--rev", help=REV_HELP),
    wide: bool = typer.Option(False, "--wide", help=WIDE_HELP),
) -> None:
    """Measures by status per field of action, with the share completed and the change since last year.

    Counts top-level measures; parts count under their parent.
    """
    try:
        data = load(ctx, rev=rev).status(year, area=area)
    except UnknownId as exc:
        raise typer.BadParameter(exc.message, param_hint="--area") from None
    ci.append_step_summary(ci.status_summary(data, list(data["total"]["by_status"])))
    if format is TableFormat.json:
        emit_json(data)
        return
    rows = data["fields"] + [dict(data["total"], id="total", title="")]
    if format is TableFormat.csv:
        flat = [{"id": r["id"], "title": r["title"], "measures": r["measures"], **r["by_status"],
                 "completed_share": r["completed_share"], "completed_change": r["change"]["abgeschlossen"]} for r in rows]
        emit_csv(flat, ["id", "title", "measures", *STATUSES, "completed_share", "completed_change"])
        return
    headers = ["field", "title", "measures", *STATUSES, "completed", "Δ completed"]
    shown = [r for r in data["fields"] if r["measures"] or area is None]  # an area touches few fields
    body = [[r["id"], r["title"], r["measures"], *r["by_status"].values(), _pct(r["completed_share"]),
             _delta(r["change"]["abgeschlossen"])] for r in shown]
    t = data["total"]
    footer = ["total", "", t["measures"], *t["by_status"].values(), _pct(t["completed_share"]),
              _delta(t["change"]["abgeschlossen"])]
    short = {i: SHORT_STATUS[h] for i, h in enumerate(headers) if h in SHORT_STATUS}
    short.update({2: "#", len(headers) - 2: "done", len(headers) - 1: "Δ"})
    emit_table(body, headers, title=f"Status {data['year']}", right=range(2, len(headers)), footer=footer,
               wide=wide, short=short)


MEASURE_COLUMNS = ["id", "title", "field", "priority", "lead", "committee", "start", "end", "status", "percent",
                   "cost_eur", "key_project"]


@app.command()
def measures(
    ctx: typer.Context,
    field: Optional[str] = typer.Option(None, "--field", autocompletion=field_ids,
                                         help="Only this field of action (e.g. HF2)."),
    status: Optional[str] = typer.Option(None, "--status", help="Only measures with this status in the year. " + STATUS_HELP),
    priority: Optional[int] = typer.Option(None, "--priority", min=1, max=9,
                                           help="Only this priority (1, 2, 3, or a value of the plan's own scale)."),
    lead: Optional[str] = typer.Option(None, "--lead", autocompletion=actor_ids,
                                        help="Only measures this actor leads or partners in."),
    committee: Optional[str] = typer.Option(None, "--committee", help="Only measures referred to this committee."),
    area: Optional[str] = typer.Option(None, "--area", help="Only measures in this area (and the areas inside it)."),
    sdg: Optional[str] = typer.Option(None, "--sdg", help="Only measures tagged with this SDG goal (11) or target (11.3)."),
    decision: Optional[str] = typer.Option(None, "--decision", help="Only measures this council decision added."),
    parts: bool = typer.Option(False, "--parts", help="List parts (sub-projects) too, each under its parent."),
    year: Optional[int] = typer.Option(None, "--year", "-y", help="Year for the status. Default: the latest progress year."),
    format: TableFormat = typer.Option(TableFormat.table, "--format", "-f", help="table, json or csv."),
    rev: Optional[str] = typer.Option(None, "--rev", help=REV_HELP),
    wide: bool = typer.Option(False, "--wide", help=WIDE_HELP),
) -> None:
    """List measures, filtered."""
    plan = load(ctx, rev=rev)
    try:
        rows = plan.measures(year=year, field=field, status=status, priority=priority, lead=lead,
                             committee=committee, area=area, sdg=sdg, decision=decision, parts=parts)
    except UnknownId as exc:
        option = {"field of action": "--field", "actor": "--lead", "committee": "--committee", "area": "--area",
                  "decision": "--decision"}[exc.kind]
        raise typer.BadParameter(exc.message, param_hint=option) from None
    except BadFilter as exc:
        raise typer.BadParameter(exc.message, param_hint="--" + exc.option) from None
    y = plan.default_year() if year is None else year
    if format is TableFormat.json:
        emit_json({"year": y, "measures": rows})
    elif format is TableFormat.csv:
        from ..data.export import L, S, text_cell  # true/false, lists and dates as `isek export` writes them

        emit_csv([{k: text_cell(v, L if isinstance(v, list) else S) for k, v in r.items()} for r in rows],
                 MEASURE_COLUMNS)
    else:
        depth = _depths(rows)
        emit_table([[("  " * depth[r["id"]] + r["id"]), r["title"], r["priority"], r["lead"], r["status"],
                     "" if r["percent"] is None else f"{r['percent']} %", r["end"]] for r in rows],
                   ["id", "title", "prio", "lead", "status", "done", "end"],
                   title=f"{len(rows)} measures, status {y}", right=(2, 5, 6), wide=wide, status_cols=(4,))


def _depths(rows: list[dict]) -> dict[str, int]:
    """How deep each listed part sits under its top-level measure (0: top level); rows come parent first."""
    depth: dict[str, int] = {}
    for r in rows:
        depth[r["id"]] = depth.get(r["parent"], -1) + 1 if r["parent"] is not None else 0
    return depth


@app.command()
def show(
    ctx: typer.Context,
    id: str = typer.Argument(..., metavar="ID", autocompletion=any_ids, help="Id of a measure, goal, field, guiding goal, indicator, actor or committee."),
    year: Optional[int] = typer.Option(None, "--year", "-y", help="Year for statuses. Default: the latest progress year."),
    format: TableFormat = typer.Option(TableFormat.table, "--format", "-f", help="table (readable text) or json."),
    rev: Optional[str] = typer.Option(None, "--rev", help=REV_HELP),
) -> None:
    """One entity with its links and history; exit 1 for an unknown id."""
    data = load(ctx, rev=rev).show(id, year)
    if format is TableFormat.json:
        emit_json(data)
        return
    from .showtext import render

    typer.echo(render(data))
