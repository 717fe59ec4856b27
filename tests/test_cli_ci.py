"""`isek check` for terminals, editors and CI: paths relative to the current folder, lines that
never wrap, SARIF 2.1.0, GitLab Code Quality, GitHub Actions paths and step summaries; and every
problem in one run, across files and within them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run

import isek_cli.cli.check as check_cli
from isek_cli.plan.diagnostics import CODES

F1 = "fields/01-wohnen.yaml"
F2 = "fields/02-innenstadt.yaml"


def edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
def broken(mini, monkeypatch):
    """An unknown actor (error, F1:25:11) and an end year outside the horizon (warning, F2:27:10);
    the current folder is the one holding the plan folder 'plan'."""
    edit(mini, F1, "lead: WOBAU", "lead: WOBAO")
    edit(mini, F2, "end: 2027", "end: 2031")
    monkeypatch.chdir(mini.parent)
    for name in ("GITHUB_ACTIONS", "GITHUB_WORKSPACE", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(name, raising=False)
    return mini


def test_text_paths_are_relative_to_the_current_folder(broken, monkeypatch):
    r = run("check", plan=broken)
    assert r.exit_code == 1
    assert r.stdout.startswith("plan/fields/01-wohnen.yaml:25:11: error[E302]: lead actor 'WOBAO' does not exist")
    monkeypatch.chdir(broken / "fields")
    r = run("check")  # found by walking up; paths still resolve from here
    assert r.stdout.startswith("01-wohnen.yaml:25:11: error[E302]")
    assert "\n02-innenstadt.yaml:27:10: warning[W401]" in r.stdout


def test_a_diagnostic_line_never_wraps_in_a_narrow_terminal(broken, monkeypatch):
    monkeypatch.setattr(check_cli, "is_terminal", lambda stream=None: True)  # the rich, coloured path
    r = run("check", plan=broken, env={"COLUMNS": "30"})
    lines = r.stdout.splitlines()
    full = "plan/fields/01-wohnen.yaml:25:11: error[E302]: lead actor 'WOBAO' does not exist"
    assert any(line.startswith(full) for line in lines), r.stdout


def test_sarif(broken):
    r = run("check", "--format", "sarif", plan=broken)
    assert r.exit_code == 1
    log = json.loads(r.stdout)
    assert log["version"] == "2.1.0" and "sarif-2.1.0" in log["$schema"]
    (the_run,) = log["runs"]
    rules = the_run["tool"]["driver"]["rules"]
    assert the_run["tool"]["driver"]["name"] == "isek"
    assert [rule["id"] for rule in rules] == sorted(CODES)
    results = the_run["results"]
    assert [(x["ruleId"], x["level"]) for x in results] == [("E302", "error"), ("W401", "warning")]
    for x in results:
        assert rules[x["ruleIndex"]]["id"] == x["ruleId"]
    loc = results[0]["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "plan/fields/01-wohnen.yaml"
    assert loc["region"] == {"startLine": 25, "startColumn": 11}
    assert "did you mean 'WOBAU'" in results[0]["message"]["text"]


def test_gitlab_code_quality(broken, monkeypatch):
    r = run("check", "--format", "gitlab", plan=broken)
    assert r.exit_code == 1
    issues = json.loads(r.stdout)
    assert [(i["check_name"], i["severity"], i["location"]["path"], i["location"]["lines"]["begin"])
            for i in issues] == [("E302", "major", "plan/" + F1, 25), ("W401", "minor", "plan/" + F2, 27)]
    assert all(i["description"] for i in issues)
    prints = [i["fingerprint"] for i in issues]
    assert len(set(prints)) == 2 and all(len(p) == 64 for p in prints)
    monkeypatch.chdir(broken)  # another folder, another run: the same fingerprints
    assert [i["fingerprint"] for i in json.loads(run("check", "-f", "gitlab").stdout)] == prints


def test_gitlab_fingerprints_stay_unique_for_repeated_problems(broken):
    edit(broken, F1, "lead: AMT-PLANUNG\n    committee: BAU\n    start: 2022\n    end: 2023",
         "lead: WOBAO\n    committee: BAU\n    start: 2022\n    end: 2023")
    issues = json.loads(run("check", "-f", "gitlab", plan=broken).stdout)
    assert [i["check_name"] for i in issues].count("E302") == 2
    assert len({i["fingerprint"] for i in issues}) == len(issues)


def test_github_paths_from_the_workspace_and_a_step_summary(broken, tmp_path, monkeypatch):
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.chdir(broken / "fields")  # the workspace, not the current folder, is the base
    env = {"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(broken.parent), "GITHUB_STEP_SUMMARY": str(summary)}
    r = run("check", env=env)
    assert r.exit_code == 1
    assert r.stdout.startswith("::error file=plan/fields/01-wohnen.yaml,line=25,col=11,")
    sarif = json.loads(run("check", "-f", "sarif", env=env).stdout)
    assert sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == \
        "plan/fields/01-wohnen.yaml"
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n### isek check: ")  # appended, never replaced
    assert "| ❌ | `plan/fields/01-wohnen.yaml:25:11` | E302 | lead actor 'WOBAO' does not exist" in text
    assert "| ⚠️ | `plan/fields/02-innenstadt.yaml:27:10` | W401 |" in text


def test_status_appends_a_markdown_table_to_the_step_summary(mini, tmp_path):
    summary = tmp_path / "summary.md"
    r = run("status", plan=mini, env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert r.exit_code == 0, r
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("### isek status 2024\n")
    assert "| HF1 | Wohnen und Quartiere | 4 | 0 | 0 | 1 | 1 | 1 | 1 | 0 | 25 % |" in text
    assert "| **total** |  | 7 |" in text


def test_without_a_step_summary_nothing_is_written(mini, tmp_path, monkeypatch):
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.chdir(tmp_path)
    run("status", plan=mini)
    run("check", plan=mini)
    assert list(tmp_path.iterdir()) == [mini]


def test_cross_file_and_shape_errors_in_one_run(mini):
    """An unknown actor (needs actors.yaml) is reported together with shape errors of other
    entries, in the same file and in another one."""
    edit(mini, F1, "lead: WOBAU", "lead: WOBAO")  # across files
    edit(mini, F1, "    priority: 2\n    lead: AMT-PLANUNG\n    start: 2022\n    cost_eur: 90000",
         "    priority: hoch\n    lead: AMT-PLANUNG\n    start: 2022\n    cost_eur: 90000")  # shape, same file
    edit(mini, F2, "end: 2027", "end: zweitausend")  # shape, another file
    diags = json.loads(run("check", "--format", "json", plan=mini).stdout)["diagnostics"]
    found = {(d["code"], d["file"]) for d in diags}
    assert ("E302", F1) in found
    assert any(code == "E203" and f == F1 for code, f in found), diags
    assert ("E204", F2) in found, diags
