"""The yearly survey: `isek progress request` writes one prefilled workbook per actor, departments
fill them in, `isek progress import DIR/*.xlsx` takes the answers back; `isek due --by lead` is the
reminder list. Everything on a copy of the shipped example plan, filled in with openpyxl as a
department would fill it in."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import openpyxl
import pytest

from conftest import FIXTURES, run
from helpers_writes import added_lines, hashes, load_yaml_bytes, private_cache, snapshot  # noqa: F401

Y = 2024
STADTPLANUNG = f"{Y}-FD-STADTPLANUNG.xlsx"
VERKEHR = f"{Y}-FD-VERKEHR.xlsx"
HEADERS = ["Nr.", "Maßnahme", "Handlungsfeld", "Teil von", "Beginn", "Ende", "Status zuletzt", "Stand vom",
           "% zuletzt", "Bemerkung zuletzt", "Ausgaben zuletzt (€)", "Zuwendungen", "Status neu", "% neu",
           "Bemerkung neu", "Datum", "Ausgaben bisher (€)"]
COLUMN = {"status": "M", "percent": "N", "note": "O", "date": "P", "spent": "Q"}
LABELS = ["nicht begonnen", "in Planung", "in Umsetzung", "abgeschlossen", "Daueraufgabe", "zurückgestellt",
          "entfallen", "verzögert"]


def request(plan: Path, out: Path, *args: str) -> list[str]:
    r = run("progress", "request", "--year", str(Y), "-o", str(out), *args, plan=plan)
    assert r.exit_code == 0, r
    return sorted(p.name for p in out.iterdir())


def row_of(ws, measure: str) -> int:
    rows = [c.row for c in ws["A"] if c.value == measure]
    assert len(rows) == 1, (measure, rows)
    return rows[0]


def fill(path: Path, answers: dict[tuple[str, str], object]) -> dict[tuple[str, str], str]:
    """Type values into the input cells as a department would; returns each cell's coordinate."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Maßnahmen"]
    where = {}
    for (measure, key), value in answers.items():
        coord = f"{COLUMN[key]}{row_of(ws, measure)}"
        ws[coord] = value
        where[(measure, key)] = coord
    wb.save(path)
    return where


def updates(plan: Path) -> list[dict]:
    return load_yaml_bytes((plan / f"progress/{Y}.yaml").read_bytes())["updates"]


@pytest.fixture
def requests(shipped, tmp_path):
    out = tmp_path / "anfragen"
    request(shipped, out, "--deadline", "2025-02-28")
    return out


# --- what a request holds ----------------------------------------------------------------

def test_one_workbook_per_lead_actor_with_its_measures_parts_and_partner_measures(shipped, requests):
    import isek_cli

    index = isek_cli.open_plan(shipped).index
    leads = {a for m in index.measure_index.values() for a in m.leads}
    assert sorted(p.name for p in requests.iterdir()) == sorted(f"{Y}-{a}.xlsx" for a in leads)
    wb = openpyxl.load_workbook(requests / STADTPLANUNG)
    assert wb.sheetnames == ["Hinweise", "Maßnahmen", "Als Partner", "isek"]
    assert wb["isek"].sheet_state == "hidden" and wb.security.lockStructure
    ws = wb["Maßnahmen"]
    assert [c.value for c in ws[1]] == HEADERS
    ids = [c.value for c in ws["A"][1:]]
    own = [m.id for m in index.measure_index.values() if "FD-STADTPLANUNG" in m.leads]
    assert sorted(ids) == sorted(own)
    # parts stand right under their parent, in plan order, indented
    i = ids.index("HF1.M04")
    assert ids[i:i + 5] == ["HF1.M04", "HF1.M04.1", "HF1.M04.2", "HF1.M04.3", "HF1.M04.4"]
    r = row_of(ws, "HF1.M04.2")
    assert ws[f"D{r}"].value == "HF1.M04" and ws[f"B{r}"].alignment.indent == 1
    # prefilled: the last state up to the end of the year, the date input defaults to 31 Dec
    last = index.latest("HF1.M04", Y)
    r = row_of(ws, "HF1.M04")
    assert ws[f"H{r}"].value.date() == last.date and ws[f"I{r}"].value == index.percent_of("HF1.M04", Y)
    assert ws[f"G{r}"].value == "in Umsetzung" and ws[f"P{r}"].value.date() == dt.date(Y, 12, 31)
    assert "G-" in ws[f"L{r}"].value  # its grants (funding.yaml)
    assert all(ws[f"{COLUMN[k]}{r}"].value is None for k in ("status", "percent", "note", "spent"))
    # partner measures, read-only: FD-STADTPLANUNG is a partner there, not a lead
    partner = [c.value for c in wb["Als Partner"]["A"][1:]]
    assert sorted(partner) == sorted(m.id for m in index.measure_index.values()
                                     if "FD-STADTPLANUNG" in (m.partners or []) and "FD-STADTPLANUNG" not in m.leads)
    assert partner
    info = {row[0].value: row[1].value for row in wb["Hinweise"].iter_rows(min_row=3, max_row=8)}
    assert info["Für"] == "Fachdienst Stadtplanung"
    assert info["Rückmeldung bis"].date() == dt.date(2025, 2, 28)
    assert info["Ansprechpartner"] == "Fachdienst Stadtentwicklung und Statistik"
    assert info["Maßnahmen zu beantworten"] == len(own)
    assert info["Als Partner (zur Information)"] == len(partner)


