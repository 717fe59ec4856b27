"""`isek progress import FILE.csv|.xlsx`: all rows or none, German headers, messy cells, one
atomic write per year file, refusals naming row and column."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest

import isek_cli.writing.append as writer
from conftest import run
from helpers_writes import added_lines, hashes, load_yaml_bytes, private_cache, snapshot  # noqa: F401

GERMAN = ["Maßnahme", "Datum", "Status", "Prozent", "Bemerkung", "Ausgaben"]
Y23, Y24 = "progress/2023.yaml", "progress/2024.yaml"


def updates(plan: Path, rel: str) -> list[dict]:
    return load_yaml_bytes((plan / rel).read_bytes())["updates"] or []


def write_csv(path: Path, rows: list[list], *, delimiter: str = ",", encoding: str = "utf-8") -> Path:
    buf = io.StringIO(newline="")
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list], *, formats: dict[str, str] | None = None, sheet: str = "Fortschritt",
               trailing_empty_rows: int = 0) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for r in rows:
        ws.append(r)
    for coord, fmt in (formats or {}).items():
        ws[coord].number_format = fmt
    for i in range(trailing_empty_rows):  # rows that exist in the sheet but hold nothing
        c = ws.cell(row=ws.max_row + 1, column=1 + i % 3, value="" if i % 2 else None)
        c.number_format = "DD.MM.YYYY"
    wb.save(path)
    return path


@pytest.fixture
def count_writes(monkeypatch, mini):
    """Every atomic_write of a file in the plan folder (its name), while still writing for real.

    (isek's load cache outside the plan folder goes through atomic_write too; it is not counted.)"""
    calls: list[str] = []
    real = writer.atomic_write
    root = Path(mini).resolve()

    def counting(path, data):
        if Path(path).resolve().is_relative_to(root):
            calls.append(Path(path).name)
        return real(path, data)

    monkeypatch.setattr(writer, "atomic_write", counting)
    return calls


def assert_appended(plan: Path, before: dict[str, bytes], expect: dict[str, list[dict]]) -> None:
    """Only the named year files changed, each only by inserted lines, ending in exactly ``expect``."""
    after = snapshot(plan)
    assert {k for k in after if after[k] != before.get(k)} == set(expect)
    for rel, entries in expect.items():
        if rel in before:
            added_lines(before[rel], after[rel])
            old = load_yaml_bytes(before[rel])["updates"] or []
        else:
            old = []
        new = load_yaml_bytes(after[rel])["updates"]
        assert new[:len(old)] == old
        assert new[len(old):] == entries
    assert run("check", plan=plan).exit_code == 0


# --- XLSX -------------------------------------------------------------------

def test_xlsx_with_german_headers_and_messy_cells(mini, tmp_path, count_writes):
    rows = [
        GERMAN,
        ["HF1.M03", dt.datetime(2024, 5, 14), "in Umsetzung", 0.4, "Zeile eins\nZeile zwei", "12.000"],
        ["HF2.M03", "14.05.2024", "in_planung", "25", None, 5000],
        ["HF2.M01", dt.datetime(2023, 11, 30), "In Umsetzung", 0.55, "nachgetragen: Vorjahr", None],
        ["HF1.M02", 45432, "in_umsetzung", 50, None, "2.500.000"],  # 45432 = Excel serial of 2024-05-20
        ["HF2.M02", "45444", "in Planung", "", "Ausschreibung, 2. Runde", " "],  # serial as text: 2024-06-01
    ]
    f = write_xlsx(tmp_path / "Fortschritt 2024.xlsx", rows,
                   formats={"B2": "DD.MM.YYYY", "B4": "DD.MM.YYYY", "D2": "0%", "D4": "0%", "B3": "@", "D3": "@"},
                   trailing_empty_rows=4)
    before = snapshot(mini)
    r = run("progress", "import", str(f), plan=mini)
    assert r.exit_code == 0, r
    assert "imported 5 entries" in r.stdout
    d = dt.date
    assert_appended(mini, before, {
        Y24: [
            {"measure": "HF1.M03", "date": d(2024, 5, 14), "status": "in_umsetzung", "percent": 40,
             "note": "Zeile eins\nZeile zwei", "spent_eur": 12000},
            {"measure": "HF2.M03", "date": d(2024, 5, 14), "status": "in_planung", "percent": 25, "spent_eur": 5000},
            {"measure": "HF1.M02", "date": d(2024, 5, 20), "status": "in_umsetzung", "percent": 50, "spent_eur": 2500000},
            {"measure": "HF2.M02", "date": d(2024, 6, 1), "status": "in_planung", "note": "Ausschreibung, 2. Runde"},
        ],
        Y23: [{"measure": "HF2.M01", "date": d(2023, 11, 30), "status": "in_umsetzung", "percent": 55,
               "note": "nachgetragen: Vorjahr"}],
    })
    assert sorted(count_writes) == ["2023.yaml", "2024.yaml"]  # one atomic write per year file


def test_xlsx_sheet_option_and_first_sheet_default(mini, tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "Hinweise"
    wb.active.append(["Dieses Blatt ist kein Import"])
    ws = wb.create_sheet("Daten")
    ws.append(["Maßnahme", "Datum", "Status"])
    ws.append(["HF1.M03", dt.datetime(2024, 2, 2), "daueraufgabe"])
    f = tmp_path / "mehrere.xlsx"
    wb.save(f)
    before = hashes(mini)
    r = run("progress", "import", str(f), plan=mini)
    assert r.exit_code == 1 and hashes(mini) == before  # the first sheet has no measure/date/status columns
    snap = snapshot(mini)
    r = run("progress", "import", str(f), "--sheet", "Daten", plan=mini)
    assert r.exit_code == 0, r
    assert_appended(mini, snap, {Y24: [{"measure": "HF1.M03", "date": dt.date(2024, 2, 2), "status": "daueraufgabe"}]})


def test_xlsx_percent_cell_100_percent(mini, tmp_path):
    f = write_xlsx(tmp_path / "p.xlsx", [GERMAN[:4], ["HF1.M02", dt.datetime(2024, 11, 2), "abgeschlossen", 1.0]],
                   formats={"D2": "0%", "B2": "DD.MM.YYYY"})
    before = snapshot(mini)
    r = run("progress", "import", str(f), plan=mini)
    assert r.exit_code == 0, r
    assert_appended(mini, before, {Y24: [{"measure": "HF1.M02", "date": dt.date(2024, 11, 2), "status": "abgeschlossen",
                                          "percent": 100}]})


# --- CSV --------------------------------------------------------------------

def test_csv_comma_utf8_with_bom(mini, tmp_path, count_writes):
    f = write_csv(tmp_path / "stand.csv", [
        ["Maßnahme", "Datum", "Status", "Prozent", "Bemerkung", "Ausgaben"],
        ["HF2.M01", "2024-07-01", "in_umsetzung", "70", "Größe: 3 Läden, \"Pop-up\"\nzweite Zeile", "1.500"],
        [],
        ["HF1.M03", "02.03.2023", "Daueraufgabe", "", "", ""],
        ["HF2.M02", "2024-07-02", "in_planung", "15 %", "#kein Kommentar", ""],
        [], [],
    ], encoding="utf-8-sig")
    assert f.read_bytes().startswith(b"\xef\xbb\xbf")
    before = snapshot(mini)
    r = run("progress", "import", str(f), plan=mini)
    assert r.exit_code == 0, r
    assert_appended(mini, before, {
        Y24: [{"measure": "HF2.M01", "date": dt.date(2024, 7, 1), "status": "in_umsetzung", "percent": 70,
               "note": "Größe: 3 Läden, \"Pop-up\"\nzweite Zeile", "spent_eur": 1500},
              {"measure": "HF2.M02", "date": dt.date(2024, 7, 2), "status": "in_planung", "percent": 15,
               "note": "#kein Kommentar"}],
        Y23: [{"measure": "HF1.M03", "date": dt.date(2023, 3, 2), "status": "daueraufgabe"}],
    })
    assert sorted(count_writes) == ["2023.yaml", "2024.yaml"]


def test_csv_semicolon_windows_1252(mini, tmp_path):
    f = write_csv(tmp_path / "excel.csv", [
        GERMAN,
        ["HF1.M03", "14.05.2024", "in Umsetzung", "40 %", "Größe ändern – 5 € für Bürger", "12.000"],
        ["HF1.M02", "15.05.2024", "In Umsetzung", "48", "Maßnahme läuft; gut", "2.200.000"],
    ], delimiter=";", encoding="cp1252")
    with pytest.raises(UnicodeDecodeError):
        f.read_bytes().decode("utf-8")
    before = snapshot(mini)
    r = run("progress", "import", str(f), plan=mini)
    assert r.exit_code == 0, r
    assert_appended(mini, before, {Y24: [
        {"measure": "HF1.M03", "date": dt.date(2024, 5, 14), "status": "in_umsetzung", "percent": 40,
         "note": "Größe ändern – 5 € für Bürger", "spent_eur": 12000},
        {"measure": "HF1.M02", "date": dt.date(2024, 5, 15), "status": "in_umsetzung", "percent": 48,
         "note": "Maßnahme läuft; gut", "spent_eur": 2200000},
    ]})


def test_status_labels_in_german_and_english(mini, tmp_path):
    labels = [("nicht begonnen", "nicht_begonnen"), ("in Planung", "in_planung"), ("In Umsetzung", "in_umsetzung"),
              ("Daueraufgabe", "daueraufgabe"), ("zurückgestellt", "zurueckgestellt"), ("entfallen", "entfallen"),
              ("in progress", "in_umsetzung"), ("deferred", "zurueckgestellt"), ("Abgeschlossen", "abgeschlossen"),
              ("completed", "abgeschlossen")]
    rows = [["Maßnahme", "Stand", "Status", "Fortschritt"]]
    for i, (label, _) in enumerate(labels):
        rows.append(["HF2.M02", f"{i + 1:02d}.07.2024", label, "100" if "bgeschlossen" in label or label == "completed" else ""])
    f = write_xlsx(tmp_path / "labels.xlsx", rows)
    before = snapshot(mini)
    r = run("progress", "import", str(f), plan=mini)
    assert r.exit_code == 0, r
    expect = []
    for i, (label, key) in enumerate(labels):
        e = {"measure": "HF2.M02", "date": dt.date(2024, 7, i + 1), "status": key}
        if key == "abgeschlossen":
            e["percent"] = 100
        expect.append(e)
    assert_appended(mini, before, {Y24: expect})


def test_rows_in_file_order_across_years_and_into_a_new_year_file(mini, tmp_path, count_writes):
    f = write_csv(tmp_path / "jahre.csv", [
        ["measure", "date", "status", "percent"],
        ["HF2.M02", "2025-01-10", "in_umsetzung", "20"],
        ["HF2.M01", "2024-12-01", "in_umsetzung", "65"],
        ["HF2.M02", "2025-02-10", "in_umsetzung", "25"],
        ["HF2.M01", "2024-12-02", "in_umsetzung", "66"],
    ])
    before = snapshot(mini)
    r = run("progress", "import", str(f), plan=mini)
    assert r.exit_code == 0, r
    assert "created progress/2025.yaml" in r.stdout
    assert_appended(mini, before, {
        Y24: [{"measure": "HF2.M01", "date": dt.date(2024, 12, 1), "status": "in_umsetzung", "percent": 65},
              {"measure": "HF2.M01", "date": dt.date(2024, 12, 2), "status": "in_umsetzung", "percent": 66}],
        "progress/2025.yaml": [{"measure": "HF2.M02", "date": dt.date(2025, 1, 10), "status": "in_umsetzung", "percent": 20},
                               {"measure": "HF2.M02", "date": dt.date(2025, 2, 10), "status": "in_umsetzung", "percent": 25}],
    })
    assert sorted(count_writes) == ["2024.yaml", "2025.yaml"]
    assert load_yaml_bytes((mini / "progress/2025.yaml").read_bytes())["year"] == 2025


def test_dry_run_writes_nothing(mini, tmp_path, count_writes):
    f = write_csv(tmp_path / "probe.csv", [GERMAN[:3], ["HF1.M03", "2024-05-14", "in_planung"],
                                          ["HF1.M03", "2025-05-14", "in_planung"]])
    before = hashes(mini)
    r = run("progress", "import", str(f), "--dry-run", plan=mini)
    assert r.exit_code == 0, r
    assert hashes(mini) == before and count_writes == []
    assert "would import 2 entries" in r.stdout
    assert "progress/2024.yaml" in r.stdout and "would create progress/2025.yaml" in r.stdout
    assert "HF1.M03" in r.stdout


# --- refusals -----------------------------------------------------------------

GOOD = [
    ["HF1.M03", "2024-05-14", "in_umsetzung", "40"],
    ["HF2.M01", "2024-05-15", "in_umsetzung", "61"],
    ["HF2.M02", "2023-12-01", "in_planung", "6"],
    ["HF1.M02", "2024-05-16", "in_umsetzung", "46"],
]
BAD = {  # case -> (data row index 0..3, column index, bad value, column letter, needle)
    "unknown_measure": (1, 0, "HF2.M1", "A", "HF2.M1"),
    "bad_status": (2, 2, "fertig", "C", "fertig"),
    "percent_150": (0, 3, "150", "D", "150"),
    "percent_negative": (3, 3, "-5", "D", "-5"),
    "percent_not_a_number": (3, 3, "viel", "D", "viel"),
    "bad_date": (3, 1, "31.02.2024", "B", "date"),
    "not_a_date": (1, 1, "bald", "B", "bald"),
    "date_outside_horizon": (2, 1, "2031-01-01", "B", "2031"),
    "percent_100_not_completed": (1, 3, "100", "D", "abgeschlossen"),
    "empty_status": (2, 2, "", "C", "status"),
}


def _rows_with(case: str) -> tuple[list[list], int, str, str]:
    i, col, value, letter, needle = BAD[case]
    rows = [list(r) for r in GOOD]
    rows[i][col] = value
    return [GERMAN[:4]] + rows, i + 2, letter, needle  # header is row 1


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize("case", list(BAD))
def test_one_bad_row_refuses_the_whole_file(mini, tmp_path, case, kind, count_writes):
    rows, row_no, letter, needle = _rows_with(case)
    f = (write_csv(tmp_path / "f.csv", rows, delimiter=";") if kind == "csv"
         else write_xlsx(tmp_path / "f.xlsx", rows))
    before = hashes(mini)
    r = run("progress", "import", str(f), plan=mini)
    assert r.exit_code == 1, r
    assert f":{row_no}:{letter}:" in r.stderr, r.stderr
    assert needle in r.stderr
    assert "nothing was written" in r.stderr
    assert hashes(mini) == before and count_writes == []
    r = run("progress", "import", str(f), "--dry-run", plan=mini)
    assert r.exit_code == 1 and hashes(mini) == before


def test_every_bad_cell_is_named(mini, tmp_path):
    rows = [GERMAN[:4]] + [list(r) for r in GOOD]
    rows[1][0] = "HF9.M09"
    rows[3][2] = "irgendwie"
    rows[4][3] = "101"
    f = write_xlsx(tmp_path / "viele.xlsx", rows)
    before = hashes(mini)
    r = run("progress", "import", str(f), plan=mini)
    assert r.exit_code == 1
    for where in (":2:A:", ":4:C:", ":5:D:"):
        assert where in r.stderr, r.stderr
    assert hashes(mini) == before


def test_unknown_measure_gets_a_hint(mini, tmp_path):
    f = write_csv(tmp_path / "hint.csv", [GERMAN[:3], ["HF1.M3", "2024-05-14", "in_planung"]])
    r = run("progress", "import", str(f), plan=mini)
    assert r.exit_code == 1
    assert "HF1.M03" in r.stderr


def test_short_csv_row_names_the_missing_column(mini, tmp_path):
    f = tmp_path / "kurz.csv"
    f.write_text("Maßnahme,Datum,Status,Prozent\nHF1.M03,2024-05-14,in_planung,10\nHF1.M02,2024-05-15\n", encoding="utf-8")
    before = hashes(mini)
    r = run("progress", "import", str(f), plan=mini)
    assert r.exit_code == 1
    assert hashes(mini) == before
    assert ":3:C:" in r.stderr, r.stderr


def test_missing_required_column_is_refused(mini, tmp_path):
    f = write_csv(tmp_path / "ohne.csv", [["Maßnahme", "Prozent"], ["HF1.M03", "10"]])
    before = hashes(mini)
    r = run("progress", "import", str(f), plan=mini)
    assert r.exit_code == 1
    assert "date" in r.stderr and "status" in r.stderr
    assert hashes(mini) == before


def test_header_only_file_is_refused(mini, tmp_path):
    f = write_xlsx(tmp_path / "leer.xlsx", [GERMAN], trailing_empty_rows=3)
    before = hashes(mini)
    r = run("progress", "import", str(f), plan=mini)
    assert r.exit_code == 1
    assert hashes(mini) == before


def test_import_into_an_invalid_plan_is_refused(mini, tmp_path):
    (mini / "actors.yaml").write_text((mini / "actors.yaml").read_text(encoding="utf-8") + "unbekannt: 1\n",
                                      encoding="utf-8")
    f = write_csv(tmp_path / "x.csv", [GERMAN[:3], ["HF1.M03", "2024-05-14", "in_planung"]])
    before = hashes(mini)
    r = run("progress", "import", str(f), plan=mini)
    assert r.exit_code == 1
    assert hashes(mini) == before
