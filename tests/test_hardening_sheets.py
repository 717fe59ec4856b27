"""Spreadsheets that would eat memory or time (issue 16): a merged range to the last cell, a zip
bomb of empty rows, millions of rows, a huge CSV field, a FIFO. Each ends in a clear error
(exit 1, no traceback) in a real process whose memory is capped; the subprocess timeout only
guards against a hang, it measures nothing."""

from __future__ import annotations

import io
import os
import resource
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from helpers_writes import hashes, private_cache  # noqa: F401  (fixture)

MEMORY = 1024 * 2**20  # address space of the isek process under test
HEADER = ["Maßnahme", "Datum", "Status"]
GOOD_ROW = ["HF1.M01", "2024-03-01", "in_planung"]


def isek_capped(*args, timeout: int = 30) -> subprocess.CompletedProcess:
    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))

    return subprocess.run([sys.executable, "-m", "isek_cli", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, preexec_fn=cap, env=dict(os.environ, ISEK_NO_CACHE="1"))


def assert_clean_refusal(r: subprocess.CompletedProcess, *words: str) -> None:
    assert r.returncode == 1, (r.returncode, r.stderr[-3000:])
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr, r.stderr[-3000:]
    for w in words:
        assert w in r.stderr, (w, r.stderr[-3000:])


def xlsx_with_sheet_xml(path: Path, sheet_xml, *, declared: dict[str, int] | None = None) -> Path:
    """A real workbook whose sheet XML is replaced; ``sheet_xml`` is bytes or an iterable of chunks."""
    wb = openpyxl.Workbook()
    wb.active.append(HEADER)
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for info in src.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(info.filename, src.read(info.filename))
                continue
            with dst.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
                for chunk in ([sheet_xml] if isinstance(sheet_xml, bytes) else sheet_xml):
                    fh.write(chunk)
    return path


NS = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
HEAD_ROW = (b'<row r="1"><c r="A1" t="inlineStr"><is><t>Ma\xc3\x9fnahme</t></is></c>'
            b'<c r="B1" t="inlineStr"><is><t>Datum</t></is></c><c r="C1" t="inlineStr"><is><t>Status</t></is></c></row>')


def test_merged_range_to_the_last_cell(mini, tmp_path):
    path = xlsx_with_sheet_xml(tmp_path / "merged.xlsx", NS + b"<sheetData>" + HEAD_ROW +
                               b'<row r="2"><c r="A2" t="inlineStr"><is><t>HF1.M01</t></is></c></row></sheetData>'
                               b'<mergeCells count="1"><mergeCell ref="A2:XFD1048576"/></mergeCells></worksheet>')
    assert path.stat().st_size < 10_000
    before = hashes(mini)
    r = isek_capped("--plan", mini, "progress", "import", path)
    assert_clean_refusal(r, "merged.xlsx", "A2:XFD1048576")
    assert hashes(mini) == before


def test_zip_bomb_of_empty_rows(mini, tmp_path):
    def chunks():
        yield NS + b"<sheetData>" + HEAD_ROW
        for _ in range(50):
            yield b"<row/>" * 100_000  # 30 MB of rows without cells, compressed to a few KB
        yield b"</sheetData></worksheet>"

    path = xlsx_with_sheet_xml(tmp_path / "bomb.xlsx", chunks())
    assert path.stat().st_size < 100_000
    r = isek_capped("--plan", mini, "progress", "import", path)
    assert_clean_refusal(r, "bomb.xlsx")


def test_declared_uncompressed_size_over_the_limit(mini, tmp_path):
    def chunks():
        yield NS + b"<sheetData>" + HEAD_ROW + b"<!--"
        for _ in range(80):
            yield b" " * 2**20
        yield b"--></sheetData></worksheet>"

    path = xlsx_with_sheet_xml(tmp_path / "big.xlsx", chunks())
    r = isek_capped("--plan", mini, "progress", "import", path)
    assert_clean_refusal(r, "big.xlsx", "uncompressed")


def test_two_million_rows_xlsx(mini, tmp_path):
    def chunks():
        yield NS + b"<sheetData>" + HEAD_ROW
        for start in range(2, 2_000_002, 100_000):
            yield b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (i, i) for i in range(start, start + 100_000))
        yield b"</sheetData></worksheet>"

    path = xlsx_with_sheet_xml(tmp_path / "rows.xlsx", chunks())
    r = isek_capped("--plan", mini, "progress", "import", path)
    assert_clean_refusal(r, "rows.xlsx", "rows")


