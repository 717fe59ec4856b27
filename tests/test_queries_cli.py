"""`status`, `measures`, `show`, `schema` and `init` on the mini plan.

Expected values are worked out by hand from tests/fixtures/mini:

    measure  field prio lead            partners        committee  2022          2023           2024
    HF1.M01  HF1   1    AMT-PLANUNG     -               BAU        in_umsetzung  abgeschlossen  (abgeschlossen)
    HF1.M02  HF1   1    WOBAU           AMT-PLANUNG     BAU        in_planung    in_umsetzung   in_umsetzung
    HF1.M03  HF1   2    AMT-PLANUNG     -               -          daueraufgabe  (daueraufg.)   (daueraufgabe)
    HF1.M04  HF1   3    AMT-PLANUNG     -               -          -             in_planung     zurueckgestellt
    HF2.M01  HF2   1    AMT-WIRTSCHAFT  -               WIRT       in_planung    in_umsetzung   in_umsetzung
    HF2.M02  HF2   2    AMT-PLANUNG     AMT-WIRTSCHAFT  BAU        -             in_planung     in_planung
    HF2.M03  HF2   3    AMT-WIRTSCHAFT  -               -          -             -              -
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import yaml

from conftest import run

STATUSES = ["nicht_begonnen", "in_planung", "in_umsetzung", "abgeschlossen", "daueraufgabe", "zurueckgestellt",
            "entfallen"]
ALL_MEASURES = ["HF1.M01", "HF1.M02", "HF1.M03", "HF1.M04", "HF2.M01", "HF2.M02", "HF2.M03"]
P24 = "progress/2024.yaml"


def counts(**n: int) -> dict[str, int]:
    """All seven statuses, zero unless given."""
    assert set(n) <= set(STATUSES)
    return {s: n.get(s, 0) for s in STATUSES}


BY_YEAR = {
    2021: {"HF1": counts(nicht_begonnen=4), "HF2": counts(nicht_begonnen=3), "total": counts(nicht_begonnen=7)},
    2022: {"HF1": counts(nicht_begonnen=1, in_planung=1, in_umsetzung=1, daueraufgabe=1),
           "HF2": counts(nicht_begonnen=2, in_planung=1),
           "total": counts(nicht_begonnen=3, in_planung=2, in_umsetzung=1, daueraufgabe=1)},
    2023: {"HF1": counts(in_planung=1, in_umsetzung=1, abgeschlossen=1, daueraufgabe=1),
           "HF2": counts(nicht_begonnen=1, in_planung=1, in_umsetzung=1),
           "total": counts(nicht_begonnen=1, in_planung=2, in_umsetzung=2, abgeschlossen=1, daueraufgabe=1)},
    2024: {"HF1": counts(in_umsetzung=1, abgeschlossen=1, daueraufgabe=1, zurueckgestellt=1),
           "HF2": counts(nicht_begonnen=1, in_planung=1, in_umsetzung=1),
           "total": counts(nicht_begonnen=1, in_planung=1, in_umsetzung=2, abgeschlossen=1, daueraufgabe=1,
                           zurueckgestellt=1)},
}
TITLES = {"HF1": "Wohnen und Quartiere", "HF2": "Innenstadt und Handel"}


def json_of(*args: str, plan: Path) -> dict:
    r = run(*args, "--format", "json", plan=plan)
    assert r.exit_code == 0, r
    return json.loads(r.stdout)


def csv_of(*args: str, plan: Path) -> list[dict[str, str]]:
    r = run(*args, "--format", "csv", plan=plan)
    assert r.exit_code == 0, r
    return list(csv.DictReader(io.StringIO(r.stdout)))


def append_updates(plan: Path, *lines: str, rel: str = P24) -> None:
    """Add update entries (flow mappings) at the end of the updates: list of a progress file."""
    path = plan / rel
    text = path.read_text(encoding="utf-8")
    assert text.count("values:") == 1
    entries = "".join(f"  - {{{ln}}}\n" for ln in lines)
    path.write_text(text.replace("values:", entries + "values:"), encoding="utf-8")


def status_of(plan: Path, measure: str, year: int | None = None) -> str:
    args = ["show", measure] + (["--year", str(year)] if year else [])
    return json_of(*args, plan=plan)["status"]


# --- status ----------------------------------------------------------------------

@pytest.mark.parametrize("year", sorted(BY_YEAR))
def test_status_json_has_the_contract_shape_and_counts(mini, year):
    data = json_of("status", "--year", str(year), plan=mini)
    assert data["year"] == year
    assert [f["id"] for f in data["fields"]] == ["HF1", "HF2"]
    for f in data["fields"]:
        assert {"id", "title", "measures", "by_status"} <= set(f)
        assert list(f["by_status"]) == STATUSES
        assert f["title"] == TITLES[f["id"]]
        assert f["by_status"] == BY_YEAR[year][f["id"]]
        assert f["measures"] == {"HF1": 4, "HF2": 3}[f["id"]]
    assert {"measures", "by_status"} <= set(data["total"])
    assert data["total"]["measures"] == 7
    assert data["total"]["by_status"] == BY_YEAR[year]["total"]


def test_status_defaults_to_the_latest_progress_year(mini):
    assert json_of("status", plan=mini) == json_of("status", "--year", "2024", plan=mini)


def test_status_default_year_follows_a_new_progress_file(mini):
    (mini / "progress" / "2025.yaml").write_text(
        "year: 2025\nupdates:\n  - {measure: HF2.M03, date: 2025-02-01, status: in_umsetzung}\nvalues: []\n",
        encoding="utf-8")
    data = json_of("status", plan=mini)
    assert data["year"] == 2025
    hf2 = next(f for f in data["fields"] if f["id"] == "HF2")
    assert hf2["by_status"] == counts(in_planung=1, in_umsetzung=2)


def test_status_csv(mini):
    rows = csv_of("status", plan=mini)
    assert [r["id"] for r in rows] == ["HF1", "HF2", "total"]
    for r in rows:
        assert {s: int(r[s]) for s in STATUSES} == BY_YEAR[2024][r["id"]]
    assert [int(r["measures"]) for r in rows] == [4, 3, 7]
    assert rows[0]["title"] == "Wohnen und Quartiere"


def test_status_table(mini):
    r = run("status", "--year", "2023", plan=mini)
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    assert lines[0] == "Status 2023"
    assert all(s in lines[1] for s in STATUSES)
    hf1 = next(ln for ln in lines if ln.startswith("HF1 "))
    # ... measures, seven status counts, completed share ("25 %"), change since last year
    assert hf1.split()[-11:-3] == ["4"] + [str(BY_YEAR[2023]["HF1"][s]) for s in STATUSES]
    total = next(ln for ln in lines if ln.startswith("total"))
    assert total.split()[1] == "7"
    assert total.split()[2:9] == [str(BY_YEAR[2023]["total"][s]) for s in STATUSES]


# --- the status rule -----------------------------------------------------------------

def test_equal_dates_the_later_entry_in_the_file_wins(mini):
    append_updates(mini, "measure: HF2.M03, date: 2024-07-01, status: in_planung",
                   "measure: HF2.M03, date: 2024-07-01, status: entfallen")
    assert status_of(mini, "HF2.M03") == "entfallen"


def test_equal_dates_in_the_other_order(mini):
    append_updates(mini, "measure: HF2.M03, date: 2024-07-01, status: entfallen",
                   "measure: HF2.M03, date: 2024-07-01, status: in_planung")
    assert status_of(mini, "HF2.M03") == "in_planung"


def test_the_date_counts_not_the_position_in_the_file(mini):
    # Written last, but dated before the 2024-04-02 update of HF1.M02.
    append_updates(mini, "measure: HF1.M02, date: 2024-01-05, status: zurueckgestellt")
    assert status_of(mini, "HF1.M02") == "in_umsetzung"
    assert status_of(mini, "HF1.M02", 2023) == "in_umsetzung"


def test_an_update_on_the_last_day_of_the_year_counts_for_that_year(mini):
    append_updates(mini, "measure: HF2.M03, date: 2024-12-31, status: abgeschlossen")
    assert status_of(mini, "HF2.M03", 2024) == "abgeschlossen"
    assert status_of(mini, "HF2.M03", 2023) == "nicht_begonnen"
    total = json_of("status", "--year", "2024", plan=mini)["total"]["by_status"]
    assert total["abgeschlossen"] == 2 and total["nicht_begonnen"] == 0


def test_status_of_a_later_year_keeps_the_last_update(mini):
    data = json_of("status", "--year", "2029", plan=mini)
    assert data["total"]["by_status"] == BY_YEAR[2024]["total"]


def test_counted_statuses_are_remembered_per_plan_not_cached_with_it(mini):
    """A report asks each measure's status for every year many times; the answers are remembered on
    the plan (the same as computed afresh) but never written into isek's cache of the plan."""
    import pickle

    from isek_cli.api import open_plan
    from isek_cli.plan.index import PlanIndex

    plan = open_plan(mini).index
    years = range(2020, 2027)
    asked = {(m, y): plan.counted_status(m, y) for m in plan.measure_index for y in years}
    assert asked == {(m, y): plan.counts_as(plan.status_of(m, y)) for m in plan.measure_index for y in years}
    assert plan._counted and set(plan._counted) == set(asked)
    restored = pickle.loads(pickle.dumps(plan))
    assert isinstance(restored, PlanIndex) and restored._counted == {}
    assert {k: restored.counted_status(*k) for k in asked} == asked


