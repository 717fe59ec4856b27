"""`isek import catalogue FILE --into DIR`: a valid, hand-written-looking plan from a spreadsheet;
all rows or none; messy cells; ids derived deterministically; the export's measures sheet as a
catalogue (round trip on the shipped plan)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest
import yaml

from conftest import run
from isek_cli.data.catalogue import actor_kind, slug, to_priority, values
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
    """As Excel saves CSV: every row as wide as the widest, cells holding the delimiter quoted."""
    out = io.StringIO()
    width = max(len(r) for r in rows)
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows([["" if v is None else str(v) for v in r] + [""] * (width - len(r)) for r in rows])
    path.write_bytes(out.getvalue().encode(encoding))
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
    schemas = [f".schema/{k}.schema.json" for k in
               ("actors", "areas", "field", "funding", "indicators", "plan", "progress")]
    assert sorted(files_of(into)) == [".gitignore", *schemas, "actors.yaml",
                                      "fields/01-wohnen-und-innenentwicklung.yaml",
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
# yaml-language-server: $schema=../.schema/field.schema.json
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
    """Title row and merged group header above the columns, numbers stored as text, an Excel serial
    year, dates that keep their month, German number formats, umlauts, line breaks inside cells,
    trailing empty rows."""
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
                    "start": 2024, "end": "2026-06", "cost_eur": 1250000, "funding": ["Städtebauförderung"]},
        "HF1.M02": {"id": "HF1.M02", "title": "Spielplätze erneuern", "goals": ["HF1.Z1"], "priority": 2,
                    "lead": "GRUENFLAECHENAMT", "start": 2025, "cost_eur": 25000},
        "HF2.M01": {"id": "HF2.M01", "title": "Fußgängerzone", "goals": ["HF2.Z1"], "priority": 3,
                    "lead": "TIEFBAUAMT", "start": "2026-03", "end": 2027, "cost_eur": 980000},
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
           ROWS[3][:10] + ["bis 50.000", None],                              # row 5: cost K
           ROWS[0][:2] + ["HF1.M01", "Doppelt"] + ROWS[0][4:],               # row 6: duplicate id C
           ROWS[0][:3] + ["  "] + ROWS[0][4:]]                               # row 7: empty title D
    r, into = imported(tmp_path, bad)
    assert r.exit_code == 1, r
    err = r.stderr
    for where, what in [("3:F", "'sehr hoch' is not a priority"), ("4:J", "2024 is before the start year 2026"),
                        ("5:K", "'bis 50.000' has no lower bound"),
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
    other = tmp_path / "k.numbers"
    other.write_bytes(b"x")
    r = run("import", "catalogue", other, "--into", tmp_path / "x")
    assert r.exit_code == 1 and "unsupported file type '.numbers'; use .xlsx, .ods or .csv" in r.stderr
    assert not (tmp_path / "x").exists()
    broken = tmp_path / "k.ods"  # .ods is read (odfpy, for the yearly survey); a broken one is refused clearly
    broken.write_bytes(b"x")
    r = run("import", "catalogue", broken, "--into", tmp_path / "x")
    assert r.exit_code == 1 and "k.ods: cannot read the workbook" in r.stderr and not (tmp_path / "x").exists()


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


# --- real-shaped catalogues (format v2) ------------------------------------------------

REAL_TITLE = ["Maßnahmenkatalog ISEK Innenstadt Musterstadt (Stand 06/2021)"] + [None] * 9
REAL_HEADERS = ["Kürzel", "Themenfeld", "Maßnahme", "Kurzbeschreibung", "Akteure/Zuständigkeit", "Finanzierung",
                "Umsetzungszeitraum", "Kosteneinschätzung", "Prioritätsstufe", "Stadtteil/Gebiet"]
REAL_ROWS = [
    ["I-S1", "I – Stadtstruktur und Wohnen", "Marktplatz umgestalten", "Der Marktplatz wird neu gestaltet.",
     "Stadt Musterstadt, Fachbereich Planen, Bauen und Umwelt", "Lebendige Zentren; Eigenmittel", "2021–2023",
     "ca. 3,0–3,5 Mio. €", "I (kurzfristig, bis 2022)", "Innenstadt"],
    ["I-S1.1", None, "1. Bauabschnitt Marktplatz Nord", None, "Stadt Musterstadt und Stadtwerke", "Lebendige Zentren",
     "06/2021–01/2022", "1,2 Mio. €", "I", "Innenstadt"],
    ["I-S1.2", None, "2. Bauabschnitt Marktplatz Süd", None, "Stadt Musterstadt", None, "kurzfristig (bis 2022)",
     "250 T€", "I", "Innenstadt"],
    ["I-S2", None, "Leerstandsmanagement", "Leerstände erfassen und vermitteln.",
     "Wirtschaftsförderung; Gewerbeverein",
     "Eigenmittel", "mittelfristig", "120.000 €", "II", "Innenstadt, Bahnhofsviertel"],
    ["II-G1", "II – Grün und Klima", "Stadtpark aufwerten", None, "Fachdienst Stadtgrün", "Klimaanpassung",
     "langfristig", "3,5 Mio. €", "III", "Gesamtstadt"],
    ["II-G2", None, "Hitzeaktionsplan", None, "Klimaschutzmanagement, Gesundheitsamt und Feuerwehr", None,
     "mittelfristig (2023–2027)", "offen", "hoch", None],
]
REAL_FIELD_I = """\
# yaml-language-server: $schema=../.schema/field.schema.json
# Handlungsfeld I: Stadtstruktur und Wohnen (importiert aus {source})
id: I
title: Stadtstruktur und Wohnen
goals: []
measures:
  - id: I-S1
    title: Marktplatz umgestalten
    description: Der Marktplatz wird neu gestaltet.
    priority: 1
    lead: [STADT-MUSTERSTADT, FACHBEREICH-PLANEN-BAUEN-UND-UMWELT]
    start: 2021
    end: 2023
    cost_eur: {{min: 3000000, max: 3500000}}
    funding: [Lebendige Zentren, Eigenmittel]
    areas: [INNENSTADT]
  - id: I-S1.1
    title: 1. Bauabschnitt Marktplatz Nord
    priority: 1
    lead: [STADT-MUSTERSTADT, STADTWERKE]
    start: 2021-06
    end: 2022-01
    cost_eur: 1200000
    funding: [Lebendige Zentren]
    parent: I-S1
    areas: [INNENSTADT]
  - id: I-S1.2
    title: 2. Bauabschnitt Marktplatz Süd
    priority: 1
    lead: STADT-MUSTERSTADT
    end: 2022  # kurzfristig
    cost_eur: 250000
    parent: I-S1
    areas: [INNENSTADT]
  - id: I-S2
    title: Leerstandsmanagement
    description: Leerstände erfassen und vermitteln.
    priority: 2
    lead: [WIRTSCHAFTSFOERDERUNG, GEWERBEVEREIN]
    start: 2023
    end: 2027  # mittelfristig
    cost_eur: 120000
    funding: [Eigenmittel]
    areas: [INNENSTADT, BAHNHOFSVIERTEL]
