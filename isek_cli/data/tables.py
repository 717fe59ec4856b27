"""The open-data tables of a plan: their columns, keys and references, and their rows.

``isek export`` writes these tables in every format (``data/export.py``); the
Python API hands them out as rows and DataFrames. Every entity gets a table, and
every list of an entity a link table of (entity, position, value), so that SQL
can join what YAML nests. A version-1 plan fills the tables it always filled with
the same rows and values; the version-2 tables stay empty (``sdg_goals``, the
reference list of the 17 goals, is always there).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..plan import sdgs
from ..plan.index import PlanIndex

S, I, N, B, D = "string", "integer", "number", "boolean", "date"
L = "list"  # several values: '; '-joined text in CSV, XLSX and SQLite, an array in JSON


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


def _link(name: str, parent: str, column: str, ref: str, desc: str, more: tuple = (), more_refs: tuple = ()) -> Table:
    """A list of a parent entity as its own table: (parent, position, value, …)."""
    refs = ((parent, parent + "s"),) + (((column, ref),) if ref else ()) + more_refs
    return Table(name, ((parent, S), ("position", I), (column, S)) + more, (parent, "position"), refs, desc)


def _sdg_link(name: str, parent: str) -> Table:
    """SDG codes of an entity; ``goal`` (the goal of a goal or target code) references ``sdg_goals``."""
    return _link(name, parent, "sdg", "", f"SDG goals and targets of each {parent}; goal is the SDG goal they "
                 "belong to.", (("goal", S),), (("goal", "sdg_goals"),))


# Parents before children: the order of CREATE TABLE, of inserting rows and of the data package.
TABLES: tuple[Table, ...] = (
    Table("plan", (("city", S), ("title", S), ("adopted_body", S), ("adopted_date", D), ("horizon_start", I),
                   ("horizon_end", I), ("owner", S), ("language", S), ("vision", S), ("status_year", I),
                   ("license", S)),
          ("city",), (), "The plan (one row); status_year is the year the measures' status refers to; license is "
                         "the SPDX id of the licence of this data."),
    Table("decisions", (("id", S), ("position", I), ("date", D), ("body", S), ("title", S), ("kind", S), ("ref", S),
                        ("url", S)), ("id",), (),
          "Council decisions on the plan (Beschlüsse); kind is adoption, revision, report or other."),
    Table("plan_statuses", (("id", S), ("position", I), ("title", S), ("counts_as", S)), ("id",), (),
          "The plan's own status words; each counts as one of the seven statuses."),
    Table("priorities", (("value", I), ("position", I), ("title", S), ("until", I)), ("value",), (),
          "The plan's own priority scale (empty: priorities 1, 2, 3)."),
    Table("guiding_goals", (("id", S), ("position", I), ("title", S), ("text", S)), ("id",), (), "Leitziele."),
    Table("actors", (("id", S), ("name", S), ("kind", S)), ("id",), (),
          "Actors (Akteure); kind is administration, politics or external."),
    Table("committees", (("id", S), ("name", S)), ("id",), (), "Committees (Fachausschüsse)."),
    Table("areas", (("id", S), ("position", I), ("title", S), ("kind", S), ("parent", S), ("geometry", S)),
          ("id",), (("parent", "areas"),),
          "Areas: districts, quarters, funding areas; parent is the area it lies in, geometry its GeoJSON file."),
    Table("sdg_goals", (("id", S), ("title_de", S), ("title_en", S)), ("id",), (),
          "The 17 UN Sustainable Development Goals, titles in German and English."),
    Table("fields", (("id", S), ("position", I), ("title", S), ("description", S), ("guiding_goals", L)),
          ("id",), (), "Fields of action (Handlungsfelder), in plan order."),
    _link("field_guiding_goals", "field", "guiding_goal", "guiding_goals", "The guiding goals each field serves."),
    Table("goals", (("id", S), ("field", S), ("position", I), ("title", S)), ("id",), (("field", "fields"),),
          "Goals (Ziele) of the fields of action."),
    Table("indicators", (("id", S), ("position", I), ("title", S), ("unit", S), ("source", S), ("direction", S),
                         ("baseline_year", I), ("baseline_value", N), ("target_year", I), ("target_value", N),
                         ("fields", L), ("decimals", I), ("sdgs", L)),
          ("id",), (), "Context indicators (Kennzahlen); direction: up, down, neutral."),
    _link("indicator_fields", "indicator", "field", "fields", "The fields of action each indicator belongs to."),
    _sdg_link("indicator_sdgs", "indicator"),
    Table("measures", (("id", S), ("position", I), ("field", S), ("field_title", S), ("title", S),
                       ("description", S), ("goals", L), ("goal_titles", L), ("priority", I), ("lead", S),
                       ("lead_name", S), ("partners", L), ("partner_names", L), ("committee", S),
                       ("committee_name", S), ("start_year", I), ("end_year", I), ("cost_eur", I), ("funding", L),
                       ("key_project", B), ("indicators", L), ("status_year", I), ("status", S), ("percent", I),
                       ("spent_eur", I), ("parent", S), ("leads", L), ("start", S), ("end", S), ("cost_min_eur", I),
                       ("cost_max_eur", I), ("also_fields", L), ("areas", L), ("sdgs", L), ("decided_by", L),
                       ("status_counts_as", S)),
          ("id",), (("field", "fields"), ("lead", "actors"), ("committee", "committees"), ("parent", "measures")),
          "Measures (Maßnahmen), parts included (parent: the measure they are a part of), one row each, with "
          "status, percent and spending in status_year."),
    _link("measure_goals", "measure", "goal", "goals", "The goals each measure serves."),
    _link("measure_leads", "measure", "actor", "actors", "The lead actors of each measure; position 1 leads."),
    _link("measure_partners", "measure", "actor", "actors", "Partner actors of each measure."),
    _link("measure_funding", "measure", "programme", "", "Funding programmes of each measure."),
    _link("measure_indicators", "measure", "indicator", "indicators", "Indicators each measure refers to."),
    _link("measure_also_fields", "measure", "field", "fields", "Further fields of action each measure serves."),
    _link("measure_areas", "measure", "area", "areas", "The areas each measure concerns."),
    _sdg_link("measure_sdgs", "measure"),
    _link("measure_decisions", "measure", "decision", "decisions", "The council decisions behind each measure."),
    _link("measure_links", "measure", "title", "", "Web links of each measure.", (("url", S),)),
    Table("measure_costs", (("measure", S), ("position", I), ("year", I), ("eur", I)), ("measure", "position"),
          (("measure", "measures"),), "Each measure's planned cost per year."),
    Table("updates", (("measure", S), ("seq", I), ("year", I), ("date", D), ("status", S), ("percent", I),
                      ("note", S), ("spent_eur", I), ("counts_as", S)), ("measure", "seq"), (("measure", "measures"),),
          "Every progress entry; seq counts a measure's entries by date (from 1), year is the progress file; "
          "counts_as is the status it counts as (a plan status counts as one of the seven)."),
    Table("indicator_values", (("indicator", S), ("seq", I), ("year", I), ("date", D), ("value", N), ("area", S)),
          ("indicator", "seq"), (("indicator", "indicators"), ("area", "areas")),
          "Every indicator value; seq counts by date; area is the area it is for (empty: the whole city)."),
    Table("status_by_year", (("measure", S), ("year", I), ("status", S), ("percent", I), ("spent_eur", I),
                             ("counts_as", S)),
          ("measure", "year"), (("measure", "measures"),),
          "Each measure's status, percent and spending at the end of every year from the horizon's start "
          "to the latest progress year (the status rule); counts_as is the status counts use."),
    Table("programmes", (("id", S), ("position", I), ("title", S), ("level", S), ("family", S)), ("id",), (),
          "Funding programmes (funding.yaml); level: eu, bund, land, bund_land, kommune, privat, other."),
    Table("grants", (("id", S), ("position", I), ("programme", S), ("year", I), ("amount_eur", I), ("rate", N),
                     ("eligible_eur", I), ("decision_date", D), ("decision_ref", S), ("drawn_eur", I)),
          ("id",), (("programme", "programmes"),),
          "Grants (Zuwendungen): programme year, amount granted, funding rate, eligible cost; drawn_eur is "
          "the sum of its drawdowns dated up to the end of status_year."),
    _link("grant_measures", "grant", "measure", "measures", "The measures each grant covers."),
    Table("drawdowns", (("grant", S), ("seq", I), ("year", I), ("date", D), ("eur", I)), ("grant", "seq"),
          (("grant", "grants"),), "Money drawn from each grant: one payment per row (never a running total); "
                                  "seq counts a grant's drawdowns by date, year is the progress file."),
)
BY_NAME = {t.name: t for t in TABLES}


def tables(plan: PlanIndex, year: int) -> dict[str, list[dict[str, Any]]]:
    """Every table's rows, in a stable order."""
    meta = plan.meta
    out: dict[str, list[dict[str, Any]]] = {t.name: [] for t in TABLES}
    out["plan"].append({"city": meta.city, "title": meta.title, "adopted_body": meta.adopted.body,
                        "adopted_date": meta.adopted.date, "horizon_start": meta.horizon.start,
                        "horizon_end": meta.horizon.end, "owner": meta.owner, "language": meta.language,
                        "vision": meta.vision, "status_year": year, "license": meta.license})
    out["decisions"] = [dict(d.model_dump(), position=i) for i, d in enumerate(meta.decisions or [], 1)]
    out["plan_statuses"] = [dict(s.model_dump(), position=i) for i, s in enumerate(meta.statuses or [], 1)]
    out["priorities"] = [dict(p.model_dump(), position=i) for i, p in enumerate(meta.priorities or [], 1)]
    out["guiding_goals"] = [dict(id=g.id, position=i, title=g.title, text=g.text)
                            for i, g in enumerate(meta.guiding_goals, 1)]
    out["actors"] = [a.model_dump() for a in plan.actors]
    out["committees"] = [c.model_dump() for c in plan.committees]
    out["areas"] = [dict(a.model_dump(), position=i) for i, a in enumerate(plan.areas, 1)]
    out["sdg_goals"] = [dict(id=g, title_de=sdgs.goal_title(g, "de"), title_en=sdgs.goal_title(g, "en"))
                        for g in sdgs.GOALS]
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
            fields=x.fields or [], decimals=x.decimals, sdgs=x.sdgs or []))
        _links(out, "indicator_fields", "indicator", x.id, "field", x.fields)
        _sdgs(out, "indicator_sdgs", "indicator", x.id, x.sdgs)
    _measures(out, plan, year)
    for _, m in plan.all_measures():  # a measure's updates, by date (ties: file order)
        updates = [getattr(e, "update", e) for e in plan.history.get(m.id, [])]
        out["updates"] += [dict(u.model_dump(), seq=j, year=u.date.year, counts_as=plan.counts_as(u.status))
                           for j, u in enumerate(updates, 1)]
    for x in plan.indicators:
        values = [v[0] if isinstance(v, tuple) else v for v in plan.series.get(x.id, [])]
        out["indicator_values"] += [dict(indicator=x.id, seq=j, year=v.date.year, date=v.date, value=v.value,
                                         area=v.area) for j, v in enumerate(values, 1)]
    _money(out, plan, year)
    last = plan.latest_year
    years = range(meta.horizon.start, last + 1) if last is not None else range(0)
    out["status_by_year"] = [dict(measure=m.id, year=y, status=s, counts_as=plan.counts_as(s),
                                  percent=plan.percent_of(m.id, y), spent_eur=plan.spent_of(m.id, y))
                             for _, m in plan.all_measures() for y in years for s in (plan.status_of(m.id, y),)]
    return out


