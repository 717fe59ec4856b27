"""`isek export`: the plan as open data, in CSV (with a Frictionless data package), XLSX, JSON or SQLite.

Every format carries the same tables (``TABLES``), built once from the loaded
plan by :func:`tables`. Output is deterministic: the same plan gives the same
bytes for CSV and JSON and the same content for XLSX and SQLite. The
``measures`` table doubles as a catalogue that ``isek import catalogue`` reads.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from dataclasses import dataclass
from typing import Any

from ..plan.model import STATUSES
from ..plan.index import PlanIndex

S, I, N, B, D = "string", "integer", "number", "boolean", "date"
L = "list"  # several values: '; '-joined text in CSV, XLSX and SQLite, an array in JSON
GENERATOR = "isek export"
SEP = "; "


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[tuple[str, str], ...]  # (name, type)
    key: tuple[str, ...]
    refs: tuple[tuple[str, str], ...] = ()  # (column, referenced table); the reference is that table's id
    description: str = ""

    @property
    def names(self) -> list[str]:
        return [c for c, _ in self.columns]


def _link(name: str, parent: str, column: str, ref: str, desc: str) -> Table:
    """A list of a parent entity as its own table: (parent, position, value)."""
    refs = ((parent, parent + "s"),) + (((column, ref),) if ref else ())
    return Table(name, ((parent, S), ("position", I), (column, S)), (parent, "position"), refs, desc)


# Parents before children: the order of CREATE TABLE and of the data package.
TABLES: tuple[Table, ...] = (
    Table("plan", (("city", S), ("title", S), ("adopted_body", S), ("adopted_date", D), ("horizon_start", I),
                   ("horizon_end", I), ("owner", S), ("language", S), ("vision", S), ("status_year", I)),
          ("city",), (), "The plan (one row); status_year is the year the measures' status refers to."),
    Table("guiding_goals", (("id", S), ("position", I), ("title", S), ("text", S)), ("id",), (), "Leitziele."),
    Table("actors", (("id", S), ("name", S), ("kind", S)), ("id",), (),
          "Actors (Akteure); kind is administration, politics or external."),
    Table("committees", (("id", S), ("name", S)), ("id",), (), "Committees (Fachausschüsse)."),
    Table("fields", (("id", S), ("position", I), ("title", S), ("description", S), ("guiding_goals", L)),
          ("id",), (), "Fields of action (Handlungsfelder), in plan order."),
    _link("field_guiding_goals", "field", "guiding_goal", "guiding_goals", "The guiding goals each field serves."),
    Table("goals", (("id", S), ("field", S), ("position", I), ("title", S)), ("id",), (("field", "fields"),),
          "Goals (Ziele) of the fields of action."),
    Table("indicators", (("id", S), ("position", I), ("title", S), ("unit", S), ("source", S), ("direction", S),
                         ("baseline_year", I), ("baseline_value", N), ("target_year", I), ("target_value", N),
                         ("fields", L)), ("id",), (), "Context indicators (Kennzahlen); direction: up, down, neutral."),
    _link("indicator_fields", "indicator", "field", "fields", "The fields of action each indicator belongs to."),
    Table("measures", (("id", S), ("position", I), ("field", S), ("field_title", S), ("title", S),
                       ("description", S), ("goals", L), ("goal_titles", L), ("priority", I), ("lead", S),
                       ("lead_name", S), ("partners", L), ("partner_names", L), ("committee", S),
                       ("committee_name", S), ("start_year", I), ("end_year", I), ("cost_eur", I), ("funding", L),
                       ("key_project", B), ("indicators", L), ("status_year", I), ("status", S), ("percent", I),
                       ("spent_eur", I)),
          ("id",), (("field", "fields"), ("lead", "actors"), ("committee", "committees")),
          "Measures (Maßnahmen), one row each, with status, percent and spending in status_year."),
    _link("measure_goals", "measure", "goal", "goals", "The goals each measure serves."),
    _link("measure_partners", "measure", "actor", "actors", "Partner actors of each measure."),
    _link("measure_funding", "measure", "programme", "", "Funding programmes of each measure."),
    _link("measure_indicators", "measure", "indicator", "indicators", "Indicators each measure refers to."),
    Table("updates", (("measure", S), ("seq", I), ("year", I), ("date", D), ("status", S), ("percent", I),
                      ("note", S), ("spent_eur", I)), ("measure", "seq"), (("measure", "measures"),),
          "Every progress entry; seq counts a measure's entries by date (from 1), year is the progress file."),
    Table("indicator_values", (("indicator", S), ("seq", I), ("year", I), ("date", D), ("value", N)),
          ("indicator", "seq"), (("indicator", "indicators"),), "Every indicator value; seq counts by date."),
    Table("status_by_year", (("measure", S), ("year", I), ("status", S), ("percent", I), ("spent_eur", I)),
          ("measure", "year"), (("measure", "measures"),),
          "Each measure's status, percent and spending at the end of every year from the horizon's start "
          "to the latest progress year (the status rule)."),
)
BY_NAME = {t.name: t for t in TABLES}


def tables(plan: PlanIndex, year: int) -> dict[str, list[dict[str, Any]]]:
    """Every table's rows, in a stable order."""
    meta = plan.meta
    out: dict[str, list[dict[str, Any]]] = {t.name: [] for t in TABLES}
    out["plan"].append({"city": meta.city, "title": meta.title, "adopted_body": meta.adopted.body,
                        "adopted_date": meta.adopted.date, "horizon_start": meta.horizon.start,
                        "horizon_end": meta.horizon.end, "owner": meta.owner, "language": meta.language,
                        "vision": meta.vision, "status_year": year})
    out["guiding_goals"] = [dict(id=g.id, position=i, title=g.title, text=g.text)
                            for i, g in enumerate(meta.guiding_goals, 1)]
    out["actors"] = [a.model_dump() for a in plan.actors]
    out["committees"] = [c.model_dump() for c in plan.committees]
    for i, f in enumerate(plan.fields, 1):
        out["fields"].append(dict(id=f.id, position=i, title=f.title, description=f.description,
                                  guiding_goals=f.guiding_goals or []))
        _links(out, "field_guiding_goals", "field", f.id, "guiding_goal", f.guiding_goals)
        out["goals"] += [dict(id=g.id, field=f.id, position=j, title=g.title) for j, g in enumerate(f.goals, 1)]
    for i, x in enumerate(plan.indicators, 1):
        out["indicators"].append(dict(
            id=x.id, position=i, title=x.title, unit=x.unit, source=x.source, direction=x.direction,
            baseline_year=x.baseline.year, baseline_value=x.baseline.value,
            target_year=x.target.year if x.target else None, target_value=x.target.value if x.target else None,
            fields=x.fields or []))
        _links(out, "indicator_fields", "indicator", x.id, "field", x.fields)
    actor_name = {a.id: a.name for a in plan.actors}
    committee_name = {c.id: c.name for c in plan.committees}
    for i, (f, m) in enumerate(plan.all_measures(), 1):
        out["measures"].append(dict(
            id=m.id, position=i, field=f.id, field_title=f.title, title=m.title, description=m.description,
            goals=list(m.goals), goal_titles=[plan.goals[g].title for g in m.goals], priority=m.priority,
            lead=m.lead, lead_name=actor_name.get(m.lead), partners=list(m.partners or []),
            partner_names=[actor_name.get(p) for p in m.partners or []], committee=m.committee,
            committee_name=committee_name.get(m.committee), start_year=m.start, end_year=m.end,
            cost_eur=m.cost_eur, funding=list(m.funding or []), key_project=bool(m.key_project),
            indicators=list(m.indicators or []), status_year=year, status=plan.status_of(m.id, year),
            percent=plan.percent_of(m.id, year), spent_eur=plan.spent_of(m.id, year)))
        _links(out, "measure_goals", "measure", m.id, "goal", m.goals)
        _links(out, "measure_partners", "measure", m.id, "actor", m.partners)
        _links(out, "measure_funding", "measure", m.id, "programme", m.funding)
        _links(out, "measure_indicators", "measure", m.id, "indicator", m.indicators)
    for _, m in plan.all_measures():  # a measure's updates, by date (ties: file order)
        updates = [getattr(e, "update", e) for e in plan.history.get(m.id, [])]
        out["updates"] += [dict(u.model_dump(), seq=j, year=u.date.year) for j, u in enumerate(updates, 1)]
    for x in plan.indicators:
        values = [v[0] if isinstance(v, tuple) else v for v in plan.series.get(x.id, [])]
        out["indicator_values"] += [dict(indicator=x.id, seq=j, year=v.date.year, date=v.date, value=v.value)
                                    for j, v in enumerate(values, 1)]
    last = plan.latest_year
    years = range(meta.horizon.start, last + 1) if last is not None else range(0)
    out["status_by_year"] = [dict(measure=m.id, year=y, status=plan.status_of(m.id, y), percent=plan.percent_of(m.id, y),
                                  spent_eur=plan.spent_of(m.id, y)) for _, m in plan.all_measures() for y in years]
    return out


