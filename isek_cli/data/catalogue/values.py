"""Cell values of a measure catalogue as a plan writes them: dates, periods, costs, priorities, names.

Pure functions on one cell's value; each returns the value or raises ValueError
with a reason that says what to write instead. They know nothing of rows,
columns or ids (``cells`` and ``read`` do). Only what the cell says is kept:
a month stays a month, a cost range stays a range, a priority keeps its label.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from .. import sheets

MAX_TEXT = 120  # a period or cost written longer than this is not one value
MAX_EUROS = 10**12  # an estimate above a trillion euros is a typing mistake

# Words for "no end": an ongoing task (Daueraufgabe).
ONGOING = {"laufend", "fortlaufend", "dauerhaft", "daueraufgabe", "offen", "ongoing", "open", "permanent"}
# Implementation terms of German catalogues (Umsetzungszeitraum), and their rank on a 1-3 scale.
TERMS = {"kurzfristig": 1, "mittelfristig": 2, "langfristig": 3, "short_term": 1, "medium_term": 2, "long_term": 3}
_TERM = re.compile(r"\b(kurzfristig|mittelfristig|langfristig|short[- ]term|medium[- ]term|long[- ]term)\b", re.I)
_BEFORE = re.compile(r"^(ab|seit|from|since)\s+", re.I)
_UNTIL = re.compile(r"^(bis|until|by)\s+", re.I)
_VAGUE = re.compile(r"^(ca\.?|circa|etwa|anfang|mitte|ende|fr(ü|ue)hjahr|sommer|herbst|winter|early|mid|late)\s+",
                    re.I)

# --- a point in time: a year or a year-month ---------------------------------------


def _month(year: int, month: int, text: Any) -> str:
    if not 1 <= month <= 12:
        raise ValueError(f"'{text}' has no month {month}; write the month as 01 … 12, e.g. 06/2021")
    _year(year, text)
    return f"{year}-{month:02d}"


def _year(year: int, text: Any) -> int:
    if not 1900 <= year <= 2200:
        raise ValueError(f"'{text}' is not a year between 1900 and 2200; write e.g. 2024")
    return year


def _format_shows_month(number_format: str) -> bool:
    """Whether a date cell's number format shows its month ('mm/yyyy', 'dd.mm.yyyy'), not only the year."""
    code = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", number_format or "").lower()
    return "m" in code or code in ("", "general")


def to_point(value: Any, number_format: str = "General", end: bool = False) -> int | str:
    """A year (2024) or a year-month ("2024-06") from one cell, as the cell shows it.

    Date cells and written dates keep their month (the plan has no days); a date
    cell formatted to show only the year, and an Excel serial number, give the year.
    Quarters give their first month (a start) or last month (an end).
    """
    if isinstance(value, bool):
        raise ValueError(f"{value} is not a year; write e.g. 2024")
    if isinstance(value, (dt.date, dt.datetime)):
        return _month(value.year, value.month, value) if _format_shows_month(number_format) else value.year
    if isinstance(value, (int, float)):
        return sheets.to_year(value)
    text = " ".join(str(value).split())
    if len(text) > MAX_TEXT:
        raise ValueError(f"'{text[:40]}…' is not a year; write e.g. 2024 or 06/2024")
    text = _VAGUE.sub("", _UNTIL.sub("", _BEFORE.sub("", text)))
    if re.fullmatch(r"\d+(?:\.0+)?", text):  # a year, or an Excel serial date written as text: its year
        return sheets.to_year(text)
    if m := re.fullmatch(r"(\d{1,2})\s*[./]\s*(\d{4})", text):
        return _month(int(m[2]), int(m[1]), value)
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
        return _month(int(m[1]), int(m[2]), value)
    if m := re.fullmatch(r"(?:Q\s*([1-4])|([1-4])\.\s*Quartal)\s*[./]?\s*(\d{4})", text, re.I):
        quarter = int(m[1] or m[2])
        return _month(int(m[3]), 3 * quarter if end else 3 * quarter - 2, value)
    try:
        day = sheets.to_date(text)
    except ValueError:
        raise ValueError(f"'{value}' is not a year or month; write e.g. 2024 or 06/2024") from None
    return _month(day.year, day.month, value)


def point_key(point: int | str, end: bool) -> tuple[int, int]:
    """(year, month) to compare points; a bare year spans January to December."""
    return (point, 12 if end else 1) if isinstance(point, int) else (int(point[:4]), int(point[5:7]))


# --- a period: start and end, perhaps with a term ---------------------------------

class Period(NamedTuple):
    start: int | str | None
    end: int | str | None
    term: str | None  # 'kurzfristig', 'mittelfristig' or 'langfristig' as written, lower case


_RANGE_SEPARATORS = ("–", "—", " bis ", " to ", " - ", "-", "/")