def _measures(out: dict[str, list[dict]], plan: PlanIndex, year: int) -> None:
    actor_name = {a.id: a.name for a in plan.actors}
    committee_name = {c.id: c.name for c in plan.committees}
    for i, (f, m) in enumerate(plan.all_measures(), 1):
        status = plan.status_of(m.id, year)
        out["measures"].append(dict(
            id=m.id, position=i, field=f.id, field_title=f.title, title=m.title, description=m.description,
            goals=list(m.goals or []), goal_titles=[plan.goals[g].title for g in m.goals or []], priority=m.priority,
            lead=m.lead_id, lead_name=actor_name.get(m.lead_id), partners=list(m.partners or []),
            partner_names=[actor_name.get(p) for p in m.partners or []], committee=m.committee,
            committee_name=committee_name.get(m.committee), start_year=m.start_year, end_year=m.end_year,
            cost_eur=m.cost_eur if isinstance(m.cost_eur, int) else None, funding=list(m.funding or []),
            key_project=bool(m.key_project),
            indicators=list(m.indicators or []), status_year=year, status=status,
            percent=plan.percent_of(m.id, year), spent_eur=plan.spent_of(m.id, year),
            parent=m.parent, leads=m.leads, start=_period(m.start), end=_period(m.end), cost_min_eur=m.cost_min,
            cost_max_eur=m.cost_max, also_fields=list(m.also_fields or []), areas=list(m.areas or []),
            sdgs=list(m.sdgs or []), decided_by=list(m.decided_by or []), status_counts_as=plan.counts_as(status)))
        _links(out, "measure_goals", "measure", m.id, "goal", m.goals)
        _links(out, "measure_leads", "measure", m.id, "actor", m.leads)
        _links(out, "measure_partners", "measure", m.id, "actor", m.partners)
        _links(out, "measure_funding", "measure", m.id, "programme", m.funding)
        _links(out, "measure_indicators", "measure", m.id, "indicator", m.indicators)
        _links(out, "measure_also_fields", "measure", m.id, "field", m.also_fields)
        _links(out, "measure_areas", "measure", m.id, "area", m.areas)
        _sdgs(out, "measure_sdgs", "measure", m.id, m.sdgs)
        _links(out, "measure_decisions", "measure", m.id, "decision", m.decided_by)
        out["measure_links"] += [dict(measure=m.id, position=j, title=k.title, url=k.url)
                                 for j, k in enumerate(m.links or [], 1)]
        out["measure_costs"] += [dict(measure=m.id, position=j, year=c.year, eur=c.eur)
                                 for j, c in enumerate(m.costs or [], 1)]