def _links(out, table: str, parent: str, pid: str, column: str, values) -> None:
    out[table] += [{parent: pid, "position": j, column: v} for j, v in enumerate(values or [], 1)]


# --- value conversion per format ---------------------------------------------

def _number(v: Any) -> Any:
    return int(v) if isinstance(v, float) and v.is_integer() and abs(v) < 1e15 else v


def text_cell(v: Any, kind: str) -> str:
    """A value as CSV text: '' for nothing, true/false, ISO dates, '; '-joined lists."""
    if v is None:
        return ""
    if kind == L:
        return SEP.join(str(x) for x in v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    return str(_number(v))


def sql_cell(v: Any, kind: str) -> Any:
    if kind == L:
        return SEP.join(str(x) for x in v) if v else None
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, dt.date):
        return v.isoformat()
    return _number(v)


def json_cell(v: Any, kind: str) -> Any:
    if kind == L:
        return list(v or [])
    if isinstance(v, dt.date):
        return v.isoformat()
    return _number(v)


# --- the four formats ---------------------------------------------------------

def to_json(data: dict[str, list[dict]], year: int) -> bytes:
    doc = {"generator": GENERATOR, "format_version": 1, "status_year": year,
           "tables": {t.name: [{c: json_cell(r.get(c), k) for c, k in t.columns} for r in data[t.name]]
                      for t in TABLES}}
    return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


