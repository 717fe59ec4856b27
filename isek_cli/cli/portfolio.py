"""`isek portfolio check|status|funding|site|export`: several plans listed in portfolio.yaml as one."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer

from ..plan.diagnostics import failing
from ..plan.model import STATUSES
from . import ci
from .app import app
from .check import CheckFormat, github_line, print_text
from .common import SHORT_STATUS, WIDE_HELP, TableFormat, dump_json, echo, emit_csv, emit_json, emit_table, is_terminal
from .data import ExportFormat
from .report import Lang, _templates_option

if TYPE_CHECKING:
    from ..portfolio.core import Portfolio

portfolio_app = typer.Typer(help="Several plans as one: a city's area plans, a district's towns (portfolio.yaml).",
                            no_args_is_help=True)
app.add_typer(portfolio_app, name="portfolio")

FILE_HELP = "The portfolio file, or a folder holding portfolio.yaml. Default: ./portfolio.yaml."
JOBS_HELP = "Worker processes for plans read afresh. Default: $ISEK_JOBS, else one per core (at most 4)."


def _open(file: Optional[Path], no_cache: bool = False, jobs: Optional[int] = None) -> Portfolio:
    from ..api import open_portfolio

    return open_portfolio(file, strict=False, use_cache=not no_cache, jobs=jobs)


def _complain(pf: Portfolio) -> None:
    """Say on stderr which plans were left out, and exit 1 if anything has errors."""
    if pf.ok:
        return
    for d in pf._file_diagnostics:
        if d.severity == "error":
            echo(f"{d.where}: error[{d.code}]: {d.message}", err=True)
    for p in pf.plans:
        if not p.ok and p.own_diagnostics:
            echo(f"isek: plan {p.id} ({p.path}) has {len(p.errors)} error(s); left out", err=True)
    echo(f"isek: run 'isek portfolio check {pf.file}' for every problem", err=True)
    raise typer.Exit(1)


@portfolio_app.command("check")
def check(
    file: Optional[Path] = typer.Argument(None, metavar="[FILE]", help=FILE_HELP),
    format: Optional[CheckFormat] = typer.Option(
        None, "--format", "-f", help="text (default), json, github annotations (default when GITHUB_ACTIONS=true), "
                                     "sarif (SARIF 2.1.0) or gitlab (Code Quality)."),
    strict: bool = typer.Option(False, "--strict", help="Warnings fail the check too."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Read every plan afresh, ignoring the cache."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1, max=64, help=JOBS_HELP),
) -> None:
    """Check the portfolio file and every plan. JSON names files relative to the portfolio file's folder;
    text, github, sarif and gitlab relative to where the reader stands, as 'isek check' does."""
    from ..portfolio.file import CODES as PORTFOLIO_CODES

    pf = _open(file, no_cache, jobs)
    diags = pf.diagnostics
    fmt = format or (CheckFormat.github if ci.on_github() else CheckFormat.text)
    lines = _summary(pf)
    if fmt is CheckFormat.json:
        typer.echo(dump_json(pf.check()))
    elif fmt is CheckFormat.sarif:
        typer.echo(dump_json(ci.sarif(diags, pf.folder, PORTFOLIO_CODES)))
    elif fmt is CheckFormat.gitlab:
        typer.echo(dump_json(ci.gitlab(diags, pf.folder)))
    elif fmt is CheckFormat.github:
        for d in diags:
            typer.echo(github_line(d, pf.folder))
        echo("\n".join(lines))
    else:
        print_text(diags, pf.folder, color=is_terminal())
        echo("\n".join(lines))
    ci.append_step_summary(ci.check_summary(diags, pf.folder, lines[-1]))
    raise typer.Exit(1 if failing(diags, strict) else 0)


def _summary(pf: Portfolio) -> list[str]:
    lines = []
    for p in pf.plans:
        at = f" at {p.rev} ({p.commit[:10]})" if p.rev and p.commit else (f" at {p.rev}" if p.rev else "")
        state = "valid" if p.ok else f"{len(p.errors)} error(s)"
        lines.append(f"  {p.id}: {p.path}{at}: {state}, {len(p.warnings)} warning(s)")
    bad = sum(not p.ok for p in pf.plans)
    errors, warnings = len(pf.errors), len(pf.warnings)
    head = f"{pf.file}: {len(pf.plans)} plans, " + (f"{bad} invalid, " if bad else "all valid, ")
    return lines + [head + f"{errors} error(s), {warnings} warning(s)"]


def _pct(share: float | None) -> str:
    return "" if share is None else f"{share * 100:.0f} %"


@portfolio_app.command("status")
def status(
    file: Optional[Path] = typer.Argument(None, metavar="[FILE]", help=FILE_HELP),
    year: Optional[int] = typer.Option(None, "--year", "-y",
                                       help="Monitoring year. Default: the latest year with a progress file in any plan."),
    format: TableFormat = typer.Option(TableFormat.table, "--format", "-f", help="table, json or csv."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Read every plan afresh, ignoring the cache."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1, max=64, help=JOBS_HELP),
    wide: bool = typer.Option(False, "--wide", help=WIDE_HELP),
) -> None:
    """One row per plan: measures by status, share completed, and whether the year's report is missing.

    Each plan counts as 'isek status --year Y' counts it; exit 1 when a plan is invalid (the others are shown).
    """
    pf = _open(file, no_cache, jobs)
    data = pf.status(year)
    y, t = data["year"], data["total"]
    if format is TableFormat.json:
        emit_json(data)
    elif format is TableFormat.csv:
        rows = [{k: r[k] for k in ("id", "city", "title", "path", "rev", "valid", "measures", "completed_share",
                                   "last_year", "report_missing")} | (r["by_status"] or {}) for r in data["plans"]]
        rows.append({"id": "total", "valid": t["invalid"] == 0, "measures": t["measures"],
                     "completed_share": t["completed_share"], "report_missing": t["report_missing"]} | t["by_status"])
        emit_csv(rows, ["id", "city", "title", "path", "rev", "valid", "measures", *STATUSES, "completed_share",
                        "last_year", "report_missing"])
    else:
        body = []
        for r in data["plans"]:
            report = "" if r["last_year"] is None else str(r["last_year"])
            if r["report_missing"]:
                report = f"{report or 'none'}: Bericht fehlt"
            if r["valid"]:
                body.append([r["id"], r["city"], r["measures"], *r["by_status"].values(), _pct(r["completed_share"]),
                             report])
            else:
                body.append([r["id"], r["city"] or "", "invalid", *[""] * len(STATUSES), "", report])
        headers = ["plan", "city", "measures", *STATUSES, "completed", "last report"]
        short = {i: SHORT_STATUS[h] for i, h in enumerate(headers) if h in SHORT_STATUS}  # 80 columns, as 'status'
        short.update({2: "#", len(headers) - 2: "done", len(headers) - 1: "report"})
        emit_table(body, headers, title=f"{data['title']}: status {y}", right=range(2, 3 + len(STATUSES) + 1),
                   footer=["total", f"{t['valid']} plans", t["measures"], *t["by_status"].values(),
                           _pct(t["completed_share"]), f"{t['report_missing']} missing" if t["report_missing"] else ""],
                   wide=wide, short=short)
        late = [r for r in data["plans"] if r["valid"] and r["report_missing"]]
        if late:
            echo(f"Bericht fehlt: {len(late)} plan(s) have no progress file for {y}; they are counted with "
                 f"the state of their last report: " + ", ".join(f"{r['id']} ({r['last_year'] or 'none'})"
                                                                for r in late))
    _complain(pf)


def _eur(n: int | None) -> str:
    return "" if n is None else f"{n:,} €".replace(",", ".")


FUNDING_COLUMNS = ["plan", "programme", "title", "year", "grants", "granted_eur", "drawn_eur"]


@portfolio_app.command("funding")
def funding(
    file: Optional[Path] = typer.Argument(None, metavar="[FILE]", help=FILE_HELP),
    year: Optional[int] = typer.Option(None, "--year", "-y", help="Figures up to 31 Dec of this year. "
                                                                    "Default: the latest progress year of any plan."),
    format: TableFormat = typer.Option(TableFormat.table, "--format", "-f",
                                       help="table, json, or csv (one row per programme, plan and programme year)."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Read every plan afresh, ignoring the cache."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1, max=64, help=JOBS_HELP),
) -> None:
    """Grants and drawdowns of all plans by programme and programme year (programmes matched by id)."""
    pf = _open(file, no_cache, jobs)
    data = pf.funding(year)
    y, t = data["year"], data["total"]
    if format is TableFormat.json:
        emit_json(data)
    elif format is TableFormat.csv:
        emit_csv(data["by_plan_and_year"], FUNDING_COLUMNS)
    elif not data["programmes"]:
        echo(f"No funding programmes in any plan of {pf.file} (funding.yaml, see docs/plan-format.md).")
    else:
        # As in 'isek funding': a programme without grants has nothing granted or drawn: "–", not "0 €".
        emit_table([[p["id"], p["title"], len(p["plans"]), p["grants"],
                     *((_eur(p["granted_eur"]), _eur(p["drawn_eur"]), _eur(p["open_eur"])) if p["grants"]
                       else ("–", "–", "–")), p["measures"]] for p in data["programmes"]],
                   ["programme", "title", "plans", "grants", "granted", "drawn", "open", "measures"],
                   title=f"{data['title']}: funding up to 31 Dec {y} (granted: programme years ≤ {y}; "
                         f"drawn: payments by 31 Dec {y})",
                   right=(2, 3, 4, 5, 6, 7),
                   footer=["total", "", len(data["plans"]), t["grants"], _eur(t["granted_eur"]), _eur(t["drawn_eur"]),
                           _eur(t["open_eur"]), t["measures"]])
        emit_table([[p["id"], r["year"], ", ".join(r["plans"]), r["grants"], _eur(r["granted_eur"]),
                     _eur(r["drawn_eur"])] for p in data["programmes"] for r in p["by_year"]],
                   ["programme", "year", "plans", "grants", "granted", "drawn"],
                   title="By programme year", right=(1, 3, 4, 5))
        flags = data["flags"]  # worded as 'isek funding' words them, ids as PLAN:ID
        for f in flags["overspent"]:
            echo(f"overspent: {f['measure']} spent {_eur(f['spent_eur'])}, "
                 f"estimated at most {_eur(f['cost_max_eur'])}")
        for f in flags["drawn_above_granted"]:
            echo(f"drawn above granted: {f['grant']} drew {_eur(f['drawn_eur'])} of {_eur(f['granted_eur'])}")
        for f in flags["undrawn"]:
            echo(f"nothing drawn yet: {f['grant']} ({f['year']}, {_eur(f['granted_eur'])})")
    _complain(pf)


@portfolio_app.command("show")
def show(
    ref: str = typer.Argument(..., metavar="PLAN:ID", help="A plan of the portfolio and an id in it, e.g. DEL:HF1.M01."),
    file: Optional[Path] = typer.Argument(None, metavar="[FILE]", help=FILE_HELP),
    year: Optional[int] = typer.Option(None, "--year", "-y",
                                       help="Year for statuses. Default: the plan's latest progress year."),
    format: TableFormat = typer.Option(TableFormat.table, "--format", "-f", help="table (readable text) or json."),
) -> None:
    """One entity of one plan, as 'isek show ID' shows it there; files relative to the portfolio folder."""
    data = _open(file).show(ref, year)
    if format is TableFormat.json:
        emit_json(data)
        return
    from .showtext import render

    echo(f"{data['plan']}: " + render(data))


@portfolio_app.command("site")
def site(
    file: Optional[Path] = typer.Argument(None, metavar="[FILE]", help=FILE_HELP),
    output: Path = typer.Option(..., "-o", "--output", help="Folder for the site (created if missing)."),
    lang: Optional[Lang] = typer.Option(None, "--lang", help="de or en, for the index and every plan's site. "
                                                             "Default: 'language' of portfolio.yaml, else de; each "
                                                             "plan's site: the plan's language."),
    templates: Optional[Path] = typer.Option(None, "--templates", callback=_templates_option,
                                             help="Folder with templates that override the built-in ones."),
    force: bool = typer.Option(False, "--force", help="Write into a non-empty folder isek did not generate."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Read every plan afresh, ignoring the cache."),
) -> None:
    """An index over all plans (table, status bars, map of their areas) with each plan's own site below it."""
    from ..report.site import check_folder

    check_folder(output, force)  # refuse a bad target before the (slow) load and render
    pf = _open(file, no_cache)
    written, removed = pf.write_site(output, lang=lang.value if lang else None, templates=templates, force=force)
    for rel in removed:
        echo(f"removed {output / rel} (no longer part of the site)", err=True)
    echo(f"wrote {len(written)} files to {output} (open {output / 'index.html'})", err=True)
    _complain(pf)


