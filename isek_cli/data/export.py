"""`isek export`: the plan as open data, in CSV (with a Frictionless data package), XLSX, JSON or SQLite.

Every format carries the same tables (``TABLES`` of ``data/tables.py``), built
once from the loaded plan by :func:`tables`. Output is deterministic: the same plan gives the same
bytes for CSV and JSON and the same content for XLSX and SQLite. The
``measures`` table doubles as a catalogue that ``isek import catalogue`` reads.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from typing import Any

from ..plan.model import STATUSES
from ..plan.index import PlanIndex
from .tables import BY_NAME, TABLES, B, D, I, L, N, S, Table, tables  # noqa: F401 (the export's tables, re-exported)

GENERATOR = "isek export"
SEP = "; "


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
            if c == "status":  # as written: one of the seven or a status of the plan's own
                f.setdefault("constraints", {})["enum"] = list(STATUSES) + list(plan.plan_statuses)
            elif c in ("counts_as", "status_counts_as"):
                f.setdefault("constraints", {})["enum"] = list(STATUSES)
            fields.append(f)
        schema: dict[str, Any] = {"fields": fields, "primaryKey": list(t.key)}
        if t.refs:  # a reference within the same table names the resource "" (Table Schema)
            schema["foreignKeys"] = [{"fields": [c], "reference": {"resource": "" if ref == t.name else ref,
                                                                   "fields": ["id"]}} for c, ref in t.refs]
        resources.append({"profile": "tabular-data-resource", "name": t.name, "path": f"{t.name}.csv",
                          "description": t.description, "format": "csv", "mediatype": "text/csv",
                          "encoding": "utf-8", "schema": schema})
    package: dict[str, Any] = {
        "profile": "tabular-data-package", "name": name, "title": meta.title,
        "description": f"{meta.title}: fields of action, goals, measures with their status in {year}, "
                       f"progress entries and indicators, exported by isek.",
        "generator": GENERATOR}
    if meta.license:  # isek.yaml 'license', an SPDX id
        package["licenses"] = [{"name": meta.license, "path": f"https://spdx.org/licenses/{meta.license}.html"}]
    package["resources"] = resources
    return package


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
            # Within one table (a part's parent, an area's parent) the row referred to may come later.
            cols += [f'FOREIGN KEY ("{c}") REFERENCES "{ref}" ("id")' +
                     (" DEFERRABLE INITIALLY DEFERRED" if ref == t.name else "") for c, ref in t.refs]
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
