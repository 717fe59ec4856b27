"""Spreadsheets (.xlsx, .csv) as rows of cells that know their position, and the conversions
of messy cell values (numbers stored as text, German number and date formats, Excel serial dates).

Shared by `progress import` and `import catalogue`. Every cell keeps its row
number and column letter so that a refusal can say exactly where to look.
Reading the files, with their limits, is ``sheetio``'s job.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from typing import Any, Iterable

from ..plan.model import MAX_EUR
from ..plan.walker import grouped_number
from .sheetio import Cell, SheetError, Table, column_letter, read_table, sheet_names  # noqa: F401  (the public names)


def normal_header(text: Any) -> str:
    """'Maßnahme (ID)' → 'massnahme_id': lower case, umlauts spelled out, separators as '_'."""
    s = str(text or "").strip().lower()
    s = s.replace("ß", "ss").replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("€", "eur")
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9%]+", "_", s).strip("_")


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


# Whole numbers from cells stay within what a 64-bit integer (SQLite, Excel) holds exactly.
MAX_INT = 10**18


def to_int(value: Any, *, percent_cell: bool = False) -> int:
    """Whole numbers, also from text: '12000', '12.000' and '12 000' (German grouping), '40 %'."""
    n = _to_int(value, percent_cell)
    if abs(n) > MAX_INT:
        raise ValueError(f"{_number_text(value)} is too large")
    return n


def _number_text(value: Any) -> str:
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return text if len(text) <= 30 else text[:29] + "…"


def _to_int(value: Any, percent_cell: bool) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{value} is not a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{value} is not a number (the cell holds an infinite or undefined value)")
    if isinstance(value, float) and abs(value) > MAX_INT:
        raise ValueError(f"{value:g} is too large")
    if isinstance(value, (int, float)) and percent_cell and 0 <= value <= 1:
        value = value * 100  # a %-formatted cell holds 0.4 for 40 % (and 1 for 100 %)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if abs(value - round(value)) < 1e-9:
            return int(round(value))
        raise ValueError(f"{value:g} is not a whole number")
    text = str(value).strip().replace("\u00a0", " ").rstrip("%€ ").strip()
    if len(text) > 40:  # no whole number has that many digits (and int() of 5,000 digits is refused)
        raise ValueError(f"'{_number_text(text)}' is not a whole number")
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
    if len(text) > 30:  # no value of a plan has that many digits (and int() refuses 4,300)
        raise ValueError(f"'{_number_text(text)}' has too many digits for a value")
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(r"-?\d+,\d+", text):
        return float(text.replace(",", "."))
    grouped = re.fullmatch(r"-?\d{1,3}(\.\d{3})+", text)
    if re.fullmatch(r"-?\d+\.\d+", text) and not grouped:
        return float(text)
    if grouped and text.count(".") == 1:  # 77.480: refused with what `check` says about it (W411)
        message, hint = grouped_number(text)
        raise ValueError(f"ambiguous: {message}; {hint}")
    if grouped:
        raise ValueError(f"'{text}' is ambiguous: it looks like German thousands separators; "
                         f"write {text.replace('.', '')} without the dots")
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
                return check_euros(int(amount))
    n = to_int(value)
    if n < 0:
        raise ValueError(f"{n} is negative")
    return check_euros(n)


def check_euros(n: int) -> int:
    """An amount within the bound every amount of a plan has (``MAX_EUR``, 10^13 €)."""
    if n > MAX_EUR:
        raise ValueError(f"{n:,} € is more than the limit of {MAX_EUR:,} € (10^13)")
    return n


def split_list(value: Any) -> list[str]:
    """Several names in one cell, separated by ';' or line breaks (commas stay: names contain them),
    or written as a JSON array of texts, the way isek's CSV export writes lists."""
    text = to_text(value)
    if text is None:
        return []
    as_json = json_list(text)
    if as_json is not None:
        return as_json
    parts = [" ".join(p.split()) for p in re.split(r"[;\n]", text)]
    return [p for p in parts if p and not is_blank(p)]


def json_list(text: str) -> list[str] | None:
    """``["a", "b"]`` (a list column of isek's CSV export) as its texts; None for anything else."""
    text = text.strip()
    if not (text.startswith("[") and text.endswith("]")):
        return None
    import json

    try:
        items = json.loads(text)
    except ValueError:
        return None
    if not isinstance(items, list) or not all(isinstance(i, (str, int, float)) and not isinstance(i, bool)
                                              for i in items):
        return None
    return [p for p in (" ".join(str(i).split()) for i in items) if p and not is_blank(p)]
