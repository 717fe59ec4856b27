"""`isek progress request`: the yearly survey as one prefilled workbook per actor, committee or field.

This module decides *what* a request holds, independent of the file format:
the rows (measures the recipient answers for, parts under their parent; for
actors also the measures they are only a partner of), the prefilled last state
of each measure, the words in the plan's language, and the hidden facts that
let ``isek progress import`` recognise the answers: plan, year, grouping,
recipient and a fingerprint of the request. ``request_xlsx`` and
``request_ods`` lay a :class:`Request` out as a workbook; ``answers`` reads it
back.

The fingerprint is a hash of the plan's city and title, the year, the grouping,
the recipient and the ids of the rows of both sheets: an answer whose rows or
hidden facts were changed, or that belongs to another request, does not match.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import textwrap
from dataclasses import dataclass, field
from typing import Any

from ..i18n import catalogue
from ..plan.index import PlanIndex
from ..plan.model import STATUSES
from ..query.groups import BY, NO_COMMITTEE, group_name, grouped, partner_measures

FORMATS = ("xlsx", "ods")
GENERATOR = "isek progress request"
META_SHEET = "isek"  # the hidden sheet
MARK = "isek-request"  # cell A1 of the hidden sheet
VERSION = 1
INPUTS = ("status", "percent", "note", "date", "spent")  # the columns a recipient fills in


@dataclass(frozen=True)
class Column:
    key: str
    width: float  # in characters
    kind: str = "text"  # text | int | date | wrap (long text)
    input: bool = False


MEASURE_COLUMNS = (
    Column("id", 11), Column("title", 44, "wrap"), Column("field", 22, "wrap"), Column("parent", 10),
    Column("start", 9), Column("end", 9), Column("last_status", 15), Column("last_date", 11, "date"),
    Column("last_percent", 9, "int"), Column("last_note", 40, "wrap"), Column("last_spent", 14, "euros"),
    Column("grants", 36, "wrap"),
    Column("status", 17, input=True), Column("percent", 8, "int", input=True), Column("note", 40, "wrap", input=True),
    Column("date", 12, "date", input=True), Column("spent", 15, "euros", input=True),
)
PARTNER_COLUMNS = (
    Column("id", 11), Column("title", 44, "wrap"), Column("field", 22, "wrap"), Column("parent", 10),
    Column("lead", 30, "wrap"), Column("start", 9), Column("end", 9), Column("last_status", 15),
    Column("last_date", 11, "date"), Column("last_percent", 9, "int"), Column("last_note", 40, "wrap"),
)


@dataclass
class Request:
    """One workbook's content: every word and value, ready to lay out."""

    lang: str
    words: dict[str, str]  # messages 'request' section
    plan_title: str
    city: str
    owner: str
    year: int
    by: str
    group: str
    group_name: str
    deadline: dt.date | None
    contact: str | None
    rows: list[dict[str, Any]] = field(default_factory=list)  # keys of MEASURE_COLUMNS, plus 'depth'
    partner_rows: list[dict[str, Any]] = field(default_factory=list)
    status_labels: list[str] = field(default_factory=list)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.city, self.plan_title, self.year, self.by, self.group,
                           [r["id"] for r in self.rows], [r["id"] for r in self.partner_rows])

    @property
    def stem(self) -> str:
        """The file name without suffix: year and recipient, e.g. ``2024-FD-STADTPLANUNG``."""
        name = self.group if self.group != NO_COMMITTEE else self.words["no_committee"]
        return f"{self.year}-" + re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-")

    def header(self, key: str) -> str:
        return self.words[f"col_{key}"]

    def meta(self) -> list[tuple[str, Any]]:
        """The hidden sheet's key/value rows (A/B); the status list stands in column D."""
        return [(MARK, VERSION), ("plan", self.plan_title), ("city", self.city), ("year", self.year),
                ("by", self.by), ("group", self.group), ("lang", self.lang), ("fingerprint", self.fingerprint)]

    def info(self) -> list[tuple[str, Any]]:
        """The instruction sheet's label/value rows."""
        w = self.words
        rows: list[tuple[str, Any]] = [(w["for"], self.group_name or self.group), (w["plan"], self.plan_title)]
        if self.deadline is not None:
            rows.append((w["deadline"], self.deadline))
        rows.append((w["contact"], self.owner + (f", {self.contact}" if self.contact else "")))
        rows.append((w["count"], len(self.rows)))
        if self.by == "lead":
            rows.append((w["count_partner"], len(self.partner_rows)))
        return rows

    def how(self) -> list[str]:
        return [p for p in self.words["how"].format(year=self.year).splitlines() if p.strip()]