def to_period(value: Any, number_format: str = "General") -> Period:
    """Start and end from '2021–2023', '06/2021–01/2022', 'ab 2025', 'bis 2022', '2024 - laufend',
    'laufend', 'kurzfristig (bis 2022)', 'mittelfristig (2023–2027)' or 'langfristig'."""
    if not isinstance(value, str):
        point = to_point(value, number_format)
        return Period(point, point, None)
    text = " ".join(value.split())
    if len(text) > MAX_TEXT:
        raise ValueError(f"'{text[:40]}…' is not a period; write e.g. 2024–2026, 06/2021–01/2022 or laufend")
    term = None
    if m := _TERM.search(text):
        term = m[1].lower().replace(" ", "-")
        text = (text[:m.start()] + " " + text[m.end():]).strip(" ():,;–-")
        text = re.sub(r"^\((.*)\)$", r"\1", text).strip()
        if not text:
            return Period(None, None, term)
    if sheets.normal_header(text) in ONGOING:
        return Period(None, None, term)
    if _BEFORE.match(text) and not re.search(r"\s(bis|-|–)\s", text):
        return Period(to_point(text), None, term)
    if _UNTIL.match(text):
        return Period(None, to_point(text, end=True), term)
    try:
        return Period(to_point(text), to_point(text, end=True), term)
    except ValueError:
        if re.fullmatch(r"\d{1,2}\s*[./]\s*\d{4}|\d{4}-\d{1,2}", text):
            raise  # '13/2021': the month is wrong, not the form
    wrong_month = None
    for sep in _RANGE_SEPARATORS:
        at = text.find(sep)
        while at > 0:
            left, right = text[:at].strip(), text[at + len(sep):].strip()
            try:
                start = to_point(_BEFORE.sub("", left))
                if sheets.normal_header(right) in ONGOING:
                    return Period(start, None, term)
                if isinstance(start, int) and re.fullmatch(r"\d{2}", right):  # 2021/22
                    right = str(start // 100 * 100 + int(right))
                return Period(start, to_point(right, end=True), term)
            except ValueError as exc:
                wrong_month = wrong_month or (exc if "has no month" in str(exc) else None)
                at = text.find(sep, at + 1)
    if wrong_month is not None:
        raise wrong_month
    raise ValueError(f"'{value}' is not a period; write e.g. 2024–2026, 06/2021–01/2022, ab 2025, bis 2022, "
                     "laufend or kurzfristig (bis 2022)")


# --- costs: whole euros or a range ---------------------------------------------------

_NUMBER = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:[.,]\d+)?"
_UNITS = {"mio": 10**6, "mio.": 10**6, "millionen": 10**6, "mill.": 10**6, "mrd": 10**9, "mrd.": 10**9,
          "milliarden": 10**9, "t€": 1000, "teur": 1000, "tsd": 1000, "tsd.": 1000, "tausend": 1000, "k€": 1000}
_SIDE = re.compile(rf"({_NUMBER})\s*(mio\.?|millionen|mill\.|mrd\.?|milliarden|t€|teur|tsd\.?|tausend|k€)?"
                   r"\s*(?:€|eur|euro)?\.?", re.I)
_ABOUT = re.compile(r"^(ca\.?|circa|rd\.?|rund|etwa|ungef(ä|ae)hr|geschätzt|~|€|eur\b|euro\b)\s*", re.I)
# Cost cells that say "not known yet": no cost is written.
UNKNOWN_COST = {"offen", "noch_offen", "n_b", "nb", "nicht_bekannt", "unbekannt", "tbd", "noch_nicht_bekannt"}


