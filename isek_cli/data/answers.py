"""`isek progress import` of answered requests: the workbooks `isek progress request` wrote, filled in.

A workbook is recognised by its hidden sheet (``isek``, cell A1 ``isek-request``), which names the
plan, the year, the grouping, the recipient and the request's fingerprint. Reading every workbook
before anything is written:

* a workbook of another plan or another year, or whose rows or hidden sheet were changed (the
  fingerprint no longer matches), is refused as a whole;
* only rows with an input are answers: a status, a percent, a note, spent money, or a date other
  than the prefilled 31 December; an answer needs a status;
* every cell is checked as ``isek progress add`` would check it, and every problem is named by
  workbook, sheet and cell;
* an answer identical to the measure's last entry (same date, status, percent, note and spent
  money) is already recorded: it is skipped and counted, so importing a workbook twice records
  nothing twice;
* a measure answered in two workbooks (co-leads) is recorded once when the answers agree and is a
  problem at both cells when they do not.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import sheets
from .progress_sheet import RowProblem, status_words
from .request import INPUTS, MARK, META_SHEET, fingerprint, status_labels
from ..i18n import LANGUAGES, catalogue
from ..plan.index import PlanIndex
from ..plan.model import COMPLETED
from ..plan.suggest import did_you_mean

ENTRY_KEYS = ("status", "percent", "note", "spent_eur")


@dataclass
class Answers:
    """What the answered workbooks hold: entries to record, problems, skipped answers."""

    answers: list[tuple[dict[str, Any], str]] = field(default_factory=list)  # (entry, where its status stands)
    drawdowns: list[dict[str, Any]] = field(default_factory=list)  # from plain drawdown sheets
    problems: list[RowProblem] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "where: measure" of answers already recorded
    workbooks: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # workbooks refused as a whole
    notes: list[str] = field(default_factory=list)

    @property
    def entries(self) -> list[dict[str, Any]]:
        """The entries to record (``isek progress add`` entries: measure, date, status, …)."""
        return [entry for entry, _ in self.answers]


def is_request(path: Path) -> bool:
    """Whether the file is a workbook `isek progress request` wrote (answered or not)."""
    if path.suffix.lower() not in (".xlsx", ".xlsm", ".ods") or META_SHEET not in sheets.sheet_names(path):
        return False
    return _meta(path)[0].get(MARK) is not None


def _meta(path: Path) -> tuple[dict[str, Any], dict[str, str]]:
    """The hidden sheet's facts (key -> value) and where each stands (key -> 'book [isek]:ROW:B')."""
    table = sheets.read_table(path, META_SHEET)
    facts, where = {}, {}
    header = [sheets.Cell(h or None, table.header_row, i) for i, h in enumerate(table.headers, start=1)]
    for row in [header] + table.rows:
        if len(row) >= 2 and not row[0].empty:
            key = str(row[0].value).strip()
            facts[key] = row[1].value
            where[key] = f"{table.name}:{row[0].row}:B"
    return facts, where


def _headers(lang: str) -> dict[str, str]:
    """Column header (normalised) -> column key, in every language (the workbook's first)."""
    out: dict[str, str] = {}
    for code in (lang, *LANGUAGES):
        for key, text in catalogue(code)["request"].items():
            if key.startswith("col_"):
                out.setdefault(sheets.normal_header(text), key[4:])
    return out


def _columns(table: sheets.Table, lang: str) -> dict[str, int]:
    names = _headers(lang)
    found: dict[str, int] = {}
    for i, h in enumerate(table.headers):
        key = names.get(sheets.normal_header(h))
        if key and key not in found:
            found[key] = i
    return found


def read(paths: list[Path], plan: PlanIndex, year: int | None = None) -> Answers:
    """Every answer of every workbook, checked; see the module doc. Nothing is written."""
    out = Answers()
    books = []
    for path in paths:
        out.workbooks.append(path.name)
        facts, where = _meta(path)
        books.append((path, facts, where))
    years = {}
    for path, facts, _ in books:
        years.setdefault(_int(facts.get("year")), []).append(path.name)
    for path, facts, where in books:
        refusal = _check_book(path, facts, where, plan, year, years) or _check_rows(path, facts)
        if isinstance(refusal, RowProblem):
            out.refused.append(path.name)
            out.problems.append(refusal)
        else:
            _read_rows(path, facts, *refusal, plan, out)
    _merge_co_leads(out)
    return out


