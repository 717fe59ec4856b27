"""`isek progress add|import`, `isek indicator set`, `isek due`."""

from __future__ import annotations

import datetime as dt
import enum
import re
import sys
from pathlib import Path
from typing import List, Optional

import typer

from ..plan.model import MAX_EUR, STATUSES
from .app import app
from .common import (
    REV_HELP,
    TableFormat,
    echo,
    emit_csv,
    emit_json,
    emit_table,
    load,
    state,
    stdout_dash,
    working,
)
from .complete import indicator_ids, measure_ids

progress_app = typer.Typer(help="Record progress of measures.", no_args_is_help=True)
indicator_app = typer.Typer(help="Record values of context indicators.", no_args_is_help=True)
app.add_typer(progress_app, name="progress")
app.add_typer(indicator_app, name="indicator")


def _today() -> dt.date:
    return dt.date.today()  # one place, so tests can move the calendar


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def _parse_date(value: Optional[str]) -> dt.date:
    if value is None:
        return _today()
    from ..data.sheets import to_date

    try:
        return to_date(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--date") from None


def _percent(text: Optional[str]) -> Optional[int]:
    """--percent as a whole number, with the hint `check` gives for the same text in a file."""
    if text is None:
        return None
    from ..plan.shape import percent_sign_hint

    if re.fullmatch(r"\s*[+-]?\d{1,6}\s*", text):  # the range (0..100) is the plan's check, with its hint
        return int(text)
    hint = percent_sign_hint(text) or "percent is a whole number from 0 to 100"
    raise typer.BadParameter(f"'{text}' is not a whole number; {hint}", param_hint="'--percent'")


def whole_euros(text: str, param_hint: str, *, bounds: bool = True) -> int:
    """An amount of whole euros (12000, 12.000, '12 000 €'), refused with a hint that fits the mistake.

    ``bounds=False`` leaves a plain number's range to the plan's validation (a refused write, exit 1).
    """
    from ..data.sheets import check_euros, to_int

    if not bounds and re.fullmatch(r"\s*[+-]?\d{1,40}\s*", text):
        return int(text)
    try:
        amount = to_int(text)
    except ValueError as exc:
        cents = re.fullmatch(r"\s*[+-]?[\d.' ]*\d[.,]\d{1,2}\s*(€|eur|euro)?\s*", text, flags=re.I)
        hint = ("amounts are whole euros: leave out the cents" if cents
                else f"amounts are whole euros from 0 to {MAX_EUR:,}, e.g. 120000 or 120.000")
        raise typer.BadParameter(f"{exc}; {hint}", param_hint=param_hint) from None
    if not bounds:
        return amount
    if amount < 0:
        raise typer.BadParameter("an amount is not negative; correct a wrong entry in the progress file",
                                 param_hint=param_hint)
    try:
        check_euros(amount)  # the bound of every amount, before the plan is even loaded
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint=param_hint) from None
    return amount


def _ask_status() -> str:
    """Ask for a status in a terminal, offering the vocabulary as numbered choices."""
    for i, s in enumerate(STATUSES, start=1):
        echo(f"  {i}) {s}")
    while True:
        answer = typer.prompt("status (number or name)").strip()
        if answer.isdigit() and 1 <= int(answer) <= len(STATUSES):
            return STATUSES[int(answer) - 1]
        if answer in STATUSES:
            return answer
        echo(f"not a status: {answer}")


def _value_date(value: str | None) -> dt.date:
    """The date of an indicator value; without --date early in the year, which year is meant is unclear.

    In January to March last year's figures arrive: in a terminal isek asks, piped it warns.
    """
    if value is not None or _today().month > 3:
        return _parse_date(value)
    today = _today()
    last = today.year - 1
    if _interactive():
        echo(f"No --date given. Is the value for {last} (filed as {last}-12-31) or for {today.year} "
             f"(filed as {today})?", err=True)
        while True:
            answer = typer.prompt("year", default=str(today.year), err=True).strip()
            if answer in (str(last), str(today.year)):
                return dt.date(last, 12, 31) if answer == str(last) else today
            echo(f"answer {last} or {today.year}", err=True)
    echo(f"warning: no --date: the value is filed under today, {today}, in progress/{today.year}.yaml; "
         f"if it is {last}'s figure, give --date {last}-12-31", err=True)
    return today


def _refused(exc) -> None:
    echo(f"isek: refused: {exc.message}", err=True)
    for d in exc.diagnostics[:20]:
        where = "" if d.file.startswith("progress/") else f"{d.where}: "
        echo(f"  {where}{d.message}" + (f" (hint: {d.hint})" if d.hint else ""), err=True)
    echo("isek: nothing was written", err=True)
    raise typer.Exit(1)


