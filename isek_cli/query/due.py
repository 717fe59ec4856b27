"""What stands between the planning office and the report for year Y.

Findings as of the cut-off date 31 December Y. Each measure is listed at most
once, under the first rule that applies, in this order:

* **deferred** (for information): the measure's status is *zurückgestellt*, a
  decision to pause it. It is not also called overdue, behind or unreported,
  and it does not count towards ``total`` (nor fail ``--strict``).
* **overdue**: the planned end year is Y or earlier and the measure is not
  completed (nor dropped) by the end of Y.
* **behind schedule**: for measures with start and end years, not closed and
  not yet past their end, and **not in their first year** (start < Y), the
  latest reported percent is compared with a linear schedule:
  expected = (Y - start + 1) / (end - start + 1) × 100, gap = expected - percent
  in percentage points. Within a tolerance of 10 points a measure is on track
  (not listed); **behind** up to 25 points; **at risk** beyond. ``ratio`` =
  percent / expected is given for information. Measures without any reported
  percent are not rated.
* **no update**: no progress entry dated in Y, although the measure is neither
  completed nor dropped and its planned start year (if any) is not after Y. A
  measure that has never been reported and starts later is not due.

Every row carries ``last_update`` (ISO date or null), so an overdue measure
that also lacks an update in Y shows it there. The report's chapter on
measures needing attention uses exactly these lists.
"""

from __future__ import annotations

from typing import Any

from ..plan.model import CLOSED, COMPLETED, DEFERRED, DROPPED
from ..plan.index import PlanIndex

TOLERANCE = 10.0  # percentage points behind a linear schedule that still count as on track
AT_RISK_GAP = 25.0  # more than this many points behind: at risk
REASONS = ("overdue", "behind_schedule", "no_update")  # the findings that count (deferred is information)


def expected_percent(start: int, end: int, year: int) -> float:
    if year < start:
        return 0.0
    span = end - start + 1
    return min(100.0, (year - start + 1) / span * 100)


def rate(gap: float) -> str:
    """The rating of a measure ``gap`` percentage points behind its linear schedule."""
    if gap <= TOLERANCE:
        return "on_track"
    if gap <= AT_RISK_GAP:
        return "behind"
    return "at_risk"


def schedule(plan: PlanIndex, measure_id: str, year: int) -> dict[str, Any] | None:
    """The linear-schedule rating of one measure in ``year``, or None if it cannot be rated."""
    m = plan.measure_index[measure_id]
    if m.start is None or m.end is None or m.start >= year or m.end <= year:
        return None  # no dates, first year (too early to judge), or at/after its end (overdue rules)
    if plan.status_of(measure_id, year) in CLOSED + (DEFERRED,):
        return None
    percent = plan.percent_of(measure_id, year)
    if percent is None:
        return None
    expected = expected_percent(m.start, m.end, year)
    gap = expected - percent
    ratio = percent / expected if expected else 1.0
    return {"percent": percent, "expected_percent": round(expected, 1), "gap_points": round(gap, 1),
            "ratio": round(ratio, 3), "rating": rate(gap)}


def _row(plan: PlanIndex, measure_id: str, year: int, **extra: Any) -> dict[str, Any]:
    m = plan.measure_index[measure_id]
    last = plan.latest(m.id, year)
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
        "last_update": last.date.isoformat() if last else None,
    }
    row.update(extra)
    return row


def due(plan: PlanIndex, year: int) -> dict[str, Any]:
    found: dict[str, list[dict[str, Any]]] = {"deferred": [], "overdue": [], "behind_schedule": [], "no_update": []}
    for _, m in plan.all_measures():
        status = plan.status_of(m.id, year)
        if status in (COMPLETED, DROPPED):
            continue
        if status == DEFERRED:
            found["deferred"].append(_row(plan, m.id, year))
        elif m.end is not None and m.end <= year:
            found["overdue"].append(_row(plan, m.id, year, years_over=year - m.end))
        elif (rating := schedule(plan, m.id, year)) and rating["rating"] != "on_track":
            found["behind_schedule"].append(_row(plan, m.id, year, **rating))
        elif not plan.updates_in(m.id, year) and not (m.start is not None and m.start > year):
            found["no_update"].append(_row(plan, m.id, year))
    return {"year": year, **found, "total": sum(len(found[r]) for r in REASONS)}
