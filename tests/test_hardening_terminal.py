"""Terminal safety (issue 16): control characters from plan text, spreadsheet cells and file names
(ESC, CR, BEL, C1 CSI, OSC sequences, bidirectional overrides) are shown escaped in text output,
never sent to the terminal; rich tables show plan text literally, never as rich markup."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import run
from helpers_writes import private_cache  # noqa: F401  (fixture)

EVIL = "\x1b]0;pwned\x07\x1b[31mROT\x1b[0m\rX\x9b2J\u202eabc"
RAW = ("\x1b", "\x07", "\r", "\x9b", "\u202e")


def assert_escaped(text: str) -> None:
    for ch in RAW:
        assert ch not in text, (repr(ch), text[-3000:])


def yaml_str(text: str) -> str:
    return json.dumps(text)


def evil_plan(mini: Path) -> None:
    path = mini / "fields/01-wohnen.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("title: Baulückenkataster aufbauen", f"title: {yaml_str('Kataster ' + EVIL)}")
    text = text.replace("description: Alle Baulücken werden erfasst und Eigentümer angesprochen.",
                        f"description: {yaml_str(EVIL)}")
    path.write_text(text, encoding="utf-8")
    path = mini / "progress/2024.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("note: Rohbau fertig.", f"note: {yaml_str(EVIL)}"),
                    encoding="utf-8")


@pytest.mark.parametrize("args", [
    ["show", "HF1.M01"], ["show", "HF1.M02"], ["measures"], ["status"], ["due"], ["show", "HF1"],
])
def test_plan_text_is_escaped_in_text_output(mini, args):
    evil_plan(mini)
    r = run(*args, plan=mini)
    assert r.exit_code == 0, r
    assert_escaped(r.stdout + r.stderr)
    if args[:2] == ["show", "HF1.M01"]:
        assert "\\x1b]0;pwned\\x07" in r.stdout


def test_rich_tables_show_text_literally(mini, monkeypatch):
    import isek_cli.cli.common as common

    evil_plan(mini)
    path = mini / "fields/01-wohnen.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("title: Wohnungsbau am Mühlenweg",
                                                             "title: \"[link=https://evil.example]klick[/link] [red]x\""),
                    encoding="utf-8")
    monkeypatch.setattr(common, "is_terminal", lambda stream=None: True)
    monkeypatch.setenv("COLUMNS", "300")
    r = run("measures", plan=mini)
    assert r.exit_code == 0, r
    assert_escaped(r.stdout)
    assert "[link=https://evil.example]klick[/link]" in r.stdout and "[red]x" in r.stdout


def test_diagnostics_escape_text_and_file_names(mini):
    name = "fields/\x1b[31mrot\x9b.yaml"
    (mini / name).write_text(f"id: {yaml_str(EVIL)}\ntitle: x\ngoals: []\nmeasures: []\nunknown{yaml_str(EVIL)[1:-1]}: 1\n",
                             encoding="utf-8")
    for fmt in ("text", "github"):
        r = run("check", "--format", fmt, plan=mini)
        assert r.exit_code == 1
        assert_escaped(r.stdout + r.stderr)
    r = run("check", "--format", "json", plan=mini)
    assert_escaped(r.stdout)
    assert json.loads(r.stdout)["valid"] is False
    r = run("status", plan=mini)  # refused: the errors go to stderr
    assert r.exit_code == 1
    assert_escaped(r.stderr)


def test_spreadsheet_cells_are_escaped(mini, tmp_path):
    sheet = tmp_path / "p.csv"
    sheet.write_text(f"measure;date;status\nHF1.M01;2024-03-01;{EVIL}\n{EVIL};2024-03-01;in_planung\n",
                     encoding="utf-8")
    r = run("progress", "import", sheet, plan=mini)
    assert r.exit_code == 1
    assert_escaped(r.stdout + r.stderr)
    assert "\\x1b" in r.stderr


def test_unknown_id_from_the_command_line_is_escaped(mini):
    r = run("show", "\x1b]0;x\x07", plan=mini)
    assert r.exit_code == 1
    assert_escaped(r.stdout + r.stderr)


def test_diff_text_is_escaped(mini):
    env = dict(os.environ, GIT_AUTHOR_NAME="a", GIT_AUTHOR_EMAIL="a@x", GIT_COMMITTER_NAME="a",
               GIT_COMMITTER_EMAIL="a@x")

    def git(*args):
        subprocess.run(["git", *args], cwd=mini, env=env, check=True, capture_output=True)

    git("init", "-q")
    git("add", "-A")
    git("commit", "-qm", "one")
    evil_plan(mini)
    for fmt in ("text", "markdown", "json"):
        r = run("diff", "HEAD", "--format", fmt, plan=mini)
        assert r.exit_code == 0, r
        assert_escaped(r.stdout)


def test_textconv_escapes_plan_text(mini):
    evil_plan(mini)
    r = run("textconv", mini / "fields/01-wohnen.yaml")
    assert r.exit_code == 0
    assert_escaped(r.stdout)
    assert "Kataster \\x1b" in r.stdout


def test_report_to_a_terminal_is_escaped_but_files_keep_their_bytes(mini, tmp_path, monkeypatch):
    import isek_cli.cli.common as common

    evil_plan(mini)
    out = tmp_path / "r.md"
    assert run("report", "2024", "-o", out, plan=mini).exit_code == 0
    assert "\x1b" in out.read_text(encoding="utf-8")  # a file is the plan's text as it is
    monkeypatch.setattr(common, "is_terminal", lambda stream=None: True)
    r = run("report", "2024", plan=mini)
    assert r.exit_code == 0
    assert_escaped(r.stdout)


def evil_v2(mini: Path) -> None:
    """Control characters in every text format v2 and funding.yaml added."""
    q = yaml_str(EVIL)
    with open(mini / "isek.yaml", "a", encoding="utf-8") as fh:
        fh.write(f"decisions:\n  - {{id: B1, date: 2021-11-25, body: {q}, title: {q}, kind: adoption, ref: {q}}}\n"
                 f"statuses:\n  - {{id: verzoegert, title: {q}, counts_as: in_umsetzung}}\n")
    (mini / "areas.yaml").write_text(f"areas:\n  - {{id: A1, title: {q}, kind: quartier}}\n", encoding="utf-8")
    (mini / "funding.yaml").write_text(
        f"programmes:\n  - {{id: LZ, title: {q}, level: bund_land}}\n"
        f"grants:\n  - {{id: G-1, programme: LZ, year: 2024, amount_eur: 1000, measures: [HF1.M01], "
        f"decision: {{date: 2024-02-01, ref: {q}}}}}\n", encoding="utf-8")
    path = mini / "fields/01-wohnen.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "    funding: [Eigenmittel]\n", "    funding: [Eigenmittel]\n    areas: [A1]\n    decided_by: [B1]\n", 1),
        encoding="utf-8")
    path = mini / "progress/2024.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("status: in_umsetzung", "status: verzoegert", 1),
                    encoding="utf-8")


@pytest.mark.parametrize("args", [
    ["show", "A1"], ["show", "B1"], ["show", "verzoegert"], ["show", "HF1.M01"], ["funding"], ["status"],
    ["measures", "--area", "A1"], ["grant", "draw", "G-1", "10", "--date", "2024-05-02", "--dry-run"],
])
def test_v2_and_money_texts_are_escaped_in_text_output(mini, args):
    evil_v2(mini)
    assert run("check", "--no-cache", plan=mini).exit_code == 0
    r = run(*args, plan=mini)
    assert r.exit_code == 0, r
    assert_escaped(r.stdout + r.stderr)


def test_a_drawdown_sheet_cell_is_escaped(mini, tmp_path):
    evil_v2(mini)
    sheet = tmp_path / "abrufe.csv"
    sheet.write_text(f"Zuwendung;Datum;Betrag\nG{EVIL};2024-05-02;10\n", encoding="utf-8")
    r = run("progress", "import", sheet, plan=mini)
    assert r.exit_code == 1 and "abrufe.csv:2:A" in r.stderr, r
    assert_escaped(r.stdout + r.stderr)


# Every command's --format json goes through terminal.json_dumps: it must write what json.dumps with
# indent=2 wrote before, character for character (scripts and golden files compare the text).
_scalars = (st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=True)
            | st.text(max_size=12) | st.dates())
_json_like = st.recursive(
    _scalars,
    lambda inner: (st.lists(inner, max_size=4) | st.lists(inner, max_size=3).map(tuple)
                   | st.dictionaries(st.text(max_size=6) | st.integers(-5, 5) | st.floats(allow_nan=False)
                                     | st.booleans() | st.none(), inner, max_size=4)),
    max_leaves=25)


@settings(max_examples=500, deadline=None)
@given(_json_like)
def test_json_output_is_jsons_indented_text(data):
    from isek_cli.terminal import json_dumps

    assert json_dumps(data) == json.dumps(data, ensure_ascii=False, indent=2, default=str)


def test_json_output_of_text_subclasses_and_unusual_keys():
    import datetime as dt
    import enum

    from markupsafe import Markup

    from isek_cli.terminal import json_dumps

    class Kind(str, enum.Enum):
        A = "a"

    class Level(enum.IntEnum):
        HIGH = 1

    data = {"m": Markup("<b>"), "k": Kind.A, "l": [Level.HIGH, {"l": Level.HIGH}], 1.5: [float("inf"), -float("inf")], None: {}, True: [],
            "d": dt.date(2024, 5, 1), "n": [1, True, None, 2.0, "\u2028\x00"], "nested": [{"x": [{}]}]}
    assert json_dumps(data) == json.dumps(data, ensure_ascii=False, indent=2, default=str)
    with pytest.raises(TypeError):
        json_dumps({(1, 2): 3})