def test_only_the_input_cells_are_open_and_they_are_checked(requests):
    wb = openpyxl.load_workbook(requests / STADTPLANUNG)
    ws = wb["Maßnahmen"]
    for sheet in wb.worksheets:
        assert sheet.protection.sheet and sheet.protection.password is None  # protected, no password
    n = ws.max_row
    for col in "ABCDEFGHIJKL":
        assert all(ws[f"{col}{r}"].protection.locked for r in range(1, n + 1)), col
    for col in COLUMN.values():
        assert ws[f"{col}1"].protection.locked
        assert not any(ws[f"{col}{r}"].protection.locked for r in range(2, n + 1)), col
    assert ws.freeze_panes == "C2"
    assert all(int(sheet.page_setup.paperSize) == 9 for sheet in wb.worksheets[:3])  # A4, not US Letter
    assert ws.column_dimensions["B"].width > ws.column_dimensions["A"].width > 5
    rules = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    status = rules[f"M2:M{n}"]
    assert status.type == "list" and status.formula1 == "isek!$D$2:$D$9" and not status.showDropDown
    assert [wb["isek"][f"D{r}"].value for r in range(2, 10)] == LABELS
    percent = rules[f"N2:N{n}"]
    assert (percent.type, percent.operator, percent.formula1, percent.formula2) == ("whole", "between", "0", "100")
    date = rules[f"P2:P{n}"]
    assert date.type == "date" and date.formula1 == "45292" and date.formula2 == "45657"  # 1 Jan / 31 Dec 2024
    assert rules[f"Q2:Q{n}"].type == "whole"
    assert all(dv.errorStyle == "stop" and dv.showErrorMessage for dv in rules.values())


def test_the_same_plan_and_arguments_give_the_same_bytes(shipped, tmp_path):
    for fmt in ("xlsx", "ods"):
        one = tmp_path / f"one-{fmt}"
        two = tmp_path / f"two-{fmt}"
        request(shipped, one, "--format", fmt, "--by", "committee")
        request(shipped, two, "--format", fmt, "--by", "committee")
        assert snapshot(one) == snapshot(two) and len(snapshot(one)) == 9
    other = tmp_path / "other"
    r = run("progress", "request", "--year", "2023", "-o", str(other), "--by", "committee", plan=shipped)
    assert r.exit_code == 0
    assert (other / "2023-BAU.xlsx").read_bytes() != (tmp_path / "one-xlsx" / f"{Y}-BAU.xlsx").read_bytes()


def test_requests_are_never_written_into_the_plan_nor_over_foreign_files(shipped, tmp_path):
    r = run("progress", "request", "-o", str(shipped / "anfragen"), plan=shipped)
    assert r.exit_code == 1 and "inside the plan folder" in r.stderr
    out = tmp_path / "out"
    out.mkdir()
    (out / STADTPLANUNG).write_bytes(b"my own notes")
    r = run("progress", "request", "--year", str(Y), "-o", str(out), plan=shipped)
    assert r.exit_code == 1 and "not generated by isek" in r.stderr
    assert [p.name for p in out.iterdir()] == [STADTPLANUNG]  # checked before writing the first
    (out / STADTPLANUNG).unlink()
    request(shipped, out)
    request(shipped, out)  # an earlier request is replaced