@pytest.mark.parametrize("args", [
    ["status", "--year", "1"],
    ["status", "--year", "10000"],
    ["measures", "--year", "0"],
    ["show", "HF1.M01", "--year", "10000"],
])
def test_an_out_of_range_year_is_not_an_internal_error(mini, args):
    r = run(*args, plan=mini)
    assert r.exit_code in (0, 2), r


# --- measures --------------------------------------------------------------------

@pytest.mark.parametrize("options, expected", [
    pytest.param([], ALL_MEASURES, id="no-filter"),
    pytest.param(["--field", "HF2"], ["HF2.M01", "HF2.M02", "HF2.M03"], id="field"),
    pytest.param(["--status", "in_umsetzung"], ["HF1.M02", "HF2.M01"], id="status"),
    pytest.param(["--status", "nicht_begonnen"], ["HF2.M03"], id="status-not-started"),
    pytest.param(["--priority", "1"], ["HF1.M01", "HF1.M02", "HF2.M01"], id="priority"),
    pytest.param(["--lead", "AMT-PLANUNG"], ["HF1.M01", "HF1.M02", "HF1.M03", "HF1.M04", "HF2.M02"],
                 id="lead-includes-partner"),
    pytest.param(["--lead", "WOBAU"], ["HF1.M02"], id="lead"),
    pytest.param(["--committee", "BAU"], ["HF1.M01", "HF1.M02", "HF2.M02"], id="committee"),
    pytest.param(["--committee", "WIRT"], ["HF2.M01"], id="committee-WIRT"),
    pytest.param(["--year", "2022", "--status", "in_planung"], ["HF1.M02", "HF2.M01"], id="year-and-status"),
    pytest.param(["--year", "2021", "--status", "nicht_begonnen"], ALL_MEASURES, id="before-any-update"),
    pytest.param(["--field", "HF1", "--priority", "1", "--committee", "BAU"], ["HF1.M01", "HF1.M02"], id="combined"),
    pytest.param(["--field", "HF2", "--lead", "WOBAU"], [], id="nothing-matches"),
])
def test_measures_filters(mini, options, expected):
    data = json_of("measures", *options, plan=mini)
    assert [m["id"] for m in data["measures"]] == expected
    assert [r["id"] for r in csv_of("measures", *options, plan=mini)] == expected
    table = run("measures", *options, plan=mini)
    assert table.exit_code == 0
    assert table.stdout.splitlines()[0].startswith(f"{len(expected)} measures")
    assert [ln.split()[0] for ln in table.stdout.splitlines()[2:]] == expected


