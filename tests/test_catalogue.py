"""`isek import catalogue FILE --into DIR`: a valid, hand-written-looking plan from a spreadsheet;
all rows or none; messy cells; ids derived deterministically; the export's measures sheet as a
catalogue (round trip on the shipped plan)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
import yaml

from conftest import run
from isek_cli.data.catalogue import actor_kind, slug, to_priority
from isek_cli.plan.loader import load_plan

HEADERS = ["Handlungsfeld", "Ziel", "Nr.", "Maßnahme", "Beschreibung", "Priorität", "Federführung", "Partner",
           "Beginn", "Ende", "Kosten", "Förderung"]
ROWS = [
    ["Wohnen und Innenentwicklung", "Innenentwicklung vor Außenentwicklung", None, "Baulückenkataster aufbauen",
     "Alle Baulücken werden erfasst.", "hoch", "Fachdienst Stadtplanung", "Wohnungsbaugesellschaft", 2024, 2025,
     25000, "Eigenmittel"],
    ["Wohnen und Innenentwicklung", "Bezahlbaren Wohnraum schaffen", None, "Wohnraumversorgungskonzept erarbeiten",
     None, "mittel", "Fachdienst Stadtentwicklung", "Fachdienst Stadtplanung; Wohnungsbaugesellschaft", 2024, 2026,
     "65.000 €", "Eigenmittel; Lebendige Zentren"],
    ["Innenstadt", "Innenstadt beleben", None, "Marktplatz umgestalten", None, "A", "Fachdienst Stadtplanung",
     None, 2025, None, "1.250.000", "Lebendige Zentren"],
    ["Wohnen und Innenentwicklung", "Innenentwicklung vor Außenentwicklung", None, "Brachflächen aktivieren",
     None, 3, "Rat der Stadt", None, None, None, None, None],
]


@pytest.fixture(autouse=True, scope="module")
def _private_cache(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("ISEK_CACHE_DIR", str(tmp_path_factory.mktemp("isek-cache")))
    yield
    mp.undo()


def write_xlsx(path: Path, rows: list[list], *, sheet: str = "Maßnahmen", above: list[list] = (),
               merges: list[str] = (), trailing_empty_rows: int = 0) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for r in [*above, *rows]:
        ws.append(r)
    for rng in merges:
        ws.merge_cells(rng)
    for i in range(trailing_empty_rows):
        ws.cell(row=ws.max_row + 1, column=1 + i % 4, value="" if i % 2 else None).number_format = "0"
    wb.save(path)
    return path


def write_csv(path: Path, rows: list[list], *, delimiter: str = ";", encoding: str = "cp1252") -> Path:
    text = "\r\n".join(delimiter.join("" if v is None else str(v) for v in r) for r in rows) + "\r\n"
    path.write_bytes(text.encode(encoding))
    return path


def files_of(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def plan_of(folder: Path):
    loaded = load_plan(folder)
    assert not [d for d in loaded.diagnostics if d.severity == "error"], loaded.diagnostics
    return loaded.plan


def imported(tmp_path: Path, rows: list[list], *args: str, name: str = "katalog.xlsx", **kw) -> tuple:
    src = write_xlsx(tmp_path / name, rows, **kw)
    into = tmp_path / "neu"
    r = run("import", "catalogue", src, "--into", into, *args)
    return r, into


# --- the basic case ------------------------------------------------------------

def test_german_catalogue_becomes_a_valid_plan_with_derived_ids(tmp_path):
    r, into = imported(tmp_path, [HEADERS, *ROWS], "--city", "Delmenhorst")
    assert r.exit_code == 0, r
    assert "imported 4 measures in 2 fields of action with 3 goals and 4 actors" in r.stdout
    check = run("check", plan=into)
    assert check.exit_code == 0 and "0 warning(s)" in check.stdout, check
    plan = plan_of(into)
    assert [(f.id, f.title) for f in plan.fields] == [("HF1", "Wohnen und Innenentwicklung"), ("HF2", "Innenstadt")]
    assert [(g.id, g.title) for g in plan.fields[0].goals] == [
        ("HF1.Z1", "Innenentwicklung vor Außenentwicklung"), ("HF1.Z2", "Bezahlbaren Wohnraum schaffen")]
    m = {k: v.model_dump(exclude_none=True) for k, v in plan.measure_index.items()}
    assert list(m) == ["HF1.M01", "HF1.M02", "HF1.M03", "HF2.M01"]
    assert m["HF1.M02"] == {
        "id": "HF1.M02", "title": "Wohnraumversorgungskonzept erarbeiten", "goals": ["HF1.Z2"], "priority": 2,
        "lead": "FACHDIENST-STADTENTWICKLUNG", "partners": ["FACHDIENST-STADTPLANUNG", "WOHNUNGSBAUGESELLSCHAFT"],
        "start": 2024, "end": 2026, "cost_eur": 65000, "funding": ["Eigenmittel", "Lebendige Zentren"]}
    assert m["HF2.M01"]["cost_eur"] == 1250000 and m["HF2.M01"]["priority"] == 1 and "end" not in m["HF2.M01"]
    assert m["HF1.M03"] == {"id": "HF1.M03", "title": "Brachflächen aktivieren", "goals": ["HF1.Z1"],
                            "priority": 3, "lead": "RAT-DER-STADT"}
    assert {a.id: a.kind for a in plan.actors} == {
        "FACHDIENST-STADTPLANUNG": "administration", "WOHNUNGSBAUGESELLSCHAFT": "external",
        "FACHDIENST-STADTENTWICKLUNG": "administration", "RAT-DER-STADT": "politics"}
    assert plan.meta.city == "Delmenhorst" and (plan.meta.horizon.start, plan.meta.horizon.end) == (2024, 2026)
    assert sorted(files_of(into)) == [".gitignore", "actors.yaml", "fields/01-wohnen-und-innenentwicklung.yaml",
                                      "fields/02-innenstadt.yaml", "indicators.yaml", "isek.yaml"]


def test_written_yaml_looks_hand_written(tmp_path):
    long = ("Alle Baulücken, untergenutzten Grundstücke und leerstehenden Wohngebäude werden erfasst und in einem "
            "laufend gepflegten Kataster bereitgestellt. Eigentümer werden angesprochen.")
    rows = [HEADERS, ["Wohnen", "Ziel: Innenentwicklung, vor allem", "HF1.M01", "Kataster aufbauen", long, 1,
                      "Stadtwerke (Energie, Wasser)", "Amt für Grün", "2024", "2025", "25.000", "Eigenmittel"],
            ["Wohnen", "ja", "HF1.M02", "no", "Erste Zeile\n\n- Punkt eins\n- Punkt zwei", 2,
             "Stadtwerke (Energie, Wasser)", None, None, None, None, None]]
    r, into = imported(tmp_path, rows)
    assert r.exit_code == 0, r
    text = (into / "fields/01-wohnen.yaml").read_text(encoding="utf-8")
    assert text == """\