# --- CSV that cannot attack its reader (OWASP, "CSV Injection") ---------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NEEDS_QUOTES = re.compile(r'[,;\t"\r\n]')


def inert(text: str) -> str:
    """A text cell a spreadsheet reads as text: one that starts like a formula gets a leading
    apostrophe (Excel and LibreOffice show the rest as it is)."""
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_line(cells: list[Any], text: list[bool] | None = None) -> str:
    """One CSV line: text cells (``str``, or those flagged in ``text``) made :func:`inert`, and
    quoted when they hold a comma, a semicolon or a tab, so that a spreadsheet splitting at
    another separator (a German Excel splits at ';') cannot start a new cell, and a formula,
    inside one. Numbers stay as they are (-5 is no formula)."""
    out = []
    for i, v in enumerate(cells):
        if v is None:
            v = ""
        elif isinstance(v, str):
            v = inert(v) if text is None or text[i] else v
        else:
            v = str(v)
        quote = _NEEDS_QUOTES.search(v) or (v == "" and len(cells) == 1)
        out.append('"' + v.replace('"', '""') + '"' if quote else v)
    return ",".join(out) + "\n"


def csv_text(header: list[str], rows, text: list[bool] | None = None) -> str:
    """A CSV document (header row, LF line ends) of :func:`csv_line` rows."""
    return csv_line(header) + "".join(csv_line(r, text) for r in rows)


