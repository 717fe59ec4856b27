"""`isek import catalogue`: a new plan folder from a measure catalogue (.xlsx or .csv).

One row per measure. Every cell is converted and checked before anything is
written; one bad cell refuses the whole file (or, with ``partial``, only its
row), and every problem names file, sheet, row and column. Fields of action,
goals and actors are created from the rows; ids the sheet does not give are
derived deterministically. The plan is rendered as text (``catalogue_yaml``),
validated and read back in memory, and only then written, file by file,
through the atomic writer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import sheets
from ...plan.model import ID_PATTERN
from ..progress_sheet import RowProblem

# Logical columns and the headers that name them (compared after sheets.normal_header).
COLUMNS: dict[str, list[str]] = {
    "field_id": ["hf", "hf_nr", "hf_id", "handlungsfeld_nr", "handlungsfeld_id", "handlungsfeldnummer"],
    "field": ["handlungsfeld", "field_of_action", "handlungsfelder"],
    "field_title": ["field_name", "handlungsfeld_titel", "handlungsfeld_name", "handlungsfeld_bezeichnung"],
    "goal_id": ["goal_ids", "ziel_nr", "ziel_id", "ziel_ids", "ziel_nummer"],
    "goal": ["goals", "ziel", "ziele", "handlungsziel", "handlungsziele", "teilziel", "teilziele"],
    "goal_title": ["goal_titles", "goal_name", "ziel_titel", "zieltitel", "zielbezeichnung"],
    "id": ["nr", "nummer", "massnahmen_nr", "massnahmennummer", "massnahmen_id", "lfd_nr", "kennung", "measure_id",
           "no", "number"],
    "title": ["massnahme", "titel", "massnahmentitel", "bezeichnung", "measure", "massnahmen"],
    "description": ["beschreibung", "erlaeuterung", "inhalt", "kurzbeschreibung", "massnahmenbeschreibung"],
    "priority": ["prioritaet", "prio", "rang"],
    "lead_id": [],
    "lead": ["federfuehrung", "federfuehrend", "zustaendigkeit", "zustaendig", "verantwortlich", "responsible"],
    "lead_name": [],
    "partner_ids": [],
    "partners": ["partner", "beteiligte", "mitwirkende", "kooperationspartner", "beteiligung"],
    "partner_names": [],
    "committee_id": [],
    "committee": ["ausschuss", "fachausschuss", "gremium"],
    "committee_name": [],
    "start": ["beginn", "start_year", "startjahr", "umsetzungsbeginn", "von", "beginn_jahr"],
    "end": ["ende", "end_year", "endjahr", "umsetzungsende", "abschluss", "bis", "ende_jahr"],
    "period": ["zeitraum", "umsetzungszeitraum", "laufzeit", "zeitplan", "timeframe"],
    "cost": ["kosten", "cost_eur", "kosten_eur", "kosten_in_eur", "gesamtkosten", "gesamtkosten_eur",
             "geschaetzte_kosten", "geschaetzte_kosten_eur", "kostenschaetzung", "costs"],
    "funding": ["foerderung", "foerderprogramm", "foerderprogramme", "finanzierung", "foerdermittel"],
    "key_project": ["schluesselprojekt", "leitprojekt"],
}
# Things with an id and a name: (id column, plain column, name column). The plain column holds names,
# unless a name column is present too; then it holds ids (the layout of `isek export`).
ROLES = {
    "field": ("field_id", "field", "field_title"),
    "goal": ("goal_id", "goal", "goal_title"),
    "lead": ("lead_id", "lead", "lead_name"),
    "partners": ("partner_ids", "partners", "partner_names"),
    "committee": ("committee_id", "committee", "committee_name"),
}
PRIORITIES = {"1": 1, "2": 2, "3": 3, "hoch": 1, "mittel": 2, "niedrig": 3, "gering": 3, "a": 1, "b": 2, "c": 3,
              "high": 1, "medium": 2, "low": 3, "i": 1, "ii": 2, "iii": 3}
_PRIORITY_WORDS = {"prio", "prioritaet", "priority", "stufe"}
YES = {"ja", "j", "x", "yes", "y", "true", "wahr", "1"}
NO = {"nein", "n", "no", "false", "falsch", "0"}
ONGOING = {"laufend", "fortlaufend", "dauerhaft", "daueraufgabe", "offen", "ongoing", "open", "permanent"}
# Words a shortened slug or file name should not end with.
STOPWORDS = {"und", "and", "der", "die", "das", "des", "fuer", "for", "of", "the", "im", "in", "mit", "zur", "zum"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_FIELD_PREFIX = re.compile(r"^(?:HF|Handlungsfeld)\s*(\d+)\s*[:.)–-]?\s+(\S.*)$", re.I)


class CatalogueRefused(Exception):
    def __init__(self, message: str, problems: list[RowProblem] | None = None, notes: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.problems = problems or []
        self.notes = notes or []


@dataclass
class Options:
    sheet: str | None = None
    mapping: dict[str, str] = field(default_factory=dict)  # header -> logical column (--map)
    partial: bool = False
    city: str | None = None
    start: int | None = None
    end: int | None = None


@dataclass
class Row:
    """One catalogue row after its cells were converted (ids not resolved yet)."""

    number: int
    at: dict[str, sheets.Cell]
    v: dict[str, Any]
    ok: bool = True


@dataclass
class Draft:
    """The plan to write: what `catalogue_yaml` renders and the read-back compares against."""

    source: str
    city: str
    start: int
    end: int
    fields: list[dict[str, Any]]  # {id, title, goals: [{id, title}], measures: [measure dicts]}
    actors: list[dict[str, str]]
    committees: list[dict[str, str]]


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
    table = sheets.rehead(table, COLUMNS, options.mapping)
    cols = sheets.map_columns(table, COLUMNS, options.mapping)
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
    missing = [name for name, need in (("field", roles["field"]), ("goal", roles["goal"]), ("lead", roles["lead"]))
               if need == (None, None)] + [c for c in ("title", "priority") if c not in cols]
    if missing:
        found = ", ".join(f"'{h}'" for h in table.headers if h) or "none"
        raise CatalogueRefused(
            f"{table.name}:{table.header_row}: missing column(s) {', '.join(missing)}; headers found: {found}. "
            "Name the column with --map 'HEADER=field' (fields: " + ", ".join(COLUMNS) + ")", notes=notes)
    reader = _Reader(table, cols, roles)
    rows = [r for r in (reader.row(cells) for cells in table.rows) if r is not None]
    if reader.filled:
        notes.append(f"{reader.filled} row(s) without a field of action took it from the row above")
    from .resolve import resolve

    draft = resolve(rows, reader.bad, table.name, options)
    rows_ok = sum(r.ok for r in rows)
    return Parsed(draft if rows_ok else None, sorted(reader.problems, key=_problem_order), notes, len(rows), rows_ok)


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

    def cell(self, cells: list[sheets.Cell], index: int | None) -> sheets.Cell | None:
        if index is None:
            return None
        return cells[index] if index < len(cells) else sheets.Cell(None, cells[0].row, index + 1)

    def bad(self, row: Row, c: sheets.Cell | None, name: str, message: str) -> None:
        row.ok = False
        where = f"{self.table.name}:{c.row}:{sheets.column_letter(c.col)}" if c else f"{self.table.name}:{row.number}"
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
            if role in ("field", "goal", "lead") and not pairs:
                self.bad(row, row.at[role] or cells[0], role, f"empty; every measure needs a {_WHAT[role]}")
            elif role in ("field", "lead", "committee") and len(pairs) > 1:
                hint = " and list the others under partners" if role == "lead" else ""
                self.bad(row, row.at[role], role, f"{len(pairs)} names in one cell; give one name{hint}")
            row.v[role] = pairs if role in ("goal", "partners") else (pairs[0] if pairs else None)
        for name in ("id", "title", "description", "priority", "period", "start", "end", "cost", "funding",
                     "key_project"):
            c = self.cell(cells, self.cols.get(name))
            if c is not None or name not in row.at:
                row.at[name] = c
            if c is None or sheets.is_blank(c.value):
                if name in ("title", "priority"):
                    self.bad(row, c or cells[0], name, f"empty; every measure needs a {name}")
                continue
            try:
                value = _convert(name, c.value)
            except ValueError as exc:
                self.bad(row, c, name, str(exc))
                continue
            if name == "period":
                row.at["start"] = row.at["end"] = c
                row.v.update({k: y for k, y in zip(("start", "end"), value) if y is not None})
            elif value is not None:
                row.v[name] = value
        start, end = row.v.get("start"), row.v.get("end")
        if start is not None and end is not None and end < start:
            self.bad(row, row.at["end"], "end", f"{end} is before the start year {start}")
        return row

    def pairs(self, row: Row, role: str, ids_c, names_c) -> list[tuple[str | None, str | None]]:
        ids = [] if _blank(ids_c) else sheets.split_list(ids_c.value)
        names = [] if _blank(names_c) else sheets.split_list(names_c.value)
        if ids and names and len(ids) != len(names):
            self.bad(row, names_c, role, f"{len(names)} name(s) but {len(ids)} id(s) in column "
                     f"{sheets.column_letter(ids_c.col)}; give one name per id, separated by ';'")
            return []
        n = max(len(ids), len(names))
        return [(ids[i] if ids else None, names[i] if names else None) for i in range(n)]


_WHAT = {"field": "field of action (Handlungsfeld)", "goal": "goal (Ziel)", "lead": "lead actor (Federführung)"}


def _blank(c: sheets.Cell | None) -> bool:
    return c is None or sheets.is_blank(c.value)


def _convert(name: str, value: Any) -> Any:
    if name == "priority":
        return to_priority(value)
    if name in ("start", "end"):
        if name == "end" and sheets.normal_header(value) in ONGOING:
            return None  # an ongoing task has no end year
        return sheets.to_year(value)
    if name == "period":
        return to_period(value)
    if name == "cost":
        return sheets.to_euros(value)
    if name == "funding":
        return sheets.split_list(value) or None
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


def to_priority(value: Any) -> int:
    """1/2/3, hoch/mittel/niedrig, A/B/C, high/medium/low, I/II/III, also 'Priorität 1' or '1 (hoch)'."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    word = sheets.normal_header(value)
    if word in PRIORITIES and not isinstance(value, bool):
        return PRIORITIES[word]
    tokens = [t for t in word.split("_") if t not in _PRIORITY_WORDS]
    found = {PRIORITIES.get(t) for t in tokens}
    if tokens and len(found) == 1 and None not in found:
        return found.pop()
    raise ValueError(f"'{value}' is not a priority; write 1, 2 or 3 (1 highest), hoch/mittel/niedrig, "
                     "A/B/C or high/medium/low")