def test_the_ods_request_has_the_same_sheets_checks_protection_and_frozen_panes(shipped, tmp_path):
    import zipfile
    from odf.namespaces import TABLENS
    from odf.opendocument import load

    out = tmp_path / "ods"
    request(shipped, out, "--format", "ods")
    book = out / STADTPLANUNG.replace(".xlsx", ".ods")
    doc = load(str(book))
    tables = {t.getAttrNS(TABLENS, "name"): t for t in doc.spreadsheet.childNodes if t.qname[1] == "table"}
    assert list(tables) == ["Hinweise", "Maßnahmen", "Als Partner", "isek"]
    assert all(t.getAttrNS(TABLENS, "protected") == "true" for t in tables.values())
    content = zipfile.ZipFile(book).read("content.xml").decode("utf-8")
    assert '<style:table-properties table:display="false"/>' in content  # the hidden sheet's style
    assert 'table:condition="of:cell-content-is-in-list([$isek.$D$2:.$D$9])"' in content
    assert "cell-content-is-between(0,100)" in content and 'style:cell-protect="none"' in content
    # printed like the .xlsx: two A4 landscape pages wide, header row and id/title columns on every page
    assert content.count("<table:table-header-rows>") == content.count("<table:table-header-columns>") == 2
    page_styles = zipfile.ZipFile(book).read("styles.xml").decode("utf-8")
    assert 'loext:scale-to-X="2"' in page_styles and 'fo:page-width="29.7cm"' in page_styles
    settings = zipfile.ZipFile(book).read("settings.xml").decode("utf-8")
    frozen = settings[settings.index('config:name="Maßnahmen"'):]
    for item in ('"HorizontalSplitPosition" config:type="int">2<', '"VerticalSplitPosition" config:type="int">1<',
                 '"HorizontalSplitMode" config:type="short">2<'):
        assert item in frozen[:1500], item


# --- answers back ---------------------------------------------------------------------------

def test_untouched_requests_write_nothing(shipped, tmp_path):
    for fmt in ("xlsx", "ods"):
        out = tmp_path / fmt
        request(shipped, out, "--format", fmt)
        before = hashes(shipped)
        r = run("progress", "import", *sorted(out.iterdir()), plan=shipped)
        assert r.exit_code == 0, r
        assert "nothing to import" in r.stdout and "nothing was written" in r.stdout
        assert hashes(shipped) == before


