"""Reading spreadsheet files (.csv, .xlsx) into cells, with bounds on everything a file can inflate.

A spreadsheet comes from outside (mailed in, downloaded) and is hostile until read: a 5 KB
workbook can declare a merged range over all 17 billion cells, zip millions of empty rows into
a few kilobytes, or hold a 200 KB CSV field. So a file is checked before it is read (a regular
file; its size, or for a workbook its uncompressed size and compression methods), workbooks are
streamed row by row (openpyxl's read-only parser, never the whole sheet as objects), and rows,
columns, cells, merged area and cell text are counted as they come. Every limit ends in a
:class:`SheetError` that names the file and where possible the row and column.
"""

from __future__ import annotations

import csv
import io
import os
import stat
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import IsekError

# Generous for real catalogues and progress sheets (a state-wide plan of 40,000 measures fits);
# the operator can raise the first two.
MAX_SHEET_BYTES = int(os.environ.get("ISEK_MAX_SHEET_BYTES", 64 * 2**20))  # CSV size; workbook unpacked
MAX_ROWS = int(os.environ.get("ISEK_MAX_SHEET_ROWS", 200_000))  # rows, empty ones included
MAX_COLUMNS = 1_000
MAX_CELLS = 2_000_000  # rows × their width, after merged ranges are filled
MAX_MERGED_CELLS = 100_000  # cells covered by merged ranges, together
MAX_FIELD = 32_767  # characters in one cell: Excel's own limit
MAX_ZIP_ENTRIES = 10_000


class SheetError(IsekError):
    pass


@dataclass(frozen=True, slots=True)
class Cell:
    value: Any
    row: int
    col: int  # 1-based
    number_format: str = "General"

    @property
    def coord(self) -> str:
        return f"{column_letter(self.col)}{self.row}"

    @property
    def empty(self) -> bool:
        return self.value is None or (isinstance(self.value, str) and not self.value.strip())


@dataclass
class Table:
    name: str  # file name, plus the sheet for workbooks
    headers: list[str]  # as written
    header_row: int
    rows: list[list[Cell]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # e.g. the encoding a CSV was read with


def column_letter(col: int) -> str:
    letters = ""
    while col > 0:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def read_table(path: Path, sheet: str | None = None) -> Table:
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx", ".xlsm", ".ods"):
        raise SheetError(f"{path.name}: unsupported file type '{suffix}'; use .xlsx, .ods or .csv")
    size = _regular_file_size(path)
    try:
        if suffix == ".csv":
            return _read_csv(path, size)
        if suffix == ".ods":
            return _read_ods(path, sheet)
        return _read_xlsx(path, sheet)
    except MemoryError:
        raise SheetError(f"{path.name}: too large to read in the memory available; split the file") from None


def sheet_names(path: Path) -> list[str]:
    """The sheets of a workbook (.xlsx/.ods), hidden ones included; a CSV file has none."""
    suffix = path.suffix.lower()
    if suffix == ".ods":
        from . import ods

        try:
            return ods.sheet_names(path)
        except ods.OdsError as exc:
            raise SheetError(str(exc)) from None
    if suffix not in (".xlsx", ".xlsm"):
        return []
    _regular_file_size(path)
    _check_archive(path)  # the same bounds as a read
    from openpyxl import load_workbook

    try:
        with _no_dimension_scan():  # names only: a hostile sheet must not be parsed to its end
            wb = load_workbook(path, read_only=True)
    except Exception as exc:  # openpyxl raises many kinds for broken files
        raise SheetError(f"{path.name}: cannot read the workbook ({type(exc).__name__}: {exc})") from None
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def _read_ods(path: Path, sheet: str | None) -> Table:
    from . import ods

    try:
        name, grid = ods.read_grid(path, sheet)
    except ods.OdsError as exc:
        raise SheetError(str(exc)) from None
    return _table(f"{path.name} [{name}]", [[Cell(*c) for c in row] for row in grid], [])


def _regular_file_size(path: Path) -> int:
    try:
        st = os.stat(path)
    except OSError as exc:
        raise SheetError(f"{path.name}: cannot read the file ({exc.strerror})") from None
    if not stat.S_ISREG(st.st_mode):
        raise SheetError(f"{path.name}: not a regular file; give a .xlsx or .csv file")
    return st.st_size


def _too_many(name: str, what: str, limit: int, hint: str = "split the file") -> SheetError:
    return SheetError(f"{name}: more than {limit:,} {what}; {hint}")


# --- CSV ------------------------------------------------------------------------

def _read_csv(path: Path, size: int) -> Table:
    if size > MAX_SHEET_BYTES:
        raise SheetError(f"{path.name}: {size:,} bytes, more than the limit of {MAX_SHEET_BYTES:,}; split the file, "
                         "or raise ISEK_MAX_SHEET_BYTES if it is genuine")
    with open(path, "rb") as fh:
        raw = fh.read(MAX_SHEET_BYTES + 1)
    if len(raw) > MAX_SHEET_BYTES:
        raise SheetError(f"{path.name}: larger than the limit of {MAX_SHEET_BYTES:,} bytes; split the file")
    notes = []
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="strict") if _is_cp1252(raw) else None
        if text is None:
            raise SheetError(f"{path.name}: neither UTF-8 nor Windows-1252; save the file as CSV UTF-8") from None
        notes.append(f"{path.name} is not UTF-8; read it as Windows-1252 (Excel's default)")
    del raw
    # The first line that holds a delimiter decides: a title line above the table may hold none.
    first = next((line for line in text.split("\n", 10)[:10] if any(d in line for d in ";,\t")), "")
    delimiter = max((";", ",", "\t"), key=first.count)
    grid: list[list[Cell]] = []
    cells = 0
    limit = csv.field_size_limit(MAX_FIELD)  # the csv module's limit is process-wide: restored below
    try:
        for r, row in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1):
            if r > MAX_ROWS:
                raise _too_many(path.name, "rows", MAX_ROWS, "split the file, or raise ISEK_MAX_SHEET_ROWS")
            while row and not row[-1].strip():
                row.pop()
            if len(row) > MAX_COLUMNS:
                raise SheetError(f"{path.name}:{r}: more than {MAX_COLUMNS:,} columns; remove the columns "
                                 "nobody needs (is the separator right?)")
            cells += len(row)
            if cells > MAX_CELLS:
                raise _too_many(path.name, "cells", MAX_CELLS)
            grid.append([Cell(_uninert(v), r, c) for c, v in enumerate(row, start=1)])
    except csv.Error as exc:
        where = f"{path.name}:{len(grid) + 1}"
        if "field larger than field limit" in str(exc):
            raise SheetError(f"{where}: a cell holds more than {MAX_FIELD:,} characters (the most a spreadsheet "
                             "cell holds); shorten it, or check the quotes around it") from None
        raise SheetError(f"{where}: not readable as CSV ({exc})") from None
    finally:
        csv.field_size_limit(limit)
    return _table(path.name, grid, notes)


