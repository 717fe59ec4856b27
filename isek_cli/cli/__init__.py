"""The command-line interface: a thin layer over the Python API (``isek_cli.api``).

Each ``cli/*.py`` module registers its commands on :data:`app` (``cli/app.py``);
they parse options, call the API once, and print.
"""

from __future__ import annotations

import copy
import os
import sys

import typer
from typer.main import get_command_name

from .app import app

# Command modules register themselves on import, in the order `isek --help` lists them.
from . import check as _check  # noqa: E402,F401
from . import query as _query  # noqa: E402,F401
from . import progress as _progress  # noqa: E402,F401
from . import money as _money  # noqa: E402,F401
from . import report as _report  # noqa: E402,F401
from . import git as _git  # noqa: E402,F401
from . import data as _data  # noqa: E402,F401
from . import portfolio as _portfolio  # noqa: E402,F401


def run() -> None:
    app_for(sys.argv[1:])(prog_name="isek")


# Options of the root that come before the command and keep the app to one command.
_ROOT_PASSING = ("--debug",)


def app_for(args: list[str]) -> typer.Typer:
    """The app to run for ``args``: with only the command they name, when they name one.

    Typer builds every command's options before it parses anything (about 40 ms for isek's
    71 commands and groups, a seventh of a warm ``status``); the command run needs only its own. The
    whole app runs where the others show: no command, ``--help``/``--version`` before it, a
    mistyped command (its message suggests the others), shell completion.
    """
    if any(name.endswith("_COMPLETE") for name in os.environ):  # typer's completion protocol
        return app
    name = None
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--plan":
            i += 2
            continue
        if arg.startswith("--plan=") or arg in _ROOT_PASSING:
            i += 1
            continue
        if not arg.startswith("-"):
            name = arg
        break
    if name is None:
        return app
    commands = [c for c in app.registered_commands if _command_name(c) == name]
    groups = [g for g in app.registered_groups if g.name == name]
    if not commands and not groups:
        return app
    one = copy.copy(app)
    one.registered_commands, one.registered_groups = commands, groups
    return one


def _command_name(info) -> str:
    return info.name or get_command_name(info.callback.__name__)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run())