def to_csv(data: dict[str, list[dict]], plan: PlanIndex, year: int) -> dict[str, bytes]:
    """One CSV per table plus ``datapackage.json``: file name -> bytes."""
    files = {}
    for t in TABLES:
        text = [k in (S, L) for _, k in t.columns]  # numbers, dates and booleans are never formulas
        rows = ([text_cell(r.get(c), k) for c, k in t.columns] for r in data[t.name])
        files[f"{t.name}.csv"] = csv_text(t.names, rows, text).encode("utf-8")
    files["datapackage.json"] = (json.dumps(datapackage(plan, year), ensure_ascii=False, indent=2) + "\n").encode()
    return files


def datapackage(plan: PlanIndex, year: int) -> dict[str, Any]:
    """A Frictionless tabular data package describing the CSV files."""
    meta = plan.meta
    name = re.sub(r"[^a-z0-9._-]+", "-", "isek-" + meta.city.lower().translate(_UMLAUTS)).strip("-")
    resources = []
    for t in TABLES:
        fields = []
        for c, k in t.columns:
            f: dict[str, Any] = {"name": c, "type": "string" if k == L else k}
            if k == L:
                f["description"] = f"several values separated by '{SEP.strip()}'"
            if c in t.key:
                f["constraints"] = {"required": True}
            if c == "status":
                f.setdefault("constraints", {})["enum"] = list(STATUSES)
            fields.append(f)
        schema: dict[str, Any] = {"fields": fields, "primaryKey": list(t.key)}
        if t.refs:
            schema["foreignKeys"] = [{"fields": [c], "reference": {"resource": ref, "fields": ["id"]}}
                                     for c, ref in t.refs]
        resources.append({"profile": "tabular-data-resource", "name": t.name, "path": f"{t.name}.csv",
                          "description": t.description, "format": "csv", "mediatype": "text/csv",
                          "encoding": "utf-8", "schema": schema})
    return {"profile": "tabular-data-package", "name": name, "title": meta.title,
            "description": f"{meta.title}: fields of action, goals, measures with their status in {year}, "
                           f"progress entries and indicators, exported by isek.",
            "generator": GENERATOR, "resources": resources}


_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def to_sqlite(data: dict[str, list[dict]]) -> bytes:
    """A SQLite database with primary keys, foreign keys and an index on every foreign key."""
    import sqlite3

    sql_type = {S: "TEXT", I: "INTEGER", N: "REAL", B: "INTEGER", D: "TEXT", L: "TEXT"}
    con = sqlite3.connect(":memory:")
    try:
        con.execute("PRAGMA foreign_keys = ON")
        con.execute(f"PRAGMA application_id = {SQLITE_APP_ID}")
        con.execute("PRAGMA user_version = 1")
        for t in TABLES:
            cols = [f'"{c}" {sql_type[k]}' + (" NOT NULL" if c in t.key else "") for c, k in t.columns]
            cols.append("PRIMARY KEY (" + ", ".join(f'"{c}"' for c in t.key) + ")")
            cols += [f'FOREIGN KEY ("{c}") REFERENCES "{ref}" ("id")' for c, ref in t.refs]
            con.execute(f'CREATE TABLE "{t.name}" (\n  ' + ",\n  ".join(cols) + "\n)")
            for c, _ in t.refs:
                if c == t.key[0]:
                    continue  # the primary key's index serves it already
                con.execute(f'CREATE INDEX "{t.name}_{c}" ON "{t.name}" ("{c}")')
            marks = ", ".join("?" * len(t.columns))
            con.executemany(f'INSERT INTO "{t.name}" VALUES ({marks})',
                            [[sql_cell(r.get(c), k) for c, k in t.columns] for r in data[t.name]])
        con.commit()
        broken = con.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise ValueError(f"export would break foreign keys: {broken[:3]}")
        con.execute("VACUUM")
        return con.serialize()
    finally:
        con.close()


SQLITE_APP_ID = int.from_bytes(b"isek", "big")  # stored in the database header: marks isek's own output


