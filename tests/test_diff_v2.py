"""`isek diff`, `isek history` and textconv on format-v2 plans, and indicator values compared right.

Each test commits the v2 fixture (`tests/fixtures/v2`) to a scratch repository,
changes the working tree and reads `isek diff HEAD --format json` (or text).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import FIXTURES, run

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def v2repo(tmp_path: Path, monkeypatch) -> Path:
    """A repository whose one commit holds the v2 fixture under plan/; returns the plan folder."""
    for k in ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME"):
        monkeypatch.setenv(k, "Planerin")
    for k in ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"):
        monkeypatch.setenv(k, "p@example.org")
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    shutil.copytree(FIXTURES / "v2", repo / "plan")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "ISEK Innenstadt")
    return repo / "plan"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, (old, path)
    path.write_text(text.replace(old, new), encoding="utf-8")


def diff(plan: Path) -> dict:
    r = run("diff", "HEAD", "--format", "json", plan=plan)
    assert r.exit_code == 0, r
    return json.loads(r.stdout)


# --- indicator values: per indicator, area and date, several on one date -------------

CITY_2022 = "  - {indicator: K-LEER, value: 13.5, date: 2022-12-31}\n"
AREA_2022 = "  - {indicator: K-LEER, value: 18.2, date: 2022-12-31, area: ALTSTADT}\n"


def test_a_changed_city_value_is_reported_when_an_area_value_shares_its_date(v2repo):
    edit(v2repo / "progress/2022.yaml", "value: 13.5,", "value: 14.0,")
    d = diff(v2repo)
    assert d["values"] == [{"indicator": "K-LEER", "area": None, "date": "2022-12-31", "change": "changed",
                            "old": 13.5, "new": 14.0}]
    assert d["differs"] is True and d["summary"]["values_changed"] == 1


def test_a_changed_area_value_names_its_area(v2repo):
    edit(v2repo / "progress/2022.yaml", "value: 18.2,", "value: 19.0,")
    assert diff(v2repo)["values"] == [{"indicator": "K-LEER", "area": "ALTSTADT", "date": "2022-12-31",
                                       "change": "changed", "old": 18.2, "new": 19.0}]
    text = run("diff", "HEAD", plan=v2repo).stdout
    assert "~ K-LEER ALTSTADT 2022-12-31: 18.2 → 19" in text


def test_an_area_value_added_on_a_city_values_date_is_an_addition(v2repo):
    path = v2repo / "progress/2024.yaml"
    path.write_text(path.read_text(encoding="utf-8") +
                    "  - {indicator: K-LEER, value: 15.1, date: 2024-12-31, area: ALTSTADT}\n", encoding="utf-8")
    assert diff(v2repo)["values"] == [{"indicator": "K-LEER", "area": "ALTSTADT", "date": "2024-12-31",
                                       "change": "added", "old": None, "new": 15.1}]


def test_reordering_values_of_one_date_is_no_change(v2repo):
    edit(v2repo / "progress/2022.yaml", CITY_2022 + AREA_2022, AREA_2022 + CITY_2022)
    d = diff(v2repo)
    assert d["values"] == [] and d["differs"] is False


def test_a_second_value_on_the_same_date_is_added_not_a_change(v2repo):
    """Two values for one indicator, area and date (W408): the second is new, the first unchanged."""
    path = v2repo / "progress/2024.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "  - {indicator: K-LEER, value: 11.9, date: 2024-12-31}\n",
                    encoding="utf-8")
    assert diff(v2repo)["values"] == [{"indicator": "K-LEER", "area": None, "date": "2024-12-31",
                                       "change": "added", "old": None, "new": 11.9}]
    # and removing the first of two equal-date values again is one removal, of the right value
    git(v2repo.parent, "commit", "-qam", "second value")
    edit(path, "  - {indicator: K-LEER, value: 11.8, date: 2024-12-31}\n", "")
    assert diff(v2repo)["values"] == [{"indicator": "K-LEER", "area": None, "date": "2024-12-31",
                                       "change": "removed", "old": 11.8, "new": None}]


def test_a_value_moved_to_another_file_without_changing_is_no_change(v2repo):
    """Moved from progress/2024.yaml into a new progress/2023.yaml (and re-dated there) it is one
    removal and one addition; moved back with its date it is nothing."""
    edit(v2repo / "progress/2024.yaml", "  - {indicator: K-LEER, value: 11.8, date: 2024-12-31}\n", "")
    edit(v2repo / "progress/2024.yaml", "values:\n", "values: []\n")
    (v2repo / "progress/2023.yaml").write_text(
        "year: 2023\nupdates: []\nvalues:\n  - {indicator: K-LEER, value: 11.8, date: 2023-12-31}\n", encoding="utf-8")
    values = diff(v2repo)["values"]
    assert [(v["date"], v["change"]) for v in values] == [("2023-12-31", "added"), ("2024-12-31", "removed")]


# --- the new keys and kinds ------------------------------------------------------------

def by_id(d: dict) -> dict[tuple[str, str], dict]:
    return {(c["kind"], c["id"]): c for c in d["changes"]}


def fields_of(c: dict) -> dict[str, tuple]:
    return {f["field"]: (f["old"], f["new"]) for f in c["fields"]}


def test_areas_added_removed_changed_and_moved_inside_another(v2repo):
    areas = v2repo / "areas.yaml"
    edit(areas, "    parent: KERNSTADT\n    geometry", "    geometry")  # ALTSTADT leaves KERNSTADT
    edit(areas, "  - {id: BAHNHOF, title: Bahnhofsumfeld, kind: quartier, parent: KERNSTADT}\n",
         "  - {id: NORD, title: Nordstadt, kind: stadtteil}\n"
         "  - {id: BAHNHOF, title: Bahnhofsumfeld, kind: quartier, parent: NORD}\n")
    geo = v2repo / "areas/altstadt.geojson"
    geo.write_text(geo.read_text(encoding="utf-8").replace("[8.632, 53.050]", "[8.6320, 53.05]"),
                   encoding="utf-8")  # the same outline, written differently
    d = diff(v2repo)
    by = by_id(d)
    assert by[("area", "NORD")]["change"] == "added" and by[("area", "NORD")]["title"] == "Nordstadt"
    assert fields_of(by[("area", "ALTSTADT")]) == {"parent": ("KERNSTADT", None)}
    assert fields_of(by[("area", "BAHNHOF")]) == {"parent": ("KERNSTADT", "NORD")}
    text = run("diff", "HEAD", plan=v2repo).stdout
    assert "\nareas\n" in text
    assert "ALTSTADT is no longer inside KERNSTADT" in text
    assert "BAHNHOF is now inside NORD (was inside KERNSTADT)" in text
    # a changed outline (the GeoJSON file, not areas.yaml) is a change of the area
    git(v2repo.parent, "commit", "-qam", "Nordstadt")
    doc = json.loads(geo.read_text(encoding="utf-8"))
    ring = doc["features"][0]["geometry"]["coordinates"][0]
    ring[2] = [ring[2][0] + 0.001, ring[2][1]]
    geo.write_text(json.dumps(doc), encoding="utf-8")
    change = by_id(diff(v2repo))[("area", "ALTSTADT")]
    old, new = fields_of(change)["outline"]
    assert old != new and old.endswith(tuple("0123456789abcdef")) and "points" in new
    # removing an area (and its uses) is a removal
    git(v2repo.parent, "commit", "-qam", "outline")
    edit(areas, "  - {id: NORD, title: Nordstadt, kind: stadtteil}\n", "")
    edit(areas, "parent: NORD}", "parent: KERNSTADT}")
    assert by_id(diff(v2repo))[("area", "NORD")]["change"] == "removed"


def test_decisions_and_plan_meta_keys(v2repo):
    meta = v2repo / "isek.yaml"
    edit(meta, '    ref: "DS 2020/0815"', '    ref: "DS 2020/0816"')
    edit(meta, "kind: revision}\n", "kind: revision}\n"
         "  - {id: B-2024-03, date: 2024-03-01, body: Rat der Stadt, title: Bericht 2023, kind: report}\n")
    edit(meta, "license: CC-BY-4.0", "license: dl-de-by-2.0")
    edit(meta, "alle zwei Jahre", "jährlich")
    edit(meta, '{value: 3, title: "III – langfristig"}', '{value: 3, title: "III – langfristig", until: 2030}')
    d = diff(v2repo)
    by = by_id(d)
    assert fields_of(by[("decision", "B-2020-07")]) == {"ref": ("DS 2020/0815", "DS 2020/0816")}
    assert by[("decision", "B-2024-03")]["change"] == "added"
    plan = fields_of(by[("plan", "isek.yaml")])
    assert set(plan) == {"license", "report.mandate", "priorities"}
    assert plan["license"] == ("CC-BY-4.0", "dl-de-by-2.0")
    text = run("diff", "HEAD", plan=v2repo).stdout
    assert "\ndecisions\n  ~ B-2020-07 Beschluss des ISEK Innenstadt\n      ref: DS 2020/0815 → DS 2020/0816\n" in text
    assert "  + B-2024-03 Bericht 2023" in text


def test_a_plan_status_renamed_reads_as_a_rename_not_as_changed_progress(v2repo):
    edit(v2repo / "isek.yaml", "{id: verzoegert, title: verzögert,", "{id: verspaetet, title: verspätet,")
    edit(v2repo / "progress/2024.yaml", "status: verzoegert", "status: verspaetet")
    d = diff(v2repo)
    assert [(c["kind"], c["change"], c.get("old_id"), c["id"]) for c in d["changes"]] == [
        ("plan_status", "renamed", "verzoegert", "verspaetet")]
    assert fields_of(d["changes"][0]) == {"title": ("verzögert", "verspätet")}
    assert d["progress"] == []  # the entry of I-S1.2 says what it said
    text = run("diff", "HEAD", plan=v2repo).stdout
    assert "plan statuses\n  → verzoegert → verspaetet verspätet\n      title: verzögert → verspätet" in text
    # a new plan status that only replaces the old one in some entries is not a rename
    git(v2repo.parent, "commit", "-qam", "renamed")
    edit(v2repo / "isek.yaml", "  - {id: verspaetet,",
         "  - {id: gestoppt, title: gestoppt, counts_as: zurueckgestellt}\n  - {id: verspaetet,")
    edit(v2repo / "progress/2024.yaml", "status: verspaetet", "status: gestoppt")
    d = diff(v2repo)
    assert by_id(d)[("plan_status", "gestoppt")]["change"] == "added"
    assert d["progress"][0]["status"] == {"old": "verspaetet", "new": "gestoppt"}


def test_a_measure_moved_under_a_parent_and_out_again(v2repo):
    f = v2repo / "fields/01-innenstadt.yaml"
    edit(f, "    goals: [I.Z1]\n    also_fields", "    parent: I-S1\n    goals: [I.Z1]\n    also_fields")
    edit(f, "    parent: I-S1\n    priority: 1\n    lead: FB-PLANEN\n    start: 2022-03",
         "    priority: 1\n    lead: FB-PLANEN\n    start: 2022-03")
    d = diff(v2repo)
    by = by_id(d)
    assert fields_of(by[("measure", "I-S2")]) == {"parent": (None, "I-S1")}
    assert fields_of(by[("measure", "I-S1.2")]) == {"parent": ("I-S1", None)}
    text = run("diff", "HEAD", plan=v2repo).stdout
    assert "      I-S2 is now a part of I-S1\n" in text
    assert "      I-S1.2 is no longer a part of I-S1 (now top-level)\n" in text
    md = run("diff", "HEAD", "--format", "markdown", plan=v2repo).stdout
    assert "  - I-S2 is now a part of I-S1\n" in md
    # moved from one parent to another
    git(v2repo.parent, "commit", "-qam", "parts")
    edit(f, "    parent: I-S1\n    goals: [I.Z1]", "    parent: I-S1.2\n    goals: [I.Z1]")
    assert "I-S2 is now a part of I-S1.2 (was a part of I-S1)" in run("diff", "HEAD", plan=v2repo).stdout


def test_leads_months_cost_ranges_sdgs_and_links(v2repo):
    f1, f2 = v2repo / "fields/01-innenstadt.yaml", v2repo / "fields/02-mobilitaet.yaml"
    edit(f1, "    priority: 3\n    lead: FB-PLANEN", "    priority: 3\n    lead: [FB-PLANEN, WIFOE]")
    edit(f1, "    parent: I-S1\n    priority: 1\n    lead: FB-PLANEN\n    start: 2021-04",
         "    parent: I-S1\n    priority: 1\n    lead: [FB-PLANEN]\n    start: 2021-04")  # the same lead
    edit(f1, "cost_eur: 3500000", "cost_eur: {min: 3000000, max: 3500000}")
    edit(f1, "    lead: [FB-PLANEN, WIFOE]\n    committee", "    lead: [WIFOE, FB-PLANEN]\n    committee")
    edit(f2, "    start: 2022\n", "    start: 2022-03\n")
    edit(f2, 'sdgs: ["11.2"]', 'sdgs: ["3.6", "11.2"]\n    links: [{title: Planung, url: "https://example.org/rad"}]')
    d = diff(v2repo)
    r = run("diff", "HEAD", plan=v2repo)
    assert r.stderr == ""  # no warnings from the model's serializer either
    by = by_id(d)
    assert set(by) == {("measure", "I-S1"), ("measure", "I-S3"), ("measure", "M-1")}  # I-S1.1 unchanged
    assert fields_of(by[("measure", "I-S3")]) == {"lead": ("FB-PLANEN", ["FB-PLANEN", "WIFOE"])}
    assert fields_of(by[("measure", "I-S1")]) == {
        "lead": (["FB-PLANEN", "WIFOE"], ["WIFOE", "FB-PLANEN"]),  # who leads first is a change
        "cost_eur": (3500000, {"min": 3000000, "max": 3500000})}
    assert fields_of(by[("measure", "M-1")]) == {
        "start": (2022, "2022-03"), "sdgs": (["11.2"], ["11.2", "3.6"]),
        "links": (None, [{"title": "Planung", "url": "https://example.org/rad"}])}
    text = r.stdout
    assert "      lead: FB-PLANEN → [FB-PLANEN, WIFOE]\n" in text
    assert "      cost_eur: 3,500,000 € → 3,000,000–3,500,000 €\n" in text
    assert "      start: 2022 → 2022-03\n" in text
    assert "      sdgs: [11.2] → [11.2, 3.6]\n" in text
    assert "      links: — → [Planung <https://example.org/rad>]\n" in text
    # only reordering SDGs or areas is no change
    git(v2repo.parent, "commit", "-qam", "keys")
    edit(f2, 'sdgs: ["3.6", "11.2"]', 'sdgs: ["11.2", "3.6"]')
    assert diff(v2repo)["differs"] is False


def test_indicator_sdgs_and_decimals(v2repo):
    edit(v2repo / "indicators.yaml", "    decimals: 1", "    decimals: 2")
    edit(v2repo / "indicators.yaml", 'sdgs: ["11", "11.3"]', 'sdgs: ["11.3"]')
    c = by_id(diff(v2repo))[("indicator", "K-LEER")]
    assert fields_of(c) == {"sdgs": (["11", "11.3"], ["11.3"]), "decimals": (1, 2)}


def test_a_parent_whose_status_comes_from_its_parts(v2repo):
    path = v2repo / "progress/2024.yaml"
    edit(path, "values:", "  - {measure: I-S1.2, date: 2024-11-30, status: abgeschlossen, percent: 100}\nvalues:")
    d = diff(v2repo)
    rows = {p["measure"]: p for p in d["progress"]}
    assert rows["I-S1.2"]["status"] == {"old": "verzoegert", "new": "abgeschlossen"}
    assert rows["I-S1.2"]["from_parts"] is False
    # I-S1 has no update of its own: both its parts are now completed, so it is
    assert rows["I-S1"]["status"] == {"old": "in_umsetzung", "new": "abgeschlossen"}
    assert rows["I-S1"]["from_parts"] is True and rows["I-S1"]["entries_added"] == 0
    assert list(rows) == ["I-S1", "I-S1.2"]  # plan order
    text = run("diff", "HEAD", plan=v2repo).stdout
    assert "  I-S1 Marktplatz umgestalten: in_umsetzung → abgeschlossen [from its parts]\n" in text


def test_two_corrected_entries_on_one_date_are_two_corrections(v2repo):
    path = v2repo / "progress/2024.yaml"
    edit(path, "values:", "  - {measure: M-1, date: 2024-04-15, status: in_umsetzung, percent: 35}\nvalues:")
    git(v2repo.parent, "commit", "-qam", "two on one date")
    edit(path, "status: in_umsetzung, percent: 30}", "status: in_umsetzung, percent: 31}")
    edit(path, "status: in_umsetzung, percent: 35}", "status: in_umsetzung, percent: 36}")
    edit(path, "values:", "  - {measure: M-1, date: 2024-04-15, status: in_umsetzung}\nvalues:")
    row = diff(v2repo)["progress"][0]
    assert (row["entries_changed"], row["entries_added"], row["entries_removed"]) == (2, 1, 0)


def test_history_of_an_area_and_a_decision(v2repo):
    edit(v2repo / "progress/2022.yaml", "value: 18.2,", "value: 19.0,")
    edit(v2repo / "isek.yaml", "title: Erste Fortschreibung", "title: 1. Fortschreibung")
    git(v2repo.parent, "commit", "-qam", "Korrekturen")
    found = json.loads(run("history", "ALTSTADT", "--format", "json", plan=v2repo).stdout)["commits"]
    assert [c["subject"] for c in found] == ["Korrekturen", "ISEK Innenstadt"]
    assert found[0]["values"][0]["area"] == "ALTSTADT" and found[0]["values"][0]["new"] == 19.0
    text = run("history", "B-2023-11", plan=v2repo).stdout
    assert "Korrekturen" in text and "title: Erste Fortschreibung → 1. Fortschreibung" in text


# --- textconv --------------------------------------------------------------------------

def test_textconv_of_v2_files(v2repo):
    def conv(rel: str) -> list[str]:
        r = run("textconv", v2repo / rel)
        assert r.exit_code == 0, r
        return r.stdout.splitlines()

    progress = conv("progress/2022.yaml")
    assert "value K-LEER 2022-12-31: 13.5" in progress and "value K-LEER ALTSTADT 2022-12-31: 18.2" in progress
    areas = conv("areas.yaml")
    assert "areas[ALTSTADT].parent: KERNSTADT" in areas and "areas[ALTSTADT].geometry: areas/altstadt.geojson" in areas
    meta = conv("isek.yaml")
    assert "decisions[B-2020-07].ref: DS 2020/0815" in meta and "statuses[verzoegert].counts_as: in_umsetzung" in meta
    assert "priorities[2].title: II – mittelfristig" in meta and "license: CC-BY-4.0" in meta
    assert "report.mandate: Der Rat hat mit dem Beschluss **B-2020-07** die Verwaltung beauftragt, alle zwei " \
           "Jahre über den Stand zu berichten.\\n" in meta
    field = conv("fields/01-innenstadt.yaml")
    for line in ("measures[I-S1].lead: [FB-PLANEN, WIFOE]", "measures[I-S1].start: 2021-04",
                 "measures[I-S1].sdgs: [11.7]", "measures[I-S1.1].parent: I-S1",
                 "measures[I-S1].links[https://ratsinfo.example/vorlage/2021-0042].title: Ratsvorlage"):
        assert line in field
    f = v2repo / "fields/01-innenstadt.yaml"
    edit(f, "cost_eur: 3500000", "cost_eur: {min: 3000000, max: 3500000}\n    costs: [{year: 2022, eur: 1000000}, "
            "{year: 2021, eur: 500000}]")
    field = conv("fields/01-innenstadt.yaml")
    assert "measures[I-S1].cost_eur: 3000000–3500000" in field
    assert field.index("measures[I-S1].costs[2021].eur: 500000") < field.index("measures[I-S1].costs[2022].eur: 1000000")
    # a second link shows as one added line, the first one's line unchanged
    before = conv("fields/01-innenstadt.yaml")
    edit(f, 'links: [{title: Ratsvorlage,', 'links: [{title: Presse, url: "https://example.org/a"}, {title: Ratsvorlage,')
    after = conv("fields/01-innenstadt.yaml")
    assert set(after) - set(before) == {"measures[I-S1].links[https://example.org/a].title: Presse"}
    assert set(before) <= set(after)
