"""The Python API as an analyst uses it: open_plan and the Plan's questions.

Each answer is compared with what the matching command prints with --format json,
so the library and the CLI cannot drift apart.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import isek_cli
from isek_cli import IsekError, PlanInvalid, UnknownId, open_plan

from conftest import run

MINI = Path(__file__).resolve().parent.parent / "fixtures" / "mini"


def cli_json(*args, plan: Path):
    r = run(*args, "--format", "json", plan=plan)
    assert r.exit_code == 0, r
    return json.loads(r.stdout)


def test_open_plan_returns_a_valid_plan(mini):
    plan = open_plan(mini)
    assert plan.ok and plan.errors == [] and isinstance(plan.diagnostics, list)
    assert [f.id for f in plan.fields] == ["HF1", "HF2"]
    assert plan.progress_years == [2022, 2023, 2024] and plan.default_year() == 2024
    assert plan.revision is None and plan.root == mini
    assert "7 measures" in repr(plan)


@pytest.mark.parametrize("year", [None, 2022, 2023, 2024])
def test_status_is_exactly_the_cli_json(mini, year):
    args = ["status"] + (["--year", str(year)] if year else [])
    assert open_plan(mini).status(year) == cli_json(*args, plan=mini)


def test_measures_filters_like_the_cli(mini):
    plan = open_plan(mini)
    assert plan.measures() == cli_json("measures", plan=mini)["measures"]
    hf2 = plan.measures(field="HF2", year=2023)
    assert hf2 == cli_json("measures", "--field", "HF2", "--year", "2023", plan=mini)["measures"]
    assert {m["field"] for m in hf2} == {"HF2"} and hf2
    done = plan.measures(status="abgeschlossen")
    assert done and all(m["status"] == "abgeschlossen" for m in done)


def test_unknown_filter_ids_raise_unknown_id_with_a_hint(mini):
    plan = open_plan(mini)
    with pytest.raises(UnknownId) as exc:
        plan.measures(field="HF3")
    assert exc.value.kind == "field of action" and "HF3" in str(exc.value)
    with pytest.raises(UnknownId) as exc:
        plan.show("HF1.M1")
    assert "did you mean" in exc.value.message
    with pytest.raises(ValueError):
        plan.measures(status="fertig")


def test_due_and_show_match_the_cli(mini):
    plan = open_plan(mini)
    assert plan.due(2024) == cli_json("due", "--year", "2024", plan=mini)
    assert plan.show("HF1.M01") == cli_json("show", "HF1.M01", plan=mini)


def test_strict_open_raises_with_every_diagnostic(mini):
    fields = mini / "fields" / "01-wohnen.yaml"
    fields.write_text(fields.read_text(encoding="utf-8").replace("lead: ", "lead: NOBODY-", 1), encoding="utf-8")
    with pytest.raises(PlanInvalid) as exc:
        open_plan(mini)
    err = exc.value
    assert isinstance(err, IsekError) and err.errors
    assert all(d.file and d.line >= 1 for d in err.diagnostics)
    assert any(d.code == "E302" for d in err.errors)
    lenient = open_plan(mini, strict=False)
    assert not lenient.ok and [d.code for d in lenient.errors] == [d.code for d in err.errors]


def test_report_text_is_what_the_cli_prints(mini):
    plan = open_plan(mini)
    r = run("report", "2024", "--format", "md", plan=mini)
    assert plan.report(2024) == r.stdout
    assert plan.report(2024, format="html", lang="en").startswith("<!DOCTYPE html>")


def test_tables_and_frames(mini):
    plan = open_plan(mini)
    tables = plan.tables()
    assert len(tables["measures"]) == 7 and tables["measures"][0]["id"] == "HF1.M01"
    pd = pytest.importorskip("pandas")
    frames = plan.to_frames()
    assert isinstance(frames["measures"], pd.DataFrame)
    assert list(frames["measures"]["id"]) == [m["id"] for m in tables["measures"]]
    assert set(frames) >= {"measures", "updates", "indicator_values"}


def test_to_frames_without_pandas_says_how_to_get_it(mini, monkeypatch):
    import builtins

    real = builtins.__import__

    def no_pandas(name, *a, **k):
        if name == "pandas":
            raise ImportError("no pandas")
        return real(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", no_pandas)
    with pytest.raises(IsekError, match=r"isek-cli\[pandas\]"):
        open_plan(mini).to_frames()


def test_record_through_the_api(mini):
    import datetime as dt

    plan = open_plan(mini)
    result = plan.record(updates=[{"measure": "HF1.M01", "date": dt.date(2024, 6, 1), "status": "in_umsetzung",
                                   "percent": 10}])
    assert [r.entry["measure"] for r in result.recorded] == ["HF1.M01"]
    again = open_plan(mini)
    assert again.show("HF1.M01")["history"][-1]["date"] == "2024-06-01"


def test_every_public_name_is_documented():
    """Each name in isek_cli.__all__ has a docstring and a place in docs/python-api.md."""
    page = (Path(__file__).resolve().parents[2] / "docs" / "python-api.md").read_text(encoding="utf-8")
    for name in isek_cli.__all__:
        if name == "__version__":
            continue
        obj = getattr(isek_cli, name)
        assert obj.__doc__ and obj.__doc__.strip(), name
        assert f"`{name}" in page, f"{name} is not on docs/python-api.md"
    for name in ("status", "measures", "show", "due", "report", "to_frames", "tables", "export", "record"):
        assert getattr(isek_cli.Plan, name).__doc__, name
        assert f".{name}(" in page, f"Plan.{name} is not on docs/python-api.md"


def test_version_is_importable_without_the_api():
    assert isek_cli.__version__.count(".") == 2


def test_readme_python_example_runs_and_prints_what_it_says(monkeypatch, capsys):
    """The README's 'Use from Python' block, run as written on the shipped plan."""
    import re

    repo = Path(__file__).resolve().parents[2]
    readme = (repo / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Use from Python"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    expected = [ln[2:] for ln in code.splitlines() if ln.startswith("# ")]
    monkeypatch.chdir(repo)
    exec(compile(code, "README.md", "exec"), {})
    assert capsys.readouterr().out.split("\n")[:-1] == expected