def _describe_update(r) -> str:
    u = r.entry
    pct = f" ({u['percent']} %)" if u.get("percent") is not None else ""
    return f"{u['measure']}: {r.previous_status} → {u['status']}{pct}, {r.rel}"


def _describe_value(r) -> str:
    v = r.entry
    prev = f"{r.previous_value:g} → " if r.previous_value is not None else ""
    return f"{v['indicator']}: {prev}{v['value']:g} on {v['date']}, {r.rel}"


def _describe_drawdown(r) -> str:
    d = r.entry
    return f"{d['grant']}: drew {d['eur']:,} € on {d['date']} ({r.previous_value + d['eur']:,} € drawn so far), {r.rel}"


def _report(result, date_given: bool = True) -> None:
    verb = "would record" if result.dry_run else "recorded"
    for r in result.recorded:
        text = {"updates": _describe_update, "values": _describe_value, "drawdowns": _describe_drawdown}[r.list_key](r)
        echo(f"{verb} {text}" if result.dry_run else text)
    for rel in result.created:
        echo(f"{'would create' if result.dry_run else 'created'} {rel}")
        if not date_given:  # a new year file nobody asked for by name: say it where it cannot be missed
            echo(f"warning: without --date the entry is dated today, which starts the NEW file {rel}; "
                 "if it belongs to an earlier year, undo and give --date", err=True)
    for d in result.warnings:
        echo(f"warning[{d.code}]: {d.message}", err=True)
    if result.dry_run:
        echo(result.diff(), nl=False)
        echo("dry run: nothing was written")