def test_measures_json_rows(mini):
    data = json_of("measures", "--year", "2023", plan=mini)
    assert data["year"] == 2023
    row = {m["id"]: m for m in data["measures"]}["HF2.M02"]
    assert {k: row[k] for k in ("title", "field", "priority", "lead", "committee", "start", "end", "status")} == {
        "title": "Marktplatz neu gestalten", "field": "HF2", "priority": 2, "lead": "AMT-PLANUNG",
        "committee": "BAU", "start": 2023, "end": 2027, "status": "in_planung"}
    assert [m["status"] for m in data["measures"]] == [
        "abgeschlossen", "in_umsetzung", "daueraufgabe", "in_planung", "in_umsetzung", "in_planung", "nicht_begonnen"]


def test_measures_csv_columns(mini):
    r = run("measures", "--format", "csv", "--field", "HF1", plan=mini)
    header = r.stdout.splitlines()[0].split(",")
    assert {"id", "title", "field", "priority", "lead", "status"} <= set(header)
    row = list(csv.DictReader(io.StringIO(r.stdout)))[3]
    assert (row["id"], row["lead"], row["priority"], row["status"]) == ("HF1.M04", "AMT-PLANUNG", "3", "zurueckgestellt")


@pytest.mark.parametrize("options", [
    ["--field", "HF9"], ["--lead", "NIEMAND"], ["--committee", "RAT"], ["--status", "fertig"], ["--priority", "4"],
    ["--format", "xml"],
])
def test_measures_bad_filter_is_a_usage_error(mini, options):
    r = run("measures", *options, plan=mini)
    assert r.exit_code == 2
    assert "Traceback" not in r.stdout + r.stderr


