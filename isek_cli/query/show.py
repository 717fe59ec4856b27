"""`isek show ID`: everything about one entity of any kind, with its links and history."""

from __future__ import annotations

from typing import Any, Iterable

from ..errors import UnknownId
from ..plan import sdgs
from ..plan.index import PlanIndex
from .measures import measure_row
from .status import count_statuses


def _names(index: dict, ids: Iterable[str] | None, attr: str) -> list[dict[str, str]]:
    return [{"id": i, attr: getattr(index[i], attr) if i in index else None} for i in (ids or [])]


def _parts_tree(plan: PlanIndex, measure_id: str, year: int, seen: frozenset = frozenset()) -> list[dict[str, Any]]:
    out = []
    for pid in plan.parts_of(measure_id):
        if pid in seen:
            continue
        m = plan.measure_index[pid]
        status = plan.status_of(pid, year)
        out.append({"id": pid, "title": m.title, "status": status, "counts_as": plan.counts_as(status),
                    "percent": plan.percent_of(pid, year), "start": m.start, "end": m.end,
                    "parts": _parts_tree(plan, pid, year, seen | {measure_id})})
    return out


def _sdg_list(codes: Iterable[str] | None, lang: str = "de") -> list[dict[str, str]]:
    return [{"code": c, "goal": sdgs.goal_of(c), "title": sdgs.goal_title(sdgs.goal_of(c), lang)} for c in codes or ()]


def show(plan: PlanIndex, id_: str, year: int) -> dict[str, Any]:
    """Everything about one entity of any kind, with its links and history."""
    kind = plan.kind_of(id_)
    if kind is None:
        raise UnknownId(id_)
    loc = plan.locs.get(id_)
    where = plan.position(id_)
    base: dict[str, Any] = {"kind": kind, "id": id_, "file": loc.file if loc else None,
                            "line": where[1] if where else None}
    builder = _BUILDERS.get(kind)
    if builder is not None:
        builder(plan, id_, year, base)
    return base


def _measure(plan: PlanIndex, id_: str, year: int, base: dict) -> None:
    m = plan.measure_index[id_]
    f = plan.measure_field[id_]
    actor = plan.actor_index
    status = plan.status_of(id_, year)
    base.update(m.model_dump(mode="json", exclude_none=True))
    base.update({
        "kind": "measure",
        "field": {"id": f.id, "title": f.title},
        "goals": _names(plan.goals, m.goals, "title"),
        "lead": {"id": m.lead_id, "name": getattr(actor.get(m.lead_id), "name", None)},
        "leads": [{"id": a, "name": getattr(actor.get(a), "name", None)} for a in m.leads],
        "partners": _names(actor, m.partners, "name"),
        "committee": ({"id": m.committee, "name": getattr(plan.committee_index.get(m.committee), "name", None)}
                      if m.committee else None),
        "indicators": _names(plan.indicator_index, m.indicators, "title"),
        "year": year,
        "status": status,
        "counts_as": plan.counts_as(status),
        "percent": plan.percent_of(id_, year),
        "spent_eur": plan.spent_of(id_, year),
        "history": [dict(u.model_dump(mode="json", exclude_none=True, exclude={"measure"}),
                         file=f"progress/{u.date.year}.yaml") for u in plan.history.get(id_, [])],
    })
    if m.parent is not None:
        parent = plan.measure_index.get(m.parent)
        base["parent"] = {"id": m.parent, "title": parent.title if parent else None}
    if plan.parts_of(id_):
        base["parts"] = _parts_tree(plan, id_, year)
        base["status_from_parts"] = plan.latest(id_, year) is None
    if m.also_fields:
        base["also_fields"] = _names(plan.field_index, m.also_fields, "title")
    if m.areas:
        base["areas"] = _names(plan.area_index, m.areas, "title")
    if m.sdgs:
        base["sdgs"] = _sdg_list(m.sdgs, plan.meta.language if plan.meta else "de")
    if m.decided_by:
        base["decided_by"] = [_decision_ref(plan, d) for d in m.decided_by]


def _decision_ref(plan: PlanIndex, id_: str) -> dict[str, Any]:
    d = plan.decision_index.get(id_)
    return {"id": id_, "title": d.title if d else None, "date": d.date.isoformat() if d else None}