def test_two_million_rows_csv(mini, tmp_path):
    path = tmp_path / "rows.csv"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("measure;date;status\n")
        fh.write("HF1.M01;2024-03-01;in_planung\n" * 2_000_000)
    r = isek_capped("--plan", mini, "progress", "import", path)
    assert_clean_refusal(r, "rows.csv", "rows")


def test_a_cell_far_to_the_right(mini, tmp_path):
    path = xlsx_with_sheet_xml(tmp_path / "wide.xlsx", NS + b"<sheetData>" + HEAD_ROW +
                               b'<row r="2"><c r="XFD2"><v>1</v></c></row></sheetData></worksheet>')
    r = isek_capped("--plan", mini, "progress", "import", path)
    assert_clean_refusal(r, "wide.xlsx", "XFD")


def test_huge_csv_field(mini, tmp_path):
    path = tmp_path / "field.csv"
    path.write_text("measure;date;status;note\nHF1.M01;2024-03-01;in_planung;" + "x" * 200_000 + "\n",
                    encoding="utf-8")
    r = isek_capped("--plan", mini, "progress", "import", path)
    assert_clean_refusal(r, "field.csv", ":2")


def test_huge_quoted_csv_field_across_lines(tmp_path):
    path = tmp_path / "cat.csv"
    path.write_text('Handlungsfeld;Ziel;Maßnahme;Priorität;Federführung;Beschreibung\n'
                    'Wohnen;Wohnraum;Kataster;1;Bauamt;"' + "zeile\n" * 40_000 + '"\n', encoding="utf-8")
    r = isek_capped("import", "catalogue", path, "--into", tmp_path / "plan")
    assert_clean_refusal(r, "cat.csv")
    assert not (tmp_path / "plan").exists()


def test_a_fifo_is_refused_not_read(mini, tmp_path):
    fifo = tmp_path / "p.csv"
    os.mkfifo(fifo)
    r = isek_capped("--plan", mini, "progress", "import", fifo, timeout=60)
    assert_clean_refusal(r, "p.csv", "regular file")


def test_memory_error_while_reading_is_a_clean_error(mini, tmp_path, monkeypatch):
    from conftest import run
    import isek_cli.data.sheetio as sheets

    path = tmp_path / "p.csv"
    path.write_text("measure;date;status\nHF1.M01;2024-03-01;in_planung\n", encoding="utf-8")

    def no_memory(*args, **kwargs):
        raise MemoryError()

    monkeypatch.setattr(sheets, "_table", no_memory)
    r = run("progress", "import", path, plan=mini)
    assert r.exit_code == 1, r
    assert "memory" in r.stderr and "internal error" not in r.stderr