@progress_app.command("add")
def progress_add(
    ctx: typer.Context,
    measure: str = typer.Argument(..., metavar="MEASURE", autocompletion=measure_ids, help="Measure id, e.g. HF1.M03."),
    status: Optional[str] = typer.Option(None, "--status", "-s", help="New status. " + ", ".join(STATUSES) + "."),
    percent: Optional[str] = typer.Option(None, "--percent", "-p", metavar="INTEGER",
                                          help="Percent done, 0..100 (100 only with abgeschlossen)."),
    note: Optional[str] = typer.Option(None, "--note", "-n", help="What happened (Markdown allowed)."),
    date: Optional[str] = typer.Option(None, "--date", "-d", help="Date of the news, YYYY-MM-DD. Default: today."),
    spent_eur: Optional[str] = typer.Option(None, "--spent-eur", metavar="INTEGER",
                                            help=f"Money spent so far, whole euros (0 to {MAX_EUR:,})."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show the entry and where it would go; write nothing."),
) -> None:
    """Append one progress entry to progress/YEAR.yaml, validated with the whole plan first."""
    from ..api import record_progress as append
    from ..writing.append import Refused

    if status is None:
        if sys.stdin.isatty() and sys.stdout.isatty():
            status = _ask_status()
        else:
            raise typer.BadParameter("missing; one of " + ", ".join(STATUSES), param_hint="--status")
    entry = {"measure": measure, "date": _parse_date(date), "status": status, "percent": _percent(percent),
             "note": note, "spent_eur": None if spent_eur is None else whole_euros(spent_eur, "--spent-eur", bounds=False)}
    try:
        result = append(state(ctx).plan_dir, updates=[entry], dry_run=dry_run)
    except Refused as exc:
        _refused(exc)
    _report(result, date_given=date is not None)


@indicator_app.command("set", context_settings={"ignore_unknown_options": True})
def indicator_set(
    ctx: typer.Context,
    indicator: str = typer.Argument(..., metavar="INDICATOR", autocompletion=indicator_ids, help="Indicator id, e.g. K-BEV-01."),
    value: str = typer.Argument(..., metavar="VALUE", help="The value: 83060 or 22,8 / 22.8."),
    date: Optional[str] = typer.Option(None, "--date", "-d", help="Date the value refers to, YYYY-MM-DD. Default: today."),
    area: Optional[str] = typer.Option(None, "--area", help="The area the value is for (areas.yaml). Default: the whole city."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show the entry and where it would go; write nothing."),
) -> None:
    """Append one indicator value to progress/YEAR.yaml."""
    from ..api import record_progress as append
    from ..data.sheets import to_number
    from ..writing.append import Refused

    try:
        number = to_number(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="VALUE") from None
    entry = {"indicator": indicator, "value": number, "date": _value_date(date), "area": area}
    try:
        result = append(state(ctx).plan_dir, values=[entry], dry_run=dry_run)
    except Refused as exc:
        _refused(exc)
    _report(result, date_given=date is not None)


@progress_app.command("import")
def progress_import(
    ctx: typer.Context,
    files: List[Path] = typer.Argument(..., metavar="FILE...", exists=True, dir_okay=False,
                                       help="Answered requests and progress sheets: .xlsx, .ods or .csv."),
    sheet: Optional[str] = typer.Option(None, "--sheet", help="Worksheet of a plain sheet (default: the first)."),
    year: Optional[int] = typer.Option(None, "--year", "-y", help="Refuse requests that ask about another year."),
    partial: bool = typer.Option(False, "--partial", help="Record the valid entries and list the problems."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check every row and show what would be written."),
    allow_duplicates: bool = typer.Option(False, "--allow-duplicates",
                                          help="Record rows the plan already has again (same measure, date, status, "
                                               "percent, note and money spent); by default they are skipped."),
) -> None:
    """Append progress entries from answered requests and spreadsheets: all, or none if anything is wrong.

    Answered requests (from 'isek progress request') are recognised by their hidden sheet: only rows
    with an input count, answers already recorded are skipped. Plain sheets have the columns measure,
    date, status, percent, note, spent_eur (German headers such as Maßnahme, Datum, Status, Prozent,
    Bemerkung, Ausgaben work too), or grant, date, amount for drawdowns.
    """
    from ..api import import_progress
    from ..data.survey import ImportRefused
    from ..writing.append import Refused

    try:
        with working("checking and writing …"):
            found, result = import_progress(state(ctx).plan_dir, files, sheet=sheet, year=year, partial=partial,
                                            dry_run=dry_run, skip_existing=not allow_duplicates)
    except ImportRefused as exc:
        _problems(exc.answers)
        echo(f"isek: refused: {exc.message}", err=True)
        raise typer.Exit(1)
    except Refused as exc:
        _refused(exc)
    _problems(found)
    if found.problems:
        echo(f"left out {len(found.problems)} problem(s) (listed above); recorded the valid entries", err=True)
    if found.skipped:
        echo(f"skipped {len(found.skipped)} answer(s) identical to the last entry (already recorded): "
             + ", ".join(s.rsplit(": ", 1)[1] for s in found.skipped))
    if result is None:
        echo(f"nothing to import from {_files(found)}; nothing was written")
        return
    _report(result)
    echo(f"{'would import' if dry_run else 'imported'} {len(result.recorded)} entries from {_files(found)}")
    if result.skipped:
        echo(f"skipped {len(result.skipped)} entries the plan already has (same measure, date, status, "
             "percent, note and money spent); --allow-duplicates records them again", err=True)


def _problems(found) -> None:
    for n in found.notes:
        echo(f"note: {n}", err=True)
    for p in found.problems:
        echo(str(p), err=True)


def _files(found) -> str:
    return found.workbooks[0] if len(found.workbooks) == 1 else f"{len(found.workbooks)} files"


class RequestFormat(str, enum.Enum):
    xlsx = "xlsx"
    ods = "ods"


class By(str, enum.Enum):
    lead = "lead"
    committee = "committee"
    field = "field"


@progress_app.command("request")
def progress_request(
    ctx: typer.Context,
    output: Path = typer.Option(..., "-o", "--output", metavar="DIR", help="Folder for the workbooks."),
    year: Optional[int] = typer.Option(None, "--year", "-y", help="The year asked about. Default: the latest progress year."),
    by: By = typer.Option(By.lead, "--by", help="One workbook per lead actor, committee or field of action."),
    format: RequestFormat = typer.Option(RequestFormat.xlsx, "--format", "-f", help="xlsx or ods."),
    deadline: Optional[str] = typer.Option(None, "--deadline", metavar="DATE", help="Answer by this date (YYYY-MM-DD)."),
    contact: Optional[str] = typer.Option(None, "--contact", help="Added to the plan's owner as contact, e.g. a mail address."),
    force: bool = typer.Option(False, "--force", help="Replace files in DIR that isek did not write."),
) -> None:
    """Write the yearly survey: one prefilled workbook per actor (committee, field) to fill in and send back.

    Each workbook lists the measures to answer (parts under their parent) with their last state, and
    the measures as partner read-only; only the input columns (status, percent, note, date, spent) can
    be edited. Take the answers back with 'isek progress import DIR/*.xlsx'.
    """
    stdout_dash(output, "workbooks (a folder of files)")
    due_date = None
    if deadline is not None:
        from ..data.sheets import to_date

        try:
            due_date = to_date(deadline)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--deadline") from None
    plan = load(ctx)
    written = plan.write_requests(output, year=year, by=by.value, format=format.value, deadline=due_date,
                                  contact=contact, force=force)
    for path in written:
        echo(f"wrote {path}")
    asked = plan.default_year() if year is None else year
    echo(f"{len(written)} workbook(s) for {asked}; import the answers with "
         f"'isek progress import {output}/*.{format.value}'")


DUE_COLUMNS = ["reason", "id", "title", "field", "priority", "lead", "status", "percent", "start", "end",
               "last_update", "years_over", "expected_percent", "gap_points", "ratio", "rating"]


@app.command()
def due(
    ctx: typer.Context,
    year: Optional[int] = typer.Option(None, "--year", "-y", help="Report year. Default: the latest progress year."),
    format: TableFormat = typer.Option(TableFormat.table, "--format", "-f", help="table, json or csv."),
    strict: bool = typer.Option(False, "--strict", help="Exit 1 when anything is listed (for CI)."),
    rev: Optional[str] = typer.Option(None, "--rev", help=REV_HELP),
    by: Optional[By] = typer.Option(None, "--by", help="The reminder list: per lead actor (committee, field) the "
                                    "measures still without an entry in the year."),
) -> None:
    """Measures overdue, behind schedule or lacking an update in the year (each listed once); deferred ones for information.

    With --by: the reminder list, per lead actor (committee, field) every measure still without an
    entry in the year, also those listed above as overdue or behind schedule.
    """
    if by is not None:
        _reminders(load(ctx, rev=rev).reminders(year, by=by.value), format, strict)
        return
    data = load(ctx, rev=rev).due(year)
    if format is TableFormat.json:
        emit_json(data)
    elif format is TableFormat.csv:
        rows = [dict(r, reason=reason) for reason in ("overdue", "behind_schedule", "no_update", "deferred")
                for r in data[reason]]
        emit_csv(rows, DUE_COLUMNS)
    else:
        _due_tables(data)
    if strict and data["total"]:
        raise typer.Exit(1)


def _due_tables(data: dict) -> None:
    y = data["year"]
    pct = lambda p: "" if p is None else f"{p} %"  # noqa: E731
    if not data["total"]:
        echo(f"Nothing due for {y}: every open measure has an update, none is overdue or behind schedule.")
    if data["overdue"]:
        emit_table([[r["id"], r["title"], r["lead"], r["status"], pct(r["percent"]), r["end"], r["last_update"] or "never"]
                    for r in data["overdue"]],
                   ["id", "title", "lead", "status", "done", "end", "last update"],
                   title=f"Overdue at the end of {y} ({len(data['overdue'])})", right=(4, 5), status_cols=(3,))
    if data["behind_schedule"]:
        emit_table([[r["id"], r["title"], r["lead"], pct(r["percent"]), f"{r['expected_percent']:g} %", r["rating"],
                     r["last_update"] or "never"] for r in data["behind_schedule"]],
                   ["id", "title", "lead", "done", "expected", "rating", "last update"],
                   title=f"Behind schedule at the end of {y} ({len(data['behind_schedule'])})", right=(3, 4))
    if data["no_update"]:
        emit_table([[r["id"], r["title"], r["lead"], r["status"], r["last_update"] or "never"] for r in data["no_update"]],
                   ["id", "title", "lead", "status", "last update"], title=f"No update in {y} ({len(data['no_update'])})",
                   status_cols=(3,))
    if data["deferred"]:
        emit_table([[r["id"], r["title"], r["lead"], r["last_update"] or "never"] for r in data["deferred"]],
                   ["id", "title", "lead", "last update"],
                   title=f"Deferred, for information ({len(data['deferred'])})")


def _reminders(data: dict, format: TableFormat, strict: bool) -> None:
    if format is TableFormat.json:
        emit_json(data)
    elif format is TableFormat.csv:
        emit_csv([dict(r, group=g["id"], group_name=g["name"]) for g in data["groups"] for r in g["measures"]],
                 ["group", "group_name", "id", "title", "field", "status", "last_update", "reason"])
    elif not data["groups"]:
        echo(f"Nothing to remind for {data['year']}: every open measure has an entry.")
    else:
        # the column 'also' only when some measure is also overdue or behind schedule
        also = {"overdue": "overdue", "behind_schedule": "behind schedule", "no_update": ""}
        extra = any(r["reason"] != "no_update" for g in data["groups"] for r in g["measures"])
        for g in data["groups"]:
            emit_table([[r["id"], r["title"], r["status"], r["last_update"] or "never"]
                        + ([also[r["reason"]]] if extra else []) for r in g["measures"]],
                       ["id", "title", "status", "last update"] + (["also"] if extra else []),
                       title=f"{g['id']} {g['name']}: {len(g['measures'])} without an entry in {data['year']}")
    if strict and data["total"]:
        raise typer.Exit(1)
