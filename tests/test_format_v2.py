"""Plan format v2: what real cities' plans need, through the CLI and the API.

The fixture `tests/fixtures/v2` is a small town's ISEK written with every v2 key
of the contract (areas with an outline, parts, a plan status, a priority scale,
month dates, two leads, goals only per field, decisions, SDGs, links, report texts).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, run
from isek_cli import open_plan

V2 = FIXTURES / "v2"


@pytest.fixture
def v2(tmp_path: Path) -> Path:
    target = tmp_path / "plan"
    shutil.copytree(V2, target)
    return target


def check(plan: Path, *args: str) -> tuple[int, list[dict]]:
    r = run("check", "--format", "json", *args, plan=plan)
    return r.exit_code, json.loads(r.stdout)["diagnostics"]


def edit(plan: Path, rel: str, old: str, new: str) -> None:
    path = plan / rel
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, (old, rel)
    path.write_text(text.replace(old, new), encoding="utf-8")


def only(diags: list[dict], code: str) -> dict:
    found = [d for d in diags if d["code"] == code]
    assert len(found) == 1, diags
    return found[0]


# --- the v2 plan is valid --------------------------------------------------------

def test_v2_plan_passes_strict_check(v2):
    code, diags = check(v2, "--strict")
    assert code == 0 and diags == []


def test_v1_fixture_and_example_stay_valid():
    for plan in (FIXTURES / "mini", Path(__file__).parent.parent / "plan"):
        code, diags = check(plan, "--strict")
        assert code == 0, diags


# --- counting: top-level only, parents from parts, plan statuses -----------------

def test_status_counts_top_level_measures_and_plan_statuses(v2):
    data = json.loads(run("status", "--format", "json", plan=v2).stdout)
    assert set(data["total"]["by_status"]) == {"nicht_begonnen", "in_planung", "in_umsetzung", "abgeschlossen",
                                               "daueraufgabe", "zurueckgestellt", "entfallen"}
    # I-S1 (from its parts), I-S2, I-S3, M-1: the parts I-S1.1 and I-S1.2 are not counted
    assert data["total"]["measures"] == 4
    assert data["total"]["by_status"]["in_umsetzung"] == 2
    assert data["by_plan_status"] == {"verzoegert": 0}
    assert [f["by_plan_status"] for f in data["fields"]] == [{"verzoegert": 0}, {"verzoegert": 0}]


def test_a_top_level_plan_status_counts_as_its_counts_as(v2):
    edit(v2, "progress/2024.yaml", "{measure: M-1, date: 2024-04-15, status: in_umsetzung",
         "{measure: M-1, date: 2024-04-15, status: verzoegert")
    data = json.loads(run("status", "--format", "json", plan=v2).stdout)
    assert data["by_plan_status"] == {"verzoegert": 1}
    assert data["total"]["by_status"]["in_umsetzung"] == 2  # still counted as in_umsetzung
    assert sum(data["total"]["by_status"].values()) == data["total"]["measures"]


def test_v1_status_json_has_an_empty_by_plan_status(mini):
    data = json.loads(run("status", "--format", "json", plan=mini).stdout)
    assert data["by_plan_status"] == {} and all(f["by_plan_status"] == {} for f in data["fields"])


PARTS_PLAN = """id: P
title: Teile
goals: [{id: P.Z1, title: Ziel}]
measures:
  - {id: P1, title: Eltern, goals: [P.Z1], priority: 1, lead: A}
  - {id: P1.1, title: Teil 1, parent: P1, priority: 1, lead: A}
  - {id: P1.2, title: Teil 2, parent: P1, priority: 1, lead: A}
  - {id: P1.2.1, title: Teil 2a, parent: P1.2, priority: 1, lead: A}