@portfolio_app.command("export")
def export(
    file: Optional[Path] = typer.Argument(None, metavar="[FILE]", help=FILE_HELP),
    format: Optional[ExportFormat] = typer.Option(
        None, "--format", "-f", help="csv (a folder with datapackage.json), xlsx, json or sqlite. "
                                     "Default: from the suffix of -o."),
    output: Path = typer.Option(..., "-o", "--output", metavar="PATH", help="File to write (a folder for csv)."),
    year: Optional[int] = typer.Option(None, "--year", "-y",
                                       help="Status year. Default: the latest progress year of any plan."),
    force: bool = typer.Option(False, "--force", help="Replace files isek did not generate."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Read every plan afresh, ignoring the cache."),
) -> None:
    """All plans as one data set with a plan column; SQLite: a table 'plans' the other tables reference."""
    from ..data.export import SUFFIXES

    fmt = format.value if format else SUFFIXES.get(output.suffix.lower())
    if fmt is None:
        raise typer.BadParameter(f"cannot tell the format from '{output.name}'; give --format csv|xlsx|json|sqlite",
                                 param_hint="--format")
    pf = _open(file, no_cache)
    written = pf.export(fmt, output, year=year, force=force)
    valid = sum(p.ok for p in pf.plans)
    where = f"{output} ({len(written)} files)" if fmt == "csv" else str(output)
    echo(f"wrote {where}: {fmt}, {valid} of {len(pf.plans)} plans, status in {pf._year(year)}", err=True)
    _complain(pf)