def _period(v: int | str | None) -> str | None:
    """A start or end as written: "2021" or "2021-04"."""
    return None if v is None else str(v)


def _links(out, table: str, parent: str, pid: str, column: str, values) -> None:
    out[table] += [{parent: pid, "position": j, column: v} for j, v in enumerate(values or [], 1)]


def _sdgs(out, table: str, parent: str, pid: str, codes) -> None:
    out[table] += [{parent: pid, "position": j, "sdg": c, "goal": sdgs.goal_of(c)} for j, c in enumerate(codes or [], 1)]


def _money(out: dict[str, list[dict]], plan: PlanIndex, year: int) -> None:
    out["programmes"] = [dict(p.model_dump(), position=i) for i, p in enumerate(plan.programmes, 1)]
    for i, g in enumerate(plan.grants, 1):
        out["grants"].append(dict(
            id=g.id, position=i, programme=g.programme, year=g.year, amount_eur=g.amount_eur, rate=g.rate,
            eligible_eur=g.eligible_eur, decision_date=g.decision.date if g.decision else None,
            decision_ref=g.decision.ref if g.decision else None, drawn_eur=plan.drawn(g.id, year)))
        _links(out, "grant_measures", "grant", g.id, "measure", g.measures)
    for g in plan.grants:
        out["drawdowns"] += [dict(grant=g.id, seq=j, year=d.date.year, date=d.date, eur=d.eur)
                             for j, d in enumerate(plan.drawdowns.get(g.id, ()), 1)]
