"""`isek due`: measures overdue, behind a linear schedule, or lacking an update in year Y; deferred ones.

Rules (isek_cli/query/due.py), each measure listed once, first rule that applies: deferred (status
zurueckgestellt, for information, not counted); overdue when end <= Y and not completed/dropped by the end
of Y; behind schedule for measures with start and end, start < Y < end (no verdict in the first year), not
closed, with a reported percent: expected = (Y-start+1)/(end-start+1)*100, gap = expected - percent points,
on track within 10 points (not listed), behind up to 25, at risk beyond; no update in Y unless
completed/dropped or starting after Y. Every case here is a tiny plan written from Python dicts.
"""

from __future__ import annotations

import csv
import io
import json
from fractions import Fraction
from pathlib import Path

import pytest

from conftest import run
from helpers_writes import private_cache, upd, write_plan  # noqa: F401 (private_cache: autouse)


def due_json(plan: Path, *args: str) -> dict:
    r = run("due", "--format", "json", *args, plan=plan)
    assert r.exit_code == 0, r
    return json.loads(r.stdout)


def ids(data: dict, reason: str) -> set[str]:
    return {row["id"] for row in data[reason]}


def row(data: dict, reason: str, mid: str) -> dict:
    found = [r for r in data[reason] if r["id"] == mid]
    assert len(found) == 1, (reason, mid, data[reason])
    return found[0]


# --- one plan with a measure for every rule ----------------------------------------

RULES_MEASURES = [
    # no update in 2024
    {"id": "NU-OLD", "start": 2020}, {"id": "NU-NEVER", "start": 2022}, {"id": "NU-NOSTART"},
    {"id": "NU-STARTS-Y", "start": 2024}, {"id": "NU-LATER", "start": 2025}, {"id": "NU-DONE", "start": 2020},
    {"id": "NU-DROPPED", "start": 2020}, {"id": "NU-DEFERRED", "start": 2020}, {"id": "NU-HAS", "start": 2020},
    {"id": "NU-DONE-LATER", "start": 2020}, {"id": "NU-ONGOING", "start": 2020},
    # overdue
    {"id": "OD-Y", "start": 2022, "end": 2024}, {"id": "OD-PAST", "start": 2020, "end": 2022},
    {"id": "OD-DONE", "start": 2022, "end": 2024}, {"id": "OD-DONE-LATER", "start": 2021, "end": 2023},
    {"id": "OD-DROPPED", "start": 2021, "end": 2023}, {"id": "OD-FUTURE", "start": 2023, "end": 2025},
    {"id": "OD-DEFERRED", "start": 2022, "end": 2024}, {"id": "OD-TIE-OPEN", "start": 2022, "end": 2024},
    {"id": "OD-TIE-DONE", "start": 2022, "end": 2024},
    # behind schedule; 2022..2026 expects 60 % in 2024
    {"id": "BS-57", "start": 2022, "end": 2026}, {"id": "BS-56", "start": 2022, "end": 2026},
    {"id": "BS-51", "start": 2022, "end": 2026}, {"id": "BS-50", "start": 2022, "end": 2026},
    {"id": "BS-49", "start": 2022, "end": 2026}, {"id": "BS-35", "start": 2022, "end": 2026},
    {"id": "BS-34", "start": 2022, "end": 2026}, {"id": "BS-LATE-NOUPD", "start": 2022, "end": 2026},
    {"id": "BS-60", "start": 2022, "end": 2026}, {"id": "BS-NOPCT", "start": 2022, "end": 2026},
    {"id": "BS-OLDPCT", "start": 2022, "end": 2026}, {"id": "BS-NOEND", "start": 2022},
    {"id": "BS-NOSTART", "end": 2026}, {"id": "BS-DEFERRED", "start": 2022, "end": 2026},
    {"id": "BS-FIRSTYEAR", "start": 2024, "end": 2027}, {"id": "BS-THIRD", "start": 2023, "end": 2025},
    {"id": "BS-DONE", "start": 2022, "end": 2026}, {"id": "BS-STARTS-LATER", "start": 2025, "end": 2027},
]