def test_filled_workbooks_round_trip_cell_by_cell(shipped, requests):
    planning = fill(requests / STADTPLANUNG, {
        ("HF1.M01", "status"): "in Umsetzung", ("HF1.M01", "percent"): 55,   # a dropdown value
        ("HF1.M01", "note"): "Kataster wird fortgeschrieben.",
        ("HF1.M04", "status"): "verzögert", ("HF1.M04", "spent"): "12.500,00",  # plan status; German decimal
        ("HF1.M04.1", "date"): None,                                          # an empty row, date cleared
        ("HF1.M04.2", "status"): "fertig",                                     # not a status
        ("HF1.M04.4", "status"): "in Planug",                                  # a typo: the label is hinted
        ("HF1.M03", "status"): "in Umsetzung", ("HF1.M03", "percent"): "37,5",  # not a whole percent
        ("HF1.M05", "note"): "ohne Status",                                     # an answer needs a status
    })
    traffic = fill(requests / VERKEHR, {
        ("HF2.M02", "status"): "abgeschlossen", ("HF2.M02", "percent"): 100,
        ("HF2.M02", "date"): dt.datetime(Y, 6, 15),
    })
    before = hashes(shipped)
    r = run("progress", "import", *sorted(requests.glob("*.xlsx")), plan=shipped)
    assert r.exit_code == 1, r
    problems = sorted(line for line in r.stderr.splitlines() if line.startswith(f"{Y}-"))
    sheet = f"{STADTPLANUNG} [Maßnahmen]"

    def at(key: tuple[str, str]) -> str:
        coord = planning[key]
        return f"{sheet}:{coord[1:]}:{coord[0]}"

    assert problems == sorted([
        f"{at(('HF1.M04.2', 'status'))}: status: 'fertig' is not a status; choose one from the list",
        (f"{at(('HF1.M04.4', 'status'))}: status: 'in Planug' is not a status; did you mean 'in Planung'?; "
        "choose one from the list"),
        f"{at(('HF1.M03', 'percent'))}: percent: '37,5' is not a whole number; write a whole number from 0 to 100",
        (f"{sheet}:{planning[('HF1.M05', 'note')][1:]}:M: status: empty; a row with an answer needs a status "
        "(choose one from the list)"),
    ])
    assert "refused: 4 problem(s) in 19 file(s); nothing was written" in r.stderr
    assert hashes(shipped) == before

    # the department corrects its workbook; then everything goes in, in one write
    fill(requests / STADTPLANUNG, {("HF1.M04.2", "status"): "abgeschlossen", ("HF1.M03", "percent"): 40,
                                   ("HF1.M05", "status"): "Daueraufgabe", ("HF1.M04.4", "status"): "in Planung"})
    old = (shipped / f"progress/{Y}.yaml").read_bytes()
    n = len(updates(shipped))
    r = run("progress", "import", *sorted(requests.glob("*.xlsx")), plan=shipped)
    assert r.exit_code == 0, r
    assert "imported 7 entries from 19 files" in r.stdout
    added_lines(old, (shipped / f"progress/{Y}.yaml").read_bytes())
    end = dt.date(Y, 12, 31)
    assert updates(shipped)[n:] == [
        {"measure": "HF1.M01", "date": end, "status": "in_umsetzung", "percent": 55,
         "note": "Kataster wird fortgeschrieben."},
        {"measure": "HF1.M03", "date": end, "status": "in_umsetzung", "percent": 40},
        {"measure": "HF1.M04", "date": end, "status": "verzoegert", "spent_eur": 12500},
        {"measure": "HF1.M04.2", "date": end, "status": "abgeschlossen"},
        {"measure": "HF1.M04.4", "date": end, "status": "in_planung"},
        {"measure": "HF1.M05", "date": end, "status": "daueraufgabe", "note": "ohne Status"},
        {"measure": "HF2.M02", "date": dt.date(Y, 6, 15), "status": "abgeschlossen", "percent": 100},
    ]
    assert traffic[("HF2.M02", "date")].startswith("P")
    assert run("check", plan=shipped).exit_code == 0

    # importing the same answers again records nothing twice
    before = hashes(shipped)
    r = run("progress", "import", *sorted(requests.glob("*.xlsx")), plan=shipped)
    assert r.exit_code == 0, r
    assert "skipped 7 answer(s) identical to the last entry" in r.stdout and "nothing was written" in r.stdout
    assert hashes(shipped) == before


def test_partial_records_the_valid_answers_and_lists_the_rest(shipped, requests):
    where = fill(requests / STADTPLANUNG, {("HF1.M01", "status"): "in Planung", ("HF1.M03", "status"): "bald"})
    n = len(updates(shipped))
    r = run("progress", "import", requests / STADTPLANUNG, "--partial", plan=shipped)
    assert r.exit_code == 0, r
    assert f":{where[('HF1.M03', 'status')][1:]}:M: status: 'bald' is not a status" in r.stderr
    assert [u["measure"] for u in updates(shipped)[n:]] == ["HF1.M01"]


def test_a_workbook_of_another_year_or_plan_is_refused(shipped, tmp_path, requests):
    old = tmp_path / "2023"
    assert run("progress", "request", "--year", "2023", "-o", str(old), plan=shipped).exit_code == 0
    fill(old / "2023-FD-STADTPLANUNG.xlsx", {("HF1.M01", "status"): "in Planung"})
    fill(requests / STADTPLANUNG, {("HF1.M01", "status"): "in Umsetzung"})
    before = hashes(shipped)
    r = run("progress", "import", old / "2023-FD-STADTPLANUNG.xlsx", "--year", str(Y), plan=shipped)
    assert r.exit_code == 1
    assert "2023-FD-STADTPLANUNG.xlsx [isek]:4:B: this workbook asks about 2023, not 2024" in r.stderr
    r = run("progress", "import", old / "2023-FD-STADTPLANUNG.xlsx", requests / STADTPLANUNG, plan=shipped)
    assert r.exit_code == 1 and r.stderr.count("ask about different years (2023: 2023-FD-STADTPLANUNG.xlsx; "
                                               "2024: 2024-FD-STADTPLANUNG.xlsx)") == 2, r
    mini, mini_out = tmp_path / "mini", tmp_path / "mini-requests"
    shutil.copytree(FIXTURES / "mini", mini)
    request(mini, mini_out)
    book = min(mini_out.iterdir())
    r = run("progress", "import", book, plan=shipped)
    assert r.exit_code == 1 and f"{book.name} [isek]:2:B: this workbook asks about the plan" in r.stderr, r
    assert hashes(shipped) == before


