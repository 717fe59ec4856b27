"""The command-line interface: a thin layer over the Python API (``isek_cli.api``).

Each ``cli/*.py`` module registers its commands on :data:`app` (``cli/app.py``);
they parse options, call the API once, and print.
"""

from __future__ import annotations

import sys

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
    app(prog_name="isek")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run())