def to_period(value: Any) -> tuple[int | None, int | None]:
    """(start, end) from '2024–2026', '2024 bis 2026', '2025', 'ab 2025', '2024 - laufend' or 'laufend'."""
    if sheets.normal_header(value) in ONGOING:
        return None, None
    text = str(value).strip()
    if re.match(r"^(ab|seit|from|since)\s", text, flags=re.I):
        return sheets.to_year(text), None
    try:
        year = sheets.to_year(value)
        return year, year
    except ValueError:
        pass
    m = re.fullmatch(r"(.+?)\s*(?:–|—|-|/|\bbis\b|\bto\b)\s*(.+)", text, flags=re.I)
    if not m:
        raise ValueError(f"'{value}' is not a period; write e.g. 2024–2026, ab 2025 or laufend")
    end = None if sheets.normal_header(m[2]) in ONGOING else sheets.to_year(m[2])
    return sheets.to_year(m[1]), end


def valid_id(text: str) -> bool:
    return re.fullmatch(ID_PATTERN, text) is not None


def slug(name: str, upper: bool = True, limit: int = 36) -> str:
    """'Fachdienst Straßen & Grün' → 'FACHDIENST-STRASSEN-GRUEN' (or lower case for file names)."""
    s = sheets.normal_header(name).replace("_", "-").replace("%", "")
    s = re.sub(r"-+", "-", s).strip("-")
    if len(s) > limit:
        cut = s[:limit]
        s = cut[: cut.rfind("-")] if "-" in cut[8:] else cut
        while "-" in s and s.rsplit("-", 1)[1] in STOPWORDS:  # not '…-PLANEN-BAUEN-UND'
            s = s.rsplit("-", 1)[0]
    s = s.upper() if upper else s
    return s if s[:1].isalpha() else (("A-" if upper else "x-") + s).rstrip("-")


