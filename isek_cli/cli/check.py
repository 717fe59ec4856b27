"""`isek check`, `isek schema`, `isek init`."""

from __future__ import annotations

import enum
import json
from pathlib import Path
from typing import Optional

import typer

from ..plan.diagnostics import Diagnostic, failing
from . import ci
from .app import app
from .common import REV_HELP, dump_json, is_terminal, open_any, state, stdout_dash


class CheckFormat(str, enum.Enum):
    text = "text"
    json = "json"
    github = "github"
    sarif = "sarif"
    gitlab = "gitlab"


@app.command()
def check(
    ctx: typer.Context,
    format: Optional[CheckFormat] = typer.Option(
        None, "--format", "-f", help="text (default), json, github annotations (default when GITHUB_ACTIONS=true), "
                                     "sarif (SARIF 2.1.0, for code scanning and IDEs) or gitlab (Code Quality)."),
    strict: bool = typer.Option(False, "--strict", help="Warnings fail the check too."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Read every file afresh, ignoring the cache."),
    rev: Optional[str] = typer.Option(None, "--rev", help=REV_HELP),
) -> None:
    """Validate the whole plan and report every problem as FILE:LINE:COL."""
    st = state(ctx)
    root = st.plan_dir
    loaded = open_any(ctx, rev, use_cache=not no_cache)
    diags = loaded.diagnostics
    fmt = format or (CheckFormat.github if ci.on_github() else CheckFormat.text)
    if fmt is CheckFormat.json:
        typer.echo(dump_json(check_json(root, loaded)))
    elif fmt is CheckFormat.sarif:
        typer.echo(dump_json(ci.sarif(diags, root)))
    elif fmt is CheckFormat.gitlab:
        typer.echo(dump_json(ci.gitlab(diags, root)))
    elif fmt is CheckFormat.github:
        for d in diags:
            typer.echo(github_line(d, root))
        typer.echo(summary(root, loaded))
    else:
        print_text(diags, root, color=is_terminal())
        typer.echo(summary(root, loaded), err=False)
    ci.append_step_summary(ci.check_summary(diags, root, summary(root, loaded)))
    raise typer.Exit(1 if failing(diags, strict) else 0)


def check_json(root: Path, loaded) -> dict:
    diags = loaded.diagnostics
    return {
        "plan": str(root),
        "valid": not any(d.severity == "error" for d in diags),
        "errors": sum(d.severity == "error" for d in diags),
        "warnings": sum(d.severity == "warning" for d in diags),
        "diagnostics": [d.as_dict() for d in diags],
    }


def summary(root: Path, loaded) -> str:
    diags = loaded.diagnostics
    errors = sum(d.severity == "error" for d in diags)
    warnings = len(diags) - errors
    plan = loaded.index
    if errors:
        return f"{root}: {errors} error(s), {warnings} warning(s)"
    parts = sum(1 for m in plan.measure_index.values() if m.parent is not None)
    measures = f"{len(plan.measure_index) - parts} measures" + (f" and {parts} parts" if parts else "")
    counts = (f"{len(plan.fields)} fields of action, {measures}, "
              f"{len(plan.indicators)} indicators, {len(plan.progress_years)} progress years")
    return f"{root}: valid ({counts}); {warnings} warning(s)"


def print_text(diags: list[Diagnostic], root: Path, *, color: bool) -> None:
    """FILE:LINE:COL relative to the current folder, never wrapped, so terminals and editors can open it."""
    if color:
        from rich.console import Console
        from rich.markup import escape

        console = Console(highlight=False, soft_wrap=True)  # soft_wrap: rich inserts no line breaks
        for d in diags:
            style = "bold red" if d.severity == "error" else "bold yellow"
            console.print(f"[bold]{escape(ci.where(d, root))}[/]: [{style}]{d.severity}[{d.code}][/]: "
                          f"{escape(d.message)}")
            for line in _excerpt(d):
                console.print(f"[dim]{escape(line)}[/]" if not line.strip().startswith("^") else f"[{style}]{line}[/]")
            if d.hint:
                console.print(f"  [cyan]hint:[/] {escape(d.hint)}")
        return
    for d in diags:
        typer.echo(f"{ci.where(d, root)}: {d.severity}[{d.code}]: {d.message}")
        for line in _excerpt(d):
            typer.echo(line)
        if d.hint:
            typer.echo(f"  hint: {d.hint}")


def _excerpt(d: Diagnostic) -> list[str]:
    if not d.excerpt or not d.excerpt[0].strip():
        return []
    text = d.excerpt[0].replace("\t", " ")
    gutter = f"{d.line:>5} | "
    return [gutter + text, " " * (len(gutter) - 2) + "| " + " " * (d.col - 1) + "^"]


def _gh_escape(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def github_line(d: Diagnostic, root: Path) -> str:
    """A GitHub Actions workflow command; the file path is relative to $GITHUB_WORKSPACE (else the
    working directory), where GitHub resolves it."""
    path = ci.shown_path(root, d.file)
    level = "error" if d.severity == "error" else "warning"
    message = d.message + (f" (hint: {d.hint})" if d.hint else "")
    return (f"::{level} file={_gh_escape(path, True)},line={d.line},col={d.col},"
            f"title={_gh_escape('isek ' + d.code, True)}::{_gh_escape(message)}")


@app.command()
def schema(
    kind: Optional[str] = typer.Option(None, "--kind", help="Only the schema of one file kind: plan, actors, areas, field, indicators, progress."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Write one <kind>.schema.json per file kind into this folder."),
) -> None:
    """Print the JSON Schema of the plan files (for editors and validators)."""
    from ..api import schema as plan_schema
    from ..plan.schema import KINDS, write_schemas

    if kind is not None and kind not in KINDS:
        raise typer.BadParameter(f"unknown kind '{kind}'; choose one of {', '.join(KINDS)}", param_hint="--kind")
    if stdout_dash(output, "one file per kind (without -o the schemas go to standard output)") is not None:
        for path in write_schemas(output):
            typer.echo(str(path))
        return
    typer.echo(json.dumps(plan_schema(kind), ensure_ascii=False, indent=2))


@app.command()
def init(
    directory: Path = typer.Argument(..., metavar="DIR", help="Folder for the new plan (created if missing)."),
    city: str = typer.Option("Musterstadt", "--city", help="The city's name."),
    start: int = typer.Option(2025, "--start", help="First year of the horizon."),
    end: int = typer.Option(2035, "--end", help="Last year of the horizon."),
    example: bool = typer.Option(False, "--example", help="Copy the complete example plan (Delmenhorst) instead."),
    editor: bool = typer.Option(True, "--editor/--no-editor", help="Add schema comments so editors (VS Code YAML) check as you type."),
    vscode: bool = typer.Option(False, "--vscode", help="Also write .vscode/settings.json (schemas, YAML 1.1), merged into one that exists."),
) -> None:
    """Write a new, valid plan skeleton into DIR."""
    from ..api import create_plan

    if end < start:
        raise typer.BadParameter("the end year must not be before the start year", param_hint="--end")
    written = create_plan(directory, city=city, start=start, end=end, example=example, editor=editor, vscode=vscode)
    for path in written:
        typer.echo(f"created {path}")
    typer.echo(f"next: isek --plan {directory} check")
