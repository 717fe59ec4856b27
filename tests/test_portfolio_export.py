"""`isek portfolio export`: every plan's `isek export` rows, with a plan column, in one data set."""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from conftest import SHIPPED_PLAN, run
from portfolio_gen import write_portfolio


@pytest.fixture
def portfolio(tmp_path: Path) -> Path:
    """Two generated plans, the shipped plan, and a plan with an error."""
    write_portfolio(tmp_path, 21, n_plans=2)
    shutil.copytree(SHIPPED_PLAN, tmp_path / "del")
    shutil.copytree(tmp_path / "ort-0", tmp_path / "kaputt")
    (tmp_path / "kaputt" / "isek.yaml").write_text("city: [\n", encoding="utf-8")
    (tmp_path / "portfolio.yaml").write_text(
        "title: Export\nplans:\n  - {id: P0, path: ort-0}\n  - {id: P1, path: orte/ort-1/plan}\n"
        "  - {id: DEL, path: del}\n  - {id: KAPUTT, path: kaputt}\n", encoding="utf-8")
    return tmp_path


def export(folder: Path, fmt: str, name: str, *extra: str):
    out = folder.parent / f"{folder.name}-{name}"
    r = run("portfolio", "export", str(folder), "--format", fmt, "-o", str(out), *extra)
    return r, out


def test_json_holds_each_plans_own_export_with_a_plan_column(portfolio: Path):
    r, out = export(portfolio, "json", "out.json", "--year", "2024")
    assert r.exit_code == 1 and "plan KAPUTT" in r.stderr  # written, and the invalid plan named
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["generator"] == "isek export" and doc["status_year"] == 2024
    tables = doc["tables"]
    assert [p["id"] for p in tables["plans"]] == ["P0", "P1", "DEL", "KAPUTT"]
    assert [p["valid"] for p in tables["plans"]] == [True, True, True, False]
    for pid, root in (("P0", "ort-0"), ("P1", "orte/ort-1/plan"), ("DEL", "del")):
        single = json.loads(run("export", "--format", "json", "--year", "2024", plan=portfolio / root).stdout)
        for name, rows in single["tables"].items():
            if name == "plan":
                plan_row = next(p for p in tables["plans"] if p["id"] == pid)
                assert {k: plan_row[k] for k in rows[0]} == rows[0]
            elif name == "sdg_goals":
                assert tables[name] == rows
            else:
                mine = [{k: v for k, v in row.items() if k != "plan"} for row in tables[name] if row["plan"] == pid]
                assert mine == rows, name
    assert not any(row.get("plan") == "KAPUTT" for name, rows in tables.items() if name != "plans" for row in rows)


def test_sqlite_has_plans_that_every_table_references(portfolio: Path):
    _, out = export(portfolio, "sqlite", "out.db", "--year", "2024")
    con = sqlite3.connect(out)
    con.execute("PRAGMA foreign_keys = ON")
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    for name in names:
        if name in ("plans", "sdg_goals"):
            continue
        refs = {(r[2], r[3], r[4]) for r in con.execute(f'PRAGMA foreign_key_list("{name}")')}
        assert ("plans", "plan", "id") in refs, name
    refs = [(r[0], r[2], r[3], r[4]) for r in con.execute('PRAGMA foreign_key_list("updates")')]
    assert sorted(r[1:] for r in refs if r[1] == "measures") == [("measures", "measure", "id"),
                                                                 ("measures", "plan", "plan")]
    # the question of the issue: which towns have no report for 2024?
    missing = [r[0] for r in con.execute(
        "SELECT id FROM plans WHERE valid AND id NOT IN (SELECT plan FROM plan_years WHERE year = 2024) ORDER BY id")]
    flagged = [r[0] for r in con.execute("SELECT id FROM plans WHERE valid AND report_missing ORDER BY id")]
    assert missing == flagged
    status = json.loads(run("portfolio", "status", str(portfolio), "--year", "2024", "--format", "json").stdout)
    assert flagged == sorted(p["id"] for p in status["plans"] if p["valid"] and p["report_missing"])
    counts = dict(con.execute("SELECT plan, count(*) FROM measures WHERE parent IS NULL GROUP BY plan"))
    assert counts == {p["id"]: p["measures"] for p in status["plans"] if p["valid"]}
    with pytest.raises(sqlite3.IntegrityError):
        con.execute("INSERT INTO updates (plan, measure, seq) VALUES ('NIEMAND', 'X', 1)")
        con.commit()


def test_csv_folder_with_a_datapackage_and_xlsx_with_a_plan_column(portfolio: Path):
    _, folder = export(portfolio, "csv", "csv")
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    measures = next(r for r in package["resources"] if r["name"] == "measures")
    assert measures["schema"]["primaryKey"] == ["plan", "id"]
    assert {"fields": ["plan", "parent"], "reference": {"resource": "", "fields": ["plan", "id"]}} in \
        measures["schema"]["foreignKeys"]
    with open(folder / "measures.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0])[:2] == ["plan", "id"] and {r["plan"] for r in rows} == {"P0", "P1", "DEL"}
    from openpyxl import load_workbook

    _, book = export(portfolio, "xlsx", "out.xlsx")
    wb = load_workbook(book, read_only=True)
    assert wb.sheetnames[0] == "measures"
    sheet = list(wb["measures"].iter_rows(values_only=True))
    assert sheet[0][:2] == ("plan", "id") and len(sheet) - 1 == len(rows)


def test_exports_are_deterministic_and_refuse_to_clobber(portfolio: Path):
    _, a = export(portfolio, "json", "a.json")
    _, b = export(portfolio, "json", "b.json")
    assert a.read_bytes() == b.read_bytes()
    r, a = export(portfolio, "json", "a.json")  # its own earlier output: replaced
    assert r.exit_code == 1 and "wrote" in r.stderr
    foreign = portfolio.parent / f"{portfolio.name}-foreign.db"
    foreign.write_text("not isek's", encoding="utf-8")
    r = run("portfolio", "export", str(portfolio), "-o", str(foreign))
    assert r.exit_code == 1 and "not generated by isek" in r.stderr and foreign.read_text() == "not isek's"
    r = run("portfolio", "export", str(portfolio), "-o", str(portfolio / "del" / "x.db"))
    assert r.exit_code == 1 and "inside the plan folder of DEL" in r.stderr
    assert not (portfolio / "del" / "x.db").exists()


def test_the_api_gives_the_same_rows(portfolio: Path):
    import isek_cli

    pf = isek_cli.open_portfolio(portfolio, strict=False)
    _, out = export(portfolio, "json", "api.json")
    doc = json.loads(out.read_text(encoding="utf-8"))
    rows = pf.tables()
    assert {k: len(v) for k, v in rows.items()} == {k: len(v) for k, v in doc["tables"].items()}
    with pytest.raises(isek_cli.PortfolioInvalid):
        isek_cli.open_portfolio(portfolio)