"""


def _real_plan_checks(into: Path) -> None:
    """What a real-shaped catalogue must become, however it was stored."""
    strict = run("check", "--strict", plan=into)
    assert strict.exit_code == 0 and "0 warning(s)" in strict.stdout, strict
    plan = plan_of(into)
    m = plan.measure_index
    assert list(m) == ["I-S1", "I-S1.1", "I-S1.2", "I-S2", "II-G1", "II-G2"]
    assert [(f.id, f.title, f.goals) for f in plan.fields] == [("I", "Stadtstruktur und Wohnen", []),
                                                                ("II", "Grün und Klima", [])]
    assert all(x.goals is None for x in m.values())  # no goal column: goals only per field (none here)
    assert {k: x.parent for k, x in m.items() if x.parent} == {"I-S1.1": "I-S1", "I-S1.2": "I-S1"}
    assert m["I-S1"].lead == ["STADT-MUSTERSTADT", "FACHBEREICH-PLANEN-BAUEN-UND-UMWELT"]
    assert m["I-S2"].lead == ["WIRTSCHAFTSFOERDERUNG", "GEWERBEVEREIN"]
    assert m["II-G2"].lead == ["KLIMASCHUTZMANAGEMENT", "GESUNDHEITSAMT", "FEUERWEHR"]
    assert m["I-S1.2"].lead == "STADT-MUSTERSTADT"
    assert [(k, x.start, x.end) for k, x in m.items()] == [
        ("I-S1", 2021, 2023), ("I-S1.1", "2021-06", "2022-01"), ("I-S1.2", None, 2022), ("I-S2", 2023, 2027),
        ("II-G1", None, None), ("II-G2", 2023, 2027)]
    assert [(k, x.cost_json) for k, x in m.items()] == [
        ("I-S1", {"min": 3000000, "max": 3500000}), ("I-S1.1", 1200000), ("I-S1.2", 250000), ("I-S2", 120000),
        ("II-G1", 3500000), ("II-G2", None)]
    assert [x.priority for x in m.values()] == [1, 1, 1, 2, 3, 1]
    assert [p.model_dump(exclude_none=True) for p in plan.meta.priorities] == [
        {"value": 1, "title": "I (kurzfristig, bis 2022) / hoch", "until": 2022},
        {"value": 2, "title": "II"}, {"value": 3, "title": "III"}]
    assert [(a.id, a.title, a.kind) for a in plan.areas] == [
        ("INNENSTADT", "Innenstadt", "stadtteil"), ("BAHNHOFSVIERTEL", "Bahnhofsviertel", "quartier"),
        ("GESAMTSTADT", "Gesamtstadt", "gesamtstadt")]
    assert m["I-S2"].areas == ["INNENSTADT", "BAHNHOFSVIERTEL"] and m["II-G2"].areas is None
    assert m["I-S1"].funding == ["Lebendige Zentren", "Eigenmittel"]
    assert {a.id: a.kind for a in plan.actors}["STADT-MUSTERSTADT"] == "administration"
    assert (plan.meta.horizon.start, plan.meta.horizon.end) == (2021, 2027)
    field_ii = (into / "fields/02-gruen-und-klima.yaml").read_text(encoding="utf-8")
    assert "    lead: FACHDIENST-STADTGRUEN\n    # Umsetzungszeitraum laut Katalog: langfristig (ohne Jahr)\n" \
           "    cost_eur: 3500000\n" in field_ii


def test_real_shaped_workbook_passes_check_strict(tmp_path):
    """Title row, German headers, codes with parts, several actors per cell, cost ranges, month
    periods and period words, I/II/III with a text-only 'hoch', areas, no goal column."""
    r, into = imported(tmp_path, [REAL_HEADERS, *REAL_ROWS], above=[REAL_TITLE, [None] * 10])
    assert r.exit_code == 0, r
    assert "imported 6 measures in 2 fields of action with 0 goals and 9 actors" in r.stdout
    _real_plan_checks(into)
    assert (into / "fields/01-stadtstruktur-und-wohnen.yaml").read_text(encoding="utf-8") == \
        REAL_FIELD_I.format(source="katalog.xlsx [Maßnahmen]")
    isek = (into / "isek.yaml").read_text(encoding="utf-8")
    assert isek.endswith("priorities:\n  - {value: 1, title: \"I (kurzfristig, bis 2022) / hoch\", until: 2022}\n"
                         "  - {value: 2, title: II}\n  - {value: 3, title: III}\n")
    assert (into / "areas.yaml").read_text(encoding="utf-8").endswith(
        "areas:\n  - {id: INNENSTADT, title: Innenstadt, kind: stadtteil}\n"
        "  - {id: BAHNHOFSVIERTEL, title: Bahnhofsviertel, kind: quartier}\n"
        "  - {id: GESAMTSTADT, title: Gesamtstadt, kind: gesamtstadt}\n")
    err = r.stderr
    assert "katalog.xlsx [Maßnahmen]:4:E Stadt Musterstadt | Fachbereich Planen, Bauen und Umwelt" in err
    assert "'mittelfristig' without a year in 1 row(s): read as 2023–2027, as row 9 gives it" in err
    assert "'langfristig' without a year in 1 row(s): no start or end written" in err


def test_real_shaped_csv_gives_the_same_plan(tmp_path):
    src = write_csv(tmp_path / "katalog.csv", [REAL_TITLE, REAL_HEADERS, *REAL_ROWS], encoding="utf-8-sig")
    into = tmp_path / "neu"
    r = run("import", "catalogue", src, "--into", into)
    assert r.exit_code == 0, r
    _real_plan_checks(into)
    assert (into / "fields/01-stadtstruktur-und-wohnen.yaml").read_text(encoding="utf-8") == \
        REAL_FIELD_I.format(source="katalog.csv")
    (tmp_path / "x").mkdir()
    r, from_xlsx = imported(tmp_path / "x", [REAL_HEADERS, *REAL_ROWS], above=[REAL_TITLE])
    assert r.exit_code == 0, r
    assert files_of(into) == {rel: text.replace("katalog.xlsx [Maßnahmen]".encode(), b"katalog.csv")
                              for rel, text in files_of(from_xlsx).items()}


def _real(changes: dict[tuple[int, str], object], headers: list[str] = REAL_HEADERS,
          rows: list[list] = REAL_ROWS) -> list[list]:
    """The real-shaped sheet with some cells changed: {(row index, header): value}."""
    out = [list(r) for r in rows]
    for (i, header), value in changes.items():
        out[i][headers.index(header)] = value
    return [headers, *out]


REAL_WHERE = "katalog.xlsx [Maßnahmen]"  # header in row 2 (below the title), REAL_ROWS[i] in row i + 3


@pytest.mark.parametrize("i, header, value, message", [
    (0, "Kosteneinschätzung", "bis 3,5 Mio. €", "'bis 3,5 Mio. €' has no lower bound"),
    (0, "Kosteneinschätzung", "3,5–3,0 Mio. €", "the lower bound 3500000 is above the upper bound 3000000"),
    (0, "Kosteneinschätzung", "1.250 Mio. €", "is ambiguous; write e.g. 1,25 Mio. € or 1.250.000 €"),
    (0, "Kosteneinschätzung", "auf Anfrage", "'auf Anfrage' is not an amount of euros"),
    (1, "Umsetzungszeitraum", "13/2021–01/2022", "'13/2021' has no month 13"),
    (1, "Umsetzungszeitraum", "01/2022–06/2021", "end (column 'Umsetzungszeitraum'): 2021-06 is before the start "
                                                 "month 2022-01"),
    (0, "Umsetzungszeitraum", "irgendwann", "'irgendwann' is not a period"),
    (3, "Prioritätsstufe", "IV", "'IV' is not a priority"),
    (2, "Prioritätsstufe", "I (bis 2023)", "'I (bis 2023)' gives priority 1 the year 2023, but row 3 gives it 2022"),
    (3, "Kürzel", "I-S2?", "'I-S2?' is not a usable id"),
    (3, "Kürzel", "I-S1", "duplicate id 'I-S1': row 3 has it already"),
    (4, "Akteure/Zuständigkeit", "-", "empty; every measure needs a lead actor"),
    (4, "Maßnahme", None, "empty; every measure needs a title"),
])
def test_each_refused_cell_is_named_by_its_address(tmp_path, i, header, value, message):
    r, into = imported(tmp_path, _real({(i, header): value}), above=[REAL_TITLE])
    assert r.exit_code == 1, r
    where = f"{REAL_WHERE}:{i + 3}:{'ABCDEFGHIJ'[REAL_HEADERS.index(header)]}: "
    line = next((x for x in r.stderr.splitlines() if x.startswith(where)), "")
    assert message in line, (where, r.stderr)
    assert "nothing was written" in r.stderr and not into.exists()


def test_all_refused_cells_are_listed_at_once(tmp_path):
    rows = _real({(0, "Kosteneinschätzung"): "viel", (1, "Umsetzungszeitraum"): "bald",
                  (3, "Prioritätsstufe"): "sehr hoch", (5, "Kürzel"): "I-S1.1"})
    r, into = imported(tmp_path, rows, above=[REAL_TITLE])
    assert r.exit_code == 1 and "5 problem(s) in katalog.xlsx" in r.stderr, r
    problems = [x.split(": ", 2)[:2] for x in r.stderr.splitlines() if x.startswith(REAL_WHERE)]
    assert problems == [[f"{REAL_WHERE}:{a}", what] for a, what in (
        ("3:H", "cost (column 'Kosteneinschätzung')"), ("4:G", "period (column 'Umsetzungszeitraum')"),
        ("5:A", "parent (column 'Kürzel')"),  # I-S1.2, a part of row 3
        ("6:I", "priority (column 'Prioritätsstufe')"),
        ("8:A", "id (column 'Kürzel')"))]  # the same code as row 4, which has a problem of its own
    assert not into.exists()


PARENT_HEADERS = ["Nr.", "Handlungsfeld", "Maßnahme", "Teil von", "Federführung", "Priorität"]


def test_a_parent_column_names_parts_by_code_or_title(tmp_path):
    rows = [PARENT_HEADERS,
            ["A.1", "Innenstadt", "Marktplatz", None, "Bauamt", 1],
            ["A.1.1", "Innenstadt", "Bauabschnitt Nord", None, "Bauamt", 1],   # no parent: the column decides
            ["7", "Innenstadt", "Bauabschnitt Süd", "Marktplatz", "Bauamt", 1],  # by title
            ["8", "Innenstadt", "Pflaster", "7", "Bauamt", 2]]                  # by the code as written
    r, into = imported(tmp_path, rows)
    assert r.exit_code == 0, r
    plan = plan_of(into)
    assert {k: m.parent for k, m in plan.measure_index.items()} == {
        "A.1": None, "A.1.1": None, "HF1.M07": "A.1", "HF1.M08": "HF1.M07"}
    assert run("check", "--strict", plan=into).exit_code == 0


@pytest.mark.parametrize("cells, wheres, message", [
    ({3: "A.9"}, ["3:D"], "'A.9' names no measure of this sheet"),
    ({4: "7"}, ["4:D"], "a measure cannot be a part of itself"),
    ({3: "7", 4: "A.1.1"}, ["3:D", "4:D"], "the parts form a circle (A.1.1 → HF1.M07 → A.1.1)"),
    ({4: "Doppelt"}, ["4:D"], "2 measures are titled 'Doppelt' (rows 2, 3)"),
])
def test_refused_parents(tmp_path, cells, wheres, message):
    rows = [PARENT_HEADERS,
            ["A.1", "Innenstadt", "Doppelt", None, "Bauamt", 1],
            ["A.1.1", "Innenstadt", "Doppelt", None, "Bauamt", 1],
            ["7", "Innenstadt", "Bauabschnitt", None, "Bauamt", 1]]
    for sheet_row, value in cells.items():
        rows[sheet_row - 1][3] = value
    r, into = imported(tmp_path, rows)
    assert r.exit_code == 1, r
    for where in wheres:
        line = next((x for x in r.stderr.splitlines() if x.startswith(f"katalog.xlsx [Maßnahmen]:{where}: ")), "")
        assert message in line, r.stderr
    assert f"{len(wheres)} problem(s)" in r.stderr and not into.exists()


def test_partial_import_refuses_the_parts_of_a_refused_row(tmp_path):
    rows = _real({(0, "Kosteneinschätzung"): "viel"})
    r, into = imported(tmp_path, rows, "--partial", above=[REAL_TITLE])
    assert r.exit_code == 0, r
    assert f"{REAL_WHERE}:4:A: parent (column 'Kürzel'): its parent, row 3, has problems of its own" in r.stderr
    assert f"{REAL_WHERE}:5:A: parent (column 'Kürzel'): its parent, row 3, has problems of its own" in r.stderr
    assert "skipped 3 row(s)" in r.stderr
    assert list(plan_of(into).measure_index) == ["I-S2", "II-G1", "II-G2"]
    assert run("check", "--strict", plan=into).exit_code == 0


# --- value forms --------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    ("2021–2023", (2021, 2023, None)), ("2021-2023", (2021, 2023, None)), ("2021/22", (2021, 2022, None)),
    ("06/2021–01/2022", ("2021-06", "2022-01", None)), ("06.2021 - 01.2022", ("2021-06", "2022-01", None)),
    ("2021-06 – 2022-01", ("2021-06", "2022-01", None)), ("Q2 2021", ("2021-04", "2021-06", None)),
    ("ab 2025", (2025, None, None)), ("seit 06/2021", ("2021-06", None, None)), ("bis 2022", (None, 2022, None)),
    ("2024 - laufend", (2024, None, None)), ("laufend", (None, None, None)), (2025, (2025, 2025, None)),
    ("kurzfristig (bis 2022)", (None, 2022, "kurzfristig")), ("mittelfristig", (None, None, "mittelfristig")),
    ("mittelfristig (2023–2027)", (2023, 2027, "mittelfristig")),
    ("langfristig, ab 2028", (2028, None, "langfristig")),
    ("2021–2022 (kurzfristig)", (2021, 2022, "kurzfristig")), ("01.03.2024", ("2024-03", "2024-03", None)),
])
def test_period_forms(value, expected):
    assert tuple(values.to_period(value)) == expected


@pytest.mark.parametrize("value, message", [
    ("13/2021", "has no month 13"), ("irgendwann", "is not a period"), ("kurzfristig bis bald", "is not a year"),
    ("2021 – 2023 – 2025", "is not a period"), ("x" * 200, "is not a period"),
])
def test_periods_refused(value, message):
    with pytest.raises(ValueError, match=message):
        values.to_period(value)


def test_date_cells_keep_the_month_their_format_shows():
    assert values.to_point(dt.datetime(2026, 6, 30), "dd.mm.yyyy") == "2026-06"
    assert values.to_point(dt.datetime(2026, 6, 1), "mm/yyyy") == "2026-06"
    assert values.to_point(dt.datetime(2026, 1, 1), "yyyy") == 2026
    assert values.to_point(45292) == 2024 and values.to_point("45292") == 2024  # an Excel serial: its year


@pytest.mark.parametrize("value, expected", [
    ("ca. 3,0–3,5 Mio. €", {"min": 3000000, "max": 3500000}),
    ("3–3,5 Mio. €", {"min": 3000000, "max": 3500000}),
    ("3,5 Mio. €", 3500000), ("1,25 Mio €", 1250000), ("250 T€", 250000), ("250 TEUR", 250000),
    ("120.000 €", 120000), ("120.000,- €", 120000), ("1.250.000,00 EUR", 1250000), ("EUR 5000", 5000),
    ("100.000 – 150.000 €", {"min": 100000, "max": 150000}),
    ("500 T€ – 1,2 Mio. €", {"min": 500000, "max": 1200000}),
    ("rund 80.000 bis 90.000 €", {"min": 80000, "max": 90000}), ("2–2 Mio. €", 2000000),
    (980000.0, 980000), (25000, 25000), ("offen", None), ("n. b.", None),
])
def test_cost_forms(value, expected):
    assert values.to_cost(value) == expected


@pytest.mark.parametrize("value, message", [
    ("bis 500.000 €", "has no lower bound"), ("3,5–3,0 Mio. €", "lower bound 3500000 is above the upper bound"),
    ("1.250 Mio. €", "ambiguous"), ("1,2345678 Mio. €", "not whole euros"), ("auf Anfrage", "not an amount"),
    ("1–2–3 Mio. €", "not an amount or a range of two"), ("5 Mrd. Mrd.", "not an amount"), (-5, "negative"),
    ("99999999 Mrd. €", "more than 1.000.000.000.000 euros"), (True, "not an amount"),
])
def test_costs_refused(value, message):
    with pytest.raises(ValueError, match=message):
        values.to_cost(value)


@pytest.mark.parametrize("value, expected", [
    ("I", (1, "I", None)), ("III", (3, "III", None)), ("B", (2, "B", None)), ("hoch", (1, "hoch", None)),
    ("I – kurzfristig (bis 2022)", (1, "I – kurzfristig (bis 2022)", 2022)),
    ("I (2021–2022)", (1, "I (2021–2022)", 2022)),
    ("III (ab 2028)", (3, "III (ab 2028)", None)), ("Priorität  II", (2, "Priorität II", None)),
    ("kurzfristig", (1, "kurzfristig", None)), ("2", (2, None, None)), (3.0, (3, None, None)),
])
def test_priority_levels_keep_their_label(value, expected):
    assert tuple(values.to_level(value)) == expected


@pytest.mark.parametrize("value, expected", [
    ("Stadt, Eigentümer und Investoren", ["Stadt", "Eigentümer", "Investoren"]),
    ("Stadt Musterstadt und Stadtwerke", ["Stadt Musterstadt", "Stadtwerke"]),
    ("Gesundheitsamt und Feuerwehr sowie Polizei", ["Gesundheitsamt", "Feuerwehr", "Polizei"]),
    ("Fachdienst Stadtentwicklung und Statistik", ["Fachdienst Stadtentwicklung und Statistik"]),
    ("Fachbereich Planen, Bauen und Umwelt, Stadtwerke", ["Fachbereich Planen, Bauen und Umwelt", "Stadtwerke"]),
    ("Amt für Soziales und Jugend, Jobcenter", ["Amt für Soziales und Jugend", "Jobcenter"]),
    ("Straßen- und Tiefbauamt, Stadtwerke", ["Straßen- und Tiefbauamt", "Stadtwerke"]),
    ("Stadtplanungsamt und Bauordnungsamt", ["Stadtplanungsamt", "Bauordnungsamt"]),
    ("Stadtwerke (Energie, Wasser und Bäder)", ["Stadtwerke (Energie, Wasser und Bäder)"]),
    ("Verein „Kunst und Kultur“, Stadt", ["Verein „Kunst und Kultur“", "Stadt"]),
    ("Wohnungsbau GmbH; Haus und Grund, Ortsverein", ["Wohnungsbau GmbH", "Haus und Grund, Ortsverein"]),
    ("Stadt, Stadt", ["Stadt"]), ("-", []),
])
def test_several_names_in_one_cell(value, expected):
    assert values.split_names(value).names == expected


def test_area_names_split_on_commas_not_on_und():
    assert values.split_names("Innenstadt, Bahnhof und Umfeld", und=False).names == ["Innenstadt", "Bahnhof und Umfeld"]


# --- more sheet shapes ------------------------------------------------------------------

def test_loose_headers_a_goal_column_with_gaps_and_codes_written_with_spaces(tmp_path):
    rows = [["Nr.", "Maßnahme/Projekt", "Handlungsfeld", "Ziel", "Kosteneinschätzung (brutto)", "Prioritätsstufe",
             "Federführung", "Umsetzung (Zeitraum)"],
            ["S 1", "Markt", "Innenstadt", "Innenstadt beleben", "1,5 Mio. €", "1", "Bauamt", "2024"],
            ["S 1.1", "Markt Nord", "Innenstadt", None, "500 T€", "2", "Bauamt", "2025"]]
    r, into = imported(tmp_path, rows, "--map", "Umsetzung (Zeitraum)=period")
    assert r.exit_code == 0, r
    assert "2 code(s) written as ids without spaces or umlauts: 'S 1' → 'S1' (row 2); 'S 1.1' → 'S1.1' (row 3)" \
        in r.stderr
    plan = plan_of(into)
    m = plan.measure_index
    assert (m["S1"].title, m["S1"].cost_eur, m["S1"].goals) == ("Markt", 1500000, ["HF1.Z1"])
    assert (m["S1.1"].parent, m["S1.1"].goals, m["S1.1"].start) == ("S1", None, 2025)
    assert plan.meta.priorities is None  # bare numbers: the contract's scale 1..3, nothing to keep
    assert "priorities" not in (into / "isek.yaml").read_text(encoding="utf-8")
    assert run("check", "--strict", plan=into).exit_code == 0


def test_date_cells_in_the_sheet(tmp_path):
    rows = [["Handlungsfeld", "Maßnahme", "Priorität", "Federführung", "Beginn", "Ende"],
            ["Wohnen", "A", 1, "Bauamt", dt.datetime(2021, 6, 1), dt.datetime(2023, 1, 1)]]
    src = write_xlsx(tmp_path / "k.xlsx", rows)
    wb = openpyxl.load_workbook(src)
    wb.active["E2"].number_format = "mm/yyyy"
    wb.active["F2"].number_format = "yyyy"
    wb.save(src)
    into = tmp_path / "neu"
    assert run("import", "catalogue", src, "--into", into).exit_code == 0
    m = plan_of(into).measure_index["HF1.M01"]
    assert (m.start, m.end) == ("2021-06", 2023)


def test_a_priority_level_keeps_at_most_five_of_its_spellings(tmp_path):
    spellings = ["I", "hoch", "A", "Priorität I", "Prio hoch", "Stufe A", "1 (hoch)"]
    rows = [["Handlungsfeld", "Maßnahme", "Prioritätsstufe", "Federführung"]]
    rows += [["Wohnen", f"M{i}", label, "Bauamt"] for i, label in enumerate(spellings)]
    r, into = imported(tmp_path, rows)
    assert r.exit_code == 0, r
    assert "priority 1 is written in 2 more way(s) than the 5 its title in isek.yaml keeps" in r.stderr
    # of the first five, 'I' and 'hoch' are said again by 'Priorität I' and 'Prio hoch'
    assert [p.title for p in plan_of(into).meta.priorities] == ["A / Priorität I / Prio hoch"]
    assert run("check", "--strict", plan=into).exit_code == 0


def test_csv_with_commas_and_a_title_line_without_delimiters(tmp_path):
    src = tmp_path / "katalog.csv"
    src.write_text("Maßnahmenkatalog ISEK Musterstadt\n\nHandlungsfeld,Maßnahme,Prioritätsstufe,Federführung\n"
                   'Wohnen,Kataster,I,"Stadt, Eigentümer"\n', encoding="utf-8")
    into = tmp_path / "neu"
    r = run("import", "catalogue", src, "--into", into)
    assert r.exit_code == 0, r
    assert plan_of(into).measure_index["HF1.M01"].lead == ["STADT", "EIGENTUEMER"]
