"""`isek diff`, `isek history`, `isek textconv`: plan changes in git, by meaning."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Optional

import typer

from .app import app
from .common import state, working
from .complete import any_ids


class DiffFormat(str, enum.Enum):
    text = "text"
    markdown = "markdown"
    json = "json"


@app.command("diff")
def diff_cmd(
    ctx: typer.Context,
    rev: str = typer.Argument(..., metavar="REV", help="Old revision (REV or REV:path for a plan in a sub-folder)."),
    rev2: Optional[str] = typer.Argument(None, metavar="[REV2]", help="New revision. Default: the working tree."),
    format: DiffFormat = typer.Option(DiffFormat.text, "--format", "-f", help="text, markdown or json."),
    exit_code: bool = typer.Option(False, "--exit-code", help="Exit 1 when the plans differ."),
) -> None:
    """What changed in meaning between two versions of the plan."""
    from ..api import diff
    from ..git import views as diffview

    d = diff(state(ctx).plan_dir, rev, rev2)
    if format is DiffFormat.json:
        typer.echo(diffview.as_json(d), nl=False)
    elif format is DiffFormat.markdown:
        typer.echo(diffview.markdown(d), nl=False)
    else:
        typer.echo(diffview.text(d), nl=False)
    if exit_code and d["differs"]:
        raise typer.Exit(1)


@app.command()
def history(
    ctx: typer.Context,
    id: str = typer.Argument(..., metavar="ID", autocompletion=any_ids,
                            help="Id of a measure, goal, field, indicator, actor …"),
    max_count: Optional[int] = typer.Option(None, "--max-count", "-n", help="Look at the latest N commits only."),
    format: DiffFormat = typer.Option(DiffFormat.text, "--format", "-f", help="text, markdown or json."),
) -> None:
    """The commits that changed one entity: date, author, message and what changed."""
    from ..api import history as find
    from ..git import views as diffview

    with working(f"reading the history of {id} …"):
        found = find(state(ctx).plan_dir, id, max_count)
    if format is DiffFormat.json:
        typer.echo(diffview.as_json({"id": id, "commits": found}), nl=False)
        return
    if not found:
        typer.echo(f"no commit changed '{id}'")
        return
    for c in found:
        d = {"changes": c["changes"], "progress": c["progress"], "values": c["values"], "drawdowns": c["drawdowns"]}
        if format is DiffFormat.markdown:
            typer.echo(f"- **{c['date'][:10]}** `{c['commit'][:10]}` {c['author']}: {c['subject']}")
            for line in diffview.history_lines(d):
                typer.echo(f"  - {line}")
        else:
            typer.echo(f"{c['commit'][:10]}  {c['date'][:10]}  {c['author']}  {c['subject']}")
            for line in diffview.history_lines(d):
                typer.echo(f"    {line}")


@app.command()
def textconv(
    file: Path = typer.Argument(..., metavar="FILE", help="A plan file (git passes a temporary copy)."),
) -> None:
    """Print a canonical line-per-fact view of one plan file, for git's textconv."""
    from ..api import textconv as convert

    try:
        raw = file.read_bytes()
    except OSError as exc:
        typer.echo(f"isek: cannot read {file}: {exc.strerror}", err=True)
        raise typer.Exit(1)
    typer.echo(convert(raw, file.name), nl=False)