def _goal(plan: PlanIndex, id_: str, year: int, base: dict) -> None:
    g = plan.goals[id_]
    f = plan.goal_field[id_]
    ms = [m.id for _, m in plan.top_measures() if id_ in (m.goals or ())]
    base.update({"title": g.title, "field": {"id": f.id, "title": f.title}, "year": year,
                 "measures": [measure_row(plan, x, year) for x in ms],
                 "by_status": count_statuses(plan, ms, year)})


def _field(plan: PlanIndex, id_: str, year: int, base: dict) -> None:
    f = plan.field_index[id_]
    ms = [m.id for m in f.measures if m.parent is None]
    base.update({"title": f.title, "description": f.description,
                 "guiding_goals": _names(plan.guiding_goals, f.guiding_goals, "title"),
                 "goals": [{"id": g.id, "title": g.title} for g in f.goals], "year": year,
                 "measures": [measure_row(plan, x, year) for x in ms],
                 "by_status": count_statuses(plan, ms, year)})


def _guiding_goal(plan: PlanIndex, id_: str, year: int, base: dict) -> None:
    g = plan.guiding_goals[id_]
    serving = [f for f in plan.fields if id_ in (f.guiding_goals or [])]
    base.update({"title": g.title, "text": g.text, "fields": [{"id": f.id, "title": f.title} for f in serving]})


def _indicator(plan: PlanIndex, id_: str, year: int, base: dict) -> None:
    x = plan.indicator_index[id_]
    base.update(x.model_dump(mode="json", exclude_none=True))
    base["values"] = [{"date": v.date.isoformat(), "value": v.value} | ({"area": v.area} if v.area else {})
                      for v, _ in plan.series.get(id_, [])]
    base["measures"] = [m.id for _, m in plan.all_measures() if id_ in (m.indicators or [])]
    if x.sdgs:
        base["sdgs"] = _sdg_list(x.sdgs, plan.meta.language if plan.meta else "de")


def _actor_or_committee(plan: PlanIndex, id_: str, year: int, base: dict) -> None:
    obj = plan.actor_index.get(id_) or plan.committee_index[id_]
    data = obj.model_dump(mode="json")
    if "kind" in data:  # an actor's kind (administration, politics, external)
        data["actor_kind"] = data.pop("kind")
    base.update(data)
    if base["kind"] == "actor":
        base["leads"] = [m.id for _, m in plan.all_measures() if id_ in m.leads]
        base["partner_in"] = [m.id for _, m in plan.all_measures() if id_ in (m.partners or [])]
    else:
        base["measures"] = [m.id for _, m in plan.all_measures() if m.committee == id_]


def _area(plan: PlanIndex, id_: str, year: int, base: dict) -> None:
    a = plan.area_index[id_]
    inside = plan.area_ids(id_)
    ms = [m.id for _, m in plan.top_measures() if inside.intersection(m.areas or ())]
    base.update({"title": a.title, "area_kind": a.kind, "year": year,
                 "parent": ({"id": a.parent, "title": getattr(plan.area_index.get(a.parent), "title", None)}
                            if a.parent else None),
                 "areas": [{"id": c.id, "title": c.title} for c in plan.areas if c.parent == id_],
                 "geometry": a.geometry, "has_outline": id_ in plan.geometry,
                 "measures": [measure_row(plan, x, year) for x in ms],
                 "by_status": count_statuses(plan, ms, year)})


def _decision(plan: PlanIndex, id_: str, year: int, base: dict) -> None:
    d = plan.decision_index[id_]
    data = d.model_dump(mode="json", exclude_none=True)
    data["decision_kind"] = data.pop("kind")
    base.update(data)
    base["measures"] = [m.id for _, m in plan.all_measures() if id_ in (m.decided_by or ())]


def _plan_status(plan: PlanIndex, id_: str, year: int, base: dict) -> None:
    s = plan.plan_statuses[id_]
    base.update({"title": s.title, "counts_as": s.counts_as, "year": year,
                 "measures": [m.id for _, m in plan.all_measures() if plan.status_of(m.id, year) == id_]})


_BUILDERS = {"measure": _measure, "goal": _goal, "field": _field, "guiding_goal": _guiding_goal,
             "indicator": _indicator, "actor": _actor_or_committee, "committee": _actor_or_committee,
             "area": _area, "decision": _decision, "plan_status": _plan_status}
