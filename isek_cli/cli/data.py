"""`isek import catalogue` and `isek export`: data in and out."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import List, Optional

import typer

from .app import app
from .common import echo, load, stdout_dash, working

import_app = typer.Typer(help="Create plan files from spreadsheets.", no_args_is_help=True)
app.add_typer(import_app, name="import")


def _mapping(items: list[str]) -> dict[str, str]:
    from ..data.catalogue import COLUMNS
    from ..plan.suggest import did_you_mean

    out = {}
    for item in items:
        header, sep, target = item.partition("=")
        header, target = header.strip(), target.strip()
        if not sep or not header or not target:
            raise typer.BadParameter(f"'{item}' is not HEADER=field, e.g. --map 'Kurztitel=title'", param_hint="--map")
        if target not in COLUMNS and target != "ignore":
            hint = did_you_mean(target, COLUMNS)
            raise typer.BadParameter(f"'{target}' is not a catalogue field" + (f"; {hint}" if hint else "")
                                     + f" (fields: {', '.join(COLUMNS)}, or 'ignore')", param_hint="--map")
        out[header] = target
    return out


@import_app.command("catalogue")
def import_catalogue(
    file: Path = typer.Argument(..., metavar="FILE", exists=True, dir_okay=False, help="The catalogue, .xlsx, .ods or .csv."),
    into: Path = typer.Option(..., "--into", metavar="DIR", help="New plan folder (must not hold a plan yet)."),
    map_: Optional[List[str]] = typer.Option(None, "--map", metavar="HEADER=FIELD",
                                             help="Read column HEADER as FIELD (e.g. 'Kurztitel=title'); repeatable."),
    partial: bool = typer.Option(False, "--partial", help="Write the valid rows and list the others."),
    sheet: Optional[str] = typer.Option(None, "--sheet", help="Worksheet name (default: the first)."),
    city: Optional[str] = typer.Option(None, "--city", help="The city's name (default: Musterstadt)."),
    start: Optional[int] = typer.Option(None, "--start", help="First year of the horizon (default: earliest start)."),
    end: Optional[int] = typer.Option(None, "--end", help="Last year of the horizon (default: latest year)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check every row and list the files; write nothing."),
) -> None:
    """Create a plan folder from a measure catalogue: one row per measure, German or English headers.

    Columns: Kürzel/Nr., Handlungsfeld/Themenfeld, Ziel, Maßnahme, Kurzbeschreibung, Prioritätsstufe,
    Akteure/Zuständigkeit, Partner, Umsetzungszeitraum (or Beginn, Ende), Kosteneinschätzung,
    Finanzierung, Stadtteil/Gebiet, Teil von (or field, goal, id, title, description, priority, lead,
    partners, period, start, end, cost, funding, areas, parent). Nothing is written unless every row
    maps. Every form: docs/data.md.
    """
    from ..api import import_catalogue as run_import
    from ..data.catalogue import CatalogueRefused, Options

    if start is not None and end is not None and end < start:
        raise typer.BadParameter("the end year must not be before the start year", param_hint="--end")
    options = Options(sheet=sheet, mapping=_mapping(map_ or []), partial=partial, city=city, start=start, end=end)
    try:
        with working(f"importing {file.name} …"):
            result = run_import(file, into, options, dry_run=dry_run)
    except CatalogueRefused as exc:
        for n in exc.notes:
            echo(f"note: {n}", err=True)
        for p in exc.problems:
            echo(str(p), err=True)
        echo(f"isek: refused: {exc.message}; nothing was written", err=True)
        raise typer.Exit(1)
    parsed = result.parsed
    for n in parsed.notes:
        echo(f"note: {n}", err=True)
    for p in parsed.problems:
        echo(str(p), err=True)
    if parsed.problems:
        echo(f"skipped {parsed.rows - parsed.rows_ok} row(s) with problems (listed above)", err=True)
    for path in result.written if not dry_run else [into / rel for rel in result.files]:
        echo(f"{'would create' if dry_run else 'created'} {path}")
    draft = parsed.draft
    measures = sum(len(f["measures"]) for f in draft.fields)
    goals = sum(len(f["goals"]) for f in draft.fields)
    echo(f"{'would import' if dry_run else 'imported'} {_n(measures, 'measure')} in "
               f"{_n(len(draft.fields), 'field')} of action with {_n(goals, 'goal')} and "
               f"{_n(len(draft.actors), 'actor')} from {file.name}")
    for d in result.warnings:
        echo(f"warning[{d.code}]: {d.where}: {d.message}", err=True)
    if dry_run:
        echo("dry run: nothing was written")
    else:
        echo(f"next: isek --plan {into} check")


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


class ExportFormat(str, enum.Enum):
    csv = "csv"
    xlsx = "xlsx"
    json = "json"
    sqlite = "sqlite"


@app.command("export")
def export(
    ctx: typer.Context,
    format: Optional[ExportFormat] = typer.Option(
        None, "--format", "-f", help="csv (a folder with datapackage.json), xlsx, json or sqlite. "
                                     "Default: from the suffix of -o."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", metavar="PATH",
                                          help="File to write (a folder for csv). JSON without -o or with -o - goes to stdout."),
    year: Optional[int] = typer.Option(None, "--year", "-y", help="Status year. Default: the latest progress year."),
    force: bool = typer.Option(False, "--force", help="Replace files isek did not generate."),
) -> None:
    """Export the plan as open data: measures with their status, progress entries, indicators, fields, goals, actors."""
    from ..data import export as ex
    from ..errors import IsekError
    from ..writing.outputs import OutputRefused

    if output is not None and str(output) == "-":
        fmt = format.value if format else "json"
        output = stdout_dash(output, None if fmt == "json" else f"{fmt} ({'a folder of files' if fmt == 'csv' else 'binary'})")
    fmt = format.value if format else ex.SUFFIXES.get(output.suffix.lower()) if output else "json"
    if fmt is None:
        raise typer.BadParameter(f"cannot tell the format from '{output.name}'; give --format csv|xlsx|json|sqlite",
                                 param_hint="--format")
    if output is None and fmt != "json":
        raise typer.BadParameter(f"{fmt} needs an output path", param_hint="-o")
    plan = load(ctx)
    y = year if year is not None else plan.default_year()
    if output is None:
        typer.echo(ex.to_json(plan.tables(y), y).decode("utf-8"), nl=False)
        return
    try:
        with working(f"exporting {fmt} …"):
            written = plan.export(fmt, output, year=y, force=force)
    except OutputRefused as exc:
        echo(f"isek: refused: {exc}", err=True)
        raise typer.Exit(1)
    except OSError as exc:
        if isinstance(exc, IsekError):  # already worded (a refused write): exit 1 in cli/app.py
            raise
        echo(f"isek: cannot write {exc.filename or output}: {exc.strerror or exc}", err=True)
        raise typer.Exit(1)
    where = f"{output} ({len(written)} files)" if fmt == "csv" else \
        " and ".join(str(p) for p in written)  # sqlite: the database and Datasette's metadata.json
    parts = sum(1 for _, m in plan.index.all_measures() if m.parent is not None)
    count = f"{len(plan.index.measure_index) - parts} measures" + (f" and {parts} parts" if parts else "")
    echo(f"wrote {where}: {fmt}, {count}, status in {y}", err=True)
