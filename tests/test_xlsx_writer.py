"""The export's own .xlsx writer (issue 18: openpyxl's cell machinery was most of the export's time):
what it writes reads back as written in openpyxl and in LibreOffice, text is never a formula, and
the bytes depend on the data alone."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import shutil
import subprocess
import zipfile

import openpyxl
import pytest

from conftest import run
from isek_cli.data.xlsx_writer import DATE, EURO, Workbook, column_letter, serial

WHEN = dt.datetime(2024, 12, 31, tzinfo=dt.UTC)
HOSTILE = ["=cmd|' /C calc'!A0", "+SUM(1+1)", "-2+3", "@SUM(1)", "\t=1+1", "=HYPERLINK(\"http://x\")",
           "<b>&amp; ]]> \"q\" 'a'", "  blanks at both ends  ", "zwei\nZeilen", "Wagen\r\nrücklauf", "ä€𝄞"]


def book(rows: list[list], *, header=("a", "b", "c"), formats=(None, None, None)) -> bytes:
    wb = Workbook(["one", "two"], creator="isek export", when=WHEN)
    wb.add_sheet("one", list(header), [10] * len(header), rows, len(rows), formats)
    wb.add_sheet("two", ["x"], [5], [], 0)
    return wb.close()


def test_text_numbers_booleans_dates_and_gaps_read_back_as_written(tmp_path):
    rows = [[t, i, i % 2 == 0] for i, t in enumerate(HOSTILE)]
    rows += [[None, 1.5, None], ["", -7, False], [dt.date(2024, 2, 29), 10**14, 0.1],
             [dt.datetime(2024, 3, 1, 12, 0), 2**53, -1e-7]]
    path = tmp_path / "t.xlsx"
    path.write_bytes(book(rows, formats=(DATE, EURO, None)))
    ws = openpyxl.load_workbook(path)["one"]
    got = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    for want, row in zip(HOSTILE, got):
        assert row[0] == want  # a carriage return too (escaped), and nothing taken for a formula
    assert all(ws.cell(row=r, column=1).data_type == "s" for r in range(2, 2 + len(HOSTILE)))
    assert [row[1] for row in got[:3]] == [0, 1, 2] and ws["B2"].number_format == EURO
    assert [row[2] for row in got[:2]] == [True, False] and ws["C2"].data_type == "b"
    assert got[len(HOSTILE)] == [None, 1.5, None] and got[len(HOSTILE) + 1] == [None, -7, False]
    assert got[-2] == [dt.datetime(2024, 2, 29), 10**14, 0.1] and ws.cell(len(HOSTILE) + 4, 1).number_format == DATE
    assert got[-1] == [dt.datetime(2024, 3, 1, 12, 0), 2**53, -1e-7]
    assert ws.freeze_panes == "A2" and ws.sheet_view.pane.state == "frozen"
    assert ws.auto_filter.ref == f"A1:C{len(rows) + 1}"
    assert all(c.font.b for c in ws[1]) and not ws["A2"].font.b
    assert openpyxl.load_workbook(path)["two"].auto_filter.ref == "A1:A1"


def test_characters_xml_cannot_carry_are_dropped_not_fatal(tmp_path):
    path = tmp_path / "c.xlsx"
    path.write_bytes(book([["a\x00b\x1fc\x0b", "\ud800x\ufffe", "\x01"]]))
    ws = openpyxl.load_workbook(path)["one"]
    assert [c.value for c in ws[2]] == ["abc", "x", None]


def test_same_data_same_bytes_and_every_member_dated_by_the_data():
    data = book([[t, 1, True] for t in HOSTILE])
    assert data == book([[t, 1, True] for t in HOSTILE])
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.namelist()[0] == "[Content_Types].xml"
        assert {i.date_time for i in z.infolist()} == {(2024, 12, 31, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode()
    assert core.count("2024-12-31T00:00:00Z") == 2 and "<dc:creator>isek export</dc:creator>" in core


def test_sheets_come_in_the_declared_order():
    wb = Workbook(["one", "two"], creator="isek export", when=WHEN)
    with pytest.raises(ValueError, match="not the next"):
        wb.add_sheet("two", ["x"], [5], [], 0)
    wb.add_sheet("one", ["x"], [5], [], 0)
    with pytest.raises(ValueError, match="1 of 2 sheets"):
        wb.close()


def test_column_letters_and_day_numbers():
    assert [column_letter(n) for n in (1, 26, 27, 36, 702, 703, 16384)] == ["A", "Z", "AA", "AJ", "ZZ", "AAA", "XFD"]
    assert serial(dt.date(1900, 3, 1)) == 61 and serial(dt.date(2024, 12, 31)) == 45657
    assert serial(dt.datetime(2024, 12, 31, 18)) == 45657.75


@pytest.mark.parametrize("formula", HOSTILE[:6])
def test_export_writes_formula_like_plan_text_as_text(mini, tmp_path, formula):
    """OWASP's CSV injection, in the workbook: the cell is a string cell, so no spreadsheet evaluates it."""
    path = mini / "fields/01-wohnen.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("title: Baulückenkataster aufbauen",
                                                             f"title: {json.dumps(formula)}"), encoding="utf-8")
    assert run("export", "-o", tmp_path / "m.xlsx", plan=mini).exit_code == 0
    with zipfile.ZipFile(tmp_path / "m.xlsx") as z:
        assert b"<f>" not in z.read("xl/worksheets/sheet1.xml")
    ws = openpyxl.load_workbook(tmp_path / "m.xlsx")["measures"]
    assert ws["E2"].value == formula and ws["E2"].data_type == "s"


