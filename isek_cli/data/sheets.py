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
from ..errors import IsekError


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
    if suffix == ".ods":
        return _read_ods(path, sheet)
    raise SheetError(f"{path.name}: unsupported file type '{suffix}'; use .xlsx, .ods or .csv")


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
    from openpyxl import load_workbook

    try:
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
    # The first line that holds a delimiter decides: a title line above the table may hold none.
    first = next((line for line in text.split("\n", 10)[:10] if any(d in line for d in ";,\t")), "")
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
    try:
        m = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text)
        if m:
            return dt.date(int(m[3]), int(m[2]), int(m[1]))
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return dt.date.fromisoformat(text)
        # A date with a time of day, as spreadsheets export it ("2024-05-14 00:00:00").
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?", text):
            return dt.datetime.fromisoformat(text).date()
    except ValueError:
        pass
    raise ValueError(f"'{text}' is not a date; write YYYY-MM-DD or DD.MM.YYYY")


def to_int(value: Any, *, percent_cell: bool = False) -> int:
    """Whole numbers, also from text: '12000', '12.000' and '12 000' (German grouping), '40 %'."""
    if isinstance(value, bool):
        raise ValueError(f"{value} is not a number")
    if isinstance(value, (int, float)) and percent_cell and 0 <= value <= 1:
        value = value * 100  # a %-formatted cell holds 0.4 for 40 % (and 1 for 100 %)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
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


# --- catalogue helpers: header detection, years, euros, lists ---------------

# Cell texts that stand for "nothing here" in hand-made sheets.
PLACEHOLDERS = {"-", "--", "–", "—", "k.a.", "k. a.", "n.n.", "n. n.", "./.", "n/a", "na"}


def is_blank(value: Any) -> bool:
    """Empty, only whitespace, or a placeholder such as '-', 'k. A.' or 'n. n.'."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip() or value.strip().lower() in PLACEHOLDERS
    return False


def rehead(table: Table, aliases: dict[str, Iterable[str]], extra: dict[str, str] | None = None,
           scan: int = 10) -> Table:
    """The same table with its header row chosen by content, not position.

    Of the first ``scan`` rows, the one whose cells name the most known columns
    becomes the header (ties: the earlier), so a title row above the table or a
    merged group header above the column names does not get in the way. A
    header cell left empty (the lower half of a two-row header) takes the text
    above it. Rows above the header are dropped.
    """
    header_cells = [Cell(h or None, table.header_row, i) for i, h in enumerate(table.headers, start=1)]
    grid = [header_cells] + table.rows
    known = {normal_header(n) for target, names in aliases.items() for n in (target, *names)}
    known |= {normal_header(h) for h in (extra or {})}

    def score(row: list[Cell]) -> int:
        return sum(1 for c in row if not c.empty and normal_header(c.value) in known)

    best = max(range(min(scan, len(grid))), key=lambda i: (score(grid[i]), -i))
    if best == 0:
        return table
    headers = []
    for col in range(max(len(r) for r in grid[: best + 1])):
        text = ""
        for row in reversed(grid[: best + 1]):  # the header row first, then the rows above it
            if col < len(row) and not row[col].empty:
                text = str(row[col].value).strip()
                break
        headers.append(text)
    return Table(table.name, headers, grid[best][0].row, grid[best + 1:], table.notes)


_YEAR_PREFIX = re.compile(r"^(ab|seit|bis|ca\.?|from|since|until|by)\s+", re.I)


def to_year(value: Any) -> int:
    """A year from 2024, '2024', 2024.0, a date or datetime cell, an Excel serial date, '01.03.2024', '03/2024'."""
    if isinstance(value, bool):
        raise ValueError(f"{value} is not a year")
    if isinstance(value, (dt.date, dt.datetime)):
        return value.year
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"{value:g} is not a year; write e.g. 2024")
        value = int(value)
    if isinstance(value, int):
        if 1900 <= value <= 2200:
            return value
        if 20000 <= value < 80000:  # an Excel serial date (1954-2119)
            return to_date(value).year
        raise ValueError(f"{value} is not a year; write e.g. 2024")
    text = _YEAR_PREFIX.sub("", str(value).strip().replace("\u00a0", " "))
    if re.fullmatch(r"\d+(\.0+)?", text):
        return to_year(int(float(text)))
    m = re.fullmatch(r"(?:Q[1-4]|\d{1,2})\s*[./ ]\s*(\d{4})", text, flags=re.I)
    if m:
        return int(m[1])
    try:
        return to_date(text).year
    except ValueError:
        raise ValueError(f"'{value}' is not a year; write e.g. 2024") from None


def to_euros(value: Any) -> int:
    """Whole euros, also from '1.250.000', '25.000 €', '1.250.000,00 EUR', '1,5 Mio. €' or '250 T€'."""
    if isinstance(value, str):
        text = value.strip().replace("\u00a0", " ")
        m = re.fullmatch(r"(\d+(?:,\d+)?)\s*(mio\.?|millionen|t€|tsd\.?|tausend)\s*(€|eur|euro)?", text, flags=re.I)
        if m:
            factor = 1_000_000 if m[2].lower().startswith("mi") else 1000
            amount = round(float(m[1].replace(",", ".")) * factor, 6)
            if amount.is_integer():
                return int(amount)
    n = to_int(value)
    if n < 0:
        raise ValueError(f"{n} is negative")
    return n


def split_list(value: Any) -> list[str]:
    """Several names in one cell, separated by ';' or line breaks (commas stay: names contain them)."""
    text = to_text(value)
    if text is None:
        return []
    parts = [" ".join(p.split()) for p in re.split(r"[;\n]", text)]
    return [p for p in parts if p and not is_blank(p)]