def test_commands_refuse_an_invalid_plan(mini):
    path = mini / "fields" / "01-wohnen.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("lead: WOBAU", "lead: WOBAO"), encoding="utf-8")
    for args in (["status"], ["measures"], ["show", "HF1.M01"]):
        r = run(*args, plan=mini)
        assert r.exit_code == 1
        assert "fields/01-wohnen.yaml:25:11: error[E302]" in r.stderr


# --- show ------------------------------------------------------------------------

def test_show_measure_with_history(mini):
    d = json_of("show", "HF1.M02", plan=mini)
    assert (d["kind"], d["id"], d["file"], d["title"]) == ("measure", "HF1.M02", "fields/01-wohnen.yaml",
                                                             "Wohnungsbau am Mühlenweg")
    assert d["field"]["id"] == "HF1"
    assert [g["id"] for g in d["goals"]] == ["HF1.Z1"]
    assert d["lead"] == {"id": "WOBAU", "name": "Städtische Wohnungsbaugesellschaft"}
    assert [p["id"] for p in d["partners"]] == ["AMT-PLANUNG"]
    assert d["committee"]["id"] == "BAU"
    assert [i["id"] for i in d["indicators"]] == ["K-BEV"]
    assert (d["year"], d["status"]) == (2024, "in_umsetzung")
    assert [(h["date"], h["status"], h["file"]) for h in d["history"]] == [
        ("2022-05-02", "in_planung", "progress/2022.yaml"),
        ("2023-04-11", "in_umsetzung", "progress/2023.yaml"),
        ("2024-04-02", "in_umsetzung", "progress/2024.yaml"),
    ]
    assert d["history"][-1]["note"] == "Rohbau fertig."


def test_show_measure_in_an_earlier_year(mini):
    d = json_of("show", "HF1.M01", "--year", "2022", plan=mini)
    assert (d["year"], d["status"]) == (2022, "in_umsetzung")
    assert len(d["history"]) == 2


def test_show_measure_as_text(mini):
    r = run("show", "HF1.M02", plan=mini)
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    assert lines[0] == "Measure HF1.M02: Wohnungsbau am Mühlenweg"
    assert "  History (3 updates):" in lines
    history = [ln.split()[:2] for ln in lines[lines.index("  History (3 updates):") + 1:] if ln.startswith("    20")]
    assert history == [["2022-05-02", "in_planung"], ["2023-04-11", "in_umsetzung"], ["2024-04-02", "in_umsetzung"]]