RULES_PROGRESS = {
    2023: [
        upd("NU-OLD", "2023-03-01", "in_umsetzung"),
        upd("NU-DONE", "2023-04-01", "abgeschlossen", 100),
        upd("NU-DROPPED", "2023-04-01", "entfallen"),
        upd("NU-DEFERRED", "2023-04-01", "zurueckgestellt"),
        upd("NU-DONE-LATER", "2023-05-01", "in_umsetzung", 80),
        upd("NU-ONGOING", "2023-01-15", "daueraufgabe"),
        upd("OD-DONE-LATER", "2023-06-01", "in_umsetzung", 90),
        upd("BS-OLDPCT", "2023-06-01", "in_umsetzung", 30),
        upd("BS-LATE-NOUPD", "2023-06-01", "in_umsetzung", 20),
    ],
    2024: [
        upd("NU-HAS", "2024-02-01", "in_umsetzung"),
        upd("OD-Y", "2024-03-01", "in_umsetzung", 80),
        upd("OD-PAST", "2024-03-01", "in_umsetzung", 90),
        upd("OD-DONE", "2024-06-01", "abgeschlossen", 100),
        upd("OD-DROPPED", "2024-06-01", "entfallen"),
        upd("OD-FUTURE", "2024-06-01", "in_umsetzung", 70),
        upd("OD-DEFERRED", "2024-06-01", "zurueckgestellt", 40),
        upd("OD-TIE-OPEN", "2024-05-01", "abgeschlossen", 100),
        upd("OD-TIE-OPEN", "2024-05-01", "in_umsetzung", 90),  # same date, later in the file: wins
        upd("OD-TIE-DONE", "2024-05-01", "in_umsetzung", 90),
        upd("OD-TIE-DONE", "2024-05-01", "abgeschlossen", 100),
        upd("BS-57", "2024-06-01", "in_umsetzung", 57),
        upd("BS-56", "2024-06-01", "in_umsetzung", 56),
        upd("BS-51", "2024-06-01", "in_umsetzung", 51),
        upd("BS-50", "2024-06-01", "in_umsetzung", 50),
        upd("BS-49", "2024-06-01", "in_umsetzung", 49),
        upd("BS-35", "2024-06-01", "in_umsetzung", 35),
        upd("BS-34", "2024-06-01", "in_umsetzung", 34),
        upd("BS-60", "2024-06-01", "in_umsetzung", 60),
        upd("BS-NOPCT", "2024-06-01", "in_umsetzung"),
        upd("BS-OLDPCT", "2024-06-01", "in_umsetzung"),
        upd("BS-NOEND", "2024-06-01", "in_umsetzung", 10),
        upd("BS-NOSTART", "2024-06-01", "in_umsetzung", 10),
        upd("BS-DEFERRED", "2024-06-01", "zurueckgestellt", 20),
        upd("BS-FIRSTYEAR", "2024-06-01", "in_planung", 22),
        upd("BS-THIRD", "2024-06-01", "in_umsetzung", 60),
        upd("BS-DONE", "2024-06-01", "abgeschlossen", 100),
        upd("BS-STARTS-LATER", "2024-06-01", "in_planung", 5),
    ],
    2025: [
        upd("NU-DONE-LATER", "2025-01-15", "abgeschlossen", 100),
        upd("OD-DONE-LATER", "2025-02-01", "abgeschlossen", 100),
    ],
}


@pytest.fixture(scope="module")
def rules(tmp_path_factory) -> dict:
    plan = write_plan(tmp_path_factory.mktemp("due") / "plan", RULES_MEASURES, RULES_PROGRESS)
    assert run("check", plan=plan).exit_code == 0
    return {"plan": plan, "data": due_json(plan, "--year", "2024")}


