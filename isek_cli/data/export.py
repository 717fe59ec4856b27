"""`isek export`: the plan as open data, in CSV (with a Frictionless data package), XLSX, JSON or SQLite.

Every format carries the same tables (``TABLES`` of ``data/tables.py``), built
once from the loaded plan by :func:`tables`. Output is deterministic: the same plan gives the same
bytes for CSV, JSON and XLSX and the same content for SQLite. The
``measures`` table doubles as a catalogue that ``isek import catalogue`` reads.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from ..errors import IsekError
from ..plan.index import PlanIndex
from .describe import FTS_TABLE, GENERATOR, created, datapackage, datasette, is_money
from .tables import BY_NAME, TABLES, B, D, I, L, N, S, Table, tables  # noqa: F401 (the export's tables, re-exported)

SEP = "; "  # lists in XLSX cells, as people type them (and as the catalogue import reads them)


# --- value conversion per format ---------------------------------------------

def _number(v: Any) -> Any:
    return int(v) if isinstance(v, float) and v.is_integer() and abs(v) < 1e15 else v


def _array(v: Any) -> str:
    """A list as a JSON array: what Frictionless ("type": "array"), Datasette and sqlite-utils read."""
    return json.dumps([_number(x) for x in v or []], ensure_ascii=False)


def text_cell(v: Any, kind: str) -> str:
    """A value as CSV text: '' for nothing, true/false, ISO dates, lists as JSON arrays."""
    if v is None:
        return ""
    if kind == L:
        return _array(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    return str(_number(v))


def sql_cell(v: Any, kind: str) -> Any:
    if kind == L:
        return _array(v) if v else None
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
    files["datapackage.json"] = (json.dumps(datapackage(plan, data, year), ensure_ascii=False, indent=2)
                                 + "\n").encode()
    return files


def to_sqlite(data: dict[str, list[dict]]) -> bytes:
    """A SQLite database with primary keys, foreign keys, an index on every foreign key, and a
    full-text index of the measures (``measures_fts``: title, description, progress notes)."""
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
        _fts(con, data)
        con.commit()
        broken = con.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise ValueError(f"export would break foreign keys: {broken[:3]}")
        con.execute("VACUUM")
        return con.serialize()
    finally:
        con.close()


def _fts(con, data: dict[str, list[dict]]) -> None:
    """A static FTS5 table whose rowid is the measure's rowid (Datasette: fts_pk rowid). The export
    is never edited, so no triggers keep it in step."""
    notes: dict[str, list[str]] = {}
    for u in data["updates"]:
        if u.get("note"):
            notes.setdefault(u["measure"], []).append(u["note"])
    con.execute(f'CREATE VIRTUAL TABLE "{FTS_TABLE}" USING fts5(title, description, notes, '
                "tokenize = 'unicode61 remove_diacritics 2')")
    rows = con.execute('SELECT rowid, id, title, description FROM "measures" ORDER BY rowid').fetchall()
    con.executemany(f'INSERT INTO "{FTS_TABLE}" (rowid, title, description, notes) VALUES (?, ?, ?, ?)',
                    [(rowid, title, desc, "\n".join(notes.get(mid, [])) or None) for rowid, mid, title, desc in rows])


SQLITE_APP_ID = int.from_bytes(b"isek", "big")  # stored in the database header: marks isek's own output


def to_xlsx(data: dict[str, list[dict]]) -> bytes:
    """One workbook, one sheet per table (``measures`` first: it imports as a catalogue), bold frozen
    headers, an autofilter, euro formats on money columns, lists as '; '-joined text, and the data's
    date as the document's created and modified time, so that the same plan gives the same bytes.

    Written by ``xlsx_writer`` (rows as text, streamed into the zip) rather than openpyxl, whose
    per-cell objects and XML serialiser took most of the export's time on a large plan. Each
    table is turned into columns first: the widths, which the sheet states before its rows, are
    measured on them, and the rows are the columns zipped (references, not copies)."""
    from . import xlsx_writer
    from .xlsx_writer import DATE, EURO, Workbook

    order = sorted(TABLES, key=lambda t: t.name != "measures")
    for t in order:
        if len(data[t.name]) > xlsx_writer.MAX_ROWS:
            raise IsekError(f"the table '{t.name}' has {len(data[t.name]):,} rows, more than a worksheet holds "
                            f"({xlsx_writer.MAX_ROWS:,}); export this plan as sqlite or csv")
    book = Workbook([t.name for t in order], creator=GENERATOR, when=created(data))
    for t in order:
        rows = data[t.name]
        columns, widths, formats = [], [], []
        for c, k in t.columns:
            values = [r.get(c) for r in rows]
            if k == L:
                values = [None if v is None else (SEP.join(map(str, v)) or None) for v in values]
            elif k == N:
                values = [_number(v) for v in values]
            money = is_money(c)
            columns.append(values)
            widths.append(_width(c, values, money))
            formats.append(DATE if k == D else EURO if money else None)
        book.add_sheet(t.name, t.names, widths, zip(*columns), len(rows), formats)
    return book.close()


def _width(name: str, values: list, money: bool) -> int:
    """A column's width in characters: its longest value as shown (euros with separators), at most
    60, and never narrower than the header and its filter button."""
    present = [v for v in values if v is not None]
    if money:
        longest = max((len(f"{v:,} €") if isinstance(v, int) else len(str(v)) for v in present), default=0)
    else:
        longest = max(map(len, map(str, present)), default=0)
    header = len(name) + 2  # room for the filter button
    return (min(60, longest) if longest > header else header) + 2


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
        if fmt == "sqlite":
            return [output, _write_datasette(output, plan, data, year, plan_root, force)]
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


def _write_datasette(db, plan: PlanIndex, data, year: int, plan_root, force: bool):
    """``metadata.json`` beside the database (``datasette serve FOLDER`` reads it); one an earlier
    export wrote keeps its other databases, anyone else's is never overwritten."""
    from ..writing.outputs import OutputRefused, write_output

    path = db.parent / "metadata.json"
    doc = datasette(plan, data, year, db.stem)
    doc["about"] = GENERATOR
    if path.exists():
        try:
            old = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            old = None
        mine = isinstance(old, dict) and old.get("about") == GENERATOR
        if not (mine or force):
            raise OutputRefused(f"{path} exists and was not written by isek export; the database was written, "
                                "its Datasette metadata not (move that file, or use --force)")
        if mine and isinstance(old.get("databases"), dict):
            doc["databases"] = {**old["databases"], **doc["databases"]}
    body = (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    write_output(path, body, plan_root=plan_root, force=True)
    return path