def actor_kind(name: str) -> str:
    """A guess from the name: councils and committees are politics, offices administration, others external."""
    tokens = sheets.normal_header(name).split("_")
    if any(t.endswith(("rat", "ausschuss", "parlament")) or t in ("fraktion", "kreistag", "council", "committee")
           for t in tokens):
        return "politics"
    if any(t.startswith(("fachdienst", "fachbereich", "stabsstelle", "dezernat", "referat", "verwaltung"))
           or t.endswith(("amt", "buergermeister")) or t in ("fd", "fb", "department", "office", "administration")
           for t in tokens):
        return "administration"
    return "external"


def field_prefix(title: str) -> tuple[str | None, str]:
    """'HF 1: Wohnen' → ('HF1', 'Wohnen'); a title without such a prefix stays as it is."""
    m = _FIELD_PREFIX.match(title)
    return (f"HF{int(m[1])}", m[2].strip()) if m else (None, title)


@dataclass
class Imported:
    files: dict[str, str]  # rel -> text, as written (or as it would be, in a dry run)
    written: list[Path]
    parsed: Parsed
    warnings: list[Any]  # diagnostics of the new plan (e.g. a year outside the horizon)


def import_catalogue(path: Path, into: Path, options: Options, dry_run: bool = False) -> Imported:
    """Parse, render, validate and read back in memory; then write every file, or none."""
    from . import plan_files as cy

    why = cy.existing_plan(into)
    if why:
        raise CatalogueRefused(f"{why}; import into a new or empty folder")
    try:
        parsed = parse(path, options)
    except sheets.SheetError as exc:
        raise CatalogueRefused(str(exc)) from None
    except OSError as exc:
        raise CatalogueRefused(f"cannot read {path}: {exc.strerror or exc}") from None
    if parsed.problems and not options.partial:
        raise CatalogueRefused(f"{len(parsed.problems)} problem(s) in {path.name}; fix them (or use --partial to "
                               "import only the valid rows)", parsed.problems, parsed.notes)
    if parsed.draft is None:
        raise CatalogueRefused(f"{path.name} has no measure rows to import", parsed.problems, parsed.notes)
    try:
        files = cy.render(parsed.draft)
        loaded = cy.verify(into, files, parsed.draft)
    except cy.ReadBackError as exc:
        raise CatalogueRefused(f"cannot write a valid plan: {exc} (please report this with the file)",
                               notes=parsed.notes) from None
    written: list[Path] = []
    if not dry_run:
        why = cy.existing_plan(into)
        if why:
            raise CatalogueRefused(f"{why}; import into a new or empty folder")
        try:
            written = cy.write(into, files)
        except OSError as exc:
            raise CatalogueRefused(f"cannot write into {into}: {exc}") from None
    warnings = [d for d in loaded.diagnostics if d.severity == "warning"]
    return Imported(files, written, parsed, warnings)
