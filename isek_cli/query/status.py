"""How far the plan has come: measures by status per field of action.

Counts follow the contract: top-level measures only (parts appear under their
parent), a parent without an update of its own takes its status from its
parts, and a plan status counts as its ``counts_as``. Nothing here prints or
reads files; everything returned is plain data, ready for JSON.
"""

from __future__ import annotations

from typing import Any, Iterable

from ..plan.index import PlanIndex
from ..plan.model import COMPLETED, STATUSES


def default_year(plan: PlanIndex) -> int:
    """The latest year with a progress file; else the horizon's first year."""
    if plan.latest_year is not None:
        return plan.latest_year
    return plan.meta.horizon.start if plan.meta else 0


def count_statuses(plan: PlanIndex, measure_ids: Iterable[str], year: int) -> dict[str, int]:
    """How many of these measures are in each of the seven statuses (plan statuses as their counts_as)."""
    counts = dict.fromkeys(STATUSES, 0)
    for mid in measure_ids:
        counts[plan.counted_status(mid, year)] += 1
    return counts


def count_plan_statuses(plan: PlanIndex, measure_ids: Iterable[str], year: int) -> dict[str, int]:
    """How many of these measures are in each of the plan's own statuses (all of them, zeros too)."""
    counts = dict.fromkeys(plan.plan_statuses, 0)
    if counts:
        for mid in measure_ids:
            s = plan.status_of(mid, year)
            if s in counts:
                counts[s] += 1
    return counts


def share(done: int, total: int) -> float:
    return round(done / total, 4) if total else 0.0


def in_area(plan: PlanIndex, area: str | None):
    """A test 'does this measure lie in the area (or an area inside it)?'; None: every measure."""
    if area is None:
        return lambda m: True
    ids = plan.area_ids(area)
    return lambda m: bool(ids.intersection(m.areas or ()))


def status(plan: PlanIndex, year: int, *, area: str | None = None) -> dict[str, Any]:
    """Top-level measures by status per field of action in ``year``, with the change since ``year - 1``.

    ``completed_share`` is completed measures over all counted measures of the field,
    ``change`` this year's count minus last year's, per status; ``by_plan_status``
    counts the plan's own statuses (empty without them). ``area`` counts only measures
    in that area or an area inside it.
    """
    keep = in_area(plan, area)
    rows = []
    all_ids: list[str] = []
    for f in plan.fields:
        ids = [m.id for m in f.measures if m.parent is None and keep(m)]
        all_ids += ids
        rows.append(_row(plan, f.id, f.title, ids, year))
    total = _row(plan, None, None, all_ids, year)
    total.pop("id"), total.pop("title")
    out = {"year": year, "fields": rows, "total": total, "by_plan_status": total["by_plan_status"]}
    if area is not None:
        out["area"] = area
    return out


def _row(plan: PlanIndex, fid, title, ids: list[str], year: int) -> dict[str, Any]:
    now = count_statuses(plan, ids, year)
    before = count_statuses(plan, ids, year - 1)
    return {
        "id": fid,
        "title": title,
        "measures": len(ids),
        "by_status": now,
        "completed_share": share(now[COMPLETED], len(ids)),
        "change": {s: now[s] - before[s] for s in STATUSES},
        "by_plan_status": count_plan_statuses(plan, ids, year),
    }
