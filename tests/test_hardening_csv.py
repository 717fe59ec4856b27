"""CSV that attacks its reader (issue 16): a cell that starts like a formula is made inert the way
OWASP recommends (a leading apostrophe, and quotes around any cell holding a separator), in every
CSV isek writes — `export --format csv`, the site's data/*.csv and `--format csv` on the command
line — while JSON and SQLite keep the text as it is."""

from __future__ import annotations

import csv
import io
import json
import sqlite3

import pytest

from conftest import run

FORMULAS = ["=cmd|' /C calc'!A0", "+SUM(1+1)*cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
            "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def hostile(mini, title: str) -> None:
    path = mini / "fields/01-wohnen.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("title: Baulückenkataster aufbauen", f"title: {json.dumps(title)}"), encoding="utf-8")
    path = mini / "progress/2024.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("note: Rohbau fertig.", f"note: {json.dumps(title)}"), encoding="utf-8")


def cells(data: str, delimiter: str = ",") -> list[str]:
    return [c for row in csv.reader(io.StringIO(data, newline=""), delimiter=delimiter) for c in row]


def assert_inert(data: str) -> None:
    """No cell starts a formula."""
    for c in cells(data):
        assert not c.startswith(TRIGGERS), c


@pytest.mark.parametrize("formula", FORMULAS)
def test_export_csv_is_inert_and_json_sqlite_unchanged(mini, tmp_path, formula):
    hostile(mini, formula)
    assert run("export", "--format", "csv", "-o", tmp_path / "csv", plan=mini).exit_code == 0
    measures = (tmp_path / "csv/measures.csv").read_bytes().decode("utf-8")  # no newline translation
    updates = (tmp_path / "csv/updates.csv").read_bytes().decode("utf-8")  # no newline translation
    for data in (measures, updates):
        assert_inert(data)
    assert "'" + formula in cells(measures) and "'" + formula in cells(updates)
    r = run("export", "--format", "json", plan=mini)
    titles = [m["title"] for m in json.loads(r.stdout)["tables"]["measures"]]
    assert formula in titles
    assert run("export", "-o", tmp_path / "x.db", plan=mini).exit_code == 0
    con = sqlite3.connect(tmp_path / "x.db")
    assert con.execute("SELECT title FROM measures WHERE id = 'HF1.M01'").fetchone() == (formula,)
    con.close()


@pytest.mark.parametrize("title", ["Kataster;=cmd|' /C calc'!A0", "Kataster\t=cmd|' /C calc'!A0",
                                   'Kataster",=cmd|\' /C calc\'!A0'])
def test_separator_inside_a_cell_cannot_start_a_new_one(mini, tmp_path, title):
    """A cell holding a separator (also ';' and tab, which spreadsheets guess) is quoted: it stays
    one cell for every reader that honours quotes."""
    hostile(mini, title)
    assert run("export", "--format", "csv", "-o", tmp_path / "csv", plan=mini).exit_code == 0
    data = (tmp_path / "csv/measures.csv").read_bytes().decode("utf-8")  # no newline translation
    assert_inert(data)
    assert title in cells(data)


@pytest.mark.parametrize("formula", FORMULAS[:2])
def test_site_data_csv_is_inert(mini, tmp_path, formula):
    hostile(mini, formula)
    assert run("site", "-o", tmp_path / "site", plan=mini).exit_code == 0
    data = (tmp_path / "site/data/measures-2024.csv").read_bytes().decode("utf-8")  # no newline translation
    assert_inert(data)
    assert "'" + formula in cells(data)
    report = json.loads((tmp_path / "site/data/report-2024.json").read_text(encoding="utf-8"))
    assert formula in json.dumps(report, ensure_ascii=False)


def test_command_line_csv_is_inert(mini):
    hostile(mini, FORMULAS[0])
    r = run("measures", "--format", "csv", plan=mini)
    assert r.exit_code == 0
    assert_inert(r.stdout)
    assert "'" + FORMULAS[0] in cells(r.stdout)


def test_numbers_are_not_touched(mini, tmp_path):
    """Negative numbers are numbers, not formulas: only text cells get the apostrophe."""
    path = mini / "progress/2024.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("value: 26,", "value: -26,"), encoding="utf-8")
    assert run("export", "--format", "csv", "-o", tmp_path / "csv", plan=mini).exit_code == 0
    values = (tmp_path / "csv/indicator_values.csv").read_bytes().decode("utf-8")  # no newline translation
    assert ",2024-10-01,-26,\n" in values  # the value, then an empty area: no apostrophe


def test_exported_catalogue_imports_back_unchanged(mini, tmp_path):
    """The measures table doubles as a catalogue: the apostrophe is taken off again on import."""
    hostile(mini, FORMULAS[0])
    assert run("export", "--format", "csv", "-o", tmp_path / "csv", plan=mini).exit_code == 0
    r = run("import", "catalogue", tmp_path / "csv/measures.csv", "--into", tmp_path / "back")
    assert r.exit_code == 0, r
    text = (tmp_path / "back/fields").glob("*.yaml")
    assert any(FORMULAS[0] in p.read_text(encoding="utf-8") for p in text)


# --- the texts of format v2 and money, in every CSV --------------------------------

def hostile_v2(plan, formula: str) -> None:
    """A formula in every free text format v2 and funding.yaml added."""
    q = json.dumps(formula)
    with open(plan / "isek.yaml", "a", encoding="utf-8") as fh:
        fh.write(f"decisions:\n  - {{id: B1, date: 2021-11-25, body: {q}, title: {q}, kind: adoption, ref: {q}}}\n"
                 f"statuses:\n  - {{id: verzoegert, title: {q}, counts_as: in_umsetzung}}\n"
                 f"priorities:\n  - {{value: 1, title: {q}}}\n  - {{value: 2, title: II}}\n  - {{value: 3, title: III}}\n")
    (plan / "areas.yaml").write_text(f"areas:\n  - {{id: A1, title: {q}, kind: quartier}}\n", encoding="utf-8")
    (plan / "funding.yaml").write_text(
        f"programmes:\n  - {{id: LZ, title: {q}, level: bund_land}}\n"
        f"grants:\n  - {{id: G-1, programme: LZ, year: 2024, amount_eur: 1000, measures: [HF1.M01], "
        f"decision: {{date: 2024-02-01, ref: {q}}}}}\n", encoding="utf-8")
    path = plan / "fields/01-wohnen.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("    funding: [Eigenmittel]\n", f"    funding: [Eigenmittel, {q}]\n"
                                                      f"    links: [{{title: {q}, url: \"https://example.org/a\"}}]\n", 1)
    path.write_text(text, encoding="utf-8")
    with open(plan / "progress/2024.yaml", "a", encoding="utf-8") as fh:
        fh.write("drawdowns:\n  - {grant: G-1, date: 2024-05-02, eur: 10}\n")


