"""`isek diff`, `isek history`, `isek textconv`: plan changes in git, by meaning."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Optional

import typer

from . import app
from .common import state


class DiffFormat(str, enum.Enum):
    text = "text"
    markdown = "markdown"
    json = "json"


def _git_failed(exc) -> None:
    typer.echo(f"isek: {exc}", err=True)
    raise typer.Exit(1)


def _side(loaded, rev: str, commit: str | None) -> dict:
    errors = sum(d.severity == "error" for d in loaded.diagnostics)
    return {"rev": rev, "commit": commit, "valid": errors == 0, "errors": errors}


@app.command("diff")
def diff_cmd(
    ctx: typer.Context,
    rev: str = typer.Argument(..., metavar="REV", help="Old revision (REV or REV:path for a plan in a sub-folder)."),
    rev2: Optional[str] = typer.Argument(None, metavar="[REV2]", help="New revision. Default: the working tree."),
    format: DiffFormat = typer.Option(DiffFormat.text, "--format", "-f", help="text, markdown or json."),
    exit_code: bool = typer.Option(False, "--exit-code", help="Exit 1 when the plans differ."),
) -> None:
    """What changed in meaning between two versions of the plan."""
    from ..git import views as diffview, revision as gitsrc
    from ..plan.loader import load_plan
    from ..git.semdiff import diff

    plan_dir = state(ctx).plan_dir
    try:
        old, old_rev = gitsrc.load_at(rev, plan_dir)
        if rev2 is None:
            new, new_side = load_plan(plan_dir), ("working tree", None)
        else:
            new, new_rev = gitsrc.load_at(rev2, plan_dir)
            new_side = (rev2, new_rev.commit)
    except gitsrc.GitError as exc:
        _git_failed(exc)
    d = {"from": _side(old, rev, old_rev.commit), "to": _side(new, *new_side)} | diff(old.plan, new.plan)
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
    id: str = typer.Argument(..., metavar="ID", help="Id of a measure, goal, field, indicator, actor …"),
    max_count: Optional[int] = typer.Option(None, "--max-count", "-n", help="Look at the latest N commits only."),
    format: DiffFormat = typer.Option(DiffFormat.text, "--format", "-f", help="text, markdown or json."),
) -> None:
    """The commits that changed one entity: date, author, message and what changed."""
    from ..git import views as diffview, revision as gitsrc
    from ..git.history import history as find

    try:
        found = find(state(ctx).plan_dir, id, max_count)
    except gitsrc.GitError as exc:
        _git_failed(exc)
    if format is DiffFormat.json:
        typer.echo(diffview.as_json({"id": id, "commits": found}), nl=False)
        return
    if not found:
        typer.echo(f"no commit changed '{id}'")
        return
    for c in found:
        d = {"changes": c["changes"], "progress": c["progress"], "values": c["values"]}
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
    from ..git.textconv import convert

    try:
        raw = file.read_bytes()
    except OSError as exc:
        typer.echo(f"isek: cannot read {file}: {exc.strerror}", err=True)
        raise typer.Exit(1)
    typer.echo(convert(raw, file.name), nl=False)
