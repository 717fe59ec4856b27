"""Reading a catalogue sheet: headers to columns, cells to checked values, rows to a draft.

Every cell is converted and checked; every problem names file, sheet, row and column.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import sheets
from ..progress_sheet import RowProblem
from .cells import COLUMNS, NO, ROLES, YES, _CONTROL, CatalogueRefused, Draft, Options, Row
from .resolve import resolve
from .values import ONGOING, point_key, split_names, to_cost, to_level, to_period, to_point

MAX_NOTES = 8  # notes of one kind listed one by one; the rest are counted


@dataclass
class Parsed:
    draft: Draft | None
    problems: list[RowProblem]
    notes: list[str]
    rows: int  # rows that hold a measure
    rows_ok: int


def parse(path: Path, options: Options) -> Parsed:
    """Read and check the catalogue; the draft holds the valid rows (None if there are none)."""
    table = sheets.read_table(path, options.sheet)
    candidates = [table.headers] + [[c.value for c in r] for r in table.rows[:9]]
    table = sheets.rehead(table, COLUMNS, {**loose_headers(candidates), **options.mapping})
    cols = sheets.map_columns(table, COLUMNS, {**loose_headers([table.headers]), **options.mapping})
    cols.pop("ignore", None)  # --map 'HEADER=ignore'
    notes = list(table.notes)
    present = {sheets.normal_header(h) for h in table.headers}
    notes += [f"--map: no column '{h}' in {table.name}" for h in options.mapping
              if sheets.normal_header(h) not in present]
    used = set(cols.values())
    ignored = [h for i, h in enumerate(table.headers) if h and i not in used]
    if ignored:
        notes.append(f"ignored column(s): {', '.join(ignored)} (use --map 'HEADER=field' to import one)")
    roles = _roles(cols)
    missing = [name for name, need in (("field", roles["field"]), ("lead", roles["lead"])) if need == (None, None)]
    missing += [c for c in ("title", "priority") if c not in cols]
    if missing:
        found = ", ".join(f"'{h}'" for h in table.headers if h) or "none"
        raise CatalogueRefused(
            f"{table.name}:{table.header_row}: missing column(s) {', '.join(missing)}; headers found: {found}. "
            "Name the column with --map 'HEADER=field' (fields: " + ", ".join(COLUMNS) + ")", notes=notes)
    reader = _Reader(table, cols, roles)
    rows = [r for r in (reader.row(cells) for cells in table.rows) if r is not None]
    if reader.filled:
        notes.append(f"{reader.filled} row(s) without a field of action took it from the row above")
    notes += _listed("cell(s) with several names, read as", reader.splits,
                     "write ';' between names to decide yourself")
    notes += _fill_terms(rows)
    area_header = table.headers[cols["areas"]] if "areas" in cols else ""
    draft = resolve(rows, reader.bad, table.name, options, area_header=area_header, parent_column="parent" in cols)
    rows_ok = sum(r.ok for r in rows)
    notes += draft.notes
    if draft.priorities:
        notes.append("priority scale from the sheet's words (isek.yaml 'priorities'): "
                     + ", ".join(f"{p['value']} = {p['title']}" for p in draft.priorities))
    return Parsed(draft if rows_ok else None, sorted(reader.problems, key=_problem_order), notes, len(rows), rows_ok)


def loose_headers(rows: list[list[Any]]) -> dict[str, str]:
    """Headers that name a column only loosely: 'Kosteneinschätzung (brutto)', 'Kosten in €',
    'Maßnahme/Projekt' (each side names the same column). Header text -> logical column."""
    exact: dict[str, str] = {}
    for target, names in COLUMNS.items():
        for n in (target, *names):
            exact[sheets.normal_header(n)] = target
    out: dict[str, str] = {}
    for row in rows:
        for value in row:
            if not isinstance(value, str) or len(value) > 80 or sheets.normal_header(value) in exact:
                continue
            sides = {exact.get(_plain_header(side)) for side in value.split("/")}
            if len(sides) == 1 and None not in sides:
                out[value] = sides.pop()
    return out


def _plain_header(text: str) -> str:
    """A header without bracketed parts and a trailing currency or estimate word."""
    word = sheets.normal_header(re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", text))
    return re.sub(r"(_(in|ca|brutto|netto|geschaetzt))*(_(in_)?(eur|euro|teur|t_eur|mio_eur))?$", "", word)


def _listed(what: str, items: list[str], hint: str) -> list[str]:
    if not items:
        return []
    more = f"; and {len(items) - MAX_NOTES} more" if len(items) > MAX_NOTES else ""
    return [f"{len(items)} {what}: " + "; ".join(items[:MAX_NOTES]) + more + f" ({hint})"]


def _fill_terms(rows: list[Row]) -> list[str]:
    """A term alone ('mittelfristig') takes the years the same column gives it elsewhere
    ('mittelfristig (2023–2027)'), when it gives one period only; otherwise it stays a comment."""
    given: dict[str, dict[tuple, int]] = {}
    for r in rows:
        term, years = r.v.get("term"), r.v.get("term_years")
        if term and years and years != (None, None):
            given.setdefault(term, {}).setdefault(years, r.number)
    notes: list[str] = []
    bare = Counter(r.v["term"] for r in rows if r.v.get("term") and r.v.get("term_years") == (None, None))
    for term, count in sorted(bare.items()):
        periods = given.get(term, {})
        if len(periods) == 1:
            (start, end), row = next(iter(periods.items()))
            for r in rows:
                if r.v.get("term") == term and r.v.get("term_years") == (None, None):
                    r.v.update({k: y for k, y in (("start", start), ("end", end))
                                if y is not None and r.v.get(k) is None})
            span = (f"bis {end}" if start is None else f"ab {start}" if end is None
                    else str(start) if start == end else f"{start}–{end}")
            notes.append(f"'{term}' without a year in {count} row(s): read as {span}, as row {row} gives it")
        else:
            why = "gives it different years" if periods else "gives it no year"
            notes.append(f"'{term}' without a year in {count} row(s): no start or end written, the word is kept as "
                         f"a comment at each measure (the sheet {why}; write e.g. '{term} (bis 2027)')")
    return notes


def _problem_order(p: RowProblem) -> tuple:
    m = re.search(r":(\d+)(?::([A-Z]+))?$", p.where)
    return (int(m[1]), len(m[2] or ""), m[2] or "") if m else (0, 0, "")


def _roles(cols: dict[str, int]) -> dict[str, tuple[int | None, int | None]]:
    """For each role, the column of ids and the column of names (either may be None)."""
    out = {}
    for role, (id_col, plain, name_col) in ROLES.items():
        if name_col in cols:
            out[role] = (cols.get(id_col, cols.get(plain)), cols[name_col])
        else:
            out[role] = (cols.get(id_col), cols.get(plain))
    return out


class _Reader:
    """Turns the cells of one row into plain values, collecting problems with their positions."""

    def __init__(self, table: sheets.Table, cols: dict[str, int], roles) -> None:
        self.table, self.cols, self.roles = table, cols, roles
        self.problems: list[RowProblem] = []
        self.previous_field: tuple[Any, Any] | None = None
        self.filled = 0
        self.splits: list[str] = []  # cells read as several names

    def cell(self, cells: list[sheets.Cell], index: int | None) -> sheets.Cell | None:
        if index is None:
            return None
        return cells[index] if index < len(cells) else sheets.Cell(None, cells[0].row, index + 1)

    def where(self, c: sheets.Cell) -> str:
        return f"{self.table.name}:{c.row}:{sheets.column_letter(c.col)}"

    def bad(self, row: Row, c: sheets.Cell | None, name: str, message: str) -> None:
        row.ok = False
        where = self.where(c) if c else f"{self.table.name}:{row.number}"
        header = self.table.headers[c.col - 1] if c and c.col - 1 < len(self.table.headers) else ""
        label = f"{name} (column '{header}')" if header and sheets.normal_header(header) != name else name
        self.problems.append(RowProblem(where, f"{label}: {message}"))

    def row(self, cells: list[sheets.Cell]) -> Row | None:
        mapped = [self.cell(cells, i) for i in set(self.cols.values())]
        if all(c is None or sheets.is_blank(c.value) for c in mapped):
            return None  # blank, or content only in ignored columns
        row = Row(cells[0].row, {}, {})
        for role, (id_i, name_i) in self.roles.items():
            ids_c, names_c = self.cell(cells, id_i), self.cell(cells, name_i)
            if role == "field" and _blank(ids_c) and _blank(names_c) and self.previous_field:
                ids_c, names_c = self.previous_field
                self.filled += 1
            elif role == "field" and not (_blank(ids_c) and _blank(names_c)):
                self.previous_field = (ids_c, names_c)
            row.at[role] = ids_c if not _blank(ids_c) else names_c
            row.at[role + "_name"] = names_c
            pairs = self.pairs(row, role, ids_c, names_c)
            if role in ("field", "lead") and not pairs:
                self.bad(row, row.at[role] or cells[0], role, f"empty; every measure needs a {_WHAT[role]}")
            elif role in ("field", "committee") and len(pairs) > 1:
                self.bad(row, row.at[role], role, f"{len(pairs)} names in one cell; give one name")
            row.v[role] = pairs if role in ("goal", "partners", "lead") else (pairs[0] if pairs else None)
        for name in ("id", "title", "description", "priority", "period", "start", "end", "cost", "funding",
                     "key_project", "areas", "parent"):
            c = self.cell(cells, self.cols.get(name))
            if c is not None or name not in row.at:
                row.at[name] = c
            if c is None or sheets.is_blank(c.value):
                if name in ("title", "priority"):
                    self.bad(row, c or cells[0], name, f"empty; every measure needs a {name}")
                continue
            try:
                value = _convert(name, c)
            except ValueError as exc:
                self.bad(row, c, name, str(exc))
                continue
            if name == "period":
                row.at["start"] = row.at["end"] = c
                row.v.update({k: y for k, y in (("start", value.start), ("end", value.end)) if y is not None})
                if value.term:
                    row.v["term"], row.v["term_years"] = value.term, (value.start, value.end)
            elif value is not None:
                row.v[name] = value
        start, end = row.v.get("start"), row.v.get("end")
        if start is not None and end is not None and point_key(end, True) < point_key(start, False):
            noun = "year" if isinstance(start, int) else "month"
            self.bad(row, row.at["end"], "end", f"{end} is before the start {noun} {start}")
        return row

    def pairs(self, row: Row, role: str, ids_c, names_c) -> list[tuple[str | None, str | None]]:
        ids = [] if _blank(ids_c) else sheets.split_list(ids_c.value)
        if _blank(names_c):
            names = []
        elif role in ("lead", "partners") and not ids:  # names alone: 'Stadt, Eigentümer und Investoren'
            names, split = split_names(names_c.value)
            if split:
                self.splits.append(f"{self.where(names_c)} " + " | ".join(names))
        else:
            names = sheets.split_list(names_c.value)
        if ids and names and len(ids) != len(names):
            self.bad(row, names_c, role, f"{len(names)} name(s) but {len(ids)} id(s) in column "
                     f"{sheets.column_letter(ids_c.col)}; give one name per id, separated by ';'")
            return []
        n = max(len(ids), len(names))
        return [(ids[i] if ids else None, names[i] if names else None) for i in range(n)]


_WHAT = {"field": "field of action (Handlungsfeld)", "lead": "lead actor (Federführung)"}


def _blank(c: sheets.Cell | None) -> bool:
    return c is None or sheets.is_blank(c.value)


def _convert(name: str, c: sheets.Cell) -> Any:
    value = c.value
    if name == "priority":
        return to_level(value)
    if name in ("start", "end"):
        if name == "end" and sheets.normal_header(value) in ONGOING:
            return None  # an ongoing task has no end
        return to_point(value, c.number_format, end=name == "end")
    if name == "period":
        return to_period(value, c.number_format)
    if name == "cost":
        return to_cost(value)
    if name == "funding":
        return sheets.split_list(value) or None
    if name == "areas":
        return split_names(value, und=False).names or None
    if name == "key_project":
        if isinstance(value, bool):
            return True if value else None
        word = sheets.normal_header(value)
        if word in YES or word in NO:
            return True if word in YES else None
        raise ValueError(f"'{value}' is not yes or no; write ja/nein, x or leave it empty")
    text = _CONTROL.sub("", sheets.to_text(value)).strip()
    if not text:
        raise ValueError("holds only control characters; write the text or leave the cell empty")
    return text if name == "description" else " ".join(text.split())  # titles and ids: one line
