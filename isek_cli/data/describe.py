"""What the open-data export says about itself: the Frictionless data package (``datapackage.json``
beside the CSV files), the Datasette ``metadata.json`` beside the SQLite database, and a description
of every column of every table.

Column texts come from the plan files' own key descriptions (``plan/descriptions.yaml``, the text
editors show on hover) where a column is a key of a file; the columns isek derives are described
here. Nothing in here reads the clock: ``created`` is the date of the plan's latest data.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from ..plan.index import PlanIndex
from ..plan.model import STATUSES
from ..plan.schema import descriptions
from .tables import TABLES, D, L, Table

GENERATOR = "isek export"
# Which model each table's rows come from, for the column texts.
TABLE_MODEL = {
    "plan": "PlanMeta", "decisions": "Decision", "plan_statuses": "PlanStatus", "priorities": "PriorityLevel",
    "guiding_goals": "GuidingGoal", "actors": "Actor", "committees": "Committee", "areas": "Area",
    "fields": "FieldOfAction", "goals": "Goal", "indicators": "Indicator", "measures": "Measure",
    "updates": "Update", "indicator_values": "Value", "programmes": "Programme", "grants": "Grant",
    "drawdowns": "Drawdown", "measure_costs": "YearCost"}
# Columns isek derives (or that name another table's row), by column name.
DERIVED = {
    "position": "Position in the plan file (from 1).",
    "seq": "Number of the entry among its parent's entries, by date (from 1).",
    "year": "The year (of the progress file the entry stands in, or of the status).",
    "measure": "Id of the measure (measures.id).", "field": "Id of the field of action (fields.id).",
    "goal": "Id of the goal (goals.id); in the SDG tables the SDG goal (sdg_goals.id).",
    "indicator": "Id of the indicator (indicators.id).", "actor": "Id of the actor (actors.id).",
    "area": "Id of the area (areas.id); empty: the whole city.", "grant": "Id of the grant (grants.id).",
    "decision": "Id of the council decision (decisions.id).", "guiding_goal": "Id of the guiding goal.",
    "programme": "Funding programme as the plan names it (an id of programmes or a name).",
    "sdg": "SDG goal (11) or target (11.3) as written.",
    "status": "Status in status_year (measures) or at the end of the year, by the status rule.",
    "percent": "Percent complete in that year (latest entry up to then).",
    "spent_eur": "Euros spent up to then (latest entry up to then).",
    "counts_as": "The one of the seven statuses it counts as.",
    "status_counts_as": "The one of the seven statuses the status counts as.",
    "status_year": "The year the measures' status refers to.",
    "adopted_body": "The body that adopted the plan.", "adopted_date": "Date the plan was adopted.",
    "horizon_start": "First monitoring year.", "horizon_end": "Last monitoring year.",
    "baseline_year": "Year of the baseline value.", "baseline_value": "The baseline value.",
    "target_year": "Year of the target.", "target_value": "The target value.",
    "field_title": "Title of the measure's field of action.", "goal_titles": "Titles of the measure's goals.",
    "lead_name": "Name of the lead actor.", "partner_names": "Names of the partner actors.",
    "committee_name": "Name of the committee.", "leads": "All lead actors (the first leads).",
    "start_year": "Start year (from start).", "end_year": "End year (from end).",
    "cost_min_eur": "Estimated cost, lower bound (euros).", "cost_max_eur": "Estimated cost, upper bound (euros).",
    "decision_date": "Date of the grant decision.", "decision_ref": "File reference of the grant decision.",
    "drawn_eur": "Euros drawn from the grant up to the end of status_year.",
    "title": "Title.", "url": "Web address.", "id": "Id.",
    "title_de": "Title in German.", "title_en": "Title in English."}
MONEY = re.compile(r"(^|_)eur$")  # columns holding euros: number formats in XLSX, unit in descriptions


def column_description(table: Table, column: str) -> str:
    model = TABLE_MODEL.get(table.name)
    own = descriptions()["properties"].get(model, {}) if model else {}
    text = own.get(column) or DERIVED.get(column, "")
    return text


def is_money(column: str) -> bool:
    return bool(MONEY.search(column))


def created(data: dict[str, list[dict]]) -> dt.datetime:
    """The date of the latest data in the tables (an entry, a value, a decision): the export's
    timestamp, so that the same plan gives the same bytes whenever it is exported."""
    latest = dt.date(1980, 1, 1)  # ZIP files (XLSX) cannot say earlier
    for t in TABLES:
        dates = [c for c, k in t.columns if k == D]
        for row in data[t.name] if dates else ():
            for c in dates:
                v = row.get(c)
                if isinstance(v, dt.date) and v > latest:
                    latest = v
    return dt.datetime(latest.year, latest.month, latest.day, tzinfo=dt.UTC)


def _stamp(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _name(city: str) -> str:
    return re.sub(r"[^a-z0-9._-]+", "-", "isek-" + city.lower().translate(_UMLAUTS)).strip("-")


_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def sources(plan: PlanIndex) -> list[dict[str, str]]:
    """The plan itself (who keeps it), then every distinct source the indicators name."""
    meta = plan.meta
    out = [{"title": f"{meta.title} ({meta.owner})" if meta.owner else meta.title}]
    seen = set()
    for x in plan.indicators:
        if x.source and x.source not in seen:
            seen.add(x.source)
            out.append({"title": x.source})
    return out


def _licence_url(licence: str) -> str:
    return f"https://spdx.org/licenses/{licence}.html"


def datapackage(plan: PlanIndex, data: dict[str, list[dict]], year: int) -> dict[str, Any]:
    """A Frictionless tabular data package describing the CSV files."""
    meta = plan.meta
    when = created(data)
    resources = []
    for t in TABLES:
        fields = []
        for c, k in t.columns:
            f: dict[str, Any] = {"name": c, "type": "array" if k == L else k}
            text = column_description(t, c)
            if text:
                f["description"] = text
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
        "profile": "tabular-data-package", "name": _name(meta.city), "title": meta.title,
        "description": f"{meta.title}: fields of action, goals, measures with their status in {year}, "
                       f"progress entries and indicators, exported by isek.",
        # the status year and the date of the latest data: a new entry is a new version
        "version": f"{year}.{when:%Y%m%d}", "created": _stamp(when),
        "generator": GENERATOR, "sources": sources(plan)}
    if meta.license:  # isek.yaml 'license', an SPDX id
        package["licenses"] = [{"name": meta.license, "path": _licence_url(meta.license)}]
    package["resources"] = resources
    return package


FTS_TABLE = "measures_fts"


def datasette(plan: PlanIndex, data: dict[str, list[dict]], year: int, database: str) -> dict[str, Any]:
    """Datasette's metadata.json for the SQLite export named ``database`` (the file name without suffix)."""
    meta = plan.meta
    tables: dict[str, Any] = {}
    for t in TABLES:
        entry: dict[str, Any] = {"description": t.description,
                                 "columns": {c: column_description(t, c) for c, _ in t.columns}}
        if t.name == "measures":  # ?_search= on the measures page: titles, descriptions, progress notes
            entry.update({"fts_table": FTS_TABLE, "fts_pk": "rowid"})
        tables[t.name] = entry
    tables[FTS_TABLE] = {"hidden": True}
    doc: dict[str, Any] = {
        "title": meta.title,
        "description": f"{meta.title}: measures with their status in {year}, progress entries and "
                       f"indicators, exported by isek on the data of {created(data):%Y-%m-%d}.",
        "source": sources(plan)[0]["title"]}
    if meta.license:
        doc.update({"license": meta.license, "license_url": _licence_url(meta.license)})
    doc["databases"] = {database: {"title": meta.title, "tables": tables}}
    return doc
