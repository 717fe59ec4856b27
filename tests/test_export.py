"""`isek export --format csv|xlsx|json|sqlite -o PATH [--year Y]`: the same tables in four formats,
keys and foreign keys that hold, deterministic output, never clobbering, and the SQL example of
docs/data.md answering with the numbers of `isek status`."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from pathlib import Path

import openpyxl
import pytest

from conftest import REPO, run
from isek_cli.data.export import TABLES

NAMES = [t.name for t in TABLES]
REQUIRED = {"fields", "goals", "measures", "measure_goals", "measure_partners", "measure_funding", "actors",
            "committees", "guiding_goals", "updates", "indicators", "indicator_values", "status_by_year",
            # format v2
            "areas", "decisions", "plan_statuses", "priorities", "sdg_goals", "measure_leads", "measure_areas",
            "measure_sdgs", "measure_decisions", "measure_links", "measure_also_fields", "measure_costs",
            "indicator_sdgs"}


@pytest.fixture(autouse=True, scope="module")
def _private_cache(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("ISEK_CACHE_DIR", str(tmp_path_factory.mktemp("isek-cache")))
    yield
    mp.undo()


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> dict[str, Path]:
    """The shipped plan exported once in every format (the plan is only read)."""
    out = tmp_path_factory.mktemp("export")
    plan = REPO / "plan"
    paths = {"sqlite": out / "plan.db", "xlsx": out / "plan.xlsx", "json": out / "plan.json", "csv": out / "csv"}
    for fmt, path in paths.items():
        r = run("export", "--format", fmt, "-o", path, plan=plan)
        assert r.exit_code == 0, r
    return paths


def doc_queries() -> list[str]:
    return re.findall(r"```sql\n(.*?)```", (REPO / "docs" / "data.md").read_text(encoding="utf-8"), re.S)


def test_all_tables_are_there():
    assert REQUIRED <= set(NAMES)


# --- SQLite ---------------------------------------------------------------------

def test_sqlite_has_keys_foreign_keys_and_indexes(exported):
    con = sqlite3.connect(exported["sqlite"])
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {t for t in tables if not t.startswith("measures_fts")} == set(NAMES)  # + the full-text index
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    # one row per measure: the 109 measures and the 4 parts of HF1.M04 (parts are measures too)
    assert con.execute("SELECT COUNT(*) FROM measures").fetchone() == (113,)
    assert con.execute("SELECT COUNT(*) FROM status_by_year").fetchone() == (113 * 11,)  # 2014..2024
    pk = [r[1] for r in con.execute("PRAGMA table_info(measures)") if r[5]]
    assert pk == ["id"]
    fks = {(r[3], r[2]) for r in con.execute("PRAGMA foreign_key_list(measures)")}
    assert fks == {("field", "fields"), ("lead", "actors"), ("committee", "committees"), ("parent", "measures")}
    indexed = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    for t in TABLES:
        for column, _ in t.refs:
            assert column == t.key[0] or f"{t.name}_{column}" in indexed
    types = {r[1]: r[2] for r in con.execute("PRAGMA table_info(measures)")}
    assert (types["priority"], types["cost_eur"], types["title"]) == ("INTEGER", "INTEGER", "TEXT")
    assert con.execute("SELECT status_year, status, percent FROM measures WHERE id = 'HF1.M01'").fetchone()[0] == 2024
    row = con.execute("SELECT goals, partners, funding, key_project FROM measures WHERE id = 'HF1.M04'").fetchone()
    assert row == ('["HF1.Z3"]', '["WOBAU", "QM", "FD-SOZIALES"]',
                   '["Soziale Stadt", "Sozialer Zusammenhalt", "Eigenmittel"]', 1)  # lists: JSON arrays
    assert con.execute("SELECT COUNT(*) FROM measure_funding WHERE measure = 'HF1.M04'").fetchone() == (3,)


def test_documented_query_answers_completion_per_field_and_year(exported):
    con = sqlite3.connect(exported["sqlite"])
    per_field, per_year = doc_queries()[:2]
    rows = [r for r in con.execute(per_field) if r[2] == 2017]
    assert [(r[0], r[3], r[4], r[5]) for r in rows] == [
        ("HF1", 13, 3, 7), ("HF2", 13, 2, 9), ("HF3", 12, 2, 9), ("HF4", 13, 3, 9), ("HF5", 12, 5, 4),
        ("HF6", 12, 3, 7), ("HF7", 12, 3, 8), ("HF8", 12, 2, 6), ("HF9", 10, 2, 5)]
    assert sum(r[4] for r in rows) == 25 and sum(r[5] for r in rows) == 64
    totals = {r[0]: r[1:] for r in con.execute(per_year)}
    assert totals[2017] == (25, 64)
    status = json.loads(run("status", "--year", "2017", "--format", "json", plan=REPO / "plan").stdout)
    assert status["total"]["by_status"]["abgeschlossen"] == 25 and status["total"]["by_status"]["in_umsetzung"] == 64
    for year in (2014, 2020, 2024):  # the table agrees with the status rule every year
        st = json.loads(run("status", "--year", str(year), "--format", "json", plan=REPO / "plan").stdout)
        assert totals[year] == (st["total"]["by_status"]["abgeschlossen"], st["total"]["by_status"]["in_umsetzung"])


def test_year_option_sets_the_measure_status_year(tmp_path):
    path = tmp_path / "p.db"
    assert run("export", "-o", path, "--year", "2017", plan=REPO / "plan").exit_code == 0  # format from suffix
    con = sqlite3.connect(path)
    counts = dict(con.execute("SELECT status, COUNT(*) FROM measures WHERE parent IS NULL GROUP BY status"))
    assert counts["abgeschlossen"] == 25 and counts["in_umsetzung"] == 64
    assert con.execute("SELECT DISTINCT status_year FROM measures").fetchall() == [(2017,)]


# --- CSV and the data package ---------------------------------------------------

def test_csv_folder_with_frictionless_datapackage(exported):
    folder = exported["csv"]
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    assert package["profile"] == "tabular-data-package" and package["name"] == "isek-delmenhorst"
    resources = {r["name"]: r for r in package["resources"]}
    assert set(resources) == set(NAMES)
    for name, res in resources.items():
        assert res["profile"] == "tabular-data-resource" and res["path"] == f"{name}.csv"
        with open(folder / res["path"], encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        fields = res["schema"]["fields"]
        assert rows[0] == [f["name"] for f in fields]
        assert all(f["type"] in {"string", "integer", "number", "boolean", "date", "array"} for f in fields)
        for f in fields:  # an array column holds a JSON array in every row
            if f["type"] == "array":
                i = rows[0].index(f["name"])
                assert all(isinstance(json.loads(r[i]), list) for r in rows[1:] if r[i]), (name, f["name"])
        key = res["schema"]["primaryKey"]
        idx = [rows[0].index(k) for k in key]
        keys = [tuple(r[i] for i in idx) for r in rows[1:]]
        assert len(keys) == len(set(keys)) and all(all(k) for k in keys), name
        for fk in res["schema"].get("foreignKeys", []):
            target = resources[fk["reference"]["resource"] or name]  # "": the same resource
            with open(folder / target["path"], encoding="utf-8", newline="") as fh:
                trows = list(csv.reader(fh))
            known = {r[trows[0].index(fk["reference"]["fields"][0])] for r in trows[1:]}
            col = rows[0].index(fk["fields"][0])
            assert {r[col] for r in rows[1:] if r[col]} <= known, (name, fk)
    measures = list(csv.DictReader(io.StringIO((folder / "measures.csv").read_text(encoding="utf-8"))))
    m4 = next(m for m in measures if m["id"] == "HF1.M04")
    assert json.loads(m4["partners"]) == ["WOBAU", "QM", "FD-SOZIALES"] and m4["key_project"] == "true" and m4["cost_eur"] == "9200000"
    assert len(measures) == 113  # 109 measures and 4 parts


def test_csv_and_json_are_byte_for_byte_deterministic(exported, tmp_path):
    plan = REPO / "plan"
    again = tmp_path / "csv"
    assert run("export", "--format", "csv", "-o", again, plan=plan).exit_code == 0
    for path in sorted(exported["csv"].iterdir()):
        assert (again / path.name).read_bytes() == path.read_bytes(), path.name
    assert run("export", "--format", "json", "-o", tmp_path / "p.json", plan=plan).exit_code == 0
    assert (tmp_path / "p.json").read_bytes() == exported["json"].read_bytes()
    assert run("export", "--format", "sqlite", "-o", tmp_path / "p.db", plan=plan).exit_code == 0
    dump = lambda p: list(sqlite3.connect(p).iterdump())  # noqa: E731
    assert dump(tmp_path / "p.db") == dump(exported["sqlite"])


# --- JSON and XLSX ------------------------------------------------------------------

def test_json_is_one_document_with_lists_as_arrays(exported):
    doc = json.loads(exported["json"].read_text(encoding="utf-8"))
    assert doc["generator"] == "isek export" and doc["status_year"] == 2024
    assert list(doc["tables"]) == NAMES
    m = next(m for m in doc["tables"]["measures"] if m["id"] == "HF1.M04")
    assert m["partners"] == ["WOBAU", "QM", "FD-SOZIALES"] and m["key_project"] is True
    assert doc["tables"]["updates"][0]["date"].startswith("20")
    assert run("export", "--format", "json", plan=REPO / "plan").stdout.encode() == exported["json"].read_bytes()


def test_xlsx_one_sheet_per_table_bold_frozen_header(exported):
    wb = openpyxl.load_workbook(exported["xlsx"])
    assert wb.sheetnames[0] == "measures" and set(wb.sheetnames) == set(NAMES)
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2" and all(c.font.bold for c in ws[1])
        assert [c.value for c in ws[1]] == BY_TABLE[ws.title]
    ws = wb["measures"]
    assert ws.max_row == 114  # a header and 113 measures (109 and 4 parts)
    header = [c.value for c in ws[1]]
    row = {h: c.value for h, c in zip(header, ws[2])}
    assert row["id"] == "HF1.M01" and row["priority"] == 1 and row["cost_eur"] == 45000 and row["key_project"] is False
    assert row["goal_titles"] == "Innenentwicklung vor Außenentwicklung" and row["field_title"]


BY_TABLE = {t.name: t.names for t in TABLES}


def test_mini_plan_exports_in_every_format(mini, tmp_path):
    for fmt, name in (("csv", "c"), ("xlsx", "m.xlsx"), ("json", "m.json"), ("sqlite", "m.sqlite")):
        r = run("export", "-f", fmt, "-o", tmp_path / name, plan=mini)
        assert r.exit_code == 0, r
    con = sqlite3.connect(tmp_path / "m.sqlite")
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    assert con.execute("SELECT COUNT(*) FROM measures").fetchone() == (7,)


def test_xlsx_text_is_never_a_formula(mini, tmp_path):
    f = mini / "fields" / "01-wohnen.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("title: Baulückenkataster aufbauen",
                                                       'title: "=HYPERLINK(\\"http://x\\")"'), encoding="utf-8")
    assert run("export", "-o", tmp_path / "m.xlsx", plan=mini).exit_code == 0
    ws = openpyxl.load_workbook(tmp_path / "m.xlsx")["measures"]
    assert ws["E2"].value == '=HYPERLINK("http://x")' and ws["E2"].data_type == "s"


# --- never clobber --------------------------------------------------------------------

def test_refuses_foreign_files_replaces_own_and_force(tmp_path):
    plan = REPO / "plan"
    for name in ("notes.db", "notes.xlsx", "notes.json"):
        target = tmp_path / name
        target.write_bytes(b"someone else's data")
        r = run("export", "-o", target, plan=plan)
        assert r.exit_code == 1 and "--force" in r.stderr, r
        assert target.read_bytes() == b"someone else's data"
        assert run("export", "-o", target, "--force", plan=plan).exit_code == 0
        assert run("export", "-o", target, plan=plan).exit_code == 0  # isek's own output: replaced
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "mine.txt").write_text("keep")
    r = run("export", "-f", "csv", "-o", folder, plan=plan)
    assert r.exit_code == 1 and "not empty" in r.stderr and sorted(p.name for p in folder.iterdir()) == ["mine.txt"]
    assert run("export", "-f", "csv", "-o", folder, "--force", plan=plan).exit_code == 0
    assert run("export", "-f", "csv", "-o", folder, plan=plan).exit_code == 0
    assert (folder / "mine.txt").read_text() == "keep"


def test_refuses_the_plan_folder_and_usage_errors(mini, tmp_path):
    before = {p: p.read_bytes() for p in mini.rglob("*") if p.is_file()}
    for args in (("-o", mini / "x.db"), ("-f", "csv", "-o", mini / "data"), ("-f", "csv", "-o", mini)):
        r = run("export", *args, plan=mini)
        assert r.exit_code == 1 and "plan folder" in r.stderr, r
    assert {p: p.read_bytes() for p in mini.rglob("*") if p.is_file()} == before
    assert run("export", "-o", tmp_path / "x.txt", plan=mini).exit_code == 2
    assert run("export", "-f", "sqlite", plan=mini).exit_code == 2
    assert run("export", "-f", "parquet", "-o", tmp_path / "x", plan=mini).exit_code == 2
    assert run("export", "-f", "xlsx", "-o", tmp_path, plan=mini).exit_code == 1  # a folder, not a file
