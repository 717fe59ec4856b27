"""Reading spreadsheets (.xlsx, .csv) as rows of cells that know their position.

Shared by `progress import` and `import catalogue`. Every cell keeps its row
number and column letter so that a refusal can say exactly where to look.
Conversions of messy cell values (numbers stored as text, German number and
date formats, Excel serial dates) live here too.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable


class SheetError(Exception):
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


def normal_header(text: Any) -> str:
    """'Maßnahme (ID)' → 'massnahme_id': lower case, umlauts spelled out, separators as '_'."""
    s = str(text or "").strip().lower()
    s = s.replace("ß", "ss").replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("€", "eur")
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9%]+", "_", s).strip("_")


def read_table(path: Path, sheet: str | None = None) -> Table:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path)
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, sheet)
    raise SheetError(f"{path.name}: unsupported file type '{suffix}'; use .xlsx or .csv")


def _read_csv(path: Path) -> Table:
    raw = path.read_bytes()
    notes = []
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="strict") if _is_cp1252(raw) else None
        if text is None:
            raise SheetError(f"{path.name}: neither UTF-8 nor Windows-1252; save the file as CSV UTF-8") from None
        notes.append(f"{path.name} is not UTF-8; read it as Windows-1252 (Excel's default)")
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    grid = [[Cell(v, r, c) for c, v in enumerate(row, start=1)] for r, row in enumerate(reader, start=1)]
    return _table(path.name, grid, notes)


def _is_cp1252(raw: bytes) -> bool:
    try:
        raw.decode("cp1252")
        return True
    except UnicodeDecodeError:
        return False


def _read_xlsx(path: Path, sheet: str | None) -> Table:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=False, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for broken files
        raise SheetError(f"{path.name}: cannot read the workbook ({type(exc).__name__}: {exc})") from None
    try:
        if sheet is not None:
            if sheet not in wb.sheetnames:
                raise SheetError(f"{path.name}: no sheet '{sheet}'; sheets: {', '.join(wb.sheetnames)}")
            ws = wb[sheet]
        else:
            ws = wb.worksheets[0]
        merged = {}
        for rng in ws.merged_cells.ranges:  # a merged header spans columns: repeat its text
            value = ws.cell(rng.min_row, rng.min_col).value
            for r in range(rng.min_row, rng.max_row + 1):
                for c in range(rng.min_col, rng.max_col + 1):
                    merged[(r, c)] = value
        grid = []
        for row in ws.iter_rows():
            grid.append([Cell(merged.get((cell.row, cell.column), cell.value), cell.row, cell.column,
                              cell.number_format or "General") for cell in row])
        return _table(f"{path.name} [{ws.title}]", grid, [])
    finally:
        wb.close()


def _table(name: str, grid: list[list[Cell]], notes: list[str]) -> Table:
    rows = [r for r in grid if any(not c.empty for c in r)]  # blank and trailing rows go
    if not rows:
        raise SheetError(f"{name}: no rows")
    header = rows[0]
    headers = ["" if c.empty else str(c.value).strip() for c in header]
    return Table(name, headers, header[0].row if header else 1, rows[1:], notes)


def map_columns(table: Table, aliases: dict[str, Iterable[str]], extra: dict[str, str] | None = None) -> dict[str, int]:
    """Which column (0-based) holds each target field, by header name or alias.

    ``extra`` maps header names to field names (the --map option) and wins.
    """
    lookup: dict[str, str] = {}
    for target, names in aliases.items():
        lookup[normal_header(target)] = target
        for n in names:
            lookup[normal_header(n)] = target
    for header, target in (extra or {}).items():
        lookup[normal_header(header)] = target
    found: dict[str, int] = {}
    for i, h in enumerate(table.headers):
        target = lookup.get(normal_header(h))
        if target and target not in found:
            found[target] = i
    return found


# --- value conversions; each returns the value or raises ValueError with a reason ---

def to_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).replace("\r\n", "\n").strip()
    return text or None


EXCEL_EPOCH = dt.date(1899, 12, 30)


def to_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 1 <= value < 2958466:  # an Excel serial number
            return EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise ValueError(f"{value} is not a date")
    text = str(value).strip()
    if re.fullmatch(r"\d+(\.0+)?", text) and 20000 <= float(text) < 80000:
        return EXCEL_EPOCH + dt.timedelta(days=int(float(text)))
    m = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text)
    if m:
        return dt.date(int(m[3]), int(m[2]), int(m[1]))
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise ValueError(f"'{text}' is not a date; write YYYY-MM-DD or DD.MM.YYYY") from None


def to_int(value: Any, *, percent_cell: bool = False) -> int:
    """Whole numbers, also from text: '12000', '12.000' and '12 000' (German grouping), '40 %'."""
    if isinstance(value, bool):
        raise ValueError(f"{value} is not a number")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if percent_cell and 0 <= value <= 1:
            value = value * 100
        if abs(value - round(value)) < 1e-9:
            return int(round(value))
        raise ValueError(f"{value:g} is not a whole number")
    text = str(value).strip().replace("\u00a0", " ").rstrip("%€ ").strip()
    text = re.sub(r"\s*(eur|euro)$", "", text, flags=re.I)
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(r"-?\d{1,3}([. ']\d{3})+(,0+)?", text):
        return int(re.sub(r"[. ']|,0+$", "", text))
    if re.fullmatch(r"-?\d+,0+", text):
        return int(text.split(",")[0])
    raise ValueError(f"'{value}' is not a whole number")


def to_number(value: Any) -> float | int:
    if isinstance(value, bool):
        raise ValueError(f"{value} is not a number")
    if isinstance(value, (int, float)):
        return value
    text = str(value).strip().replace("\u00a0", "")
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(r"-?\d+,\d+", text):
        return float(text.replace(",", "."))
    if re.fullmatch(r"-?\d+\.\d+", text) and not re.fullmatch(r"-?\d{1,3}(\.\d{3})+", text):
        return float(text)
    raise ValueError(f"'{value}' is ambiguous or not a number; write 83060 or 22,8")