def to_cost(value: Any) -> int | dict[str, int] | None:
    """Whole euros, or {min, max}: 120000, '120.000 €', '3,5 Mio. €', '250 T€', 'ca. 3,0–3,5 Mio. €',
    '100.000 – 150.000 €', '500 T€ – 1,2 Mio. €'. None for 'offen' / 'n. b.' (not known yet)."""
    if isinstance(value, bool):
        raise ValueError(f"{value} is not an amount of euros")
    if not isinstance(value, str):
        return _bounded(sheets.to_euros(value), value)
    text = " ".join(value.replace("\u00a0", " ").split())
    if sheets.normal_header(text) in UNKNOWN_COST:
        return None
    if len(text) > MAX_TEXT:
        raise ValueError(f"'{text[:40]}…' is not an amount; write e.g. 250.000 €, 3,5 Mio. € or "
                         "3,0–3,5 Mio. €")
    text = _ABOUT.sub("", text).replace(",--", "").replace(",-", "")  # '120.000,- €'
    parts = re.split(r"\s*(?:–|—|-|\bbis\b)\s*", text, flags=re.I)
    if len(parts) == 2 and not parts[0]:
        raise ValueError(f"'{value}' has no lower bound; write the amount, or a range such as 300.000–500.000 €")
    if len(parts) > 2:
        raise ValueError(f"'{value}' is not an amount or a range of two amounts")
    sides = [_SIDE.fullmatch(p) for p in parts]
    if not all(sides):
        raise ValueError(f"'{value}' is not an amount of euros; write e.g. 120.000 €, 3,5 Mio. €, 250 T€ or a "
                         "range such as 3,0–3,5 Mio. €")
    shared = sides[-1][2]  # '3,0–3,5 Mio. €': the unit of the upper bound holds for the lower too
    amounts = [_euros(s[1], s[2] or (shared if i == 0 and len(sides) == 2 and not _grouped(s[1]) else None), value)
               for i, s in enumerate(sides)]
    if len(amounts) == 1 or amounts[0] == amounts[1]:
        return amounts[0]
    if amounts[0] > amounts[1]:
        raise ValueError(f"'{value}': the lower bound {amounts[0]} is above the upper bound {amounts[1]}; "
                         "write the smaller amount first")
    return {"min": amounts[0], "max": amounts[1]}


def _grouped(number: str) -> bool:
    return re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", number) is not None


def _euros(number: str, unit: str | None, value: Any) -> int:
    if unit is None:
        return _bounded(sheets.to_euros(number), value)
    if _grouped(number):  # '1.250 Mio.': a thousands separator before a unit is almost always a slip
        raise ValueError(f"'{value}' is ambiguous; write e.g. 1,25 Mio. € or 1.250.000 €")
    try:
        amount = Decimal(number.replace(",", ".")) * _UNITS[unit.lower()]
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        raise ValueError(f"'{value}' is not an amount of euros") from None
    if amount != amount.to_integral_value():
        raise ValueError(f"'{value}' is not whole euros; write at most as many decimals as the unit allows")
    return _bounded(int(amount), value)


def _bounded(euros: int, value: Any) -> int:
    if euros > MAX_EUROS:
        limit = format(MAX_EUROS, ",").replace(",", ".")
        raise ValueError(f"'{value}' is more than {limit} euros; check the amount")
    return euros


# --- priorities: a level on a 1-3 scale, with the sheet's label ------------------------

PRIORITIES = {"1": 1, "2": 2, "3": 3, "hoch": 1, "hohe": 1, "mittel": 2, "mittlere": 2, "niedrig": 3,
              "niedrige": 3, "gering": 3, "geringe": 3, "a": 1, "b": 2, "c": 3, "high": 1, "medium": 2, "low": 3,
              "i": 1, "ii": 2, "iii": 3}
# Words around a level that do not change it ('Priorität I (kurzfristig, bis 2022)').
_FILLER = {"prio", "prioritaet", "priority", "stufe", "prioritaetsstufe", "dringlichkeit", "bis", "ab", "ca",
           "jahr", "jahre", "until", "by", "from"}


class Level(NamedTuple):
    value: int
    label: str | None  # the cell's words when they are more than the bare number
    until: int | None  # the year the words give ('I (bis 2022)')


def to_priority(value: Any) -> int:
    """1/2/3, hoch/mittel/niedrig, A/B/C, high/medium/low, I/II/III, also 'Priorität 1', '1 (hoch)',
    'I – kurzfristig (bis 2022)' or a bare 'kurzfristig'."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    word = sheets.normal_header(re.sub("[–—]", " ", value) if isinstance(value, str) else value)
    if word in PRIORITIES and not isinstance(value, bool):
        return PRIORITIES[word]
    tokens = [t for t in word.split("_") if t not in _FILLER and not re.fullmatch(r"\d{4}", t)]
    terms = "_".join(tokens)
    for term in TERMS:  # 'short_term' is two tokens
        terms = terms.replace(term, "")
    rest = [t for t in terms.split("_") if t and not isinstance(value, bool)]
    levels = {PRIORITIES.get(t) for t in rest}
    if rest and len(levels) == 1 and None not in levels:
        return levels.pop()
    named_terms = {TERMS[t] for t in TERMS if t in word}
    if not rest and len(named_terms) == 1:
        return named_terms.pop()
    raise ValueError(f"'{value}' is not a priority; write 1, 2 or 3 (1 highest), I/II/III, A/B/C, "
                     "hoch/mittel/niedrig or high/medium/low")


def to_level(value: Any) -> Level:
    """The priority, the label to keep on the plan's scale, and the year its words give."""
    n = to_priority(value)
    if isinstance(value, (int, float)):
        return Level(n, None, None)
    label = " ".join(str(value).split())
    if label.isdigit():
        return Level(n, None, None)
    years = [int(y) for y in re.findall(r"(?<!\d)(\d{4})(?!\d)", label) if 1900 <= int(y) <= 2200]
    starts_only = re.search(r"\b(ab|seit|from|since)\s+\d{4}", label, re.I) and not re.search(r"\bbis\b", label, re.I)
    return Level(n, label, max(years) if years and not starts_only else None)