def test_show_goal(mini):
    d = json_of("show", "HF1.Z2", plan=mini)
    assert (d["kind"], d["title"], d["field"]["id"]) == ("goal", "Quartiere stabilisieren", "HF1")
    assert [m["id"] for m in d["measures"]] == ["HF1.M03", "HF1.M04"]
    assert d["by_status"] == counts(daueraufgabe=1, zurueckgestellt=1)


def test_show_field(mini):
    d = json_of("show", "HF2", plan=mini)
    assert (d["kind"], d["title"], d["file"]) == ("field", "Innenstadt und Handel", "fields/02-innenstadt.yaml")
    assert [g["id"] for g in d["guiding_goals"]] == ["L2"]
    assert [g["id"] for g in d["goals"]] == ["HF2.Z1"]
    assert [m["id"] for m in d["measures"]] == ["HF2.M01", "HF2.M02", "HF2.M03"]
    assert d["by_status"] == BY_YEAR[2024]["HF2"]


def test_show_guiding_goal(mini):
    d = json_of("show", "L1", plan=mini)
    assert (d["kind"], d["title"], d["file"]) == ("guiding_goal", "Quartiere stärken", "isek.yaml")
    assert d["text"] == "Alle Quartiere sollen gut versorgt sein."
    assert [f["id"] for f in d["fields"]] == ["HF1"]


def test_show_indicator_with_values(mini):
    d = json_of("show", "K-LEER", plan=mini)
    assert (d["kind"], d["title"], d["unit"], d["direction"]) == (
        "indicator", "Leerstand Erdgeschosse Innenstadt", "Ladenlokale", "down")
    assert [(v["date"], v["value"]) for v in d["values"]] == [("2022-10-01", 28), ("2023-10-01", 25), ("2024-10-01", 26)]
    assert d["measures"] == ["HF2.M01"]


def test_show_actor(mini):
    d = json_of("show", "AMT-WIRTSCHAFT", plan=mini)
    assert (d["kind"], d["name"], d["file"]) == ("actor", "Amt für Wirtschaftsförderung", "actors.yaml")
    assert d["leads"] == ["HF2.M01", "HF2.M03"]
    assert d["partner_in"] == ["HF2.M02"]


def test_show_committee(mini):
    d = json_of("show", "BAU", plan=mini)
    assert (d["kind"], d["name"]) == ("committee", "Ausschuss für Planen, Bauen und Verkehr")
    assert d["measures"] == ["HF1.M01", "HF1.M02", "HF2.M02"]


@pytest.mark.parametrize("id_, first_line", [
    ("HF1.Z2", "Goal HF1.Z2: Quartiere stabilisieren"),
    ("HF2", "Field of action HF2: Innenstadt und Handel"),
    ("L1", "Guiding goal L1: Quartiere stärken"),
    ("K-LEER", "Indicator K-LEER: Leerstand Erdgeschosse Innenstadt"),
    ("AMT-WIRTSCHAFT", "Actor AMT-WIRTSCHAFT: Amt für Wirtschaftsförderung"),
    ("WIRT", "Committee WIRT: Wirtschaftsausschuss"),
])
def test_show_as_text(mini, id_, first_line):
    r = run("show", id_, plan=mini)
    assert r.exit_code == 0
    assert r.stdout.splitlines()[0] == first_line


def test_show_indicator_values_as_text(mini):
    r = run("show", "K-LEER", plan=mini)
    values = [ln.split() for ln in r.stdout.splitlines() if ln.startswith("    20")]
    assert values == [["2022-10-01", "28"], ["2023-10-01", "25"], ["2024-10-01", "26"]]


@pytest.mark.parametrize("unknown", ["HF1.M0", "nope", "hf1.m01"])
def test_show_unknown_id_exits_1(mini, unknown):
    r = run("show", unknown, plan=mini)
    assert r.exit_code == 1
    assert f"no '{unknown}' in the plan" in r.stderr
    assert r.stdout == ""


def test_show_unknown_id_suggests_a_near_one(mini):
    r = run("show", "HF1.M0", plan=mini)
    assert "did you mean" in r.stderr


# --- schema ------------------------------------------------------------------------

def test_schema_is_json(mini):
    r = run("schema")
    assert r.exit_code == 0
    schema = json.loads(r.stdout)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert len(schema["oneOf"]) == 7  # isek.yaml, actors, areas and funding (v2), fields, indicators, progress


