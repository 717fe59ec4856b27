"""`isek progress import`: progress entries from a spreadsheet, all or nothing.

Every row is checked against the plan before anything is written; one bad
row refuses the whole file, and every bad cell is named by row and column.
A sheet with a grant column and an amount column (Zuwendung, Betrag) holds
drawdowns instead: one payment per row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import sheets
from ..i18n import LANGUAGES, catalogue
from ..plan.model import COMPLETED, STATUSES
from ..plan.index import PlanIndex
from ..plan.suggest import IdHints, Suggester

COLUMNS = {
    "measure": ["massnahme", "maßnahme", "massnahmen_nr", "nr", "id", "measure_id", "kennung"],
    "date": ["datum", "stand", "stichtag"],
    "status": ["umsetzungsstatus", "state"],
    "percent": ["prozent", "fortschritt", "umsetzungsgrad", "%", "percent_done", "progress"],
    "note": ["notiz", "bemerkung", "bemerkungen", "sachstand", "erlaeuterung", "kommentar", "notes", "comment"],
    "spent_eur": ["ausgaben", "ausgaben_eur", "mittelabfluss", "verausgabt", "spent", "kosten_bisher"],
}
REQUIRED = ("measure", "date", "status")
DRAWDOWN_COLUMNS = {
    "grant": ["zuwendung", "bewilligung", "foerderbescheid", "grant_id", "bescheid"],
    "date": ["datum", "abrufdatum", "zahlungsdatum", "stichtag"],
    "eur": ["betrag", "betrag_eur", "abruf", "mittelabruf", "abgerufen", "amount", "amount_eur"],
}


@dataclass
class RowProblem:
    where: str  # "file:ROW:COL"
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def status_words(plan: PlanIndex | None = None) -> dict[str, str]:
    """Status keys, their German and English labels and the plan's own statuses (id and
    title), normalised, to status keys."""
    words = {sheets.normal_header(s): s for s in STATUSES}
    for lang in LANGUAGES:
        for key, label in catalogue(lang)["status"].items():
            words[sheets.normal_header(label)] = key
    for ps in (plan.plan_statuses.values() if plan is not None else ()):
        words[sheets.normal_header(ps.id)] = ps.id
        words[sheets.normal_header(ps.title)] = ps.id
    return words


def parse(path: Path, plan: PlanIndex, sheet: str | None = None) -> tuple[list[dict[str, Any]], list[RowProblem], list[str]]:
    """Entries for the writer, the problems found, and notes (e.g. the encoding used)."""
    table = sheets.read_table(path, sheet)
    drawdown_cols = sheets.map_columns(table, DRAWDOWN_COLUMNS)
    if "grant" in drawdown_cols and "eur" in drawdown_cols:
        return _drawdowns(table, drawdown_cols, plan)
    cols = sheets.map_columns(table, COLUMNS)
    missing = [c for c in REQUIRED if c not in cols]
    if missing:
        return [], [RowProblem(f"{table.name}:{table.header_row}",
                               f"missing column(s) {', '.join(missing)}; headers found: {', '.join(h for h in table.headers if h)}")], table.notes
    words = status_words(plan)
    statuses = _StatusNames(words)
    horizon = plan.meta.horizon
    entries: list[dict[str, Any]] = []
    problems: list[RowProblem] = []
    suggest = None
    for row in table.rows:
        entry: dict[str, Any] = {}
        row_ok = True

        def cell(name: str) -> sheets.Cell | None:
            i = cols.get(name)
            return row[i] if i is not None and i < len(row) else None

        def bad(c: sheets.Cell, name: str, message: str) -> None:
            nonlocal row_ok
            row_ok = False
            problems.append(RowProblem(f"{table.name}:{c.row}:{sheets.column_letter(c.col)}", f"{name}: {message}"))

        for name in COLUMNS:
            c = cell(name)
            if c is None and name in cols:  # the row ends before this column
                c = sheets.Cell(None, row[0].row, cols[name] + 1)
            if c is None or c.empty:
                if name in REQUIRED:
                    bad(c, name, "empty; every row needs measure, date and status")
                continue
            try:
                entry[name] = _convert(name, c, words, statuses)
            except ValueError as exc:
                bad(c, name, str(exc))
        if not row_ok:
            continue
        m = entry["measure"]
        if m not in plan.measure_index:
            suggest = suggest or IdHints(plan.measure_index)  # built once: many rows may be wrong
            hint = suggest.hint(m)
            bad(cell("measure"), "measure", f"'{m}' is not a measure of the plan" + (f"; {hint}" if hint else ""))
        if not horizon.start <= entry["date"].year <= horizon.end:
            bad(cell("date"), "date", f"{entry['date']} lies outside the horizon {horizon.start}–{horizon.end}")
        if entry.get("percent") == 100 and plan.counts_as(entry["status"]) != COMPLETED:
            bad(cell("percent"), "percent", "100 only with status abgeschlossen")
        if row_ok:
            entries.append(entry)
    return entries, problems, table.notes


class _StatusNames:
    """The statuses a refusal names, with a did-you-mean: built once, for the first unknown status."""

    MAX_LISTED = 20

    def __init__(self, words: dict[str, str]) -> None:
        self.words, self.suggest, self.listed = words, None, ""

    def refusal(self, value: Any) -> str:
        if self.suggest is None:
            known = sorted(set(self.words.values()), key=lambda k: (k not in STATUSES, k))
            self.suggest = Suggester(known)
            more = f" … and {len(known) - self.MAX_LISTED:,} more" if len(known) > self.MAX_LISTED else ""
            self.listed = ", ".join(known[:self.MAX_LISTED]) + more
        hint = self.suggest.hint(str(value))
        return f"'{value}' is not a status" + (f"; {hint}" if hint else "") + f" (statuses: {self.listed})"


def _convert(name: str, c: sheets.Cell, words: dict[str, str], statuses: _StatusNames) -> Any:
    v = c.value
    if name == "measure":
        return sheets.to_text(v)
    if name == "date":
        return sheets.to_date(v)
    if name == "status":
        key = words.get(sheets.normal_header(v))
        if key is None:
            raise ValueError(statuses.refusal(v))
        return key
    if name == "percent":
        n = sheets.to_int(v, percent_cell="%" in c.number_format)
        if not 0 <= n <= 100:
            raise ValueError(f"{n} is not between 0 and 100")
        return n
    if name == "spent_eur":
        return sheets.to_euros(v)
    return sheets.to_text(v)  # note


def years_of(entries: list[dict[str, Any]]) -> list[int]:
    return sorted({e["date"].year for e in entries if isinstance(e.get("date"), dt.date)})


def _drawdowns(table, cols: dict[str, int], plan: PlanIndex) -> tuple[list[dict[str, Any]], list[RowProblem], list[str]]:
    """Drawdown rows: grant, date, amount in euros (each row one payment)."""
    entries: list[dict[str, Any]] = []
    problems: list[RowProblem] = []
    grants = None  # a did-you-mean over the grants, built for the first unknown one
    if "date" not in cols:
        return [], [RowProblem(f"{table.name}:{table.header_row}", "missing column date (Datum) for the drawdowns")], \
            table.notes
    for row in table.rows:
        entry: dict[str, Any] = {}
        for name, i in cols.items():
            c = row[i] if i < len(row) else sheets.Cell(None, row[0].row, i + 1)
            where = f"{table.name}:{c.row}:{sheets.column_letter(c.col)}"
            if c.empty:
                problems.append(RowProblem(where, f"{name}: empty; every row needs grant, date and amount"))
                continue
            try:
                if name == "grant":
                    value: Any = sheets.to_text(c.value)
                    if value not in plan.grant_index:
                        grants = grants or IdHints(plan.grant_index)
                        hint = grants.hint(value)
                        raise ValueError(f"'{value}' is not a grant of funding.yaml" + (f"; {hint}" if hint else ""))
                elif name == "date":
                    value = sheets.to_date(c.value)
                else:  # whole euros, not negative, at most the bound of every amount (10^13)
                    value = sheets.to_euros(c.value)
                entry[name] = value
            except ValueError as exc:
                problems.append(RowProblem(where, f"{name}: {exc}"))
        if len(entry) == 3:
            entries.append(entry)
    return entries, problems, table.notes