# --- names: several in one cell ---------------------------------------------------------

# A name that starts with one of these (or holds 'für') is an office whose name may go on with
# 'und' and commas: 'Fachbereich Planen, Bauen und Umwelt', 'Amt für Stadtentwicklung und Statistik'.
OFFICES = ("amt", "fachdienst", "fachbereich", "fb", "fd", "dezernat", "referat", "abteilung", "stabsstelle",
           "sachgebiet", "geschaeftsbereich", "ministerium", "ausschuss", "buero", "team", "bereich", "landesamt")
# A word that ends like one of these names an organisation of its own, never the rest of an office's name.
_ORGANISATIONS = ("amt", "werke", "werk", "gesellschaft", "gmbh", "ag", "verein", "verband", "stiftung",
                  "genossenschaft", "kammer", "bank", "buero", "rat", "ausschuss", "verwaltung", "behoerde", "schule",
                  "kirche", "gemeinde", "kreis", "stadt", "investor", "investoren", "eigentuemer", "eigentuemerin",
                  "eigentuemerinnen", "dienst", "bereich", "dezernat", "referat", "abteilung", "initiative",
                  "buerger", "buergerinnen", "buergerschaft", "einzelhandel", "unternehmen", "haendler", "akteure",
                  "partner", "traeger", "planer", "polizei")
_SEPARATORS = {True: re.compile(r",|(?<!-)\s+(?:und|sowie)\s+"), False: re.compile(",")}


class Names(NamedTuple):
    names: list[str]
    split: bool  # the cell was read as several names by commas or 'und' (not by ';')


def split_names(value: Any, und: bool = True) -> Names:
    """Names in one cell. ';' and line breaks always separate; when a cell has none, commas and
    (with ``und``) 'und'/'sowie' do, except inside brackets or quotes, after a hyphen ('Straßen- und
    Tiefbauamt') and in an office's own name ('Fachbereich Planen, Bauen und Umwelt')."""
    text = sheets.to_text(value)
    if text is None:
        return Names([], False)
    as_json = sheets.json_list(text)
    if as_json is not None:  # a list column of isek's own CSV export
        return Names(as_json, False)
    if re.search(r"[;\n]", text):
        return Names(_clean(re.split(r"[;\n]", text)), False)
    depth, quote, level = 0, 0, []
    for ch in text:  # how deep in brackets or quotes each character is
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(depth - 1, 0)
        elif ch in "„«":
            quote += 1
        elif ch == "»":
            quote = max(quote - 1, 0)
        elif ch in "“”\"":  # closes „…“, or opens and closes “…” and "…"
            quote = quote - 1 if quote else 1
        level.append(depth + quote)
    pieces: list[tuple[str, int, int]] = []  # (separator before, start, end)
    sep, start = "", 0
    for m in _SEPARATORS[und].finditer(text):
        if level[m.start()] == 0:
            pieces.append((sep, start, m.start()))
            sep, start = m.group().strip(), m.end()
    pieces.append((sep, start, len(text)))
    names, i = [], 0
    while i < len(pieces):
        end, j = pieces[i][2], i + 1
        if _office(text[pieces[i][1]:pieces[i][2]]):
            k = j
            while k < len(pieces) and pieces[k][0] == "," and _continues(text[pieces[k][1]:pieces[k][2]]):
                k += 1
            if k < len(pieces) and pieces[k][0] in ("und", "sowie") and _continues(text[pieces[k][1]:pieces[k][2]]):
                end, j = pieces[k][2], k + 1
        names.append(text[pieces[i][1]:end])
        i = j
    out = _clean(names)
    return Names(out, len(out) > 1)


def _clean(parts: list[str]) -> list[str]:
    out: dict[str, None] = {}  # in order, each once (a cell of 16,000 names: no list scan per name)
    for p in parts:
        p = " ".join(p.split())
        if p and not sheets.is_blank(p):
            out.setdefault(p)
    return list(out)


def _office(name: str) -> bool:
    tokens = sheets.normal_header(name).split("_")
    return tokens[0] in OFFICES or "fuer" in tokens[1:]  # not 'Gesundheitsamt und Feuerwehr': two actors


def _continues(words: str) -> bool:
    """One or two words that go on an office's name ('Bauen', 'Öffentliche Ordnung'), not a new actor."""
    tokens = sheets.normal_header(words).split("_")
    return 0 < len(words.split()) <= 2 and not any(t.endswith(_ORGANISATIONS) or t in OFFICES for t in tokens)