def test_merged_cells_still_fill_their_range(tmp_path):
    """The limits keep what merged cells are for: a field of action merged down over its measures."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Handlungsfeld", "Ziel", "Maßnahme", "Priorität", "Federführung"])
    ws.append(["Wohnen", "Wohnraum", "Kataster", 1, "Bauamt"])
    ws.append([None, "Wohnraum", "Leerstand", 2, "Bauamt"])
    ws.merge_cells("A2:A3")
    path = tmp_path / "ok.xlsx"
    wb.save(path)
    r = isek_capped("import", "catalogue", path, "--into", tmp_path / "plan")
    assert r.returncode == 0, r.stderr
    assert "took it from the row above" not in r.stderr  # the merge filled it, not the fallback
    assert "Leerstand" in next((tmp_path / "plan/fields").glob("*.yaml")).read_text(encoding="utf-8")


def test_a_sheet_without_dimension_is_parsed_once(tmp_path, monkeypatch):
    """openpyxl's read-only sheet scanned a sheet without <dimension> (a hostile file leaves it out)
    to its end before isek streamed it: the 30 MB zip bomb above was parsed twice, and took longer
    than the test's timeout on a busy machine. The sheet's XML is opened once."""
    from isek_cli.data import sheetio

    path = xlsx_with_sheet_xml(tmp_path / "nodim.xlsx", NS + b"<sheetData>" + HEAD_ROW +
                               b'<row r="2"><c r="A2" t="inlineStr"><is><t>HF1.M01</t></is></c></row>'
                               b"</sheetData></worksheet>")
    opened = []
    real_open = zipfile.ZipFile.open

    def spy(self, name, *args, **kwargs):
        opened.append(getattr(name, "filename", name))
        return real_open(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    table = sheetio.read_table(path)
    assert [c.value for c in table.rows[0]] == ["HF1.M01"]
    assert opened.count("xl/worksheets/sheet1.xml") == 1, opened


# --- the same limits for the catalogue import and the drawdown import (format v2) ----------

CATALOGUE_HEAD = (b'<row r="1"><c r="A1" t="inlineStr"><is><t>Handlungsfeld</t></is></c>'
                  b'<c r="B1" t="inlineStr"><is><t>Ma\xc3\x9fnahme</t></is></c>'
                  b'<c r="C1" t="inlineStr"><is><t>Priorit\xc3\xa4t</t></is></c>'
                  b'<c r="D1" t="inlineStr"><is><t>Federf\xc3\xbchrung</t></is></c></row>')
DRAWDOWN_HEAD = (b'<row r="1"><c r="A1" t="inlineStr"><is><t>Zuwendung</t></is></c>'
                 b'<c r="B1" t="inlineStr"><is><t>Datum</t></is></c>'
                 b'<c r="C1" t="inlineStr"><is><t>Betrag</t></is></c></row>')
WAYS = {  # the import, its header row (xlsx, csv), and its command
    "catalogue": (CATALOGUE_HEAD, "Handlungsfeld;Maßnahme;Priorität;Federführung\n",
                  lambda plan, path: ("import", "catalogue", path, "--into", plan.parent / "new")),
    "drawdowns": (DRAWDOWN_HEAD, "Zuwendung;Datum;Betrag\n",
                  lambda plan, path: ("--plan", plan, "progress", "import", path)),
}


@pytest.mark.parametrize("way", WAYS)
def test_merged_range_to_the_last_cell_in_every_import(mini, tmp_path, way):
    head, _, command = WAYS[way]
    path = xlsx_with_sheet_xml(tmp_path / "merged.xlsx", NS + b"<sheetData>" + head +
                               b'<row r="2"><c r="A2" t="inlineStr"><is><t>X</t></is></c></row></sheetData>'
                               b'<mergeCells count="1"><mergeCell ref="A2:XFD1048576"/></mergeCells></worksheet>')
    before = hashes(mini)
    assert_clean_refusal(isek_capped(*command(mini, path)), "merged.xlsx", "A2:XFD1048576")
    assert hashes(mini) == before and not (tmp_path / "new").exists()


@pytest.mark.parametrize("way", WAYS)
def test_zip_bomb_of_empty_rows_in_every_import(mini, tmp_path, way):
    head, _, command = WAYS[way]

    def chunks():
        yield NS + b"<sheetData>" + head
        for _ in range(50):
            yield b"<row/>" * 100_000
        yield b"</sheetData></worksheet>"

    path = xlsx_with_sheet_xml(tmp_path / "bomb.xlsx", chunks())
    assert_clean_refusal(isek_capped(*command(mini, path)), "bomb.xlsx", "rows")


@pytest.mark.parametrize("way", WAYS)
def test_a_cell_far_to_the_right_in_every_import(mini, tmp_path, way):
    head, _, command = WAYS[way]
    path = xlsx_with_sheet_xml(tmp_path / "wide.xlsx", NS + b"<sheetData>" + head +
                               b'<row r="2"><c r="XFD2"><v>1</v></c></row></sheetData></worksheet>')
    assert_clean_refusal(isek_capped(*command(mini, path)), "wide.xlsx", "XFD")


@pytest.mark.parametrize("way", WAYS)
def test_many_rows_and_a_huge_field_in_every_csv_import(mini, tmp_path, way):
    _, head, command = WAYS[way]
    rows = tmp_path / "rows.csv"
    with open(rows, "w", encoding="utf-8") as fh:
        fh.write(head + "A;B;1;C\n" * 2_000_000)
    assert_clean_refusal(isek_capped(*command(mini, rows)), "rows.csv", "rows")
    field = tmp_path / "field.csv"
    field.write_text(head + "A;" + "x" * 200_000 + ";1;C\n", encoding="utf-8")
    assert_clean_refusal(isek_capped(*command(mini, field)), "field.csv", ":2")