V2_TABLES = ("decisions", "plan_statuses", "priorities", "areas", "programmes", "grants", "measure_funding",
             "measure_links")


@pytest.mark.parametrize("formula", FORMULAS)
def test_v2_and_money_texts_are_inert_in_every_csv(mini, tmp_path, formula):
    hostile_v2(mini, formula)
    r = run("check", "--no-cache", plan=mini)
    assert r.exit_code == 0, r
    assert run("export", "--format", "csv", "-o", tmp_path / "csv", plan=mini).exit_code == 0
    for path in (tmp_path / "csv").glob("*.csv"):
        assert_inert(path.read_bytes().decode("utf-8"))  # no newline translation
    for table in V2_TABLES:
        assert "'" + formula in cells((tmp_path / f"csv/{table}.csv").read_bytes().decode("utf-8")), table
    for table in ("grant_measures", "drawdowns"):  # ids and numbers only: present, and inert too
        assert "G-1" in cells((tmp_path / f"csv/{table}.csv").read_text(encoding="utf-8")), table
    data = json.loads(run("export", "--format", "json", plan=mini).stdout)["tables"]
    assert data["programmes"][0]["title"] == formula and data["grants"][0]["decision_ref"] == formula
    r = run("funding", "--format", "csv", plan=mini)
    assert r.exit_code == 0, r
    assert_inert(r.stdout)
    assert "'" + formula in cells(r.stdout)


@pytest.mark.parametrize("formula", FORMULAS[:2])
def test_every_site_data_csv_is_inert_with_v2_texts(mini, tmp_path, formula):
    hostile(mini, formula)
    hostile_v2(mini, formula)
    assert run("site", "-o", tmp_path / "site", plan=mini).exit_code == 0
    found = sorted((tmp_path / "site/data").glob("*.csv"))
    assert len(found) >= 4, found
    for path in found:
        assert_inert(path.read_bytes().decode("utf-8"))