"""


@pytest.mark.parametrize("statuses,expected", [
    # (P1.1, P1.2.1) -> P1; P1.2 takes P1.2.1's status
    ((None, None), "nicht_begonnen"),                       # nothing reported: all the same
    (("in_planung", "in_planung"), "in_planung"),           # all the same status
    (("abgeschlossen", "abgeschlossen"), "abgeschlossen"),
    (("abgeschlossen", "entfallen"), "abgeschlossen"),      # all closed
    (("nicht_begonnen", "in_planung"), "in_planung"),       # only not started or planning
    (("in_planung", "abgeschlossen"), "in_umsetzung"),      # otherwise in progress
    (("daueraufgabe", "in_planung"), "in_umsetzung"),
    (("verzoegert", "verzoegert"), "verzoegert"),           # all the same plan status: that status
    (("verzoegert", "abgeschlossen"), "in_umsetzung"),      # a plan status counts as its counts_as
])
def test_parent_status_rule(mini, statuses, expected):
    (mini / "actors.yaml").write_text("actors: [{id: A, name: Amt, kind: administration}]\ncommittees: []\n",
                                      encoding="utf-8")
    for f in (mini / "fields").iterdir():
        f.unlink()
    (mini / "fields" / "p.yaml").write_text(PARTS_PLAN, encoding="utf-8")
    with open(mini / "isek.yaml", "a", encoding="utf-8") as fh:
        fh.write("statuses:\n  - {id: verzoegert, title: verzögert, counts_as: in_umsetzung}\n")
    (mini / "indicators.yaml").write_text("indicators: []\n", encoding="utf-8")
    updates = "".join(f"  - {{measure: {m}, date: 2024-06-01, status: {s}}}\n"
                      for m, s in zip(("P1.1", "P1.2.1"), statuses) if s)
    for y in (2022, 2023, 2024):
        body = f"updates:\n{updates}" if y == 2024 and updates else "updates: []\n"
        (mini / "progress" / f"{y}.yaml").write_text(f"year: {y}\n{body}values: []\n", encoding="utf-8")
    plan = open_plan(mini, use_cache=False)
    assert plan.show("P1", 2024)["status"] == expected
    rows = {r["id"]: r for r in plan.measures(year=2024, parts=True)}
    assert list(rows) == ["P1", "P1.1", "P1.2", "P1.2.1"]
    assert plan.status(2024)["total"]["measures"] == 1


def test_a_parents_own_update_wins(v2):
    edit(v2, "progress/2024.yaml", "updates:\n", "updates:\n  - {measure: I-S1, date: 2024-01-10, status: in_planung}\n")
    assert open_plan(v2).show("I-S1")["status"] == "in_planung"


# --- queries ---------------------------------------------------------------------

def ids(r) -> list[str]:
    return [m["id"] for m in json.loads(r.stdout)["measures"]]


def test_measures_filters(v2):
    assert ids(run("measures", "-f", "json", plan=v2)) == ["I-S1", "I-S2", "I-S3", "M-1"]
    assert ids(run("measures", "--parts", "-f", "json", plan=v2)) == ["I-S1", "I-S1.1", "I-S1.2", "I-S2", "I-S3", "M-1"]
    # an area includes the areas inside it
    assert ids(run("measures", "--area", "KERNSTADT", "-f", "json", plan=v2)) == ["I-S1", "I-S2", "I-S3", "M-1"]
    assert ids(run("measures", "--area", "ALTSTADT", "-f", "json", plan=v2)) == ["I-S1", "I-S3"]
    # an SDG goal matches its targets; a target only itself
    assert ids(run("measures", "--sdg", "11", "-f", "json", plan=v2)) == ["I-S1", "M-1"]
    assert ids(run("measures", "--sdg", "11.2", "-f", "json", plan=v2)) == ["M-1"]
    assert ids(run("measures", "--decision", "B-2023-11", "-f", "json", plan=v2)) == ["I-S3"]
    # a plan status matches itself; one of the seven matches what measures count as
    assert ids(run("measures", "--parts", "--status", "verzoegert", "-f", "json", plan=v2)) == ["I-S1.2"]
    assert ids(run("measures", "--parts", "--status", "in_umsetzung", "-f", "json", plan=v2)) == ["I-S1", "I-S1.2", "M-1"]
    # both leads match
    assert ids(run("measures", "--lead", "WIFOE", "-f", "json", plan=v2)) == ["I-S1", "I-S2"]


@pytest.mark.parametrize("option,value", [("--area", "ALTSTAD"), ("--decision", "B-2099"), ("--sdg", "18"),
                                          ("--sdg", "11.9"), ("--priority", "4"), ("--status", "fertig")])
def test_bad_filters_are_usage_errors(v2, option, value):
    r = run("measures", option, value, plan=v2)
    assert r.exit_code == 2 and option in r.stderr, r


def test_status_by_area(v2):
    data = json.loads(run("status", "--area", "ALTSTADT", "-f", "json", plan=v2).stdout)
    assert data["area"] == "ALTSTADT" and data["total"]["measures"] == 2
    assert run("status", "--area", "NOWHERE", plan=v2).exit_code == 2


def test_show_part_tree_area_decision_and_plan_status(v2):
    text = run("show", "I-S1", plan=v2).stdout
    assert "Parts:" in text and "I-S1.1" in text and "I-S1.2" in text and "from its parts" in text
    assert "ALTSTADT (Altstadt)" in text and "11.7 (Nachhaltige Städte und Gemeinden)" in text
    assert "B-2020-07" in text and "https://ratsinfo.example/vorlage/2021-0042" in text
    data = json.loads(run("show", "I-S1", "-f", "json", plan=v2).stdout)
    assert [p["id"] for p in data["parts"]] == ["I-S1.1", "I-S1.2"]
    assert [a["id"] for a in data["leads"]] == ["FB-PLANEN", "WIFOE"]
    part = json.loads(run("show", "I-S1.2", "-f", "json", plan=v2).stdout)
    assert part["parent"]["id"] == "I-S1" and part["status"] == "verzoegert" and part["counts_as"] == "in_umsetzung"
    area = json.loads(run("show", "ALTSTADT", "-f", "json", plan=v2).stdout)
    assert area["kind"] == "area" and area["parent"]["id"] == "KERNSTADT" and area["has_outline"]
    assert [m["id"] for m in area["measures"]] == ["I-S1", "I-S3"]
    decision = json.loads(run("show", "B-2020-07", "-f", "json", plan=v2).stdout)
    assert decision["kind"] == "decision" and decision["measures"] == ["I-S1"] and decision["ref"] == "DS 2020/0815"
    status = json.loads(run("show", "verzoegert", "-f", "json", plan=v2).stdout)
    assert status["counts_as"] == "in_umsetzung" and status["measures"] == ["I-S1.2"]


def test_due_knows_parts_and_months(v2):
    data = json.loads(run("due", "--year", "2024", "-f", "json", plan=v2).stdout)
    overdue = [r["id"] for r in data["overdue"]]
    # I-S1.2 ends 2024-12 and is delayed: overdue, and so is its parent
    assert overdue == ["I-S1", "I-S1.2"]
    # the parent has no update of its own: its parts report, not it
    assert "I-S1" not in [r["id"] for r in data["no_update"]]
    # M-1 runs 2022-2025: at the end of 2024, 3 of 4 years have passed (75 %)
    m1 = next(r for r in data["behind_schedule"] if r["id"] == "M-1")
    assert m1["expected_percent"] == 75.0


def test_parent_not_overdue_while_its_parts_are_on_time(v2):
    edit(v2, "fields/01-innenstadt.yaml", "    start: 2022-03\n    end: 2024-12", "    start: 2022-03\n    end: 2026-06")
    data = json.loads(run("due", "--year", "2024", "-f", "json", plan=v2).stdout)
    assert [r["id"] for r in data["overdue"]] == []


def test_month_dates_count_in_months(v2):
    # 2021-04 .. 2022-01 is 10 months; at the end of 2021, 9 of them have passed
    from isek_cli.query.due import expected_percent

    assert expected_percent("2021-04", "2022-01", 2021) == 90.0
    assert expected_percent(2021, 2022, 2021) == 50.0
    assert expected_percent("2023-01", 2024, 2022) == 0.0


# --- bad input: a diagnostic at FILE:LINE:COL with a hint -------------------------

F = "fields/01-innenstadt.yaml"


@pytest.mark.parametrize("old,new,code,line,col,words", [
    ('sdgs: ["11.7"]', 'sdgs: ["18"]', "E204", 16, 12, "goals are '1' … '17'"),
    ('sdgs: ["11.7"]', 'sdgs: ["11.9"]', "E204", 16, 12, "11.1, 11.2"),
    ('sdgs: ["11.7"]', "sdgs: [11.7]", "E203", 16, 12, "quotes"),
    ('url: "https://ratsinfo.example/vorlage/2021-0042"', 'url: "javascript:alert(1)"', "E204", 17, 39, "https://"),
    ("lead: [FB-PLANEN, WIFOE]", "lead: [FB-PLANEN, WIFO]", "E302", 10, 23, "did you mean 'WIFOE'?"),
    ("    priority: 3\n", "    priority: 4\n", "E204", 45, 15, "1 (I – kurzfristig), 2 (II – mittelfristig)"),
    ("    parent: I-S1\n    priority: 1\n    lead: FB-PLANEN\n    start: 2021-04",
     "    parent: I-S9\n    priority: 1\n    lead: FB-PLANEN\n    start: 2021-04", "E302", 22, 13, "did you mean"),
    ("decided_by: [B-2023-11]", "decided_by: [B-2023-12]", "E302", 50, 18, "B-2023-11"),
    ("areas: [BAHNHOF]", "areas: [BAHNHOFF]", None, None, None, None),
    ("    start: 2021-04\n    end: 2024-12", "    start: 2021-13\n    end: 2024-12", "E204", 12, 12, "2021-04"),
    ("    start: 2025\n", "    start: 2025-01-01\n", "E204", 47, 12, "without the day"),
    ("    start: 2021-04\n    end: 2022-01", "    start: 2021-04\n    end: 2021-02", "E304", 26, 10, "end year"),
])
def test_bad_v2_measure_keys(v2, old, new, code, line, col, words):
    rel = F if "BAHNHOF]" not in old else "fields/02-mobilitaet.yaml"
    edit(v2, rel, old, new)
    exit_code, diags = check(v2)
    assert exit_code == 1
    if code is None:  # an unknown area in the second file
        d = only(diags, "E302")
        assert d["file"] == rel and "did you mean 'BAHNHOF'?" in d["hint"]
        return
    d = only(diags, code)
    assert (d["file"], d["line"], d["col"]) == (rel, line, col), d
    assert words in d["message"] + " " + d["hint"], d


def test_goal_of_an_also_field_is_allowed_and_others_are_not(v2):
    edit(v2, F, "    goals: [I.Z1]\n    also_fields: [M]", "    goals: [I.Z1, M.Z1]\n    also_fields: [M]")
    assert check(v2, "--strict") == (0, [])
    edit(v2, F, "    goals: [I.Z1, M.Z1]\n    also_fields: [M]", "    goals: [I.Z1, M.Z1]")
    _, diags = check(v2)
    assert "also_fields: [M]" in only(diags, "E303")["hint"]


def test_unknown_status_names_the_plans_own(v2):
    edit(v2, "progress/2024.yaml", "status: verzoegert", "status: verzögert")
    _, diags = check(v2)
    d = only(diags, "E204")
    assert (d["file"], d["line"]) == ("progress/2024.yaml", 3)
    assert "did you mean 'verzoegert'?" in d["hint"] and "this plan's own: verzoegert" in d["hint"]


def test_counts_as_must_be_one_of_the_seven(v2):
    edit(v2, "isek.yaml", "counts_as: in_umsetzung", "counts_as: verzoegert")
    _, diags = check(v2)
    d = only(diags, "E204")
    assert d["file"] == "isek.yaml" and "counts_as" in d["message"]


def test_value_area_must_exist(v2):
    edit(v2, "progress/2022.yaml", "area: ALTSTADT", "area: ALTSTAD")
    _, diags = check(v2)
    assert "did you mean 'ALTSTADT'?" in only(diags, "E302")["hint"]


@pytest.mark.parametrize("content,words", [
    ('{"type": "LineString", "coordinates": [[8.6, 53.0], [8.7, 53.1]]}', "not an area outline"),
    ('{"type": "Polygon", "coordinates": [[[470000, 5880000], [471000, 5880000], [471000, 5881000], [470000, 5880000]]]}',
     "not WGS84"),
    ('{"type": "Polygon", "coordinates": [[[8.6, 53.0], [8.7, 53.0], [8.7, 53.1], [8.6, 53.2]]]}', "not closed"),
    ('[1, 2, 3]', "no GeoJSON object"),
])
def test_bad_geometry(v2, content, words):
    (v2 / "areas" / "altstadt.geojson").write_text(content, encoding="utf-8")
    _, diags = check(v2)
    d = only(diags, "E311")
    assert (d["file"], d["line"]) == ("areas.yaml", 7) and words in d["message"], d


def test_geometry_outside_the_plan_folder_is_refused(v2, tmp_path):
    edit(v2, "areas.yaml", "geometry: areas/altstadt.geojson", "geometry: ../outside.geojson")
    (tmp_path / "outside.geojson").write_text((V2 / "areas" / "altstadt.geojson").read_text(), encoding="utf-8")
    _, diags = check(v2)
    assert "not a path inside the plan folder" in only(diags, "E311")["message"]
    edit(v2, "areas.yaml", "geometry: ../outside.geojson", "geometry: areas/link.geojson")
    os.symlink(tmp_path / "outside.geojson", v2 / "areas" / "link.geojson")
    _, diags = check(v2)
    assert "leads outside the plan folder" in only(diags, "E311")["message"]


def test_a_changed_outline_is_not_served_from_the_cache(v2, tmp_path, monkeypatch):
    monkeypatch.setenv("ISEK_CACHE_DIR", str(tmp_path / "cache"))
    assert check(v2) == (0, [])
    assert check(v2) == (0, [])  # cached
    (v2 / "areas" / "altstadt.geojson").write_text('{"type": "Point", "coordinates": [8.6, 53.0]}', encoding="utf-8")
    code, diags = check(v2)
    assert code == 1 and only(diags, "E311")


# --- numbers written the German way ------------------------------------------------

def test_three_decimals_warn_with_the_number_meant(v2):
    edit(v2, "indicators.yaml", "baseline: {year: 2019, value: 14.25}", "baseline: {year: 2019, value: 77.480}")
    code, diags = check(v2)
    d = only(diags, "W411")
    assert code == 0 and d["severity"] == "warning"
    assert (d["file"], d["line"], d["col"]) == ("indicators.yaml", 7, 35)
    assert "did you mean 77480?" in d["hint"] and "77.48" in d["hint"]
    assert check(v2, "--strict")[0] == 1
    edit(v2, "indicators.yaml", "value: 77.480}", "value: 77480}")
    assert check(v2, "--strict") == (0, [])


def test_a_decimal_comma_gets_a_decimal_point_hint(v2):
    edit(v2, "indicators.yaml", "baseline: {year: 2019, value: 14.25}", "baseline:\n      year: 2019\n      value: 14,25")
    _, diags = check(v2)
    assert "14.25" in only(diags, "E203")["hint"]
    edit(v2, "indicators.yaml", "baseline:\n      year: 2019\n      value: 14,25", "baseline: {year: 2019, value: 14,25}")
    _, diags = check(v2)
    d = only(diags, "E116")
    assert "decimal point" in d["hint"] and "decimal comma" in d["message"], d


def test_writes_refuse_german_thousands_and_never_write_them(v2):
    r = run("indicator", "set", "K-LEER", "57.800", "--date", "2024-06-30", plan=v2)
    assert r.exit_code == 2 and "ambiguous" in r.stderr
    r = run("indicator", "set", "K-LEER", "1.234", "--date", "2024-06-30", plan=v2)
    assert r.exit_code == 2
    r = run("indicator", "set", "K-LEER", "12,345", "--date", "2024-06-30", plan=v2)
    assert r.exit_code == 0, r
    assert "value: 12.3450" in (v2 / "progress" / "2024.yaml").read_text(encoding="utf-8")
    assert check(v2, "--strict") == (0, [])


# --- the report says only what the plan says ----------------------------------------

def test_mandate_and_foreword_come_from_the_plan(v2):
    md = run("report", "2024", plan=v2).stdout
    assert "die Verwaltung beauftragt, alle zwei Jahre" in md
    mini_md = run("report", "2024", plan=FIXTURES / "mini").stdout
    assert "beauftragt" not in mini_md and "jährliche Berichterstattung" not in mini_md


def test_v2_plan_through_the_api(v2):
    plan = open_plan(v2)
    assert plan.ok and [a.id for a in plan.index.areas] == ["KERNSTADT", "ALTSTADT", "BAHNHOF"]
    assert plan.index.geometry["ALTSTADT"]["type"] == "MultiPolygon"
    assert plan.index.area_ids("KERNSTADT") == {"KERNSTADT", "ALTSTADT", "BAHNHOF"}
    assert plan.index.priority_values() == [1, 2, 3]
