"""Shared test helpers: a fresh copy of a fixture plan, and the CLI through typer's runner."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from isek_cli.cli import app

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).parent.parent
SHIPPED_PLAN = REPO / "plan"


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    """A writable copy of the small fixture plan (2 fields, 7 measures, 2022-2024)."""
    target = tmp_path / "plan"
    shutil.copytree(FIXTURES / "mini", target)
    return target


@pytest.fixture
def shipped(tmp_path: Path) -> Path:
    """A writable copy of the shipped example plan."""
    target = tmp_path / "plan"
    shutil.copytree(SHIPPED_PLAN, target)
    return target


class Result:
    def __init__(self, r):
        self.exit_code = r.exit_code
        self.stdout = r.stdout
        self.stderr = r.stderr
        self.output = r.output
        self.exception = r.exception

    def __repr__(self) -> str:
        return f"<exit {self.exit_code}\nstdout:\n{self.stdout}\nstderr:\n{self.stderr}>"


def run(*args: str, plan: Path | None = None, input: str | None = None, env: dict | None = None) -> Result:
    """Invoke the CLI like a user would: `isek [--plan DIR] ARGS...`."""
    argv = (["--plan", str(plan)] if plan is not None else []) + [str(a) for a in args]
    runner = CliRunner()
    result = runner.invoke(app, argv, input=input, env=env, catch_exceptions=True)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Result(result)


@pytest.fixture
def cli():
    return run


# Tests never touch the user's cache: every test process and its children use a
# cache folder of this test session (individual tests may point elsewhere).
if "ISEK_CACHE_DIR" not in os.environ:
    os.environ["ISEK_CACHE_DIR"] = tempfile.mkdtemp(prefix="isek-test-cache-")
