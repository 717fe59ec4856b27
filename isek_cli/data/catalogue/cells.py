"""The words of a measure catalogue: its columns, the plan it becomes, ids and kinds from names.

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

# Logical columns and the headers that name them (compared after sheets.normal_header; read.py
# also tries a header without its bracketed part or unit, and each side of 'A/B').
COLUMNS: dict[str, list[str]] = {
    "field_id": ["hf", "hf_nr", "hf_id", "handlungsfeld_nr", "handlungsfeld_id", "handlungsfeldnummer", "tf", "tf_nr",
                 "themenfeld_nr", "themenfeld_id"],
    "field": ["handlungsfeld", "field_of_action", "handlungsfelder", "themenfeld", "themenfelder", "themenbereich"],
    "field_title": ["field_name", "handlungsfeld_titel", "handlungsfeld_name", "handlungsfeld_bezeichnung"],
    "goal_id": ["goal_ids", "ziel_nr", "ziel_id", "ziel_ids", "ziel_nummer"],
    "goal": ["goals", "ziel", "ziele", "handlungsziel", "handlungsziele", "teilziel", "teilziele"],
    "goal_title": ["goal_titles", "goal_name", "ziel_titel", "zieltitel", "zielbezeichnung"],
    "id": ["nr", "nummer", "massnahmen_nr", "massnahmennummer", "massnahmen_id", "lfd_nr", "kennung", "measure_id",
           "no", "number", "kuerzel", "massnahmenkuerzel", "code", "projekt_nr", "projektnummer", "kennziffer"],
    "title": ["massnahme", "titel", "massnahmentitel", "bezeichnung", "measure", "massnahmen", "massnahmenbezeichnung",
              "projekt", "projekttitel", "vorhaben"],
    "description": ["beschreibung", "erlaeuterung", "inhalt", "kurzbeschreibung", "massnahmenbeschreibung", "inhalte",
                    "projektbeschreibung"],
    "priority": ["prioritaet", "prio", "rang", "prioritaetsstufe", "prioritaetenstufe", "prioritaetseinstufung",
                 "dringlichkeit"],
    "lead_id": [],
    "lead": ["federfuehrung", "federfuehrend", "zustaendigkeit", "zustaendig", "verantwortlich", "responsible",
             "akteure", "akteur", "akteure_zustaendigkeit", "zustaendigkeit_akteure", "zustaendigkeiten",
             "verantwortlichkeit", "traeger", "projekttraeger", "massnahmentraeger"],
    "lead_name": [],
    "partner_ids": [],
    "partners": ["partner", "beteiligte", "mitwirkende", "kooperationspartner", "beteiligung", "weitere_akteure",
                 "beteiligte_akteure"],
    "partner_names": [],
    "committee_id": [],
    "committee": ["ausschuss", "fachausschuss", "gremium"],
    "committee_name": [],
    "start": ["beginn", "start_year", "startjahr", "umsetzungsbeginn", "von", "beginn_jahr"],
    "end": ["ende", "end_year", "endjahr", "umsetzungsende", "abschluss", "bis", "ende_jahr"],
    "period": ["zeitraum", "umsetzungszeitraum", "laufzeit", "zeitplan", "timeframe", "zeithorizont",
               "umsetzungshorizont", "realisierungszeitraum", "durchfuehrungszeitraum", "zeitrahmen"],
    "cost": ["kosten", "cost_eur", "kosten_eur", "kosten_in_eur", "gesamtkosten", "gesamtkosten_eur",
             "geschaetzte_kosten", "geschaetzte_kosten_eur", "kostenschaetzung", "costs", "kosteneinschaetzung",
             "kostenrahmen", "investitionskosten", "geschaetzte_gesamtkosten", "kosten_gesamt"],
    "funding": ["foerderung", "foerderprogramm", "foerderprogramme", "finanzierung", "foerdermittel",
                "finanzierungsmoeglichkeiten", "foerdermoeglichkeiten", "foerderkulisse", "finanzierung_foerderung"],
    "key_project": ["schluesselprojekt", "leitprojekt"],
    "areas": ["area", "stadtteil", "stadtteile", "gebiet", "gebiete", "stadtteil_gebiet", "ortsteil", "ortsteile",
              "quartier", "quartiere", "foerdergebiet", "sanierungsgebiet", "teilraum", "raumbezug", "gebietskulisse",
              "district"],
    "parent": ["teil_von", "teilmassnahme_von", "uebergeordnete_massnahme", "obermassnahme", "hauptmassnahme",
               "gehoert_zu", "parent_id"],
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
YES = {"ja", "j", "x", "yes", "y", "true", "wahr", "1"}
NO = {"nein", "n", "no", "false", "falsch", "0"}
# Words a shortened slug or file name should not end with.
STOPWORDS = {"und", "and", "der", "die", "das", "des", "fuer", "for", "of", "the", "im", "in", "mit", "zur", "zum"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# 'HF 1: Wohnen', 'Handlungsfeld 2 Innenstadt', 'Themenfeld I – Stadtstruktur', or a bare code with a
# separator: 'I. Stadtstruktur', 'A) Innenstadt', '3: Mobilität'.
_FIELD_PREFIX = re.compile(r"^(?:(?:HF|TF|Handlungsfeld|Themenfeld)\s*(\d+|[IVX]+\b|[A-Z]\b)\s*[:.)–-]?"
                           r"|(\d+|[IVX]+|[A-Z])\s*[:.)–-])\s+(\S.*)$")


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
    areas: list[dict[str, str]] = field(default_factory=list)  # areas.yaml, empty: no file
    priorities: list[dict[str, Any]] = field(default_factory=list)  # isek.yaml's scale, empty: 1..3
    notes: list[str] = field(default_factory=list)  # what the user should know about the ids


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
           for t in tokens) or tokens[0] in ("stadt", "gemeinde", "landkreis", "stadtverwaltung"):
        return "administration"  # 'Stadt Musterstadt' is the city's administration
    return "external"


def field_prefix(title: str) -> tuple[str | None, str]:
    """'HF 1: Wohnen' → ('HF1', 'Wohnen'), 'Themenfeld I – Stadtstruktur' → ('I', 'Stadtstruktur');
    a title without such a prefix stays as it is."""
    m = _FIELD_PREFIX.match(title)
    if not m:
        return None, title
    code = m[1] or m[2]
    return (f"HF{int(code)}" if code.isdigit() else code), m[3].strip()


# Area kinds (areas.yaml) guessed from the column's header, or from the area's own name.
_AREA_HEADER_KINDS = {"stadtteil": "stadtteil", "stadtteile": "stadtteil", "ortsteil": "stadtteil",
                      "ortsteile": "stadtteil", "quartier": "quartier", "quartiere": "quartier",
                      "foerdergebiet": "foerdergebiet", "sanierungsgebiet": "foerdergebiet",
                      "gebietskulisse": "foerdergebiet", "district": "stadtteil"}
_WHOLE_CITY = {"gesamtstadt", "gesamtstaedtisch", "stadtweit", "gesamtes_stadtgebiet", "stadtgebiet", "citywide",
               "whole_city", "ganze_stadt"}


def area_kind(name: str, header: str) -> str:
    """stadtteil | quartier | foerdergebiet | gesamtstadt | other, from the name first, then the header."""
    word = sheets.normal_header(name)
    if word in _WHOLE_CITY:
        return "gesamtstadt"
    if any(w in word for w in ("sanierungsgebiet", "foerdergebiet", "programmgebiet", "stadtumbaugebiet",
                               "erhaltungsgebiet", "soziale_stadt", "lebendige_zentren")):
        return "foerdergebiet"
    if any(w in word for w in ("quartier", "viertel", "siedlung")):
        return "quartier"
    kinds = [_AREA_HEADER_KINDS.get(sheets.normal_header(side)) for side in header.split("/")]  # 'Stadtteil/Gebiet'
    return next((k for k in kinds if k), "other")


