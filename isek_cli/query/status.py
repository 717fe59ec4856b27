"""Everyday questions about a loaded plan, answered as plain data.

Each function returns dicts/lists ready for JSON; the CLI decides how to show
them. Nothing here prints or reads files.
"""

from __future__ import annotations

from typing import Any, Iterable

from ..errors import UnknownId
from ..plan.model import COMPLETED, STATUSES
from ..plan.index import PlanIndex


def default_year(plan: PlanIndex) -> int:
    """The latest year with a progress file; else the horizon's first year."""
    if plan.latest_year is not None:
        return plan.latest_year
    return plan.meta.horizon.start if plan.meta else 0


def count_statuses(plan: PlanIndex, measure_ids: Iterable[str], year: int) -> dict[str, int]:
    counts = dict.fromkeys(STATUSES, 0)
    for mid in measure_ids:
        counts[plan.status_of(mid, year)] += 1
    return counts


def _share(done: int, total: int) -> float:
    return round(done / total, 4) if total else 0.0


def status(plan: PlanIndex, year: int) -> dict[str, Any]:
    """Measures by status per field of action in ``year``, with the change since ``year - 1``.

    ``completed_share`` is completed measures over all measures of the field.
    ``change`` is this year's count minus last year's, per status.
    """
    rows = []
    for f in plan.fields:
        ids = [m.id for m in f.measures]
        rows.append(_row(plan, f.id, f.title, ids, year))
    all_ids = [m.id for _, m in plan.all_measures()]
    total = _row(plan, None, None, all_ids, year)
    total.pop("id"), total.pop("title")
    return {"year": year, "fields": rows, "total": total}


def _row(plan: PlanIndex, fid, title, ids: list[str], year: int) -> dict[str, Any]:
    now = count_statuses(plan, ids, year)
    before = count_statuses(plan, ids, year - 1)
    return {
        "id": fid,
        "title": title,
        "measures": len(ids),
        "by_status": now,
        "completed_share": _share(now[COMPLETED], len(ids)),
        "change": {s: now[s] - before[s] for s in STATUSES},
    }


def measure_row(plan: PlanIndex, measure_id: str, year: int) -> dict[str, Any]:
    m = plan.measure_index[measure_id]
    f = plan.measure_field[measure_id]
    return {
        "id": m.id,
        "title": m.title,
        "field": f.id,
        "priority": m.priority,
        "lead": m.lead,
        "committee": m.committee,
        "start": m.start,
        "end": m.end,
        "status": plan.status_of(m.id, year),
        "percent": plan.percent_of(m.id, year),
        "cost_eur": m.cost_eur,
        "key_project": bool(m.key_project),
    }


def measures(plan: PlanIndex, year: int, *, field: str | None = None, status: str | None = None,
             priority: int | None = None, lead: str | None = None, committee: str | None = None) -> list[dict[str, Any]]:
    """Measures in plan order, filtered; ``lead`` also matches partners."""
    out = []
    for f, m in plan.all_measures():
        if field and f.id != field:
            continue
        if priority is not None and m.priority != priority:
            continue
        if lead and m.lead != lead and lead not in (m.partners or []):
            continue
        if committee and m.committee != committee:
            continue
        row = measure_row(plan, m.id, year)
        if status and row["status"] != status:
            continue
        out.append(row)
    return out


def _names(index: dict, ids: Iterable[str] | None, attr: str) -> list[dict[str, str]]:
    return [{"id": i, attr: getattr(index[i], attr) if i in index else None} for i in (ids or [])]


def show(plan: PlanIndex, id_: str, year: int) -> dict[str, Any]:
    """Everything about one entity of any kind, with its links and history."""
    kind = plan.kind_of(id_)
    if kind is None:
        raise UnknownId(id_)
    loc = plan.locs.get(id_)
    where = plan.position(id_)
    base: dict[str, Any] = {"kind": kind, "id": id_, "file": loc.file if loc else None,
                            "line": where[1] if where else None}
    if kind == "measure":
        m = plan.measure_index[id_]
        f = plan.measure_field[id_]
        base.update(m.model_dump(mode="json", exclude_none=True))
        base.update({
            "kind": kind,
            "field": {"id": f.id, "title": f.title},
            "goals": _names(plan.goals, m.goals, "title"),
            "lead": {"id": m.lead, "name": getattr(plan.actor_index.get(m.lead), "name", None)},
            "partners": _names(plan.actor_index, m.partners, "name"),
            "committee": ({"id": m.committee, "name": getattr(plan.committee_index.get(m.committee), "name", None)}
                          if m.committee else None),
            "indicators": _names(plan.indicator_index, m.indicators, "title"),
            "year": year,
            "status": plan.status_of(id_, year),
            "percent": plan.percent_of(id_, year),
            "spent_eur": plan.spent_of(id_, year),
            "history": [dict(u.model_dump(mode="json", exclude_none=True, exclude={"measure"}),
                             file=f"progress/{u.date.year}.yaml") for u in plan.history.get(id_, [])],
        })
    elif kind == "goal":
        g = plan.goals[id_]
        f = plan.goal_field[id_]
        ms = [m.id for m in f.measures if id_ in m.goals]
        base.update({"title": g.title, "field": {"id": f.id, "title": f.title}, "year": year,
                     "measures": [measure_row(plan, x, year) for x in ms],
                     "by_status": count_statuses(plan, ms, year)})
    elif kind == "field":
        f = plan.field_index[id_]
        ms = [m.id for m in f.measures]
        base.update({"title": f.title, "description": f.description,
                     "guiding_goals": _names(plan.guiding_goals, f.guiding_goals, "title"),
                     "goals": [{"id": g.id, "title": g.title} for g in f.goals], "year": year,
                     "measures": [measure_row(plan, x, year) for x in ms],
                     "by_status": count_statuses(plan, ms, year)})
    elif kind == "guiding_goal":
        g = plan.guiding_goals[id_]
        serving = [f for f in plan.fields if id_ in (f.guiding_goals or [])]
        base.update({"title": g.title, "text": g.text,
                     "fields": [{"id": f.id, "title": f.title} for f in serving]})
    elif kind == "indicator":
        x = plan.indicator_index[id_]
        base.update(x.model_dump(mode="json", exclude_none=True))
        base["values"] = [{"date": v.date.isoformat(), "value": v.value} for v, _ in plan.series.get(id_, [])]
        base["measures"] = [m.id for _, m in plan.all_measures() if id_ in (m.indicators or [])]
    elif kind in ("actor", "committee"):
        obj = plan.actor_index.get(id_) or plan.committee_index[id_]
        data = obj.model_dump(mode="json")
        if "kind" in data:  # an actor's kind (administration, politics, external)
            data["actor_kind"] = data.pop("kind")
        base.update(data)
        if kind == "actor":
            base["leads"] = [m.id for _, m in plan.all_measures() if m.lead == id_]
            base["partner_in"] = [m.id for _, m in plan.all_measures() if id_ in (m.partners or [])]
        else:
            base["measures"] = [m.id for _, m in plan.all_measures() if m.committee == id_]
    return base