def test_changed_rows_are_refused_by_the_fingerprint(shipped, requests):
    wb = openpyxl.load_workbook(requests / STADTPLANUNG)
    ws = wb["Maßnahmen"]
    ws[f"A{row_of(ws, 'HF1.M01')}"] = "HF2.M02"  # somebody unprotected the sheet and changed an id
    ws[f"M{row_of(ws, 'HF2.M02')}"] = "abgeschlossen"
    wb.save(requests / STADTPLANUNG)
    r = run("progress", "import", requests / STADTPLANUNG, plan=shipped)
    assert r.exit_code == 1 and f"{STADTPLANUNG} [isek]:8:B: the rows or the hidden sheet" in r.stderr, r


def test_co_leads_are_each_asked_and_must_agree(shipped, tmp_path):
    field = shipped / "fields/01-wohnen.yaml"
    text = field.read_text(encoding="utf-8")
    field.write_text(text.replace("lead: FD-STADTPLANUNG", "lead: [FD-STADTPLANUNG, WOBAU]", 1), encoding="utf-8")
    out = tmp_path / "out"
    request(shipped, out)
    a = fill(out / STADTPLANUNG, {("HF1.M01", "status"): "in Umsetzung"})
    b = fill(out / f"{Y}-WOBAU.xlsx", {("HF1.M01", "status"): "abgeschlossen"})
    r = run("progress", "import", out / STADTPLANUNG, out / f"{Y}-WOBAU.xlsx", plan=shipped)
    assert r.exit_code == 1
    for book, coord in ((STADTPLANUNG, a[("HF1.M01", "status")]), (f"{Y}-WOBAU.xlsx", b[("HF1.M01", "status")])):
        assert f"{book} [Maßnahmen]:{coord[1:]}:M: status: HF1.M01 is answered differently in 2 workbooks" in r.stderr
    fill(out / f"{Y}-WOBAU.xlsx", {("HF1.M01", "status"): "in Umsetzung"})
    n = len(updates(shipped))
    r = run("progress", "import", out / STADTPLANUNG, out / f"{Y}-WOBAU.xlsx", plan=shipped)
    assert r.exit_code == 0, r
    assert "answered alike in 2 workbooks; recorded once" in r.stderr
    assert [u["measure"] for u in updates(shipped)[n:]] == ["HF1.M01"]


def test_plain_sheets_and_answered_requests_go_in_together(shipped, requests, tmp_path):
    fill(requests / STADTPLANUNG, {("HF1.M01", "status"): "in Umsetzung"})
    plain = tmp_path / "nachtrag.csv"
    plain.write_text("Maßnahme;Datum;Status\nHF2.M02;2024-05-02;in_umsetzung\n", encoding="utf-8")
    n = len(updates(shipped))
    r = run("progress", "import", requests / STADTPLANUNG, plain, plan=shipped)
    assert r.exit_code == 0, r
    assert sorted(u["measure"] for u in updates(shipped)[n:]) == ["HF1.M01", "HF2.M02"]


# --- the reminder list -----------------------------------------------------------------------

def test_due_by_lead_lists_per_actor_the_measures_without_an_entry(shipped):
    r = run("due", "--year", str(Y), "--by", "lead", "--format", "json", plan=shipped)
    assert r.exit_code == 0, r
    data = json.loads(r.stdout)
    plain = json.loads(run("due", "--year", str(Y), "--format", "json", plan=shipped).stdout)
    missing = {row["id"]: row for row in plain["no_update"]}
    assert data["year"] == Y and data["by"] == "lead" and data["total"] == len(missing) > 0
    listed = [(g["id"], row["id"]) for g in data["groups"] for row in g["measures"]]
    assert sorted(listed) == sorted((row["lead"], mid) for mid, row in missing.items())
    assert all(g["name"] for g in data["groups"])
    text = run("due", "--year", str(Y), "--by", "lead", plan=shipped).stdout
    first = data["groups"][0]
    assert f"{first['id']} {first['name']}: {len(first['measures'])} without an entry in {Y}" in text
    r = run("due", "--year", str(Y), "--by", "lead", "--strict", plan=shipped)
    assert r.exit_code == 1


