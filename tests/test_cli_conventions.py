"""Conventions every command follows, as users of gh, ruff or git expect them: `-o -` is standard
output, `--plan` works after the command too, and the plan is found by walking up like git."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run

from isek_cli.cli.app import plan_option_first
from isek_cli.plan.loader import find_plan_dir


def test_report_dash_writes_markdown_and_html_to_stdout(mini, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    md = run("report", "2024", "-o", "-", plan=mini)
    assert md.exit_code == 0, md
    assert md.stdout.startswith("[//]: # (isek report)") and "# Monitoringbericht 2024" in md.stdout
    html = run("report", "2024", "-f", "html", "-o", "-", plan=mini)
    assert html.exit_code == 0 and html.stdout.lstrip().startswith("<!DOCTYPE html>")
    assert not (tmp_path / "-").exists()  # no file named '-'


def test_export_dash_writes_json_to_stdout(mini, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = run("export", "-o", "-", plan=mini)
    assert r.exit_code == 0, r
    assert json.loads(r.stdout)["generator"] == "isek export"
    assert not (tmp_path / "-").exists()


@pytest.mark.parametrize("args, what", [
    (["report", "2024", "-f", "pdf", "-o", "-"], "a PDF (binary)"),
    (["export", "-f", "xlsx", "-o", "-"], "xlsx (binary)"),
    (["export", "-f", "sqlite", "-o", "-"], "sqlite (binary)"),
    (["export", "-f", "csv", "-o", "-"], "csv (a folder of files)"),
    (["site", "-o", "-"], "a site (a folder of files)"),
    (["schema", "-o", "-"], "one file per kind"),
    (["progress", "request", "-o", "-"], "workbooks (a folder of files)"),
])
def test_dash_for_binary_or_many_files_is_a_usage_error(mini, tmp_path, monkeypatch, args, what):
    monkeypatch.chdir(tmp_path)
    r = run(*args, plan=mini)
    assert r.exit_code == 2, r
    assert "'-' (standard output) cannot take " + what in r.stderr
    assert not (tmp_path / "-").exists()


@pytest.mark.parametrize("args", [
    ["check"], ["status"], ["measures"], ["show", "HF1.M01"], ["due"], ["funding"], ["export"],
    ["report", "2024"], ["progress", "add", "HF1.M02", "-s", "in_umsetzung", "--date", "2024-09-01", "--dry-run"],
    ["indicator", "set", "K-BEV", "1", "--date", "2024-12-30", "--dry-run"],
])
def test_plan_option_after_the_command(mini, tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)  # nothing to find here: only --plan can point at the plan
    monkeypatch.delenv("ISEK_PLAN", raising=False)
    r = run(*args[:1], "--plan", str(mini), *args[1:])
    assert r.exit_code == 0, r
    r2 = run(*args, f"--plan={mini}")
    assert r2.exit_code == 0, r2


def test_plan_after_the_command_wins_over_the_one_before(mini, tmp_path):
    r = run("check", "--format", "json", "--plan", str(mini), plan=tmp_path)
    assert r.exit_code == 0, r
    assert json.loads(r.stdout)["plan"] == str(mini)


def test_plan_option_first_leaves_arguments_after_double_dash_alone():
    assert plan_option_first(["show", "--", "--plan"]) == ["show", "--", "--plan"]
    assert plan_option_first(["--plan", "a", "check", "--plan", "b"]) == ["--plan", "a", "--plan", "b", "check"]
    assert plan_option_first(["progress", "add", "X", "--plan", "p"]) == ["--plan", "p", "progress", "add", "X"]


def test_plan_found_by_walking_up_from_a_sub_folder(mini, monkeypatch):
    monkeypatch.delenv("ISEK_PLAN", raising=False)
    monkeypatch.chdir(mini / "fields")
    r = run("check", "--format", "json")
    assert r.exit_code == 0, r
    assert Path(json.loads(r.stdout)["plan"]).resolve() == mini.resolve()
    assert run("status", "--format", "json").exit_code == 0


def test_find_plan_dir_order(tmp_path):
    (tmp_path / "isek.yaml").write_text("x", encoding="utf-8")
    (tmp_path / "plan").mkdir()
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert find_plan_dir(None, tmp_path) == tmp_path  # a folder with isek.yaml is the plan itself
    assert find_plan_dir(None, deep) == tmp_path
    outer = tmp_path / "repo"
    (outer / "plan").mkdir(parents=True)
    assert find_plan_dir(None, outer) == outer / "plan"


def test_lock_never_shows_as_untracked_in_git(mini):
    import subprocess

    from isek_cli.writing.append import lock_path

    def git(*args):
        return subprocess.run(["git", "-C", str(mini), *args], capture_output=True, text=True, check=True).stdout

    git("init", "-q")
    git("add", "-A")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "plan")
    r = run("progress", "add", "HF1.M02", "-s", "in_umsetzung", "-p", "50", "--date", "2024-09-01", plan=mini)
    assert r.exit_code == 0, r
    assert git("status", "--porcelain") == " M progress/2024.yaml\n"
    assert lock_path(mini).parent == (mini / ".git").resolve()
    assert not (mini / ".isek.lock").exists()


def test_without_git_the_lock_stays_in_the_plan_folder(mini):
    from isek_cli.writing.append import lock_path

    assert lock_path(mini) == mini.resolve() / ".isek.lock"


def _names():
    from isek_cli.cli import app

    return sorted(_names_of(app))


def test_every_command_and_group_is_found_by_its_name():
    from isek_cli.cli import app, app_for

    names = _names()
    assert len(names) >= 20 and "status" in names and "portfolio" in names
    for name in names:
        one = app_for(["--plan", "x", name, "--help"])
        assert one is not app and _names_of(one) == [name]


def _names_of(typer_app):
    from isek_cli.cli import _command_name

    return [_command_name(c) for c in typer_app.registered_commands] + [g.name for g in typer_app.registered_groups]


@pytest.mark.parametrize("args", [
    [], ["--help"], ["-h", "status"], ["--version"], ["statsu"], ["--plan", "x"], ["--unknown", "status"], ["--", "status"],
])
def test_the_whole_app_runs_where_other_commands_show(args):
    from isek_cli.cli import app, app_for

    assert app_for(args) is app


def test_completion_gets_the_whole_app(monkeypatch):
    from isek_cli.cli import app, app_for

    monkeypatch.setenv("_ISEK_COMPLETE", "bash_complete")
    assert app_for(["status"]) is app


@pytest.mark.parametrize("name", _names())
def test_a_command_alone_says_what_the_whole_app_says(mini, name):
    """Help of each command and group, and a usage error, through the one-command app and the whole app."""
    from typer.testing import CliRunner

    from isek_cli.cli import app, app_for

    for args in (["--plan", str(mini), name, "--help"], ["--plan", str(mini), name, "--no-such-option"]):
        whole = CliRunner().invoke(app, args, prog_name="isek")
        alone = CliRunner().invoke(app_for(args), args, prog_name="isek")
        assert (alone.exit_code, alone.output) == (whole.exit_code, whole.output)


def test_status_through_the_entry_point_matches_the_whole_app(mini):
    import subprocess
    import sys

    from typer.testing import CliRunner

    from isek_cli.cli import app

    args = ["--plan", str(mini), "status", "--format", "json"]
    whole = CliRunner().invoke(app, args, prog_name="isek")
    proc = subprocess.run([sys.executable, "-m", "isek_cli", *args], capture_output=True, text=True)
    assert whole.exit_code == proc.returncode == 0
    assert json.loads(proc.stdout) == json.loads(whole.output)
