"""Terminal tables fit 80 columns (short status headings with a legend, wrapped titles), `--wide`
shows everything, statuses carry their report colours; piped output stays plain."""

from __future__ import annotations

import re

import pytest
from conftest import run

from isek_cli.cli import common
from isek_cli.report.charts import STATUS_COLORS

ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture
def terminal(monkeypatch):
    monkeypatch.setattr(common, "is_terminal", lambda stream=None: True)


def _lines(text: str) -> list[str]:
    return ANSI.sub("", text).splitlines()


@pytest.mark.parametrize("args", [["status"], ["measures"], ["measures", "--parts"], ["due"]])
def test_terminal_tables_fit_80_columns(shipped, terminal, args):
    r = run(*args, plan=shipped, env={"COLUMNS": "80"})
    assert r.exit_code in (0, 1), r
    widest = max(len(line) for line in _lines(r.stdout))
    assert widest <= 80, r.stdout
    # nothing cropped: the last column's heading is there
    last = {"status": "Δ", "measures": "end", "due": "update"}[args[0]]
    assert last in ANSI.sub("", r.stdout), r.stdout


def test_status_uses_short_headings_and_a_legend(shipped, terminal):
    out = run("status", plan=shipped, env={"COLUMNS": "80"}).stdout
    assert "nicht_begonnen" not in _lines(out)[1] + _lines(out)[2]  # not in the heading rows
    assert "nb=nicht_begonnen" in ANSI.sub("", out) and "zg=zurueckgestellt" in ANSI.sub("", out)


def test_wide_shows_full_headings_on_one_line(shipped, terminal):
    out = run("status", "--wide", plan=shipped, env={"COLUMNS": "80"}).stdout
    heading = next(line for line in _lines(out) if "field" in line)
    assert all(s in heading for s in STATUS_COLORS)
    assert max(len(line) for line in _lines(out)) > 80
    assert "nb=nicht_begonnen" not in out  # no legend needed


def test_statuses_are_coloured_like_the_report(shipped, terminal):
    out = run("measures", plan=shipped, env={"COLUMNS": "120", "FORCE_COLOR": "1", "COLORTERM": "truecolor"}).stdout
    for status in ("abgeschlossen", "in_umsetzung"):
        r, g, b = (int(STATUS_COLORS[status][0][i:i + 2], 16) for i in (1, 3, 5))
        assert re.search(rf"\x1b\[1;38;2;{r};{g};{b}m{status}", out), status
    assert common.status_style("entfallen") == "bold " + STATUS_COLORS["entfallen"][0]


def test_piped_tables_stay_plain(shipped):
    out = run("status", plan=shipped).stdout
    assert "\x1b[" not in out
    assert "nicht_begonnen" in out.splitlines()[1]  # full headings for grep and scripts


@pytest.mark.parametrize("args, message", [
    (["export", "-o", "{tmp}/plan.xlsx"], "exporting xlsx"),
    (["site", "-o", "{tmp}/site"], "building the site"),
    (["report", "2024", "-o", "{tmp}/bericht.html"], "rendering the 2024 report as html"),
])
def test_slow_work_shows_progress_in_a_terminal_only(mini, tmp_path, monkeypatch, args, message):
    argv = [a.replace("{tmp}", str(tmp_path / "t")) for a in args]
    piped = run(*argv, plan=mini)
    assert piped.exit_code == 0, piped
    assert message not in piped.stderr  # silent when piped
    monkeypatch.setattr(common, "is_terminal", lambda stream=None: stream is not None)  # stderr is a terminal
    shown = run(*[a.replace("{tmp}", str(tmp_path / "u")) for a in args], plan=mini)
    assert shown.exit_code == 0, shown
    assert message in ANSI.sub("", shown.stderr)
