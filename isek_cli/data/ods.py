"""Reading OpenDocument spreadsheets (.ods) into positioned cells, with odfpy.

odfpy parses through defusedxml (no entities, no external references). Before it
does, the archive is checked: the file and its ``content.xml`` have a size bound,
so a zip bomb is refused before it is unpacked. Repeated rows and columns (an
ODS file writes 1,000 empty columns as one element) are expanded only where they
hold a value, and the number of cells read is bounded too.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from typing import Any

MAX_FILE = 50 * 1024 * 1024
MAX_CONTENT = 200 * 1024 * 1024  # content.xml unpacked
MAX_CELLS = 2_000_000  # cells with a value, all sheets


class OdsError(ValueError):
    pass


def sheet_names(path: Path) -> list[str]:
    return [name for name, _ in _tables(path)]


def read_grid(path: Path, sheet: str | None = None) -> tuple[str, list[list[tuple[Any, int, int, str]]]]:
    """The sheet's name and its rows: (value, row, col, number format) per cell, 1-based positions.

    ``sheet=None`` reads the first sheet. Values are text, int/float, bool, ``datetime.date`` /
    ``datetime.datetime`` or None; a percentage cell holds its fraction (0.4 for 40 %) and the
    number format '0%', as an .xlsx cell would.
    """
    tables = _tables(path)
    if not tables:
        raise OdsError(f"{path.name}: no sheets")
    if sheet is None:
        name, table = tables[0]
    else:
        found = [t for t in tables if t[0] == sheet]
        if not found:
            raise OdsError(f"{path.name}: no sheet '{sheet}'; sheets: {', '.join(n for n, _ in tables)}")
        name, table = found[0]
    return name, _grid(table)


def _tables(path: Path):
    from odf.namespaces import TABLENS
    from odf.opendocument import load

    if path.stat().st_size > MAX_FILE:
        raise OdsError(f"{path.name}: larger than {MAX_FILE // 2**20} MB")
    try:
        with zipfile.ZipFile(path) as z:
            info = z.getinfo("content.xml")
            if info.file_size > MAX_CONTENT:
                raise OdsError(f"{path.name}: its content unpacks to more than {MAX_CONTENT // 2**20} MB")
        doc = load(str(path))
    except OdsError:
        raise
    except Exception as exc:  # zipfile, XML and odfpy raise many kinds for broken files
        raise OdsError(f"{path.name}: cannot read the workbook ({type(exc).__name__}: {exc})") from None
    return [(t.getAttrNS(TABLENS, "name"), t) for t in doc.spreadsheet.getElementsByType(_table_type())]


def _table_type():
    from odf.table import Table

    return Table


def _rows(node):
    """Row elements of a table, also inside header-row and row-group elements, in order."""
    for child in node.childNodes:
        tag = getattr(child, "qname", (None, None))[1]
        if tag == "table-row":
            yield child
        elif tag in ("table-header-rows", "table-rows", "table-row-group"):
            yield from _rows(child)


def _grid(table) -> list[list[tuple[Any, int, int, str]]]:
    from odf.namespaces import TABLENS

    grid: list[list[tuple[Any, int, int, str]]] = []
    row_no = 0
    cells_seen = 0
    for tr in _rows(table):
        repeat_rows = int(tr.getAttrNS(TABLENS, "number-rows-repeated") or 1)
        cells: list[tuple[Any, int, int, str]] = []
        col = 0
        for tc in tr.childNodes:
            tag = getattr(tc, "qname", (None, None))[1]
            if tag not in ("table-cell", "covered-table-cell"):
                continue
            repeat = int(tc.getAttrNS(TABLENS, "number-columns-repeated") or 1)
            value, fmt = _value(tc) if tag == "table-cell" else (None, "General")
            if value is None:
                col += repeat  # empty cells, however many, take no room
                continue
            for _ in range(min(repeat, 1024)):
                col += 1
                cells.append((value, 0, col, fmt))
        if not cells:
            row_no += repeat_rows
            continue
        for _ in range(min(repeat_rows, 1024)):
            row_no += 1
            cells_seen += len(cells)
            if cells_seen > MAX_CELLS:
                raise OdsError(f"more than {MAX_CELLS:,} cells with a value")
            grid.append(_fill(cells, row_no))
    return grid


def _fill(cells, row_no: int) -> list[tuple[Any, int, int, str]]:
    """A full row from its non-empty cells: empty cells in the gaps, positions set."""
    out: list[tuple[Any, int, int, str]] = []
    by_col = {c[2]: c for c in cells}
    for col in range(1, max(by_col) + 1):
        value, _, _, fmt = by_col.get(col, (None, 0, col, "General"))
        out.append((value, row_no, col, fmt))
    return out


def _value(tc) -> tuple[Any, str]:
    from odf.namespaces import OFFICENS

    kind = tc.getAttrNS(OFFICENS, "value-type")
    if kind in ("float", "currency"):
        return _number(tc.getAttrNS(OFFICENS, "value")), "General"
    if kind == "percentage":
        return _number(tc.getAttrNS(OFFICENS, "value")), "0%"
    if kind == "date":
        text = tc.getAttrNS(OFFICENS, "date-value") or ""
        try:
            value = dt.datetime.fromisoformat(text) if "T" in text else dt.date.fromisoformat(text)
        except ValueError:
            return text, "General"
        return value, "DD.MM.YYYY"
    if kind == "boolean":
        return (tc.getAttrNS(OFFICENS, "boolean-value") == "true"), "General"
    text = _text(tc)
    return (text if text != "" else None), "General"


def _number(text: str | None) -> int | float | None:
    if text is None:
        return None
    number = float(text)
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def _text(tc) -> str:
    from odf import teletype

    paragraphs = [p for p in tc.childNodes if getattr(p, "qname", (None, None))[1] in ("p", "h")]
    return "\n".join(teletype.extractText(p) for p in paragraphs)