def test_an_answer_removes_the_measure_from_the_reminder_list(shipped, requests):
    data = json.loads(run("due", "--year", str(Y), "--by", "lead", "--format", "json", plan=shipped).stdout)
    group = next(g for g in data["groups"] if g["id"] == "FD-STADTPLANUNG")
    measure = group["measures"][0]["id"]
    fill(requests / STADTPLANUNG, {(measure, "status"): "in Umsetzung"})
    assert run("progress", "import", requests / STADTPLANUNG, plan=shipped).exit_code == 0
    data = json.loads(run("due", "--year", str(Y), "--by", "lead", "--format", "json", plan=shipped).stdout)
    assert measure not in {row["id"] for g in data["groups"] for row in g["measures"]}


def test_the_reminder_list_also_names_overdue_measures_without_an_entry(shipped):
    """`isek due` lists each measure once (overdue before no update); the reminder list asks everyone
    who owes an entry, so an overdue measure without one is on it, marked as overdue."""
    progress = shipped / f"progress/{Y}.yaml"
    text = progress.read_text(encoding="utf-8")
    entry = ("  - measure: HF7.M02\n    date: 2024-05-13\n    status: in_umsetzung\n    percent: 85\n"
             "    spent_eur: 2675000\n    note: Noch vier Lückenschlüsse offen; Abschluss nicht vor 2026.\n")
    assert entry in text
    progress.write_text(text.replace(entry, ""), encoding="utf-8")
    plain = json.loads(run("due", "--year", str(Y), "--format", "json", plan=shipped).stdout)
    assert "HF7.M02" in {r["id"] for r in plain["overdue"]}
    assert "HF7.M02" not in {r["id"] for r in plain["no_update"]}
    data = json.loads(run("due", "--year", str(Y), "--by", "lead", "--format", "json", plan=shipped).stdout)
    rows = {row["id"]: (g["id"], row["reason"]) for g in data["groups"] for row in g["measures"]}
    assert rows["HF7.M02"] == ("FD-VERKEHR", "overdue")
    assert data["total"] == len(plain["no_update"]) + 1 == len(rows)
    text = run("due", "--year", str(Y), "--by", "lead", plan=shipped).stdout
    line = next(line for line in text.splitlines() if line.startswith("HF7.M02"))
    assert line.rstrip().endswith("overdue")


def test_grants_show_what_was_granted_up_to_the_year_and_drawn_by_its_end(shipped, tmp_path):
    """The grants cell, computed independently from funding.yaml and the drawdowns in progress/."""
    import yaml

    out = tmp_path / "2018"
    assert run("progress", "request", "--year", "2018", "-o", str(out), plan=shipped).exit_code == 0
    ws = openpyxl.load_workbook(out / "2018-FD-STADTPLANUNG.xlsx")["Maßnahmen"]
    funding = yaml.safe_load((shipped / "funding.yaml").read_text(encoding="utf-8"))
    titles = {p["id"]: p["title"] for p in funding["programmes"]}
    drawn: dict[str, int] = {}
    for f in sorted((shipped / "progress").glob("*.yaml")):
        for d in (yaml.safe_load(f.read_text(encoding="utf-8")) or {}).get("drawdowns") or []:
            if d["date"].year <= 2018:
                drawn[d["grant"]] = drawn.get(d["grant"], 0) + d["eur"]

    def eur(n: int) -> str:
        return f"{n:,}".replace(",", ".") + " €"

    grants = [g for g in funding["grants"] if "HF1.M04" in g["measures"] and g["year"] <= 2018]
    assert [g["id"] for g in grants] == ["G-2014-SOZ", "G-2016-SOZ", "G-2018-SOZ"]  # not 2020, 2022
    expected = "\n".join(f"{g['id']} ({titles[g['programme']]} {g['year']}: {eur(g['amount_eur'])}, "
                         f"abgerufen {eur(drawn.get(g['id'], 0))})" for g in grants)
    assert ws[f"L{row_of(ws, 'HF1.M04')}"].value == expected
    assert "abgerufen 1.000.000 €" in expected  # G-2016-SOZ: two of its three drawdowns by 2018
