"""`isek portfolio export`: all plans as one data set, in CSV, XLSX, JSON or SQLite.

The tables are those of ``isek export`` (``data/tables.py``) with a first
column ``plan``: keys become (plan, key), references (plan, column) → (plan,
id), because ids are unique only within a plan. The one-row ``plan`` table
becomes ``plans`` (one row per listed plan, valid or not, with its path,
revision, last progress year and whether its report for the status year is
missing), and ``plan_years`` has a row per plan and progress year, so SQL can
answer "which towns have no report for 2024". ``sdg_goals`` (a reference list)
appears once.

Plans are written one at a time as they are loaded (rows go straight into the
SQLite file, the CSV files, the JSON's per-table spool or the write-only
workbook), so memory holds one plan's tables, not the portfolio's.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..data.export import GENERATOR, SQLITE_APP_ID, json_cell, own_output, sql_cell, text_cell
from ..data.tables import TABLES, B, D, I, L, N, S
from ..data.tables import tables as plan_tables
from ..errors import IsekError
from ..writing.outputs import OutputRefused, check_target, inside

XLSX_MAX_ROWS = 1_048_575  # a sheet's rows below its header


@dataclass(frozen=True)
class PTable:
    """A table of the portfolio export: ``refs`` are (columns, table, referenced columns)."""

    name: str
    columns: tuple[tuple[str, str], ...]
    key: tuple[str, ...]
    refs: tuple[tuple[tuple[str, ...], str, tuple[str, ...]], ...]
    description: str

    @property
    def names(self) -> list[str]:
        return [c for c, _ in self.columns]


def _schema() -> tuple[PTable, ...]:
    plan_cols = dict(TABLES[0].columns)
    plans = PTable("plans", (("id", S), ("path", S), ("rev", S), ("commit", S), ("valid", B), ("errors", I))
                   + tuple((c, plan_cols[c]) for c in plan_cols) + (("last_year", I), ("report_missing", B)),
                   ("id",), (), "The plans of the portfolio, one row each (also those with errors: valid is false, "
                   "and they have no rows elsewhere); last_year is the plan's last progress year, report_missing "
                   "whether it has no progress file for status_year.")
    years = PTable("plan_years", (("plan", S), ("year", I), ("updates", I), ("values", I), ("drawdowns", I)),
                   ("plan", "year"), ((("plan",), "plans", ("id",)),),
                   "One row per plan and progress file: how many updates, indicator values and drawdowns it holds.")
    out = [plans, years]
    for t in TABLES:
        if t.name == "plan":
            continue
        if t.name == "sdg_goals":
            out.append(PTable(t.name, t.columns, t.key, (), t.description))
            continue
        refs = ((("plan",), "plans", ("id",)),) + tuple(
            ((c,), ref, ("id",)) if ref == "sdg_goals" else (("plan", c), ref, ("plan", "id")) for c, ref in t.refs)
        out.append(PTable(t.name, (("plan", S),) + t.columns, ("plan",) + t.key, refs,
                          t.description + " plan: the plan (plans.id) the row belongs to."))
    return tuple(out)


SCHEMA = _schema()
BY_NAME = {t.name: t for t in SCHEMA}


def plan_row(p, loaded, year: int) -> dict[str, Any]:
    """The ``plans`` row of a plan (``loaded`` None: the plan is invalid or unreadable)."""
    row: dict[str, Any] = {"id": p.id, "path": p.path, "rev": p.rev, "commit": p.commit, "valid": p.ok,
                           "errors": len(p.errors), "status_year": year, "last_year": p.latest_year,
                           "report_missing": None if p.summary is None else (p.latest_year or 0) < year}
    if loaded is not None:
        row |= plan_tables_head(loaded.plan, year)
    elif p.summary is not None:
        row |= {"city": p.city, "title": p.title}
    return row


def plan_tables_head(index, year: int) -> dict[str, Any]:
    m = index.meta
    return {"city": m.city, "title": m.title, "adopted_body": m.adopted.body, "adopted_date": m.adopted.date,
            "horizon_start": m.horizon.start, "horizon_end": m.horizon.end, "owner": m.owner,
            "language": m.language, "vision": m.vision, "license": m.license}


def plan_year_rows(pid: str, index) -> list[dict[str, Any]]:
    counts = {y: [0, 0, 0] for y in index.progress_years}
    for entries in index.history.values():
        for u in entries:
            counts.setdefault(u.date.year, [0, 0, 0])[0] += 1
    for values in index.series.values():
        for v, _ in values:
            counts.setdefault(v.date.year, [0, 0, 0])[1] += 1
    for entries in index.drawdowns.values():
        for d in entries:
            counts.setdefault(d.date.year, [0, 0, 0])[2] += 1
    return [{"plan": pid, "year": y, "updates": u, "values": v, "drawdowns": d} for y, (u, v, d) in sorted(counts.items())]


def rows_of(pf, year: int) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """(table, rows) in insertion order: per plan its plans row, then its tables; sdg_goals once at the end."""
    sdg_rows = None
    for p in pf.plans:
        loaded = pf.load(p) if p.ok else None
        yield "plans", [plan_row(p, loaded, year)]
        if loaded is None:
            continue
        data = plan_tables(loaded.plan, year)
        sdg_rows = data.pop("sdg_goals")
        data.pop("plan")
        yield "plan_years", plan_year_rows(p.id, loaded.plan)
        for t in TABLES:
            if t.name in data:
                yield t.name, [{"plan": p.id} | r for r in data[t.name]]
    if sdg_rows is None:
        from ..plan import sdgs

        sdg_rows = [dict(id=g, title_de=sdgs.goal_title(g, "de"), title_en=sdgs.goal_title(g, "en"))
                    for g in sdgs.GOALS]
    yield "sdg_goals", sdg_rows


def tables(pf, year: int) -> dict[str, list[dict[str, Any]]]:
    """Every table's rows in memory (the Python API; the export streams instead)."""
    out: dict[str, list[dict[str, Any]]] = {t.name: [] for t in SCHEMA}
    for name, rows in rows_of(pf, year):
        out[name] += rows
    return out