def _int(value: Any) -> int | None:
    try:
        return sheets.to_int(value)
    except ValueError:
        return None


def _check_book(path: Path, facts: dict, where: dict, plan: PlanIndex, year: int | None,
                years: dict[int | None, list[str]]) -> RowProblem | None:
    """Refusals of a workbook as a whole: another plan, another year, a broken hidden sheet."""
    meta = plan.meta
    if _int(facts.get(MARK)) != 1 or any(k not in facts for k in ("plan", "city", "year", "by", "group", "lang",
                                                                   "fingerprint")):
        return RowProblem(f"{path.name} [{META_SHEET}]", "the hidden sheet of this request is incomplete or of an "
                          "unknown version; request a new workbook with 'isek progress request'")
    if (facts["plan"], facts["city"]) != (meta.title, meta.city):
        return RowProblem(where["plan"], f"this workbook asks about the plan '{facts['plan']}' ({facts['city']}), "
                          f"not '{meta.title}' ({meta.city}); import it into its own plan")
    asked = _int(facts["year"])
    if year is not None and asked != year:
        return RowProblem(where["year"], f"this workbook asks about {asked}, not {year}; import it with --year "
                          f"{asked}, or send the request for {year}")
    if year is None and len(years) > 1:
        listed = "; ".join(f"{y}: {', '.join(names)}" for y, names in sorted(years.items(), key=lambda kv: str(kv[0])))
        return RowProblem(where["year"], f"the workbooks ask about different years ({listed}); import one year at "
                          "a time, or name the year with --year")
    if facts["lang"] not in LANGUAGES:
        return RowProblem(where["lang"], f"unknown language '{facts['lang']}'")
    return None


def _check_rows(path: Path, facts: dict) -> RowProblem | tuple[sheets.Table, dict[str, int]]:
    """The measures sheet and its columns, or the refusal: a sheet or column missing, rows or hidden
    sheet changed (the fingerprint of the ids in both sheets no longer matches)."""
    words = catalogue(facts["lang"])["request"]
    try:
        table = sheets.read_table(path, words["sheet_measures"])
        partner = sheets.read_table(path, words["sheet_partner"]) if facts["by"] == "lead" else None
    except sheets.SheetError as exc:
        return RowProblem(path.name, f"{exc}; answer in the workbook as it was sent")
    cols = _columns(table, facts["lang"])
    missing = [k for k in ("id", *INPUTS) if k not in cols]
    if missing:
        return RowProblem(f"{table.name}:{table.header_row}", f"missing column(s) {', '.join(missing)}; answer in "
                          "the workbook as it was sent")
    ids = [sheets.to_text(_cell(r, cols, "id").value) for r in table.rows]
    partner_ids = []
    if partner is not None:
        pcols = _columns(partner, facts["lang"])
        partner_ids = [sheets.to_text(_cell(r, pcols, "id").value) for r in partner.rows] if "id" in pcols else None
    expected = fingerprint(facts["city"], facts["plan"], _int(facts["year"]), facts["by"], facts["group"], ids,
                           partner_ids)
    if str(facts["fingerprint"]) != expected:
        return RowProblem(_meta(path)[1]["fingerprint"], "the rows or the hidden sheet of this workbook were changed "
                          "since it was requested (its fingerprint does not match); answer in the workbook as it "
                          "was sent, or request a new one")
    return table, cols


def _read_rows(path: Path, facts: dict, table: sheets.Table, cols: dict[str, int], plan: PlanIndex,
               out: Answers) -> None:
    year = _int(facts["year"])
    words_status = status_words(plan)
    labels = status_labels(plan, facts["lang"])
    for row in table.rows:
        found = _answer(row, cols, table.name, year, plan, (words_status, labels), out.problems)
        if found is None:
            continue
        entry, at = found
        if _already_recorded(plan, entry):
            out.skipped.append(f"{at}: {entry['measure']}")
        else:
            out.answers.append((entry, at))


def _cell(row: list[sheets.Cell], cols: dict[str, int], key: str) -> sheets.Cell:
    i = cols[key]
    return row[i] if i < len(row) else sheets.Cell(None, row[0].row, i + 1)