def test_a_table_longer_than_a_worksheet_is_refused_with_the_way_out(mini, tmp_path, monkeypatch):
    from isek_cli.data import xlsx_writer

    monkeypatch.setattr(xlsx_writer, "MAX_ROWS", 20)  # the mini plan's status_by_year has 21 rows
    r = run("export", "-o", tmp_path / "m.xlsx", plan=mini)
    assert r.exit_code == 1 and "'status_by_year' has 21 rows" in r.stderr and "sqlite or csv" in r.stderr, r
    assert not (tmp_path / "m.xlsx").exists()


# --- LibreOffice reads the same cells ------------------------------------------------------

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def shown(cell) -> str:
    """A cell as LibreOffice's CSV export shows it (formatted; LibreOffice's default locale is en-US)."""
    v = cell.value
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, dt.datetime):
        assert cell.number_format == DATE
        return v.date().isoformat()
    if cell.number_format == EURO:
        return f"{v:,} €"
    return str(v).replace("\r\n", "\n")  # Calc keeps line breaks as LF


def test_libreoffice_reads_every_sheet_of_the_export_cell_by_cell(shipped, tmp_path):
    if SOFFICE is None:
        if os.environ.get("ISEK_REQUIRE_LIBREOFFICE") == "1":
            pytest.fail("ISEK_REQUIRE_LIBREOFFICE=1, but LibreOffice (soffice) is not installed", pytrace=False)
        pytest.skip("LibreOffice (soffice) is not installed")
    book_path = tmp_path / "plan.xlsx"
    assert run("export", "-o", book_path, plan=shipped).exit_code == 0
    out = tmp_path / "csv"
    # CSV filter options: comma, double quote, UTF-8, from line 1, …, values as shown, every sheet (-1)
    subprocess.run([SOFFICE, f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless", "--norestore",
                    "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1",
                    "--outdir", str(out), str(book_path)], check=True, capture_output=True, timeout=300)
    wb = openpyxl.load_workbook(book_path)
    compared = 0
    for ws in wb.worksheets:
        with open(out / f"plan-{ws.title}.csv", encoding="utf-8", newline="") as fh:
            theirs = list(csv.reader(fh))
        ours = [[shown(c) for c in row] for row in ws.iter_rows()]
        assert len(theirs) == len(ours) == ws.max_row, ws.title
        for r, (a, b) in enumerate(zip(theirs, ours), 1):
            width = max(len(a), len(b))  # Calc leaves a row's trailing empty cells out
            assert a + [""] * (width - len(a)) == b + [""] * (width - len(b)), (ws.title, r)
            compared += width
    assert compared > 10_000 and wb.sheetnames[0] == "measures"
