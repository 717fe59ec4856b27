"""The words of a measure catalogue: its columns, the plan it becomes, and how cells convert.

Shared by reading (``read``), resolving ids (``resolve``) and rendering plan
files (``plan_files``); it imports none of them, so the three never form a circle.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .. import sheets
from ...plan.model import ID_PATTERN
from ..progress_sheet import RowProblem
from ...errors import IsekError

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


class CatalogueRefused(IsekError):
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


