"""`isek export` of format-v2 plans: areas, parts, leads, SDGs, decisions, links, plan statuses, the
licence; and version-1 plans keep every row and value they had."""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
from pathlib import Path

import openpyxl
import pytest

from conftest import FIXTURES, REPO, run
from isek_cli.data.export import TABLES
from isek_cli.plan import sdgs

V2 = FIXTURES / "v2"
NAMES = [t.name for t in TABLES]


@pytest.fixture(autouse=True, scope="module")
def _private_cache(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("ISEK_CACHE_DIR", str(tmp_path_factory.mktemp("isek-cache")))
    yield
    mp.undo()


@pytest.fixture(scope="module")
def v2db(tmp_path_factory) -> sqlite3.Connection:
    path = tmp_path_factory.mktemp("v2") / "v2.db"
    r = run("export", "-o", path, plan=V2)
    assert r.exit_code == 0, r
    assert "4 measures and 2 parts" in r.stderr
    return sqlite3.connect(path)


def export_json(plan: Path, tmp_path: Path) -> dict:
    out = tmp_path / "e.json"
    r = run("export", "-f", "json", "-o", out, "--force", plan=plan)
    assert r.exit_code == 0, r
    return json.loads(out.read_text(encoding="utf-8"))


# --- version 1: nothing changes ------------------------------------------------------

def test_a_v1_plan_keeps_every_row_and_value_of_every_table(tmp_path):
    """The golden is the JSON export of the mini plan made by isek before format v2 (commit be351a0)."""
    before = json.loads((REPO / "tests/golden/export-mini-v1.json").read_text(encoding="utf-8"))["tables"]
    now = export_json(FIXTURES / "mini", tmp_path)["tables"]
    assert set(before) <= set(now)
    for name, rows in before.items():
        assert len(now[name]) == len(rows), name
        for old, new in zip(rows, now[name]):
            assert {k: new[k] for k in old} == old, name


def test_v1_plans_leave_the_v2_tables_empty_and_the_new_columns_consistent(tmp_path):
    for plan in (FIXTURES / "mini", REPO / "plan"):
        tables = export_json(plan, tmp_path)["tables"]
        for m in tables["measures"]:
            if plan.name == "mini":
                assert m["parent"] is None and m["areas"] == [] and m["sdgs"] == []
            assert m["leads"][0] == m["lead"]
            assert m["start"] == (None if m["start_year"] is None else str(m["start_year"])) or "-" in m["start"]
            if isinstance(m["cost_eur"], int):
                assert m["cost_min_eur"] == m["cost_max_eur"] == m["cost_eur"]
            assert m["status_counts_as"] == m["status"] or tables["plan_statuses"]
        if plan.name == "mini":
            for name in ("areas", "decisions", "plan_statuses", "priorities", "measure_areas", "measure_sdgs",
                         "measure_decisions", "measure_links", "measure_also_fields", "measure_costs",
                         "indicator_sdgs"):
                assert tables[name] == [], name
            assert [u["counts_as"] for u in tables["updates"]] == [u["status"] for u in tables["updates"]]
            assert all(v["area"] is None for v in tables["indicator_values"])
            assert tables["measure_leads"] == [{"measure": m["id"], "position": 1, "actor": m["lead"]}
                                               for m in tables["measures"]]
        assert len(tables["sdg_goals"]) == 17


# --- version 2 in SQLite ------------------------------------------------------------------

def test_sqlite_v2_tables_and_foreign_keys(v2db):
    con = v2db
    assert {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not r[0].startswith("measures_fts")} == set(NAMES)
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    fks = {(table, r[3], r[2]) for table in NAMES for r in con.execute(f'PRAGMA foreign_key_list("{table}")')}
    assert {("measures", "parent", "measures"), ("areas", "parent", "areas"), ("indicator_values", "area", "areas"),
            ("measure_areas", "area", "areas"), ("measure_sdgs", "goal", "sdg_goals"),
            ("indicator_sdgs", "goal", "sdg_goals"), ("measure_decisions", "decision", "decisions"),
            ("measure_leads", "actor", "actors"), ("measure_links", "measure", "measures"),
            ("measure_also_fields", "field", "fields")} <= fks
    # parts and their parent
    assert con.execute("SELECT id FROM measures WHERE parent = 'I-S1' ORDER BY position").fetchall() == [
        ("I-S1.1",), ("I-S1.2",)]
    assert con.execute("SELECT COUNT(*) FROM measures WHERE parent IS NULL").fetchone() == (4,)
    # several leads, the first also in 'lead'
    assert con.execute("SELECT lead, leads FROM measures WHERE id = 'I-S1'").fetchone() == (
        "FB-PLANEN", '["FB-PLANEN", "WIFOE"]')
    assert con.execute("SELECT actor FROM measure_leads WHERE measure = 'I-S1' ORDER BY position").fetchall() == [
        ("FB-PLANEN",), ("WIFOE",)]
    # dates as written and as years
    assert con.execute("SELECT start, end, start_year, end_year FROM measures WHERE id = 'I-S1.2'").fetchone() == (
        "2022-03", "2024-12", 2022, 2024)
    assert con.execute("SELECT start, end FROM measures WHERE id = 'I-S2'").fetchone() == ("2020", None)
    # plan statuses: as written, and what they count as
    assert con.execute("SELECT status, status_counts_as FROM measures WHERE id = 'I-S1.2'").fetchone() == (
        "verzoegert", "in_umsetzung")
    assert con.execute("SELECT status, counts_as FROM updates WHERE measure = 'I-S1.2' AND year = 2024").fetchone() == (
        "verzoegert", "in_umsetzung")
    assert con.execute("SELECT * FROM plan_statuses").fetchall() == [("verzoegert", 1, "verzögert", "in_umsetzung")]
    assert con.execute("SELECT value, title, until FROM priorities ORDER BY position").fetchall() == [
        (1, "I – kurzfristig", 2022), (2, "II – mittelfristig", 2027), (3, "III – langfristig", None)]
    # areas with their parent; values per area
    assert con.execute("SELECT id, parent, geometry FROM areas ORDER BY position").fetchall() == [
        ("KERNSTADT", None, None), ("ALTSTADT", "KERNSTADT", "areas/altstadt.geojson"), ("BAHNHOF", "KERNSTADT", None)]
    assert con.execute("SELECT area, value FROM indicator_values WHERE date = '2022-12-31' ORDER BY seq").fetchall() == [
        (None, 13.5), ("ALTSTADT", 18.2)]
    assert con.execute("SELECT measure FROM measure_areas WHERE area = 'ALTSTADT' ORDER BY measure").fetchall() == [
        ("I-S1",), ("I-S3",)]
    # SDGs with the goal's titles
    rows = con.execute("SELECT s.measure, s.sdg, g.id, g.title_de, g.title_en FROM measure_sdgs s "
                       "JOIN sdg_goals g ON g.id = s.goal ORDER BY s.measure").fetchall()
    assert rows == [("I-S1", "11.7", "11", "Nachhaltige Städte und Gemeinden", "Sustainable cities and communities"),
                    ("M-1", "11.2", "11", "Nachhaltige Städte und Gemeinden", "Sustainable cities and communities")]
    assert con.execute("SELECT sdg, goal FROM indicator_sdgs ORDER BY position").fetchall() == [("11", "11"),
                                                                                                ("11.3", "11")]
    assert con.execute("SELECT COUNT(*) FROM sdg_goals").fetchone() == (17,)
    # decisions, links, also_fields
    assert con.execute("SELECT id, date, kind, ref FROM decisions ORDER BY position").fetchall() == [
        ("B-2020-07", "2020-06-18", "adoption", "DS 2020/0815"), ("B-2023-11", "2023-03-02", "revision", None)]
    assert con.execute("SELECT measure, decision FROM measure_decisions ORDER BY measure").fetchall() == [
        ("I-S1", "B-2020-07"), ("I-S3", "B-2023-11")]
    assert con.execute("SELECT title, url FROM measure_links WHERE measure = 'I-S1'").fetchall() == [
        ("Ratsvorlage", "https://ratsinfo.example/vorlage/2021-0042")]
    assert con.execute("SELECT field FROM measure_also_fields WHERE measure = 'I-S2'").fetchall() == [("M",)]
    assert con.execute("SELECT license FROM plan").fetchone() == ("CC-BY-4.0",)


def test_cost_ranges_and_cost_plans(tmp_path):
    plan = tmp_path / "plan"
    shutil.copytree(V2, plan)
    f = plan / "fields/01-innenstadt.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace(
        "cost_eur: 3500000", "cost_eur: {min: 3000000, max: 3500000}\n"
        "    costs: [{year: 2022, eur: 1200000}, {year: 2023, eur: 1800000}]"), encoding="utf-8")
    assert run("check", plan=plan).exit_code == 0
    tables = export_json(plan, tmp_path)["tables"]
    m = next(m for m in tables["measures"] if m["id"] == "I-S1")
    assert (m["cost_eur"], m["cost_min_eur"], m["cost_max_eur"]) == (None, 3000000, 3500000)
    assert tables["measure_costs"] == [{"measure": "I-S1", "position": 1, "year": 2022, "eur": 1200000},
                                       {"measure": "I-S1", "position": 2, "year": 2023, "eur": 1800000}]