def _answer(row, cols, name: str, year: int, plan: PlanIndex, statuses: tuple[dict[str, str], list[str]],
            problems: list[RowProblem]) -> tuple[dict[str, Any], str] | None:
    """The row's entry and where its status stands, or None (no input, or a problem: then listed).
    ``statuses``: every spelling of a status -> its key, and the dropdown's labels (for hints)."""
    words, labels = statuses
    cells = {k: _cell(row, cols, k) for k in ("id", *INPUTS)}
    default = dt.date(year, 12, 31)
    try:
        date = None if cells["date"].empty else sheets.to_date(cells["date"].value)
    except ValueError:
        date = "bad"
    if all(cells[k].empty for k in ("status", "percent", "note", "spent")) and date in (None, default):
        return None  # no input: the prefilled row as it was sent (or with the date cleared)
    count = len(problems)

    def bad(key: str, message: str) -> None:
        c = cells[key]
        problems.append(RowProblem(f"{name}:{c.row}:{sheets.column_letter(c.col)}", f"{key}: {message}"))

    measure = sheets.to_text(cells["id"].value) or ""
    if measure not in plan.measure_index:
        hint = did_you_mean(measure, plan.measure_index)
        bad("id", f"'{measure}' is no longer a measure of the plan" + (f"; {hint}" if hint else ""))
    entry: dict[str, Any] = {"measure": measure}
    if cells["status"].empty:
        bad("status", "empty; a row with an answer needs a status (choose one from the list)")
    else:
        key = words.get(sheets.normal_header(cells["status"].value))
        if key is None:
            hint = did_you_mean(str(cells["status"].value), labels)
            bad("status", f"'{cells['status'].value}' is not a status" + (f"; {hint}" if hint else "")
                + "; choose one from the list")
        else:
            entry["status"] = key
    if date == "bad":
        bad("date", f"'{cells['date'].value}' is not a date; write DD.MM.YYYY")
    else:
        entry["date"] = date or default
        if entry["date"].year != year:
            bad("date", f"{entry['date']:%d.%m.%Y} is not in {year}, the year this request asks about")
    for key, target in (("percent", "percent"), ("spent", "spent_eur")):
        c = cells[key]
        if c.empty:
            continue
        try:
            n = sheets.to_int(c.value, percent_cell=key == "percent" and "%" in c.number_format)
        except ValueError as exc:
            bad(key, f"{exc}; write a whole number" + (" from 0 to 100" if key == "percent" else " of euros"))
            continue
        if key == "percent" and not 0 <= n <= 100:
            bad(key, f"{n} is not between 0 and 100")
        elif n < 0:
            bad(key, f"{n} is negative")
        else:
            entry[target] = n
    if not cells["note"].empty:
        entry["note"] = sheets.to_text(cells["note"].value)
    if entry.get("percent") == 100 and "status" in entry and plan.counts_as(entry["status"]) != COMPLETED:
        bad("percent", "100 only with status abgeschlossen")
    if len(problems) > count:
        return None
    c = cells["status"]
    return entry, f"{name}:{c.row}:{sheets.column_letter(c.col)}"


def _already_recorded(plan: PlanIndex, entry: dict[str, Any]) -> bool:
    """The measure's last entry up to the answer's date says exactly the same."""
    last = None
    for u in plan.history.get(entry["measure"], []):
        if u.date <= entry["date"]:
            last = u
    if last is None or last.date != entry["date"]:
        return False
    return all(getattr(last, k) == entry.get(k) for k in ENTRY_KEYS)


def _merge_co_leads(out: Answers) -> None:
    """One entry per measure: co-leads who agree are recorded once; disagreeing answers are problems."""
    by_measure: dict[str, list[tuple[dict, str]]] = {}
    for entry, at in out.answers:
        by_measure.setdefault(entry["measure"], []).append((entry, at))
    kept = []
    for measure, same in by_measure.items():
        if len(same) == 1 or all(e == same[0][0] for e, _ in same):
            kept.append(same[0])
            if len(same) > 1:
                out.notes.append(f"{measure} is answered alike in {len(same)} workbooks; recorded once")
            continue
        places = ", ".join(at for _, at in same)
        for _, at in same:
            out.problems.append(RowProblem(at, f"status: {measure} is answered differently in {len(same)} "
                                           f"workbooks ({places}); keep one answer"))
    order = {id(e): i for i, (e, _) in enumerate(out.answers)}
    out.answers = sorted(kept, key=lambda a: order[id(a[0])])
