"""What stands between the planning office and the report for year Y.

Three findings, all as of the cut-off date 31 December Y:

* **no update**: the measure has no progress entry dated in Y, although it is
  neither completed nor dropped, and its planned start year (if any) is not
  after Y. A measure that has never been reported and starts later is not due.
* **overdue**: the planned end year is Y or earlier and the measure is not
  completed (nor dropped) by the end of Y. A measure with parts is not overdue
  while none of its parts is.
* **behind schedule**: for measures with start and end years, not closed and
  not yet past their end, the latest reported percent is compared with a
  linear schedule: expected = (Y - start + 1) / (end - start + 1) × 100.
  ratio = percent / expected; **on track** ≥ 0.95, **behind** 0.85–0.95,
  **at risk** < 0.85. Measures without any reported percent are not rated.
  Only *behind* and *at risk* are listed. Month dates (``2021-04``) count in
  months: a measure from 2021-04 to 2022-03 is expected at 75 % by 31 Dec 2021.

Parts (measures with a ``parent``) are listed like any measure. A measure with
parts and no update of its own takes its status from them, so it is not listed
as lacking an update: its parts are.
"""

from __future__ import annotations

from typing import Any

from ..plan.index import PlanIndex
from ..plan.model import CLOSED, period_key
from .measures import measure_row

ON_TRACK = 0.95
BEHIND = 0.85


def expected_percent(start: int | str, end: int | str, year: int) -> float:
    """Linear schedule: the share of the planned months that lie before 31 Dec of ``year``."""
    sy, sm = period_key(start, end=False)
    ey, em = period_key(end, end=True)
    first, last = sy * 12 + sm, ey * 12 + em
    elapsed = year * 12 + 12 - first + 1
    if elapsed <= 0:
        return 0.0
    return min(100.0, elapsed / (last - first + 1) * 100)


def rate(ratio: float) -> str:
    if ratio >= ON_TRACK:
        return "on_track"
    if ratio >= BEHIND:
        return "behind"
    return "at_risk"


def schedule(plan: PlanIndex, measure_id: str, year: int) -> dict[str, Any] | None:
    """The linear-schedule rating of one measure in ``year``, or None if it cannot be rated."""
    m = plan.measure_index[measure_id]
    if m.start is None or m.end is None or m.start_year > year or m.end_year <= year:
        return None
    if plan.counted_status(measure_id, year) in CLOSED:
        return None
    percent = plan.percent_of(measure_id, year)
    if percent is None:
        return None
    expected = expected_percent(m.start, m.end, year)
    ratio = percent / expected if expected else 1.0
    return {"percent": percent, "expected_percent": round(expected, 1), "ratio": round(ratio, 3), "rating": rate(ratio)}


def _row(plan: PlanIndex, measure_id: str, year: int, **extra: Any) -> dict[str, Any]:
    return measure_row(plan, measure_id, year) | extra


def _overdue(plan: PlanIndex, m, year: int) -> bool:
    if m.end is None or m.end_year > year or plan.counted_status(m.id, year) in CLOSED:
        return False
    parts = plan.parts_of(m.id)
    return not parts or any(_overdue(plan, plan.measure_index[p], year) for p in parts)


def due(plan: PlanIndex, year: int) -> dict[str, Any]:
    no_update, overdue, behind = [], [], []
    for _, m in plan.all_measures():
        closed = plan.counted_status(m.id, year) in CLOSED
        last = plan.latest(m.id, year)
        from_parts = last is None and plan.parts_of(m.id)
        if (not closed and not from_parts and not plan.updates_in(m.id, year)
                and not (m.start is not None and m.start_year > year)):
            no_update.append(_row(plan, m.id, year, last_update=last.date.isoformat() if last else None))
        if _overdue(plan, m, year):
            overdue.append(_row(plan, m.id, year, years_over=year - m.end_year))
        rating = schedule(plan, m.id, year)
        if rating and rating["rating"] != "on_track":
            behind.append(_row(plan, m.id, year, **rating))
    return {"year": year, "no_update": no_update, "overdue": overdue, "behind_schedule": behind,
            "total": len(no_update) + len(overdue) + len(behind)}


def reminders(plan: PlanIndex, year: int, by: str = "lead") -> dict[str, Any]:
    """The reminder list: per actor (committee, field) the measures still without an entry in
    ``year`` (the *no update* rule above), grouped as ``isek progress request --by`` asks them."""
    from .groups import group_name, grouped

    missing = {r["id"]: r for r in due(plan, year)["no_update"]}
    groups = grouped(plan, by, keep=lambda m: m.id in missing)
    out = [{"id": g, "name": group_name(plan, by, g), "measures": [missing[m.id] for m, _ in rows]}
           for g, rows in groups.items()]
    return {"year": year, "by": by, "groups": out, "total": len(missing)}