def test_no_update_rule(rules):
    data = rules["data"]
    assert data["year"] == 2024
    nu = {i for i in ids(data, "no_update") if i.startswith("NU-")}
    assert nu == {"NU-OLD", "NU-NEVER", "NU-NOSTART", "NU-STARTS-Y", "NU-DONE-LATER", "NU-ONGOING"}
    assert "NU-DEFERRED" in ids(data, "deferred")  # deferred: listed there only
    # measures updated in 2024 are never listed as lacking an update
    updated = {u["measure"] for u in RULES_PROGRESS[2024]}
    assert not ids(data, "no_update") & updated
    assert row(data, "no_update", "NU-OLD")["last_update"] == "2023-03-01"
    assert row(data, "no_update", "NU-OLD")["status"] == "in_umsetzung"
    assert row(data, "no_update", "NU-NEVER")["last_update"] is None
    assert row(data, "no_update", "NU-NEVER")["status"] == "nicht_begonnen"
    # completed in 2025 does not count for 2024
    assert row(data, "no_update", "NU-DONE-LATER")["status"] == "in_umsetzung"


def test_measure_starting_after_the_year_is_not_due(rules):
    data = rules["data"]
    for reason in ("no_update", "overdue", "behind_schedule", "deferred"):
        assert "NU-LATER" not in ids(data, reason)
        assert "BS-STARTS-LATER" not in ids(data, reason)


def test_overdue_rule(rules):
    data = rules["data"]
    assert ids(data, "overdue") == {"OD-Y", "OD-PAST", "OD-DONE-LATER", "OD-TIE-OPEN"}
    assert "OD-DEFERRED" in ids(data, "deferred")  # a deferred measure is not also overdue
    assert row(data, "overdue", "OD-Y")["years_over"] == 0
    assert row(data, "overdue", "OD-PAST")["years_over"] == 2
    assert row(data, "overdue", "OD-DONE-LATER")["years_over"] == 1
    assert row(data, "overdue", "OD-DONE-LATER")["status"] == "in_umsetzung"
    assert row(data, "overdue", "OD-TIE-OPEN")["status"] == "in_umsetzung"
    assert row(data, "overdue", "OD-Y")["percent"] == 80


def test_behind_schedule_rule_and_boundaries(rules):
    data = rules["data"]
    assert ids(data, "behind_schedule") == {"BS-49", "BS-35", "BS-34", "BS-OLDPCT", "BS-LATE-NOUPD"}
    expect = {  # id: (percent, expected_percent, gap, rating)
        "BS-49": (49, 60.0, 11.0, "behind"),  # just past the 10-point tolerance
        "BS-35": (35, 60.0, 25.0, "behind"),  # exactly 25 points is still "behind"
        "BS-34": (34, 60.0, 26.0, "at_risk"),
        "BS-OLDPCT": (30, 60.0, 30.0, "at_risk"),  # the latest reported percent, from 2023
        "BS-LATE-NOUPD": (20, 60.0, 40.0, "at_risk"),
    }
    for mid, (pct, exp, gap, rating) in expect.items():
        r = row(data, "behind_schedule", mid)
        assert (r["percent"], r["expected_percent"], r["gap_points"], r["rating"]) == (pct, exp, gap, rating), r
        assert r["ratio"] == pytest.approx(pct / exp, abs=0.0005), r
    # behind and without an update in 2024: listed once, under behind schedule, with its last update
    assert row(data, "behind_schedule", "BS-LATE-NOUPD")["last_update"] == "2023-06-01"
    assert "BS-LATE-NOUPD" not in ids(data, "no_update")
    # within 10 points (50/60 exactly at the tolerance) is on track, like 60/60: not listed; nor are unrated
    # measures; nor a measure in its first year (BS-FIRSTYEAR, 22 % of an expected 25 %); nor a deferred one
    for mid in ("BS-57", "BS-56", "BS-51", "BS-50", "BS-60", "BS-THIRD", "BS-NOPCT", "BS-NOEND", "BS-NOSTART",
                "BS-DONE", "OD-FUTURE", "OD-Y", "BS-FIRSTYEAR", "BS-DEFERRED"):
        assert mid not in ids(data, "behind_schedule")
    assert "BS-DEFERRED" in ids(data, "deferred")
    assert data["total"] == sum(len(data[k]) for k in ("no_update", "overdue", "behind_schedule"))