def test_a_child_area_listed_before_its_parent_and_a_part_before_its_measure(tmp_path):
    """References within one table may point forward; SQLite checks them at the end."""
    plan = tmp_path / "plan"
    shutil.copytree(V2, plan)
    areas = plan / "areas.yaml"
    lines = areas.read_text(encoding="utf-8").splitlines(keepends=True)
    areas.write_text(lines[0] + "".join(lines[2:]) + lines[1], encoding="utf-8")  # KERNSTADT last
    f = plan / "fields/01-innenstadt.yaml"
    text = f.read_text(encoding="utf-8")
    head, rest = text.split("measures:\n")
    first, part = rest.split("  - id: I-S1.1\n")
    f.write_text(head + "measures:\n  - id: I-S1.1\n" + part.split("  - id: I-S1.2\n")[0] + first +
                 "  - id: I-S1.2\n" + part.split("  - id: I-S1.2\n")[1], encoding="utf-8")
    assert run("check", plan=plan).exit_code == 0
    assert run("export", "-o", tmp_path / "p.db", plan=plan).exit_code == 0
    con = sqlite3.connect(tmp_path / "p.db")
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    assert con.execute("SELECT id FROM areas ORDER BY position").fetchall()[-1] == ("KERNSTADT",)
    assert con.execute("SELECT id FROM measures ORDER BY position").fetchall()[0] == ("I-S1.1",)