def to_xlsx(data: dict[str, list[dict]]) -> bytes:
    """One workbook, one sheet per table (``measures`` first: it imports as a catalogue), bold frozen headers."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.creator = GENERATOR
    wb.properties.created = dt.datetime(2000, 1, 1)
    bold = Font(bold=True)
    for t in sorted(TABLES, key=lambda t: t.name != "measures"):
        ws = wb.create_sheet(t.name)
        ws.append(t.names)
        for cell in ws[1]:
            cell.font = bold
        ws.freeze_panes = "A2"
        widths = [len(c) for c in t.names]
        for r, row in enumerate(data[t.name], start=2):
            for col, (c, k) in enumerate(t.columns, start=1):
                v = sql_cell(row.get(c), k) if k in (L, N) else row.get(c)
                if isinstance(v, str):
                    v = ILLEGAL_CHARACTERS_RE.sub("", v)
                cell = ws.cell(row=r, column=col, value=v)
                if isinstance(v, str) and v.startswith("="):
                    cell.data_type = "s"  # text, never a formula
                elif k == D and v is not None:
                    cell.number_format = "yyyy-mm-dd"
                widths[col - 1] = max(widths[col - 1], min(60, len(str(v)) if v is not None else 0))
        for col, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(col)].width = w + 2
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- writing without clobbering -------------------------------------------------

FORMATS = ("csv", "xlsx", "json", "sqlite")
SUFFIXES = {".xlsx": "xlsx", ".json": "json", ".db": "sqlite", ".sqlite": "sqlite",
            ".sqlite3": "sqlite"}


def own_output(path, fmt: str) -> bool:
    """Whether ``path`` is a file (or, for CSV, a folder) that an earlier ``isek export`` wrote."""
    import zipfile
    from pathlib import Path

    path = Path(path)
    try:
        if fmt == "csv":
            doc = json.loads((path / "datapackage.json").read_text(encoding="utf-8"))
            return isinstance(doc, dict) and doc.get("generator") == GENERATOR
        if not path.is_file():
            return False
        with open(path, "rb") as fh:
            head = fh.read(100)
        if fmt == "json":
            return head.startswith(b'{\n "generator": "isek export"')
        if fmt == "sqlite":
            return head.startswith(b"SQLite format 3\x00") and head[68:72] == b"isek"
        with zipfile.ZipFile(path) as z:
            return f"<dc:creator>{GENERATOR}</dc:creator>".encode() in z.read("docProps/core.xml")
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        return False


def write(fmt: str, output, plan: PlanIndex, year: int, *, plan_root, force: bool = False) -> list:
    """Render and write the export; returns the paths written. Raises ``outputs.OutputRefused``."""
    from pathlib import Path

    from ..writing.outputs import OutputRefused, check_target, inside, write_output

    output = Path(output)
    data = tables(plan, year)
    if fmt != "csv":
        check_target(output, plan_root, force or own_output(output, fmt))
        body = {"json": lambda: to_json(data, year), "sqlite": lambda: to_sqlite(data),
                "xlsx": lambda: to_xlsx(data)}[fmt]()
        write_output(output, body, plan_root=plan_root, force=True)
        return [output]
    if plan_root is not None and inside(output, plan_root):
        raise OutputRefused(f"{output} lies inside the plan folder {plan_root}; export elsewhere")
    if output.exists() and not output.is_dir():
        raise OutputRefused(f"{output} exists and is not a folder; CSV export writes a folder of files")
    if output.is_dir() and any(output.iterdir()) and not (force or own_output(output, "csv")):
        raise OutputRefused(f"{output} is not empty and holds no earlier isek export (datapackage.json); "
                            "use an empty or new folder, or --force to write into it")
    files = to_csv(data, plan, year)
    for name in files:
        if (output / name).exists() and not (output / name).is_file():
            raise OutputRefused(f"{output / name} exists and is not a regular file")
    written = []
    for name, body in files.items():
        write_output(output / name, body, plan_root=plan_root, force=True)
        written.append(output / name)
    return written