def test_each_measure_is_listed_once(rules):
    data = rules["data"]
    seen: dict[str, str] = {}
    for reason in ("deferred", "overdue", "behind_schedule", "no_update"):
        for r in data[reason]:
            assert r["id"] not in seen, (r["id"], seen.get(r["id"]), reason)
            seen[r["id"]] = reason
    assert {"OD-DEFERRED", "BS-DEFERRED", "NU-DEFERRED"} <= set(ids(data, "deferred"))


@pytest.mark.parametrize("start, end, year", [(2020, 2030, 2024), (2022, 2024, 2023), (2023, 2030, 2024),
                                              (2021, 2029, 2024), (2022, 2025, 2024), (2020, 2022, 2021)])
def test_expected_percent_formula(tmp_path, start, end, year):
    plan = write_plan(tmp_path / "plan", [{"id": "M1", "start": start, "end": end}],
                      {year: [upd("M1", f"{year}-06-01", "in_umsetzung", 0)]})
    data = due_json(plan, "--year", str(year))
    r = row(data, "behind_schedule", "M1")
    exact = Fraction(year - start + 1, end - start + 1) * 100
    assert r["expected_percent"] == pytest.approx(float(exact), abs=0.05)
    assert r["ratio"] == 0 and r["rating"] == ("at_risk" if exact > 25 else "behind")


@pytest.mark.parametrize("year, percent, rating", [
    (2022, 0, None), (2022, 20, None),  # the first year: never rated
    (2023, 40, None), (2023, 30, None), (2023, 29, "behind"), (2023, 15, "behind"), (2023, 14, "at_risk"),  # exp. 40
    (2025, 76, None), (2025, 70, None), (2025, 69, "behind"), (2025, 55, "behind"), (2025, 54, "at_risk"),
    (2025, 0, "at_risk"),  # expected 80
])
def test_rating_boundaries(tmp_path, year, percent, rating):
    """2022..2026 (5 years): expected 40, 60, 80 % in 2023, 2024, 2025; within 10 points on track (not
    listed), up to 25 points behind, beyond that at risk; 2022 is the first year and gets no verdict."""
    plan = write_plan(tmp_path / "plan", [{"id": "M1", "start": 2022, "end": 2026}],
                      {year: [upd("M1", f"{year}-06-01", "in_umsetzung", percent)]})
    data = due_json(plan, "--year", str(year))
    expected = (year - 2022 + 1) * 20
    if rating is None:
        assert year == 2022 or expected - percent <= 10
        assert "M1" not in ids(data, "behind_schedule")
    else:
        r = row(data, "behind_schedule", "M1")
        assert r["expected_percent"] == expected and r["rating"] == rating
        assert r["gap_points"] == expected - percent
        assert r["ratio"] == pytest.approx(float(Fraction(percent, expected)), abs=0.0005)


def test_json_format_is_machine_readable(rules):
    data = rules["data"]
    assert set(data) >= {"year", "no_update", "overdue", "behind_schedule", "total"}
    assert set(data) >= {"deferred"}
    r = row(data, "behind_schedule", "BS-49")
    assert {"id", "title", "field", "priority", "lead", "status", "percent", "start", "end", "last_update",
            "expected_percent", "gap_points", "ratio", "rating"} <= set(r)
    assert r["field"] == "HF1" and r["lead"] == "AMT" and r["title"] == "Maßnahme BS-49"