def test_the_documented_queries_count_top_level_measures_like_isek_status(v2db):
    docs = (REPO / "docs/data.md").read_text(encoding="utf-8")
    import re
    per_field, per_year, *more = re.findall(r"```sql\n(.*?)```", docs, re.S)
    status = json.loads(run("status", "--year", "2024", "--format", "json", plan=V2).stdout)
    rows = [r for r in v2db.execute(per_field) if r[2] == 2024]
    assert [(r[0], r[3], r[4], r[5]) for r in rows] == [
        (f["id"], f["measures"], f["by_status"]["abgeschlossen"], f["by_status"]["in_umsetzung"])
        for f in status["fields"]]
    totals = {r[0]: r[1:] for r in v2db.execute(per_year)}
    assert totals[2024] == (status["total"]["by_status"]["abgeschlossen"],
                            status["total"]["by_status"]["in_umsetzung"])
    per_sdg = more[0]
    assert [tuple(r) for r in v2db.execute(per_sdg)] == [("11", "Nachhaltige Städte und Gemeinden", 2)]


# --- CSV, XLSX, JSON -------------------------------------------------------------------

def test_csv_datapackage_has_the_licence_the_v2_tables_and_working_references(tmp_path):
    out = tmp_path / "csv"
    assert run("export", "-f", "csv", "-o", out, plan=V2).exit_code == 0
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    assert package["licenses"] == [{"name": "CC-BY-4.0", "path": "https://spdx.org/licenses/CC-BY-4.0.html"}]
    resources = {r["name"]: r for r in package["resources"]}
    assert set(resources) == set(NAMES)

    def rows(name: str) -> list[dict]:
        with open(out / f"{name}.csv", encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))

    for name, res in resources.items():
        for fk in res["schema"].get("foreignKeys", []):
            target = fk["reference"]["resource"] or name
            known = {r["id"] for r in rows(target)}
            col = fk["fields"][0]
            assert {r[col] for r in rows(name) if r[col]} <= known, (name, fk)
    self_refs = [(n, fk["fields"][0]) for n, r in resources.items() for fk in r["schema"].get("foreignKeys", [])
                 if fk["reference"]["resource"] == ""]
    assert sorted(self_refs) == [("areas", "parent"), ("measures", "parent")]
    status = next(f for f in resources["measures"]["schema"]["fields"] if f["name"] == "status")
    assert "verzoegert" in status["constraints"]["enum"]
    counts_as = next(f for f in resources["updates"]["schema"]["fields"] if f["name"] == "counts_as")
    assert "verzoegert" not in counts_as["constraints"]["enum"] and len(counts_as["constraints"]["enum"]) == 7
    measures = {r["id"]: r for r in rows("measures")}
    assert measures["I-S1"]["leads"] == '["FB-PLANEN", "WIFOE"]' and measures["I-S1.1"]["parent"] == "I-S1"
    assert measures["I-S1"]["start"] == "2021-04" and measures["I-S1"]["start_year"] == "2021"
    # a v1 plan without a licence names none
    out1 = tmp_path / "csv1"
    assert run("export", "-f", "csv", "-o", out1, plan=FIXTURES / "mini").exit_code == 0
    assert "licenses" not in json.loads((out1 / "datapackage.json").read_text(encoding="utf-8"))


def test_xlsx_and_json_carry_the_v2_tables(tmp_path):
    assert run("export", "-o", tmp_path / "v2.xlsx", plan=V2).exit_code == 0
    wb = openpyxl.load_workbook(tmp_path / "v2.xlsx")
    assert wb.sheetnames[0] == "measures" and set(wb.sheetnames) == set(NAMES)
    ws = wb["sdg_goals"]
    assert [c.value for c in ws[1]] == ["id", "title_de", "title_en"] and ws.max_row == 18
    assert ws["A12"].value == "11" and ws["B12"].value == sdgs.goal_title("11", "de")
    header = [c.value for c in wb["measures"][1]]
    row = {h: c.value for h, c in zip(header, wb["measures"][2])}
    assert row["id"] == "I-S1" and row["leads"] == "FB-PLANEN; WIFOE" and row["sdgs"] == "11.7"
    doc = export_json(V2, tmp_path)
    assert list(doc["tables"]) == NAMES
    m = next(m for m in doc["tables"]["measures"] if m["id"] == "I-S1")
    assert m["leads"] == ["FB-PLANEN", "WIFOE"] and m["areas"] == ["ALTSTADT"] and m["decided_by"] == ["B-2020-07"]