# --- the four sinks ----------------------------------------------------------------

class SqliteSink:
    """Rows straight into a SQLite file; keys, foreign keys checked at the end, an index per reference."""

    def __init__(self, path: Path) -> None:
        self.con = sqlite3.connect(path)
        self.con.execute(f"PRAGMA application_id = {SQLITE_APP_ID}")
        self.con.execute("PRAGMA user_version = 1")
        self.con.execute("PRAGMA journal_mode = OFF")
        self.con.execute("PRAGMA synchronous = OFF")
        kinds = {S: "TEXT", I: "INTEGER", N: "REAL", B: "INTEGER", D: "TEXT", L: "TEXT"}
        for t in SCHEMA:
            cols = [f'"{c}" {kinds[k]}' + (" NOT NULL" if c in t.key else "") for c, k in t.columns]
            cols.append("PRIMARY KEY (" + ", ".join(f'"{c}"' for c in t.key) + ")")
            cols += [f"FOREIGN KEY ({_q(cs)}) REFERENCES \"{ref}\" ({_q(rcs)})"
                     + (" DEFERRABLE INITIALLY DEFERRED" if ref == t.name else "") for cs, ref, rcs in t.refs]
            self.con.execute(f'CREATE TABLE "{t.name}" (\n  ' + ",\n  ".join(cols) + "\n)")

    def add(self, t: PTable, rows: list[dict]) -> None:
        marks = ", ".join("?" * len(t.columns))
        self.con.executemany(f'INSERT INTO "{t.name}" VALUES ({marks})',
                             [[sql_cell(r.get(c), k) for c, k in t.columns] for r in rows])

    def close(self) -> None:
        try:
            for t in SCHEMA:
                for cs, _, _ in t.refs:
                    if tuple(cs) != t.key[:len(cs)]:  # else the primary key's index serves it
                        self.con.execute(f'CREATE INDEX "{t.name}_{"_".join(cs)}" ON "{t.name}" ({_q(cs)})')
            self.con.commit()
            broken = self.con.execute("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise ValueError(f"export would break foreign keys: {broken[:3]}")
        finally:
            self.con.close()


def _q(cols) -> str:
    return ", ".join(f'"{c}"' for c in cols)


class CsvSink:
    """One CSV file per table, written as rows come, and a Frictionless ``datapackage.json``."""

    def __init__(self, folder: Path, title: str, year: int) -> None:
        self.folder, self.title, self.year = folder, title, year
        self.files = {t.name: open(folder / f"{t.name}.csv", "w", encoding="utf-8", newline="") for t in SCHEMA}
        self.writers = {name: csv.writer(fh, lineterminator="\n") for name, fh in self.files.items()}
        for t in SCHEMA:
            self.writers[t.name].writerow(t.names)

    def add(self, t: PTable, rows: list[dict]) -> None:
        self.writers[t.name].writerows([text_cell(r.get(c), k) for c, k in t.columns] for r in rows)

    def close(self) -> None:
        for fh in self.files.values():
            fh.close()
        (self.folder / "datapackage.json").write_text(
            json.dumps(datapackage(self.title, self.year), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def datapackage(title: str, year: int) -> dict[str, Any]:
    resources = []
    for t in SCHEMA:
        fields = [{"name": c, "type": "string" if k == L else k} | ({"constraints": {"required": True}}
                                                                      if c in t.key else {}) for c, k in t.columns]
        schema: dict[str, Any] = {"fields": fields, "primaryKey": list(t.key)}
        if t.refs:
            schema["foreignKeys"] = [{"fields": list(cs), "reference": {"resource": "" if ref == t.name else ref,
                                                                         "fields": list(rcs)}}
                                     for cs, ref, rcs in t.refs]
        resources.append({"profile": "tabular-data-resource", "name": t.name, "path": f"{t.name}.csv",
                          "description": t.description, "format": "csv", "mediatype": "text/csv",
                          "encoding": "utf-8", "schema": schema})
    return {"profile": "tabular-data-package", "name": "isek-portfolio", "title": title,
            "description": f"{title}: every plan's fields of action, goals, measures with their status in {year}, "
                           "progress entries and indicators, with a plan column; exported by isek.",
            "generator": GENERATOR, "resources": resources}


class JsonSink:
    """``{"generator", "format_version", "portfolio", "status_year", "tables": {name: [rows]}}``, one row a line;
    each table is spooled to a temporary file until all plans are in."""

    def __init__(self, path: Path, title: str, year: int) -> None:
        self.path, self.title, self.year = path, title, year
        self.spools = {t.name: tempfile.TemporaryFile("w+", encoding="utf-8") for t in SCHEMA}
        self.count = dict.fromkeys(self.spools, 0)

    def add(self, t: PTable, rows: list[dict]) -> None:
        spool = self.spools[t.name]
        for r in rows:
            spool.write((",\n" if self.count[t.name] else "") + "   " + json.dumps(
                {c: json_cell(r.get(c), k) for c, k in t.columns}, ensure_ascii=False))
            self.count[t.name] += 1

    def close(self) -> None:
        head = json.dumps({"generator": GENERATOR, "format_version": 1, "portfolio": self.title,
                           "status_year": self.year}, ensure_ascii=False, indent=1)[:-2]
        with open(self.path, "w", encoding="utf-8") as out:
            out.write(head + ',\n "tables": {\n')
            for n, t in enumerate(SCHEMA):
                spool = self.spools[t.name]
                spool.seek(0)
                out.write(f'  {json.dumps(t.name)}: [' + ("\n" if self.count[t.name] else ""))
                shutil.copyfileobj(spool, out)
                out.write(("\n  ]" if self.count[t.name] else "]") + ("," if n < len(SCHEMA) - 1 else "") + "\n")
                spool.close()
            out.write(" }\n}\n")


class XlsxSink:
    """A write-only workbook (rows streamed to disk), one sheet per table, bold frozen headers."""

    def __init__(self, path: Path) -> None:
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
        from openpyxl.styles import Font

        self.path, self.cell, self.illegal = path, WriteOnlyCell, ILLEGAL_CHARACTERS_RE
        self.wb = Workbook(write_only=True)
        self.wb.properties.creator = GENERATOR
        self.wb.properties.created = dt.datetime(2000, 1, 1)
        self.sheets, self.rows = {}, {}
        bold = Font(bold=True)
        for t in sorted(SCHEMA, key=lambda t: t.name != "measures"):
            ws = self.wb.create_sheet(t.name)
            ws.freeze_panes = "A2"
            for col, name in enumerate(t.names):
                ws.column_dimensions[_letter(col)].width = max(10, len(name) + 2)
            header = []
            for name in t.names:
                c = WriteOnlyCell(ws, value=name)
                c.font = bold
                header.append(c)
            ws.append(header)
            self.sheets[t.name], self.rows[t.name] = ws, 0

    def add(self, t: PTable, rows: list[dict]) -> None:
        ws = self.sheets[t.name]
        self.rows[t.name] += len(rows)
        if self.rows[t.name] > XLSX_MAX_ROWS:
            raise IsekError(f"the table '{t.name}' has more than {XLSX_MAX_ROWS:,} rows, more than a worksheet holds; "
                            "export this portfolio as sqlite or csv")
        for r in rows:
            cells = []
            for c, k in t.columns:
                v = sql_cell(r.get(c), k) if k in (L, N) else r.get(c)
                if isinstance(v, str):
                    v = self.illegal.sub("", v)
                cell = self.cell(ws, value=v)
                if isinstance(v, str) and v.startswith("="):
                    cell.data_type = "s"  # text, never a formula
                elif k == D and v is not None:
                    cell.number_format = "yyyy-mm-dd"
                cells.append(cell)
            ws.append(cells)

    def close(self) -> None:
        self.wb.save(self.path)


def _letter(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(col + 1)


# --- writing ---------------------------------------------------------------------------

def write(pf, fmt: str, output: Path, year: int, *, force: bool = False) -> list[Path]:
    """Write the export; never into a plan folder, never over a file isek did not write (unless ``force``)."""
    for p in pf.plans:
        if p.root.exists() and inside(output, p.root):
            raise OutputRefused(f"{output} lies inside the plan folder of {p.id} ({p.path}); export elsewhere")
    if fmt == "csv":
        return _write_csv(pf, output, year, force)
    check_target(output, None, force or own_output(output, fmt))
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".tmp", dir=output.parent)
    os.close(fd)
    try:
        if fmt == "sqlite":
            os.unlink(tmp)
        sink = {"sqlite": lambda: SqliteSink(Path(tmp)), "json": lambda: JsonSink(Path(tmp), pf.title, year),
                "xlsx": lambda: XlsxSink(Path(tmp))}[fmt]()
        _fill(sink, pf, year)
        os.replace(tmp, output)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return [output]


def _fill(sink, pf, year: int) -> None:
    try:
        for name, rows in rows_of(pf, year):
            if rows:
                sink.add(BY_NAME[name], rows)
    except BaseException:
        if isinstance(sink, SqliteSink):
            sink.con.close()
        raise
    sink.close()


def _write_csv(pf, output: Path, year: int, force: bool) -> list[Path]:
    if output.exists() and not output.is_dir():
        raise OutputRefused(f"{output} exists and is not a folder; CSV export writes a folder of files")
    if output.is_dir() and any(output.iterdir()) and not (force or own_output(output, "csv")):
        raise OutputRefused(f"{output} is not empty and holds no earlier isek export (datapackage.json); "
                            "use an empty or new folder, or --force to write into it")
    output.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".isek-export.", dir=output))
    try:
        _fill(CsvSink(work, pf.title, year), pf, year)
        written = []
        for path in sorted(work.iterdir()):
            target = output / path.name
            if target.exists() and not target.is_file():
                raise OutputRefused(f"{target} exists and is not a regular file")
            os.replace(path, target)
            written.append(target)
        return written
    finally:
        shutil.rmtree(work, ignore_errors=True)