def fingerprint(city: str, title: str, year: int, by: str, group: str, ids: list[str], partner_ids: list[str]) -> str:
    doc = {"v": VERSION, "city": city, "plan": title, "year": year, "by": by, "group": group,
           "measures": ids, "partners": partner_ids}
    return hashlib.sha256(json.dumps(doc, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()[:20]


def status_labels(plan: PlanIndex, lang: str) -> list[str]:
    """The dropdown: the seven statuses' labels, then the plan's own statuses' titles."""
    labels = [catalogue(lang)["status"][s] for s in STATUSES]
    for ps in plan.plan_statuses.values():
        if ps.title not in labels:
            labels.append(ps.title)
    return labels


def status_label(plan: PlanIndex, status: str, lang: str) -> str:
    if status in STATUSES:
        return catalogue(lang)["status"][status]
    ps = plan.plan_statuses.get(status)
    return ps.title if ps is not None else status


def euros(n: int, lang: str) -> str:
    text = f"{n:,}"
    return (text.replace(",", ".") if lang == "de" else text) + " €"


def _grants(plan: PlanIndex, measure_id: str, year: int, lang: str) -> str | None:
    """The measure's grants up to ``year`` (as ``isek funding`` counts them), each with the amount
    granted and drawn by 31 Dec of ``year``: what the department checks its spending against."""
    parts = []
    for g in plan.grants_of(measure_id):
        if g.year > year:
            continue
        programme = plan.programme_index.get(g.programme)
        parts.append(catalogue(lang)["request"]["grant"].format(
            id=g.id, programme=programme.title if programme is not None else g.programme, year=g.year,
            granted=euros(g.amount_eur, lang), drawn=euros(plan.drawn(g.id, year), lang)))
    return "\n".join(parts) or None  # one grant a line: a narrow column reads them apart


def _row(plan: PlanIndex, m, year: int, lang: str, depth: int) -> dict[str, Any]:
    f = plan.measure_field[m.id]
    last = plan.latest(m.id, year)
    return {
        "id": m.id, "title": m.title, "field": f"{f.id} {f.title}", "parent": m.parent,
        "lead": ", ".join(plan.actor_index[a].name if a in plan.actor_index else a for a in m.leads),
        "start": None if m.start is None else str(m.start), "end": None if m.end is None else str(m.end),
        "last_status": status_label(plan, plan.status_of(m.id, year), lang),
        "last_date": last.date if last is not None else None,
        "last_percent": plan.percent_of(m.id, year), "last_note": last.note if last is not None else None,
        "last_spent": plan.spent_of(m.id, year), "grants": _grants(plan, m.id, year, lang),
        "status": None, "percent": None, "note": None, "date": dt.date(year, 12, 31), "spent": None,
        "depth": depth,
    }


def build(plan: PlanIndex, year: int, by: str = "lead", *, deadline: dt.date | None = None,
          contact: str | None = None) -> list[Request]:
    """One request per actor (committee, field) that answers for at least one measure, in plan order."""
    if by not in BY:
        raise ValueError(f"unknown grouping '{by}'; one of {', '.join(BY)}")
    lang = plan.meta.language
    words = catalogue(lang)["request"]
    labels = status_labels(plan, lang)
    out = []
    for group, measures in grouped(plan, by).items():
        req = Request(lang=lang, words=words, plan_title=plan.meta.title, city=plan.meta.city, owner=plan.meta.owner,
                      year=year, by=by, group=group, group_name=group_name(plan, by, group) if group != NO_COMMITTEE
                      else words["no_committee"], deadline=deadline, contact=contact, status_labels=labels)
        req.rows = [_row(plan, m, year, lang, depth) for m, depth in measures]
        if by == "lead":
            req.partner_rows = [_row(plan, m, year, lang, 0) for m in partner_measures(plan, group)]
        out.append(req)
    return out


def row_lines(data: dict[str, Any], columns) -> int:
    """How many text lines the row's wrapped cells need at their column widths (an estimate:
    spreadsheets do not measure rows they did not lay out themselves)."""
    lines = 1
    for col in columns:
        value = data.get(col.key)
        if col.kind == "wrap" and isinstance(value, str):
            per_line = max(1, int(col.width * 1.1) - 2 * data.get("depth", 0) * (col.key == "title"))
            # wrapped at words, as the spreadsheet does: a long word moves whole to the next line
            lines = max(lines, sum(len(textwrap.wrap(part, per_line)) or 1 for part in value.split("\n")))
    return min(lines, 25)
