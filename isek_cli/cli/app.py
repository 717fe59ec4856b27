"""The Typer application every command registers on, and the one place that maps
errors to exit codes: 0 ok, 1 problems/refused (any ``IsekError``), 2 usage
error, 3 internal error (a bug: anything else)."""

from __future__ import annotations

import os
import sys
import traceback
from typing import Optional

import typer
from typer.core import TyperGroup

from ..version import __version__
from ..errors import IsekError
from .common import State, err_console_print_diagnostics


PLAN_HELP = ("Plan folder. Default: $ISEK_PLAN, else the current folder if it holds isek.yaml, else ./plan, "
             "else the nearest folder above with isek.yaml.")


def plan_option_first(args: list[str]) -> list[str]:
    """Move ``--plan DIR`` given after the command to just before it, so ``isek check --plan DIR``
    works as users type it (like ``git -C``, but in either place). Arguments after ``--`` stay."""
    out: list[str] = []
    moved: list[str] = []
    command_at = None
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            out += args[i:]
            break
        if command_at is None:
            if arg == "--plan":  # the root option and its value
                out += args[i:i + 2]
                i += 2
                continue
            if not arg.startswith("-"):
                command_at = len(out)
        elif arg == "--plan" and i + 1 < len(args):
            moved += args[i:i + 2]
            i += 2
            continue
        elif arg.startswith("--plan="):
            moved.append(arg)
            i += 1
            continue
        out.append(arg)
        i += 1
    if command_at is None:
        return out
    return out[:command_at] + moved + out[command_at:]


class IsekGroup(TyperGroup):
    """Turns unexpected exceptions into exit code 3 with a short message."""

    def parse_args(self, ctx, args: list[str]) -> list[str]:
        return super().parse_args(ctx, plan_option_first(list(args)))

    def invoke(self, ctx: typer.Context):
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            typer.echo("isek: interrupted", err=True)
            ctx.exit(130)
        except IsekError as exc:
            # The one place that turns isek's own errors into exit code 1.
            errors = [d for d in exc.diagnostics if getattr(d, "severity", "error") == "error"]
            err_console_print_diagnostics(errors, ctx.obj.plan_dir if isinstance(ctx.obj, State) else None)
            typer.echo(f"isek: {exc}", err=True)
            ctx.exit(1)
        except BrokenPipeError:
            # The reader went away (e.g. `isek measures | head`): not an error of ours.
            _silence_stdout()
            ctx.exit(0)
        except Exception as exc:  # noqa: BLE001 - the one place that catches everything
            # Exit, Abort and usage errors (they carry an exit code) are not internal errors.
            if isinstance(exc, (typer.Exit, typer.Abort)) or hasattr(exc, "exit_code"):
                raise
            debug = isinstance(ctx.obj, State) and ctx.obj.debug or os.environ.get("ISEK_DEBUG")
            if debug:
                traceback.print_exc()
            typer.echo(f"isek: internal error: {type(exc).__name__}: {exc}", err=True)
            if not debug:
                typer.echo("isek: run with --debug for the traceback, and please report it", err=True)
            ctx.exit(3)


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


app = typer.Typer(
    cls=IsekGroup,
    name="isek",
    help="Keep an ISEK (integrated urban development concept) as plain-text plan files and report on it.",
    add_completion=True,  # --install-completion / --show-completion; ids complete too (cli/complete.py)
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"isek {__version__}")
        raise typer.Exit(0)


@app.callback()
def main(
    ctx: typer.Context,
    plan: Optional[str] = typer.Option(
        None, "--plan", metavar="DIR", envvar="ISEK_PLAN", help=PLAN_HELP),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks of internal errors."),
    version: bool = typer.Option(False, "--version", "-V", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    ctx.obj = State(plan_option=plan, debug=debug)
