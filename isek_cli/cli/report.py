"""`isek report` and `isek site`."""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import Optional

import typer

from .app import app
from .common import REV_HELP, load, state, stdout_dash, working


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
    format: Optional[ReportFormat] = typer.Option(
        None, "--format", "-f", help="md, html or pdf. Default: from the suffix of -o (.md, .html, .pdf), else md."),
    lang: Optional[Lang] = typer.Option(None, "--lang", help="de or en. Default: 'language' in isek.yaml."),
    output: Optional[Path] = typer.Option(None, "-o", "--output",
                                          help="Write to this file; '-' or none: standard output (md, html)."),
    templates: Optional[Path] = typer.Option(None, "--templates", callback=_templates_option,
                                             help="Folder with templates that override the built-in ones."),
    force: bool = typer.Option(False, "--force", help="Replace an existing output file isek did not generate."),
    rev: Optional[str] = typer.Option(None, "--rev", help=REV_HELP),
) -> None:
    """Render the yearly monitoring report."""
    from ..writing.outputs import MARKER, check_target

    if format is None:
        format = _format_from_suffix(stdout_dash(output))
    if format is ReportFormat.pdf:
        stdout_dash(output, "a PDF (binary)")
    output = stdout_dash(output)
    if format is ReportFormat.pdf and output is None:
        raise typer.BadParameter("PDF needs an output file", param_hint="-o")
    if output is not None:  # refuse a bad target before the (slow) load and render
        check_target(output, state(ctx).plan_dir, force, MARKER[format.value])
    plan = load(ctx, rev=rev)
    language = lang.value if lang else plan.meta.language
    last = plan.index.latest_year
    if last is not None and year > last:
        typer.echo(f"warning: the latest progress file is {last}; the {year} report carries every measure's "
                   f"status forward from its latest update and shows no new state", err=True)
    if output is None:
        data = plan.report(year, format=format.value, lang=language, templates=templates).encode("utf-8")
        sys.stdout.buffer.write(data) if hasattr(sys.stdout, "buffer") else typer.echo(data.decode(), nl=False)
        sys.stdout.flush()
        return
    with working(f"rendering the {year} report as {format.value} …"):
        data = plan.write_report(year, output, format=format.value, lang=language, templates=templates, force=force)
    typer.echo(f"wrote {output} ({format.value}, {language}, {len(data):,} bytes)", err=True)


SUFFIXES = {".md": ReportFormat.md, ".markdown": ReportFormat.md, ".html": ReportFormat.html,
            ".htm": ReportFormat.html, ".pdf": ReportFormat.pdf}


def _format_from_suffix(output: Optional[Path]) -> ReportFormat:
    """`-o bericht.html` means HTML; without -o or with another suffix, Markdown."""
    if output is None:
        return ReportFormat.md
    return SUFFIXES.get(output.suffix.lower(), ReportFormat.md)


@app.command()
def site(
    ctx: typer.Context,
    output: Path = typer.Option(..., "-o", "--output", help="Folder for the site (created if missing; not '-')."),
    lang: Optional[Lang] = typer.Option(None, "--lang", help="de or en. Default: 'language' in isek.yaml."),
    templates: Optional[Path] = typer.Option(None, "--templates", callback=_templates_option,
                                             help="Folder with templates that override the built-in ones."),
    force: bool = typer.Option(False, "--force", help="Write into a non-empty folder isek did not generate."),
    rev: Optional[str] = typer.Option(None, "--rev", help=REV_HELP),
) -> None:
    """Build a static site: an index over all monitoring years, one report page per year, data downloads."""
    from ..report.site import check_folder
    from ..writing.outputs import OutputRefused, inside

    stdout_dash(output, "a site (a folder of files)")
    plan_root = state(ctx).plan_dir
    if inside(output, plan_root):  # refuse a bad target before the (slow) load and render
        raise OutputRefused(f"{output} lies inside the plan folder {plan_root}; build the site elsewhere")
    check_folder(output, force)
    with working("building the site …"):
        files, removed = load(ctx, rev=rev).write_site(output, lang=lang.value if lang else None,
                                                       templates=templates, force=force)
    for rel in removed:
        typer.echo(f"removed {output / rel} (no longer part of the site)", err=True)
    typer.echo(f"wrote {len(files)} files to {output} (open {output / 'index.html'})", err=True)


@app.command()
def serve(
    ctx: typer.Context,
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="Port to listen on (0: any free port)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on; 0.0.0.0 shows the site to your network."),
    lang: Optional[Lang] = typer.Option(None, "--lang", help="de or en. Default: 'language' in isek.yaml."),
    templates: Optional[Path] = typer.Option(None, "--templates", callback=_templates_option,
                                             help="Folder with templates that override the built-in ones."),
) -> None:
    """Preview the site: rebuilt and reloaded in the browser when a plan file or template changes."""
    import threading

    from ..report.serve import Preview, make_server, watch

    root = state(ctx).plan_dir
    preview = Preview(root, lang.value if lang else None, templates)
    preview.refresh()
    try:
        server = make_server(preview, host, port)
    except OSError as exc:
        typer.echo(f"isek: cannot listen on {host}:{port}: {exc.strerror or exc}; try another --port", err=True)
        raise typer.Exit(1) from None

    def said(p: Preview) -> None:
        typer.echo("plan has errors: the page shows them" if p.problem else "rebuilt", err=True)

    stop = threading.Event()
    threading.Thread(target=watch, args=(preview, stop, said), daemon=True).start()
    shown = "127.0.0.1" if host in ("", "0.0.0.0") else host
    typer.echo(f"serving {root} at http://{shown}:{server.server_address[1]}/ (Ctrl+C stops)", err=True)
    if preview.problem:
        said(preview)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.server_close()