def _uninert(text: str) -> str:
    """Undo the apostrophe isek's CSV exports put before a formula-like text ('=… → =…), as a
    spreadsheet does on display, so that an exported catalogue imports back unchanged."""
    return text[1:] if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@", "\t", "\r") else text


def _is_cp1252(raw: bytes) -> bool:
    try:
        raw.decode("cp1252")
        return True
    except UnicodeDecodeError:
        return False


# --- XLSX -----------------------------------------------------------------------

def _check_archive(path: Path) -> None:
    """Refuse a workbook that unpacks to more than the limit before anything is unpacked.

    zipfile never returns more than an entry's declared size (and checks the CRC), so the
    sum of declared sizes bounds what openpyxl can read; bzip2 and LZMA (which Excel never
    writes) could inflate without limit within one read, so only stored and deflated
    entries are accepted."""
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise SheetError(f"{path.name}: not a readable .xlsx workbook ({exc})") from None
    if len(infos) > MAX_ZIP_ENTRIES:
        raise _too_many(path.name, "parts in the workbook", MAX_ZIP_ENTRIES)
    total = sum(i.file_size for i in infos)
    if total > MAX_SHEET_BYTES:
        raise SheetError(f"{path.name}: the workbook unpacks to {total:,} bytes (uncompressed), more than the limit "
                         f"of {MAX_SHEET_BYTES:,}; split the file, or raise ISEK_MAX_SHEET_BYTES if it is genuine")
    odd = [i.filename for i in infos if i.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)]
    if odd:
        raise SheetError(f"{path.name}: compression method not used by spreadsheet programs ({odd[0]}); "
                         "save the file again with Excel or LibreOffice")


def _read_xlsx(path: Path, sheet: str | None) -> Table:
    from openpyxl import load_workbook

    _check_archive(path)
    try:
        with _no_dimension_scan():
            wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for broken files
        raise SheetError(f"{path.name}: cannot read the workbook ({type(exc).__name__}: {exc})") from None
    try:
        if sheet is not None:
            if sheet not in wb.sheetnames:
                raise SheetError(f"{path.name}: no sheet '{sheet}'; sheets: {', '.join(wb.sheetnames)}")
            ws = wb[sheet]
        else:
            ws = wb.worksheets[0]
        name = f"{path.name} [{ws.title}]"
        rows, merged = _stream_rows(wb, ws, name)
        _fill_merged(rows, merged, name)
        grid = [[cells.get(c) or Cell(None, r, c) for c in range(1, max(cells) + 1)]
                for r, cells in sorted(rows.items())]
        return _table(name, grid, [])
    finally:
        wb.close()