def test_csv_format_matches_json(rules):
    r = run("due", "--year", "2024", "--format", "csv", plan=rules["plan"])
    assert r.exit_code == 0, r
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    data = rules["data"]
    got = {(x["reason"], x["id"]) for x in rows}
    want = {(reason, x["id"]) for reason in ("no_update", "overdue", "behind_schedule", "deferred")
            for x in data[reason]}
    assert got == want and len(rows) == data["total"] + len(data["deferred"])
    bs = next(x for x in rows if x["reason"] == "behind_schedule" and x["id"] == "BS-49")
    assert (bs["percent"], bs["rating"], bs["gap_points"]) == ("49", "behind", "11.0")
    assert float(bs["expected_percent"]) == 60.0 and float(bs["ratio"]) == 0.817
    od = next(x for x in rows if x["reason"] == "overdue" and x["id"] == "OD-PAST")
    assert od["years_over"] == "2"


def test_table_format_lists_the_findings(rules):
    r = run("due", "--year", "2024", plan=rules["plan"])
    assert r.exit_code == 0, r
    for mid in ("NU-NEVER", "OD-PAST", "BS-49", "OD-DEFERRED"):
        assert mid in r.stdout
    assert "BS-57" not in r.stdout and "NU-LATER" not in r.stdout


def test_strict_exit_codes(tmp_path, rules):
    r = run("due", "--year", "2024", "--strict", "--format", "json", plan=rules["plan"])
    assert r.exit_code == 1
    assert json.loads(r.stdout)["total"] == rules["data"]["total"]  # the findings are still printed
    assert run("due", "--year", "2024", plan=rules["plan"]).exit_code == 0  # without --strict: 0

    clean = write_plan(tmp_path / "clean", [{"id": "M1", "start": 2022, "end": 2026}, {"id": "M2", "start": 2027},
                                            {"id": "M3", "start": 2020, "end": 2023}],
                       {2023: [upd("M3", "2023-12-01", "abgeschlossen", 100)],
                        2024: [upd("M1", "2024-06-01", "in_umsetzung", 60)]})
    for fmt in ("table", "json", "csv"):
        r = run("due", "--year", "2024", "--strict", "--format", fmt, plan=clean)
        assert r.exit_code == 0, r
    assert due_json(clean, "--year", "2024")["total"] == 0
    assert "Nothing due" in run("due", "--year", "2024", plan=clean).stdout
    # the same plan a year later: M1 lacks an update and is behind -> --strict fails
    r = run("due", "--year", "2025", "--strict", plan=clean)
    assert r.exit_code == 1


def test_default_year_is_the_latest_progress_year(tmp_path):
    measures = [{"id": "M1", "start": 2022, "end": 2028}]
    plan = write_plan(tmp_path / "plan", measures,
                      {2022: [upd("M1", "2022-03-01", "in_planung", 5)], 2024: [upd("M1", "2024-03-01", "in_umsetzung", 10)]})
    data = due_json(plan)
    assert data["year"] == 2024
    assert data == due_json(plan, "--year", "2024")
    assert row(data, "behind_schedule", "M1")["expected_percent"] == pytest.approx(300 / 7, abs=0.05)
    # a later, still empty year file moves the default (M1, at 10 % of an expected 71 %, is listed once:
    # behind schedule, with its last update of 2024, not also as lacking an update)
    (plan / "progress" / "2026.yaml").write_text("year: 2026\nupdates: []\nvalues: []\n", encoding="utf-8")
    data = due_json(plan)
    assert data["year"] == 2026 and "M1" in ids(data, "behind_schedule") and "M1" not in ids(data, "no_update")
    assert row(data, "behind_schedule", "M1")["last_update"] == "2024-03-01"
    assert "2026" in run("due", plan=plan).stdout


def test_due_refuses_an_invalid_plan(tmp_path):
    plan = write_plan(tmp_path / "plan", [{"id": "M1", "start": 2026, "end": 2022}])  # end < start is an error
    r = run("due", "--year", "2024", plan=plan)
    assert r.exit_code == 1
