"""`isek check`: its output formats, exit codes and behaviour on internal errors."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

import isek_cli.api
from conftest import run

F1 = "fields/01-wohnen.yaml"
F2 = "fields/02-innenstadt.yaml"
P24 = "progress/2024.yaml"
DIAGNOSTIC_KEYS = {"code", "severity", "file", "line", "col", "message", "hint"}


def edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} must occur exactly once in {rel}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def break_lead(root: Path) -> None:
    """An error: fields/01-wohnen.yaml:25:11 E302 (unknown actor, did you mean WOBAU)."""
    edit(root, F1, "lead: WOBAU", "lead: WOBAO")


def end_outside_horizon(root: Path) -> None:
    """A warning: fields/02-innenstadt.yaml:27:10 W401."""
    edit(root, F2, "end: 2027", "end: 2031")


@pytest.fixture(autouse=True)
def _inside_the_plan(mini, monkeypatch):
    """Text paths are relative to the current folder: from inside the plan they read as plan paths."""
    monkeypatch.chdir(mini)
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)


def check_json(root: Path, *extra: str) -> tuple[int, dict]:
    r = run("check", "--format", "json", *extra, plan=root)
    return r.exit_code, json.loads(r.stdout)


def block_of(stdout: str, header_start: str) -> list[str]:
    """The lines of one diagnostic in text output: header, excerpt, caret, hint."""
    lines = stdout.splitlines()
    i = next(n for n, ln in enumerate(lines) if ln.startswith(header_start))
    block = [lines[i]]
    for ln in lines[i + 1:]:
        if re.match(r"^\S+:\d+:\d+: ", ln) or not ln.startswith(" "):
            break
        block.append(ln)
    return block


# --- text ------------------------------------------------------------------------

def test_valid_plan_prints_a_summary_and_exits_0(mini):
    r = run("check", plan=mini)
    assert r.exit_code == 0
    assert r.stdout.strip().splitlines()[-1].endswith(
        "valid (2 fields of action, 7 measures, 3 indicators, 3 progress years); 0 warning(s)")


def test_text_error_has_position_excerpt_caret_and_hint(mini):
    break_lead(mini)
    r = run("check", plan=mini)
    assert r.exit_code == 1

    header, excerpt, caret, hint = block_of(r.stdout, F1 + ":")
    assert header == f"{F1}:25:11: error[E302]: lead actor 'WOBAO' does not exist"
    assert excerpt.endswith("|     lead: WOBAO")
    assert excerpt.split("|")[0].strip() == "25"
    # The caret stands under column 11 of the excerpted source line.
    source_start = excerpt.index("| ") + 2
    assert caret.index("^") == source_start + 11 - 1
    assert excerpt[caret.index("^"):] == "WOBAO"
    assert hint == "  hint: did you mean 'WOBAU'?"
    assert r.stdout.strip().splitlines()[-1].endswith("1 error(s), 0 warning(s)")


def test_text_caret_counts_characters_not_bytes(mini):
    edit(mini, "actors.yaml", "Wirtschaftsförderung, kind: administration", "Wirtschaftsförderung, kind: administratio")
    r = run("check", plan=mini)
    header, excerpt, caret, _ = block_of(r.stdout, "actors.yaml:")
    col = len("  - {id: AMT-WIRTSCHAFT, name: Amt für Wirtschaftsförderung, kind: ") + 1
    assert header.startswith(f"actors.yaml:3:{col}: error[E204]:")
    assert excerpt[caret.index("^"):].startswith("administratio}")


def test_text_caret_under_a_tab(mini):
    edit(mini, F1, "    priority: 2", "  \t  priority: 2")
    r = run("check", plan=mini)
    header, excerpt, caret, hint = block_of(r.stdout, F1 + ":")
    assert header == f"{F1}:37:3: error[E103]: tab character in indentation"
    assert "\t" not in excerpt
    assert caret.index("^") == excerpt.index("| ") + 2 + 3 - 1
    assert hint.startswith("  hint: ")


def test_text_warning_line(mini):
    end_outside_horizon(mini)
    r = run("check", plan=mini)
    assert r.exit_code == 0
    assert f"{F2}:27:10: warning[W401]: end year 2031 of measure 'HF2.M02' lies outside the horizon 2022–2030" \
        in r.stdout.splitlines()
    assert r.stdout.strip().splitlines()[-1].endswith("; 1 warning(s)")


def test_text_without_source_has_no_excerpt(mini):
    (mini / "isek.yaml").unlink()
    r = run("check", plan=mini)
    block = block_of(r.stdout, "isek.yaml:")
    assert block[0].startswith("isek.yaml:1:1: error[E109]: ")
    assert [ln for ln in block[1:] if "|" in ln] == []


# --- json ------------------------------------------------------------------------

def test_json_shape(mini):
    break_lead(mini)
    end_outside_horizon(mini)
    code, report = check_json(mini)
    assert code == 1
    assert {"valid", "errors", "warnings", "diagnostics"} <= set(report)
    assert report["valid"] is False
    assert (report["errors"], report["warnings"]) == (1, 1)
    for d in report["diagnostics"]:
        assert set(d) == DIAGNOSTIC_KEYS
        assert isinstance(d["line"], int) and isinstance(d["col"], int)
    assert [(d["code"], d["severity"], d["file"], d["line"], d["col"]) for d in report["diagnostics"]] == [
        ("E302", "error", F1, 25, 11),
        ("W401", "warning", F2, 27, 10),
    ]
    assert report["diagnostics"][0]["hint"] == "did you mean 'WOBAU'?"


def test_json_of_a_valid_plan(mini):
    code, report = check_json(mini)
    assert code == 0
    assert (report["valid"], report["errors"], report["warnings"], report["diagnostics"]) == (True, 0, 0, [])


def test_json_warnings_only_is_valid(mini):
    end_outside_horizon(mini)
    code, report = check_json(mini)
    assert (code, report["valid"], report["errors"], report["warnings"]) == (0, True, 0, 1)


# --- github ----------------------------------------------------------------------

GH_LINE = re.compile(r"^::(error|warning) file=([^,]+),line=(\d+),col=(\d+)(?:,[^:]*)?::(.*)$")


def github_annotations(stdout: str) -> list[tuple[str, str, int, int, str]]:
    out = []
    for ln in stdout.splitlines():
        m = GH_LINE.match(ln)
        if m:
            out.append((m[1], m[2], int(m[3]), int(m[4]), m[5]))
    return out


def test_github_annotations(mini):
    break_lead(mini)
    end_outside_horizon(mini)
    r = run("check", "--format", "github", plan=mini)
    assert r.exit_code == 1
    notes = github_annotations(r.stdout)
    assert [(lvl, line, col) for lvl, _, line, col, _ in notes] == [("error", 25, 11), ("warning", 27, 10)]
    # The file is given so that it resolves from the working directory, as GitHub expects.
    assert [Path(os.path.abspath(f)) for _, f, *_ in notes] == [(mini / F1).resolve(), (mini / F2).resolve()]
    assert notes[0][4].startswith("lead actor 'WOBAO' does not exist")
    assert "WOBAU" in notes[0][4]


def test_github_escapes_percent_and_newlines(mini):
    edit(mini, P24, "status: in_umsetzung, percent: 60", "status: in_umsetzung, percent: 100")
    r = run("check", "--format", "github", plan=mini)
    (level, _, line, col, message), = github_annotations(r.stdout)
    assert (level, line, col) == ("error", 6, 73)
    assert "100 %25 done" in message  # the hint's "100 % done", escaped for a workflow command
    assert "\n" not in message


def test_github_is_the_default_under_github_actions(mini):
    break_lead(mini)
    r = run("check", plan=mini, env={"GITHUB_ACTIONS": "true"})
    assert r.exit_code == 1
    assert r.stdout.startswith("::error file=")
    r = run("check", "--format", "text", plan=mini, env={"GITHUB_ACTIONS": "true"})
    assert r.stdout.startswith(f"{F1}:25:11: error[E302]")


# --- exit codes ----------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["text", "json", "github"])
def test_strict_fails_on_warnings(mini, fmt):
    end_outside_horizon(mini)
    assert run("check", "--format", fmt, plan=mini).exit_code == 0
    assert run("check", "--format", fmt, "--strict", plan=mini).exit_code == 1


def test_strict_passes_a_clean_plan(mini):
    assert run("check", "--strict", plan=mini).exit_code == 0


def test_no_cache_is_accepted(mini):
    assert run("check", "--no-cache", plan=mini).exit_code == 0


@pytest.mark.parametrize("args", [["check", "--format", "nope"], ["check", "--nope"], ["check", "extra-argument"]])
def test_usage_errors_exit_2(mini, args):
    r = run(*args, plan=mini)
    assert r.exit_code == 2
    assert "Traceback" not in r.stdout + r.stderr


def test_missing_plan_folder_is_a_problem_not_a_crash(tmp_path):
    code, report = check_json(tmp_path / "no-such-plan")
    assert code == 1
    assert [d["code"] for d in report["diagnostics"] if d["severity"] == "error"] == ["E109"]


# --- every problem in one run ----------------------------------------------------------

def test_all_problems_across_files_in_one_run(mini):
    edit(mini, "isek.yaml", "language: de", "language: fr")                       # isek.yaml:7:11 E204
    edit(mini, "actors.yaml", "kind: politics", "kind: politic")                   # actors.yaml:5:42 E204
    break_lead(mini)                                                               # F1:25:11 E302
    edit(mini, F2, "    cost_eur: 40000", "    cost_euro: 40000")                  # F2:38:5 E201
    edit(mini, "indicators.yaml", "unit: Prozent", "unit: no")                     # indicators.yaml:20:11 E203
    edit(mini, "progress/2022.yaml", "year: 2022", "year: 2021")                   # progress/2022.yaml:2:7 E305
    edit(mini, P24, "status: zurueckgestellt", "status: zurückgestellt")           # P24:5:50 E204

    code, report = check_json(mini)

    assert code == 1
    assert [(d["file"], d["line"], d["col"], d["code"]) for d in report["diagnostics"]] == [
        ("isek.yaml", 7, 11, "E204"),
        ("actors.yaml", 5, 42, "E204"),
        (F1, 25, 11, "E302"),
        (F2, 38, 5, "E201"),
        ("indicators.yaml", 20, 11, "E203"),
        ("progress/2022.yaml", 2, 7, "E305"),
        (P24, 5, 50, "E204"),
    ]
    assert (report["errors"], report["warnings"]) == (7, 0)


@pytest.mark.parametrize("other_change, expected", [
    pytest.param(("horizon: {start: 2022, end: 2030}", "horizon: {start: 2022, end: 2020}"),
                 ("isek.yaml", 5, 29, "E308"), id="E308-horizon-end-before-start"),
    pytest.param(None, (F2, 27, 10, "W401"), id="W401-measure-end-outside-horizon"),
])
def test_horizon_checks_survive_an_unrelated_error_in_isek_yaml(mini, other_change, expected):
    edit(mini, "isek.yaml", "language: de", "language: fr")  # isek.yaml:7:11 E204, unrelated to the horizon
    if other_change:
        edit(mini, "isek.yaml", *other_change)
    else:
        end_outside_horizon(mini)
    _, report = check_json(mini)
    found = [(d["file"], d["line"], d["col"], d["code"]) for d in report["diagnostics"]]
    assert ("isek.yaml", 7, 11, "E204") in found
    assert expected in found


def test_several_problems_in_one_file(mini):
    edit(mini, F1, "priority: 3", "priority: 4")          # F1:45:15 E204
    edit(mini, F1, "lead: WOBAU", "lead: WOBAO")          # F1:25:11 E302
    edit(mini, F1, "cost_eur: 20000", "cost_eur: 25.000")  # F1:19:15 E203
    code, report = check_json(mini)
    assert code == 1
    assert [(d["line"], d["code"]) for d in report["diagnostics"] if d["file"] == F1] == [
        (19, "E203"), (25, "E302"), (45, "E204")]


def test_every_missing_key_of_one_mapping_is_reported(mini):
    edit(mini, F1, "    title: Spielplatz Lindenstraße erneuern\n", "")
    edit(mini, F1, "    priority: 3\n    lead: AMT-PLANUNG\n    start: 2023", "    start: 2023")
    code, report = check_json(mini)
    missing = sorted(d["message"] for d in report["diagnostics"] if d["code"] == "E202")
    assert missing == [
        "missing required key 'lead' in 'HF1.M04'",
        "missing required key 'priority' in 'HF1.M04'",
        "missing required key 'title' in 'HF1.M04'",
    ]


# --- determinism ---------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["text", "json", "github"])
def test_output_is_deterministic(mini, fmt):
    break_lead(mini)
    end_outside_horizon(mini)
    edit(mini, "isek.yaml", "language: de", "language: fr")
    (mini / "notes.yaml").write_text("a: 1\n", encoding="utf-8")
    first = run("check", "--format", fmt, plan=mini)
    second = run("check", "--format", fmt, plan=mini)
    assert first.stdout.encode() == second.stdout.encode()
    assert first.exit_code == second.exit_code == 1


def test_isek_yaml_comes_first_then_files_by_name(mini):
    edit(mini, P24, "year: 2024", "year: 2025")
    edit(mini, "actors.yaml", "kind: politics", "kind: politic")
    edit(mini, "isek.yaml", "language: de", "language: fr")
    _, report = check_json(mini)
    files = [d["file"] for d in report["diagnostics"]]
    assert files == ["isek.yaml", "actors.yaml", P24]


# --- choosing the plan folder --------------------------------------------------------

def test_plan_from_environment(mini, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    break_lead(mini)
    r = run("check", "--format", "json", env={"ISEK_PLAN": str(mini)})
    assert r.exit_code == 1
    assert json.loads(r.stdout)["diagnostics"][0]["code"] == "E302"


def test_plan_folder_in_the_working_directory(mini, monkeypatch):
    monkeypatch.delenv("ISEK_PLAN", raising=False)
    monkeypatch.chdir(mini.parent)  # the fixture copy is named "plan"
    r = run("check", "--format", "json")
    assert r.exit_code == 0
    assert json.loads(r.stdout)["valid"] is True


# --- internal errors -----------------------------------------------------------------

@pytest.fixture
def broken_loader(monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(isek_cli.api, "load_plan", boom)  # every command loads through the API


def test_internal_error_exits_3_without_traceback(mini, broken_loader, monkeypatch):
    monkeypatch.delenv("ISEK_DEBUG", raising=False)
    r = run("check", plan=mini)
    assert r.exit_code == 3
    assert "internal error: RuntimeError: boom" in r.stderr
    assert "--debug" in r.stderr
    assert "Traceback" not in r.stdout + r.stderr


@pytest.mark.parametrize("command", [["status"], ["measures"], ["show", "HF1.M01"]])
def test_internal_error_in_other_commands(mini, broken_loader, monkeypatch, command):
    monkeypatch.delenv("ISEK_DEBUG", raising=False)
    r = run(*command, plan=mini)
    assert r.exit_code == 3
    assert "Traceback" not in r.stdout + r.stderr


def test_debug_shows_the_traceback(mini, broken_loader):
    r = run("--debug", "check", plan=mini)
    assert r.exit_code == 3
    assert "Traceback (most recent call last)" in r.stderr
    assert "RuntimeError: boom" in r.stderr


def test_debug_from_environment(mini, broken_loader):
    r = run("check", plan=mini, env={"ISEK_DEBUG": "1"})
    assert r.exit_code == 3
    assert "Traceback (most recent call last)" in r.stderr


def test_unresolved_guiding_goal_in_a_field_file_with_another_error(mini):
    edit(mini, F2, "    cost_eur: 40000", "    cost_euro: 40000")  # F2:38:5 E201
    edit(mini, F2, "guiding_goals: [L2]", "guiding_goals: [L2, L9]")  # F2:4:21 E302
    _, report = check_json(mini)
    found = [(d["file"], d["line"], d["col"], d["code"]) for d in report["diagnostics"]]
    assert (F2, 38, 5, "E201") in found
    assert (F2, 4, 21, "E302") in found


def test_an_unreadable_file_reads_as_one_mistake(mini):
    """References to ids of a file that cannot be read at all are not reported again."""
    (mini / "actors.yaml").write_bytes(b"actors:\n  - \xff\n")
    code, report = check_json(mini)
    assert code == 1
    assert [(d["file"], d["code"]) for d in report["diagnostics"]] == [("actors.yaml", "E101")]


@pytest.mark.parametrize("before, after, what", [
    ("    partners: [AMT-PLANUNG]\n", "    partners: [AMT-PLANUNG, NIEMAND]\n", "partner 'NIEMAND'"),
    ("    goals: [HF1.Z1]\n    priority: 1\n    lead: WOBAU\n", "    goals: [HF1.Z1, HF1.Z9]\n    priority: 1\n    lead: WOBAU\n",
     "goal 'HF1.Z9'"),
    ("    lead: WOBAU\n", "    lead: [WOBAU, NIEMAND]\n", "lead actor 'NIEMAND'"),
    ("    lead: WOBAU\n", "    lead: NIEMAND\n", "lead actor 'NIEMAND'"),
    ("    lead: WOBAU\n    partners: [AMT-PLANUNG]\n    committee: BAU\n",
     "    lead: WOBAU\n    partners: [AMT-PLANUNG]\n    committee: NIEMAND\n", "committee 'NIEMAND'"),
], ids=["partner", "goal", "lead-list", "lead", "committee"])
def test_a_wrong_reference_in_a_measure_points_at_the_wrong_id(mini, before, after, what):
    """References are resolved without building their places; a wrong one still names its own line
    and column (the second item of a list, not the list)."""
    path = mini / "fields/01-wohnen.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(before) == 1
    path.write_text(text.replace(before, after), encoding="utf-8")
    code, data = check_json(mini)
    found = [d for d in data["diagnostics"] if d["code"] == "E302" and what in d["message"]]
    assert code == 1 and len(found) == 1, data["diagnostics"]
    lines = path.read_text(encoding="utf-8").splitlines()
    bad = what.split("'")[1]
    d = found[0]
    assert lines[d["line"] - 1][d["col"] - 1:].startswith(bad), (d, lines[d["line"] - 1])