@contextmanager
def _no_dimension_scan():
    """openpyxl's read-only sheet looks for the sheet's <dimension> as it is opened, and parses a
    sheet without one (any hostile file) to its end for it: 64 MB of XML parsed once for nothing
    before isek streams it. isek needs no dimensions, so the sheets are opened without the scan."""
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    scan = ReadOnlyWorksheet._get_size
    ReadOnlyWorksheet._get_size = lambda self: None
    try:
        yield
    finally:
        ReadOnlyWorksheet._get_size = scan


def _stream_rows(wb, ws, name: str) -> tuple[dict[int, dict[int, Cell]], list[str]]:
    """The sheet's non-empty cells by row and column, read as a stream; and its merged ranges."""
    from openpyxl.cell.read_only import ReadOnlyCell
    from openpyxl.worksheet._reader import WorkSheetParser

    try:
        src = ws._get_source()
        parser = WorkSheetParser(src, ws._shared_strings, data_only=True, epoch=wb.epoch,
                                 date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats)
    except Exception as exc:  # e.g. a chart sheet
        raise SheetError(f"{name}: cannot read the sheet ({type(exc).__name__}: {exc})") from None
    formats: dict[int, str] = {}
    rows: dict[int, dict[int, Cell]] = {}
    seen = width = 0
    try:
        for r, raw in parser.parse():
            seen += 1
            if seen > MAX_ROWS:
                raise _too_many(name, "rows (empty ones included)", MAX_ROWS,
                                "split the file, or raise ISEK_MAX_SHEET_ROWS if it is genuine")
            kept = rows.setdefault(r, {})
            for c in raw:
                value, col = c["value"], c["column"]
                if value is None:
                    continue
                where = f"{name}:{r}:{column_letter(col)}"
                if col > MAX_COLUMNS:
                    raise SheetError(f"{where}: a value beyond the limit of {MAX_COLUMNS:,} columns; "
                                     "remove the columns nobody needs")
                if isinstance(value, str) and len(value) > MAX_FIELD:
                    raise SheetError(f"{where}: the cell holds more than {MAX_FIELD:,} characters; shorten it")
                fmt = formats.get(c["style_id"])
                if fmt is None:
                    fmt = formats[c["style_id"]] = ReadOnlyCell(ws, **c).number_format or "General"
                before = max(kept, default=0)
                kept[col] = Cell(value, r, col, fmt)
                width += max(0, col - before)
                if width > MAX_CELLS:
                    raise _too_many(name, "cells", MAX_CELLS)
            if not kept:
                del rows[r]
    except SheetError:
        raise
    except Exception as exc:  # a malformed cell or row
        raise SheetError(f"{name}:{parser.row_counter}: cannot read the row ({type(exc).__name__}: {exc})") from None
    finally:
        src.close()
    merged = [str(m.ref) for m in (parser.merged_cells.mergeCell if parser.merged_cells else [])]
    return rows, merged


def _fill_merged(rows: dict[int, dict[int, Cell]], merged: list[str], name: str) -> None:
    """A merged range (a group header over columns, a field over its measures) shows its first
    cell's value everywhere, as the person who merged it sees it."""
    from openpyxl.utils.cell import range_boundaries

    area = 0
    for ref in merged:
        try:
            min_col, min_row, max_col, max_row = range_boundaries(ref)
        except (ValueError, TypeError):
            raise SheetError(f"{name}: merged range '{ref[:40]}' is not a cell range") from None
        if None in (min_col, min_row, max_col, max_row):
            raise SheetError(f"{name}: merged range '{ref[:40]}' is a whole row or column; unmerge it")
        area += (max_col - min_col + 1) * (max_row - min_row + 1)
        if area > MAX_MERGED_CELLS or max_col > MAX_COLUMNS:
            raise SheetError(f"{name}: merged range {ref[:40]} covers more cells than the limit of "
                             f"{MAX_MERGED_CELLS:,} merged cells; unmerge it")
        anchor = rows.get(min_row, {}).get(min_col)
        if anchor is None:
            continue
        for r in range(min_row, max_row + 1):
            kept = rows.setdefault(r, {})
            for c in range(min_col, max_col + 1):
                if (r, c) != (min_row, min_col):
                    kept[c] = Cell(anchor.value, r, c, anchor.number_format)


def _table(name: str, grid: list[list[Cell]], notes: list[str]) -> Table:
    rows = [r for r in grid if any(not c.empty for c in r)]  # blank and trailing rows go
    if not rows:
        raise SheetError(f"{name}: no rows")
    header = rows[0]
    headers = ["" if c.empty else str(c.value).strip() for c in header]
    return Table(name, headers, header[0].row if header else 1, rows[1:], notes)