# Handlungsfeld HF1: Wohnen (importiert aus katalog.xlsx [Maßnahmen])
id: HF1
title: Wohnen
goals:
  - {id: HF1.Z1, title: "Ziel: Innenentwicklung, vor allem"}
  - {id: HF1.Z2, title: ja}
measures:
  - id: HF1.M01
    title: Kataster aufbauen
    description: >-
      Alle Baulücken, untergenutzten Grundstücke und leerstehenden Wohngebäude werden erfasst und in
      einem laufend gepflegten Kataster bereitgestellt. Eigentümer werden angesprochen.
    goals: [HF1.Z1]
    priority: 1
    lead: STADTWERKE-ENERGIE-WASSER
    partners: [AMT-FUER-GRUEN]
    start: 2024
    end: 2025
    cost_eur: 25000
    funding: [Eigenmittel]
  - id: HF1.M02
    title: "no"
    description: |-
      Erste Zeile

      - Punkt eins
      - Punkt zwei
    goals: [HF1.Z2]
    priority: 2
    lead: STADTWERKE-ENERGIE-WASSER
"""
    actors = (into / "actors.yaml").read_text(encoding="utf-8")
    assert "  - {id: STADTWERKE-ENERGIE-WASSER, name: \"Stadtwerke (Energie, Wasser)\", kind: external}\n" in actors
    assert "  - {id: AMT-FUER-GRUEN, name: Amt für Grün, kind: administration}\n" in actors
    assert actors.endswith("committees: []\n")
    plan = plan_of(into)
    assert plan.measure_index["HF1.M02"].title == "no" and plan.goals["HF1.Z2"].title == "ja"
    assert plan.measure_index["HF1.M01"].description == long
    assert run("check", plan=into).exit_code == 0


def test_same_catalogue_gives_the_same_bytes_and_dry_run_writes_nothing(tmp_path):
    src = write_xlsx(tmp_path / "k.xlsx", [HEADERS, *ROWS])
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    assert run("import", "catalogue", src, "--into", a).exit_code == 0
    assert run("import", "catalogue", src, "--into", b).exit_code == 0
    assert files_of(a) == files_of(b)
    r = run("import", "catalogue", src, "--into", c, "--dry-run")
    assert r.exit_code == 0 and "would create" in r.stdout and "dry run: nothing was written" in r.stdout
    assert not c.exists()


# --- messy spreadsheets ---------------------------------------------------------

def test_messy_workbook(tmp_path):
    """Title row and merged group header above the columns, numbers stored as text, Excel serial and
    datetime years, German number formats, umlauts, line breaks inside cells, trailing empty rows."""
    above = [["Maßnahmenkatalog ISEK Musterstadt 2035"] + [None] * 11,
             [None] * 8 + ["Zeitraum", None, None, None]]
    headers = ["HF", "Handlungsfeld", "Ziel", "Maßnahmen-Nr.", "Titel", "Priorität", "Zuständigkeit", "Beteiligte",
               "Beginn", "Ende", "Kosten (EUR)", "Förderprogramm"]
    rows = [
        headers,
        ["1", "Wohnen", "Ziel A", "1", "Quartier\nÖstlich der Bahn  entwickeln", "1", "Amt für Stadtplanung",
         "Wohnungsbau GmbH\nStadtwerke", 45292, dt.datetime(2026, 6, 30), "1.250.000", "Städtebauförderung"],
        ["1", "Wohnen", "Ziel A", "2", "Spielplätze erneuern", "2", "Grünflächenamt", None, "2025",
         "laufend", "25.000 €", None],
        [2.0, "Straßen & Plätze", "Ziel B", 1, "Fußgängerzone", "niedrig", "Tiefbauamt", "-", "01.03.2026",
         "2027", 980000.0, "k. A."],
    ]
    r, into = imported(tmp_path, rows, above=above, merges=["A1:L1", "I2:J2"], trailing_empty_rows=6)
    assert r.exit_code == 0, r
    plan = plan_of(into)
    m = {k: v.model_dump(exclude_none=True) for k, v in plan.measure_index.items()}
    assert m == {
        "HF1.M01": {"id": "HF1.M01", "title": "Quartier Östlich der Bahn entwickeln", "goals": ["HF1.Z1"],
                    "priority": 1, "lead": "AMT-FUER-STADTPLANUNG", "partners": ["WOHNUNGSBAU-GMBH", "STADTWERKE"],
                    "start": 2024, "end": 2026, "cost_eur": 1250000, "funding": ["Städtebauförderung"]},
        "HF1.M02": {"id": "HF1.M02", "title": "Spielplätze erneuern", "goals": ["HF1.Z1"], "priority": 2,
                    "lead": "GRUENFLAECHENAMT", "start": 2025, "cost_eur": 25000},
        "HF2.M01": {"id": "HF2.M01", "title": "Fußgängerzone", "goals": ["HF2.Z1"], "priority": 3,
                    "lead": "TIEFBAUAMT", "start": 2026, "end": 2027, "cost_eur": 980000},
    }
    assert plan.field_index["HF2"].title == "Straßen & Plätze"
    assert plan.actor_index["GRUENFLAECHENAMT"].kind == "administration"
    assert run("check", plan=into).exit_code == 0


def test_csv_with_semicolons_in_windows_1252(tmp_path):
    rows = [["Handlungsfeld", "Ziel", "Maßnahme", "Priorität", "Federführung", "Partner", "Beginn", "Ende",
             "Kosten", "Förderung"],
            ["Grün und Klima", "Stadtklima verbessern", "Bäume pflanzen", "hoch", "Fachdienst Stadtgrün",
             "Bürgerverein Süd", "2024", "2030", "1.500.000", "Klimaanpassung"],
            ["Grün und Klima", "Stadtklima verbessern", "Dächer begrünen", "B", "Fachdienst Stadtgrün", "",
             "2025", "", "", ""]]
    src = write_csv(tmp_path / "katalog.csv", rows)
    into = tmp_path / "neu"
    r = run("import", "catalogue", src, "--into", into)
    assert r.exit_code == 0, r
    assert "Windows-1252" in r.stderr
    plan = plan_of(into)
    assert plan.measure_index["HF1.M01"].lead == "FACHDIENST-STADTGRUEN"
    assert plan.actor_index["FACHDIENST-STADTGRUEN"].name == "Fachdienst Stadtgrün"
    assert plan.actor_index["BUERGERVEREIN-SUED"].kind == "external"
    assert plan.measure_index["HF1.M01"].cost_eur == 1500000 and plan.measure_index["HF1.M02"].priority == 2
    assert run("check", plan=into).exit_code == 0


def test_field_and_goal_ids_from_the_sheet_and_grouped_rows(tmp_path):
    rows = [["HF-Nr.", "Handlungsfeld", "Ziel-Nr.", "Ziel", "Nr.", "Maßnahme", "Prio", "Federführung"],
            [3, "Mobilität", "2", "Radverkehr stärken", "7", "Radweg Nord", "I", "Tiefbauamt"],
            [None, None, "2", "Radverkehr stärken", None, "Fahrradparken", "II", "Tiefbauamt"],
            [None, "HF 5: Kultur", None, "Kultur für alle", "K.1", "Museum öffnen", "III", "Kulturamt"]]
    r, into = imported(tmp_path, rows)
    assert r.exit_code == 0, r
    assert "1 row(s) without a field of action took it from the row above" in r.stderr
    plan = plan_of(into)
    assert list(plan.measure_index) == ["HF3.M07", "HF3.M01", "K.1"]
    assert plan.measure_index["HF3.M01"].goals == ["HF3.Z2"]
    assert [(f.id, f.title) for f in plan.fields] == [("HF3", "Mobilität"), ("HF5", "Kultur")]
    assert plan.goals["HF5.Z1"].title == "Kultur für alle"


def test_period_column_committees_and_key_projects(tmp_path):
    rows = [["Handlungsfeld", "Ziel", "Maßnahme", "Priorität", "Federführung", "Umsetzungszeitraum", "Ausschuss",
             "Schlüsselprojekt"],
            ["Wohnen", "Ziel A", "Kataster", 1, "Bauamt", "2024–2026", "Ausschuss für Planen, Bauen und Verkehr",
             "x"],
            ["Wohnen", "Ziel A", "Beratung", 2, "Bauamt", "ab 2025", None, "nein"],
            ["Wohnen", "Ziel A", "Pflege", 3, "Bauamt", "laufend", "Bauausschuss", None],
            ["Wohnen", "Ziel A", "Umbau", 3, "Bauamt", "2027 bis 2025", None, "vielleicht"]]
    r, into = imported(tmp_path, rows)
    assert r.exit_code == 1
    assert "katalog.xlsx [Maßnahmen]:5:F: end (column 'Umsetzungszeitraum'): 2025 is before the start year 2027" \
        in r.stderr
    assert "katalog.xlsx [Maßnahmen]:5:H: key_project (column 'Schlüsselprojekt'): 'vielleicht' is not yes or no" \
        in r.stderr
    r, into = imported(tmp_path, rows[:4])
    assert r.exit_code == 0, r
    plan = plan_of(into)
    got = [(m.start, m.end, m.committee, m.key_project) for m in plan.measure_index.values()]
    assert got == [(2024, 2026, "AUSSCHUSS-FUER-PLANEN-BAUEN", True), (2025, None, None, None),
                   (None, None, "BAUAUSSCHUSS", None)]
    assert plan.committee_index["AUSSCHUSS-FUER-PLANEN-BAUEN"].name == "Ausschuss für Planen, Bauen und Verkehr"
    assert run("check", plan=into).exit_code == 0


# --- refusals ---------------------------------------------------------------------

def test_every_bad_cell_is_reported_and_nothing_is_written(tmp_path):
    bad = [HEADERS,
           ROWS[0][:2] + ["HF1.M01"] + ROWS[0][3:],
           ROWS[1][:5] + ["sehr hoch"] + ROWS[1][6:],                       # row 3: priority F
           ROWS[2][:8] + [2026, 2024] + ROWS[2][10:],                        # row 4: end J
           ROWS[3][:10] + ["ca. 50.000", None],                              # row 5: cost K
           ROWS[0][:2] + ["HF1.M01", "Doppelt"] + ROWS[0][4:],               # row 6: duplicate id C
           ROWS[0][:3] + ["  "] + ROWS[0][4:]]                               # row 7: empty title D
    r, into = imported(tmp_path, bad)
    assert r.exit_code == 1, r
    err = r.stderr
    for where, what in [("3:F", "'sehr hoch' is not a priority"), ("4:J", "2024 is before the start year 2026"),
                        ("5:K", "'ca. 50.000' is not a whole number"),
                        ("6:C", "duplicate id 'HF1.M01': row 2 has it already"), ("7:D", "title")]:
        line = next((x for x in err.splitlines() if x.startswith(f"katalog.xlsx [Maßnahmen]:{where}:")), None)
        assert line is not None and what in line, (where, err)
    assert "priority (column 'Priorität')" in err
    assert "5 problem(s) in katalog.xlsx" in err and "nothing was written" in err
    assert not into.exists()


def test_partial_writes_the_valid_rows_and_lists_the_rest(tmp_path):
    bad = [HEADERS, ROWS[0], ROWS[1][:5] + ["egal"] + ROWS[1][6:], ROWS[2], ROWS[3][:3] + [None] + ROWS[3][4:]]
    r, into = imported(tmp_path, bad, "--partial")
    assert r.exit_code == 0, r
    assert "katalog.xlsx [Maßnahmen]:3:F: priority" in r.stderr and "katalog.xlsx [Maßnahmen]:5:D: title" in r.stderr
    assert "skipped 2 row(s)" in r.stderr
    plan = plan_of(into)
    assert [m.title for m in plan.measure_index.values()] == ["Baulückenkataster aufbauen", "Marktplatz umgestalten"]
    assert "FACHDIENST-STADTENTWICKLUNG" not in plan.actor_index  # only in a skipped row
    assert run("check", plan=into).exit_code == 0


def test_refuses_a_folder_that_holds_a_plan(tmp_path, mini):
    src = write_xlsx(tmp_path / "k.xlsx", [HEADERS, *ROWS])
    before = files_of(mini)
    r = run("import", "catalogue", src, "--into", mini)
    assert r.exit_code == 1 and "already holds a plan" in r.stderr and "nothing was written" in r.stderr
    assert files_of(mini) == before


def test_missing_columns_and_map(tmp_path):
    headers = ["Bereich", "Ziel", "Kurztitel", "Stufe", "Federführung"]
    rows = [headers, ["Wohnen", "Ziel A", "Kataster", "2", "Bauamt"]]
    r, into = imported(tmp_path, rows)
    assert r.exit_code == 1 and "missing column(s) field, title, priority" in r.stderr
    assert "'Bereich'" in r.stderr and "--map" in r.stderr and not into.exists()
    r, into = imported(tmp_path, rows, "--map", "Bereich=field", "--map", "Kurztitel=title", "--map", "Stufe=priority")
    assert r.exit_code == 0, r
    assert plan_of(into).measure_index["HF1.M01"].title == "Kataster"
    for bad in ("Kurztitel", "Kurztitel=titel"):
        r = run("import", "catalogue", tmp_path / "katalog.xlsx", "--into", tmp_path / "x", "--map", bad)
        assert r.exit_code == 2 and "--map" in r.output
    assert "did you mean 'title'" in r.output


def test_usage_errors(tmp_path):
    src = write_xlsx(tmp_path / "k.xlsx", [HEADERS, *ROWS])
    assert run("import", "catalogue", src, "--into", tmp_path / "x", "--start", "2030", "--end", "2020").exit_code == 2
    assert run("import", "catalogue", tmp_path / "missing.xlsx", "--into", tmp_path / "x").exit_code == 2
    other = tmp_path / "k.ods"
    other.write_bytes(b"x")
    r = run("import", "catalogue", other, "--into", tmp_path / "x")
    assert r.exit_code == 1 and "unsupported file type" in r.stderr and not (tmp_path / "x").exists()


# --- conversions and ids ---------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    (1, 1), (2.0, 2), ("3", 3), ("hoch", 1), ("Mittel", 2), ("niedrig", 3), ("A", 1), ("b", 2), ("C", 3),
    ("high", 1), ("medium", 2), ("Low", 3), ("Priorität 1", 1), ("1 (hoch)", 1), ("II", 2)])
def test_priorities(value, expected):
    assert to_priority(value) == expected


@pytest.mark.parametrize("value", ["sehr hoch", "4", 0, "1 (niedrig)", True, "dringend"])
def test_unknown_priorities(value):
    with pytest.raises(ValueError, match="is not a priority"):
        to_priority(value)


def test_actor_ids_are_slugs_deduplicated_and_independent_of_row_order(tmp_path):
    names = ["Amt für Grün", "Amt fuer Gruen", "Bürgerstiftung Süd", "1. FC Musterstadt",
             "Sehr lange Bezeichnung eines beauftragten externen Planungsbüros"]
    assert slug("Fachdienst Straßen & Grün") == "FACHDIENST-STRASSEN-GRUEN"
    assert slug("1. FC Musterstadt") == "A-1-FC-MUSTERSTADT"
    assert actor_kind("Ausschuss für Umwelt") == "politics" and actor_kind("Stadtplanungsamt") == "administration"

    def ids(order: list[str], folder: str) -> dict[str, str]:
        rows = [HEADERS] + [["Wohnen", "Ziel", None, f"M {n}", None, 1, n] + [None] * 5 for n in order]
        (tmp_path / folder).mkdir()
        r, into = imported(tmp_path / folder, rows, name="k.xlsx")
        assert r.exit_code == 0, r
        return {a.name: a.id for a in plan_of(into).actors}

    forward, backward = ids(names, "f"), ids(names[::-1], "b")
    assert forward == backward
    assert forward["Amt fuer Gruen"] == "AMT-FUER-GRUEN" and forward["Amt für Grün"] == "AMT-FUER-GRUEN-2"
    assert forward["Bürgerstiftung Süd"] == "BUERGERSTIFTUNG-SUED"
    assert all(len(i) <= 40 for i in forward.values())


def test_a_catalogue_of_120_measures_imports_and_checks(tmp_path):
    words = ["hoch", "mittel", "niedrig"]
    rows = [HEADERS]
    for i in range(120):
        f = i % 8
        rows.append([f"Handlungsfeld {chr(65 + f)}ä", f"Ziel {f}.{i % 3}", None, f"Maßnahme Nr. {i}: „Test“",
                     "Text " * (i % 40), words[i % 3], f"Fachdienst {i % 11}", f"Partner {i % 5}; Verein {i % 7}",
                     2020 + i % 5, 2025 + i % 5, f"{(i + 1) * 1000:,}".replace(",", ".") + " €",
                     ["Eigenmittel", "EFRE; Eigenmittel", None][i % 3]])
    r, into = imported(tmp_path, rows, trailing_empty_rows=3)
    assert r.exit_code == 0, r
    assert "imported 120 measures in 8 fields of action with 24 goals" in r.stdout
    check = run("check", plan=into)
    assert check.exit_code == 0 and "120 measures" in check.stdout, check
    plan = plan_of(into)
    m = plan.measure_index["HF1.M15"]
    assert m.cost_eur == 113000 and m.title == "Maßnahme Nr. 112: „Test“"


# --- round trip -------------------------------------------------------------------

def test_xlsx_export_imports_back_to_the_same_measures(tmp_path, shipped):
    book = tmp_path / "plan.xlsx"
    assert run("export", "--format", "xlsx", "-o", book, plan=shipped).exit_code == 0
    into = tmp_path / "copy"
    r = run("import", "catalogue", book, "--into", into, "--sheet", "measures")
    assert r.exit_code == 0, r
    assert run("check", plan=into).exit_code == 0
    old, new = plan_of(shipped), plan_of(into)
    keys = ("id", "title", "description", "priority", "lead", "partners", "committee", "start", "end", "cost_eur",
            "funding", "goals", "key_project")
    assert len(new.measure_index) == len(old.measure_index) == 113  # 109 measures and 4 parts
    for mid, m in old.measure_index.items():
        got = new.measure_index[mid]
        for k in keys if m.parent is None else ("id", "title", "priority", "lead"):  # parts: month dates (v2)
            assert getattr(got, k) == getattr(m, k), (mid, k)
        assert new.measure_field[mid].id == old.measure_field[mid].id
        assert [new.goals[g].title for g in got.goals] == [old.goals[g].title for g in m.goals]
    assert {a.id: a.name for a in new.actors} == {a.id: a.name for a in old.actors if a.id in new.actor_index}
    assert {c.id: c.name for c in new.committees} == {c.id: c.name for c in old.committees
                                                      if c.id in new.committee_index}
    assert [f.title for f in new.fields] == [f.title for f in old.fields]
    # The measures sheet is the first: no --sheet needed, and the same files come out.
    again = tmp_path / "again"
    assert run("import", "catalogue", book, "--into", again).exit_code == 0
    assert files_of(again) == files_of(into)
    assert yaml.safe_load((into / "isek.yaml").read_text(encoding="utf-8"))["horizon"] == {"start": 2014, "end": 2025}
