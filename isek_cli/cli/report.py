"""`isek report` and `isek site`."""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import Optional

import typer

from . import app
from .common import REV_HELP, load, state


class ReportFormat(str, enum.Enum):
    md = "md"
    html = "html"
    pdf = "pdf"


class Lang(str, enum.Enum):
    de = "de"
    en = "en"


def _templates_option(value: Optional[Path]) -> Optional[Path]:
    if value is not None and not value.is_dir():
        raise typer.BadParameter(f"{value} is not a folder", param_hint="--templates")
    return value


@app.command()
def report(
    ctx: typer.Context,
    year: int = typer.Argument(..., metavar="YEAR", help="The monitoring year, e.g. 2024."),
    format: ReportFormat = typer.Option(ReportFormat.md, "--format", "-f", help="md (default), html or pdf."),
    lang: Optional[Lang] = typer.Option(None, "--lang", help="de or en. Default: 'language' in isek.yaml."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Write to this file (default: standard output)."),
    templates: Optional[Path] = typer.Option(None, "--templates", callback=_templates_option,
                                             help="Folder with templates that override the built-in ones."),
    force: bool = typer.Option(False, "--force", help="Replace an existing output file isek did not generate."),
    rev: Optional[str] = typer.Option(None, "--rev", help=REV_HELP),
) -> None:
    """Render the yearly monitoring report."""
    from ..writing.outputs import MARKER, OutputRefused, check_target, write_output
    from ..report import PdfUnavailable, ReportError, TemplateProblem, report_pdf, report_text

    if format is ReportFormat.pdf and output is None:
        raise typer.BadParameter("PDF needs an output file", param_hint="-o")
    plan_root = state(ctx).plan_dir
    if output is not None:
        try:
            check_target(output, plan_root, force, MARKER[format.value])
        except OutputRefused as exc:
            typer.echo(f"isek: {exc}", err=True)
            raise typer.Exit(1)
    loaded = load(ctx, rev=rev)
    language = (lang.value if lang else None) or loaded.plan.meta.language
    try:
        if format is ReportFormat.pdf:
            data = report_pdf(loaded.plan, year, language, templates)
        else:
            data = report_text(loaded.plan, year, format.value, language, templates).encode("utf-8")
    except (ReportError, TemplateProblem, PdfUnavailable) as exc:
        typer.echo(f"isek: {exc}", err=True)
        raise typer.Exit(1)
    if output is None:
        sys.stdout.buffer.write(data) if hasattr(sys.stdout, "buffer") else typer.echo(data.decode(), nl=False)
        sys.stdout.flush()
        return
    try:
        write_output(output, data, plan_root=plan_root, force=force, generated_marker=MARKER[format.value])
    except OutputRefused as exc:
        typer.echo(f"isek: {exc}", err=True)
        raise typer.Exit(1)
    typer.echo(f"wrote {output} ({format.value}, {language}, {len(data):,} bytes)", err=True)


@app.command()
def site(
    ctx: typer.Context,
    output: Path = typer.Option(..., "-o", "--output", help="Folder for the site (created if missing)."),
    lang: Optional[Lang] = typer.Option(None, "--lang", help="de or en. Default: 'language' in isek.yaml."),
    templates: Optional[Path] = typer.Option(None, "--templates", callback=_templates_option,
                                             help="Folder with templates that override the built-in ones."),
    force: bool = typer.Option(False, "--force", help="Write into a non-empty folder isek did not generate."),
    rev: Optional[str] = typer.Option(None, "--rev", help=REV_HELP),
) -> None:
    """Build a static site: an index over all monitoring years, one report page per year, data downloads."""
    from ..writing.outputs import OutputRefused, inside
    from ..report import ReportError, TemplateProblem
    from ..report.site import SiteRefused, build_site, check_folder, write_site

    plan_root = state(ctx).plan_dir
    try:
        if inside(output, plan_root):
            raise OutputRefused(f"{output} lies inside the plan folder {plan_root}; build the site elsewhere")
        check_folder(output, force)
    except (OutputRefused, SiteRefused) as exc:
        typer.echo(f"isek: {exc}", err=True)
        raise typer.Exit(1)
    loaded = load(ctx, rev=rev)
    language = (lang.value if lang else None) or loaded.plan.meta.language
    try:
        files = build_site(loaded.plan, language, templates)
    except (ReportError, TemplateProblem) as exc:
        typer.echo(f"isek: {exc}", err=True)
        raise typer.Exit(1)
    removed = write_site(output, files)
    for rel in removed:
        typer.echo(f"removed {output / rel} (no longer part of the site)", err=True)
    typer.echo(f"wrote {len(files)} files to {output} (open {output / 'index.html'})", err=True)
