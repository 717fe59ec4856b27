"""Measures as rows: one row builder for every listing (CLI, due list, exports use its keys)."""

from __future__ import annotations

from typing import Any

from ..plan import sdgs
from ..plan.index import PlanIndex
from .status import in_area


def measure_row(plan: PlanIndex, measure_id: str, year: int) -> dict[str, Any]:
    """One measure with its status, percent and planning data in ``year``.

    ``status`` is the status as written (a plan status stays itself), ``counts_as``
    the one of the seven it is counted as; ``lead`` is the (first) lead actor,
    ``leads`` all of them; ``parent`` the measure this one is a part of.
    """
    m = plan.measure_index[measure_id]
    f = plan.measure_field[measure_id]
    status = plan.status_of(m.id, year)
    return {
        "id": m.id,
        "title": m.title,
        "field": f.id,
        "priority": m.priority,
        "lead": m.lead_id,
        "committee": m.committee,
        "start": m.start,
        "end": m.end,
        "status": status,
        "percent": plan.percent_of(m.id, year),
        "cost_eur": m.cost_json,
        "key_project": bool(m.key_project),
        "counts_as": plan.counts_as(status),
        "parent": m.parent,
        "parts": len(plan.parts_of(m.id)),
        "leads": m.leads,
        "areas": list(m.areas or []),
        "sdgs": list(m.sdgs or []),
    }


def measures(plan: PlanIndex, year: int, *, field: str | None = None, status: str | None = None,
             priority: int | None = None, lead: str | None = None, committee: str | None = None,
             area: str | None = None, sdg: str | None = None, decision: str | None = None,
             parts: bool = False) -> list[dict[str, Any]]:
    """Measures in plan order, filtered.

    ``lead`` matches every lead actor and the partners; ``status`` one of the seven
    matches what a measure counts as, a plan status matches itself; ``area`` includes
    the areas inside it; ``sdg`` a goal ("11") matches its targets too. Top-level
    measures only, unless ``parts``: then each measure is followed by its parts
    (any depth), each filtered on its own.
    """
    keep_area = in_area(plan, area)
    order = _with_parts(plan) if parts else [m for _, m in plan.top_measures()]
    out = []
    for m in order:
        if field and plan.measure_field[m.id].id != field:
            continue
        if priority is not None and m.priority != priority:
            continue
        if lead and lead not in m.leads and lead not in (m.partners or []):
            continue
        if committee and m.committee != committee:
            continue
        if area and not keep_area(m):
            continue
        if sdg and not any(code == sdg or sdgs.goal_of(code) == sdg for code in m.sdgs or ()):
            continue
        if decision and decision not in (m.decided_by or ()):
            continue
        row = measure_row(plan, m.id, year)
        if status and status not in (row["status"], row["counts_as"]):
            continue
        out.append(row)
    return out


def _with_parts(plan: PlanIndex) -> list:
    out = []
    for _, m in plan.top_measures():
        out.append(m)
        out += [plan.measure_index[p] for p in plan.descendants(m.id)]
    return out