def test_schema_of_one_kind(mini):
    schema = json.loads(run("schema", "--kind", "field").stdout)
    assert {"id", "title", "goals", "measures"} <= set(schema["properties"])
    assert {"id", "title", "goals", "measures"} <= set(schema["required"])
    assert schema["additionalProperties"] is False


def test_schema_unknown_kind_is_a_usage_error():
    assert run("schema", "--kind", "nope").exit_code == 2


def _as_json_data(value):
    """YAML data as JSON would carry it (dates become ISO strings)."""
    if isinstance(value, dict):
        return {k: _as_json_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_json_data(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


@pytest.mark.parametrize("kind, rel", [
    ("plan", "isek.yaml"), ("actors", "actors.yaml"), ("field", "fields/01-wohnen.yaml"),
    ("field", "fields/02-innenstadt.yaml"), ("indicators", "indicators.yaml"), ("progress", "progress/2023.yaml"),
])
def test_schema_accepts_the_mini_plan_and_rejects_unknown_keys(mini, kind, rel):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(run("schema", "--kind", kind).stdout)
    data = _as_json_data(yaml.safe_load((mini / rel).read_text(encoding="utf-8")))
    jsonschema.validate(data, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**data, "unknown_key": 1}, schema)


# --- init --------------------------------------------------------------------------

def test_init_creates_a_plan_that_passes_check(tmp_path):
    target = tmp_path / "neu"
    r = run("init", str(target))
    assert r.exit_code == 0
    assert (target / "isek.yaml").is_file()
    r = run("check", "--format", "json", "--strict", plan=target)
    assert r.exit_code == 0, r
    assert json.loads(r.stdout)["diagnostics"] == []
    data = json_of("status", plan=target)
    assert data["year"] == 2025  # the default start year, the only progress file
    assert data["total"]["measures"] >= 1


def test_init_writes_the_city_safely(tmp_path):
    target = tmp_path / "neu"
    city = 'Bad "Quelle": Stadt, #1 – ja'
    assert run("init", str(target), "--city", city, "--start", "2030", "--end", "2040").exit_code == 0
    assert run("check", plan=target).exit_code == 0
    assert yaml.safe_load((target / "isek.yaml").read_text(encoding="utf-8"))["city"] == city
    assert (target / "progress" / "2030.yaml").is_file()


def test_init_refuses_an_existing_plan(mini):
    before = {p: p.read_bytes() for p in mini.rglob("*") if p.is_file()}
    r = run("init", str(mini))
    assert r.exit_code == 1
    assert "already" in r.stderr
    after = {p: p.read_bytes() for p in mini.rglob("*") if p.is_file()}
    assert after == before


def test_init_end_before_start_is_a_usage_error(tmp_path):
    r = run("init", str(tmp_path / "neu"), "--start", "2030", "--end", "2020")
    assert r.exit_code == 2
    assert not (tmp_path / "neu" / "isek.yaml").exists()


def test_init_refuses_a_folder_with_other_plan_files(tmp_path):
    target = tmp_path / "half"
    target.mkdir()
    (target / "actors.yaml").write_text("actors: []\ncommittees: []\n", encoding="utf-8")
    r = run("init", str(target))
    assert r.exit_code == 1
    assert sorted(p.name for p in target.iterdir()) == ["actors.yaml"]


def test_init_with_the_earliest_start_year_passes_check(tmp_path):
    target = tmp_path / "neu"
    assert run("init", str(target), "--start", "1900", "--end", "1910").exit_code == 0
    assert run("check", plan=target).exit_code == 0


def test_show_names_file_and_line_of_the_definition(mini):
    d = json.loads(run("show", "HF2.M02", "--format", "json", plan=mini).stdout)
    lines = (mini / d["file"]).read_text(encoding="utf-8").splitlines()
    assert lines[d["line"] - 1].strip() == "- id: HF2.M02"
    text = run("show", "HF2.M02", plan=mini).stdout
    assert f"defined in fields/02-innenstadt.yaml:{d['line']}" in text
