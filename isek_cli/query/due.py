"""What stands between the planning office and the report for year Y.

Three findings, all as of the cut-off date 31 December Y:

* **no update**: the measure has no progress entry dated in Y, although it is
  neither completed nor dropped, and its planned start year (if any) is not
  after Y. A measure that has never been reported and starts later is not due.
* **overdue**: the planned end year is Y or earlier and the measure is not
  completed (nor dropped) by the end of Y.
* **behind schedule**: for measures with start and end years, not closed and
  not yet past their end, the latest reported percent is compared with a
  linear schedule: expected = (Y - start + 1) / (end - start + 1) × 100.
  ratio = percent / expected; **on track** ≥ 0.95, **behind** 0.85–0.95,
  **at risk** < 0.85. Measures without any reported percent are not rated.
  Only *behind* and *at risk* are listed.
"""

from __future__ import annotations

from typing import Any

from ..plan.model import CLOSED, COMPLETED, DROPPED
from ..plan.index import PlanIndex

ON_TRACK = 0.95
BEHIND = 0.85


def expected_percent(start: int, end: int, year: int) -> float:
    if year < start:
        return 0.0
    span = end - start + 1
    return min(100.0, (year - start + 1) / span * 100)


def rate(ratio: float) -> str:
    if ratio >= ON_TRACK:
        return "on_track"
    if ratio >= BEHIND:
        return "behind"
    return "at_risk"


def schedule(plan: PlanIndex, measure_id: str, year: int) -> dict[str, Any] | None:
    """The linear-schedule rating of one measure in ``year``, or None if it cannot be rated."""
    m = plan.measure_index[measure_id]
    if m.start is None or m.end is None or m.start > year or m.end <= year:
        return None
    if plan.status_of(measure_id, year) in CLOSED:
        return None
    percent = plan.percent_of(measure_id, year)
    if percent is None:
        return None
    expected = expected_percent(m.start, m.end, year)
    ratio = percent / expected if expected else 1.0
    return {"percent": percent, "expected_percent": round(expected, 1), "ratio": round(ratio, 3), "rating": rate(ratio)}


def _row(plan: PlanIndex, measure_id: str, year: int, **extra: Any) -> dict[str, Any]:
    m = plan.measure_index[measure_id]
    row = {
        "id": m.id,
        "title": m.title,
        "field": plan.measure_field[m.id].id,
        "priority": m.priority,
        "lead": m.lead,
        "status": plan.status_of(m.id, year),
        "percent": plan.percent_of(m.id, year),
        "start": m.start,
        "end": m.end,
    }
    row.update(extra)
    return row


def due(plan: PlanIndex, year: int) -> dict[str, Any]:
    no_update, overdue, behind = [], [], []
    for _, m in plan.all_measures():
        status = plan.status_of(m.id, year)
        closed = status in (COMPLETED, DROPPED)
        last = plan.latest(m.id, year)
        if not closed and not plan.updates_in(m.id, year) and not (m.start is not None and m.start > year):
            no_update.append(_row(plan, m.id, year, last_update=last.date.isoformat() if last else None))
        if m.end is not None and m.end <= year and not closed:
            overdue.append(_row(plan, m.id, year, years_over=year - m.end))
        rating = schedule(plan, m.id, year)
        if rating and rating["rating"] != "on_track":
            behind.append(_row(plan, m.id, year, **rating))
    return {"year": year, "no_update": no_update, "overdue": overdue, "behind_schedule": behind,
            "total": len(no_update) + len(overdue) + len(behind)}
