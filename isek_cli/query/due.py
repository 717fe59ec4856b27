"""What stands between the planning office and the report for year Y.

Findings as of the cut-off date 31 December Y. Each measure is listed at most
once, under the first rule that applies, in this order:

* **deferred** (for information): the measure's status is *zurückgestellt*, a
  decision to pause it. It is not also called overdue, behind or unreported,
  and it does not count towards ``total`` (nor fail ``--strict``).
* **overdue**: the planned end year is Y or earlier and the measure is not
  completed (nor dropped) by the end of Y. A measure with parts is not overdue
  while none of its parts is.
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

Month dates (``2021-04``) count in months: a measure from 2021-04 to 2022-03
is expected at 75 % by 31 Dec 2021. Parts (measures with a ``parent``) are
listed like any measure; a measure with parts and no update of its own takes
its status from them, so it is not listed as lacking an update: its parts are.
A plan status counts as its ``counts_as``.

Every row is a measure row (``query/measures.measure_row``) plus
``last_update`` (ISO date or null), so an overdue measure that also lacks an
update in Y shows it there. The report's chapter on measures needing attention
uses exactly these lists.

``reminders`` is the other view, for ``isek due --by lead``: not each measure
once, but every measure that lacks the entry it is due in Y (the *no update*
rule), whichever list it stands in, grouped by who answers for it.
"""

from __future__ import annotations

from typing import Any

from ..plan.index import PlanIndex
from ..plan.model import CLOSED, DEFERRED, period_key
from .measures import measure_row

TOLERANCE = 10.0  # percentage points behind a linear schedule that still count as on track
AT_RISK_GAP = 25.0  # more than this many points behind: at risk
REASONS = ("overdue", "behind_schedule", "no_update")  # the findings that count (deferred is information)


def expected_percent(start: int | str, end: int | str, year: int) -> float:
    """Linear schedule: the share of the planned months that lie before 31 Dec of ``year``."""
    sy, sm = period_key(start, end=False)
    ey, em = period_key(end, end=True)
    first, last = sy * 12 + sm, ey * 12 + em
    elapsed = year * 12 + 12 - first + 1
    if elapsed <= 0:
        return 0.0
    return min(100.0, elapsed / (last - first + 1) * 100)


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
    if m.start is None or m.end is None or m.start_year >= year or m.end_year <= year:
        return None  # no dates, first year (too early to judge), or at/after its end (overdue rules)
    if plan.counted_status(measure_id, year) in CLOSED + (DEFERRED,):
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
    last = plan.latest(measure_id, year)
    return measure_row(plan, measure_id, year) | {"last_update": last.date.isoformat() if last else None} | extra


def _overdue(plan: PlanIndex, m, year: int) -> bool:
    if m.end is None or m.end_year > year or plan.counted_status(m.id, year) in CLOSED:
        return False
    parts = plan.parts_of(m.id)
    return not parts or any(_overdue(plan, plan.measure_index[p], year) for p in parts)


def due(plan: PlanIndex, year: int) -> dict[str, Any]:
    found: dict[str, list[dict[str, Any]]] = {"deferred": [], "overdue": [], "behind_schedule": [], "no_update": []}
    for _, m in plan.all_measures():
        status = plan.counted_status(m.id, year)
        if status in CLOSED:
            continue
        if status == DEFERRED:
            found["deferred"].append(_row(plan, m.id, year))
        elif _overdue(plan, m, year):
            found["overdue"].append(_row(plan, m.id, year, years_over=year - m.end_year))
        elif (rating := schedule(plan, m.id, year)) and rating["rating"] != "on_track":
            found["behind_schedule"].append(_row(plan, m.id, year, **rating))
        elif _lacks_entry(plan, m, year):
            found["no_update"].append(_row(plan, m.id, year))
    return {"year": year, **found, "total": sum(len(found[r]) for r in REASONS)}


def _lacks_entry(plan: PlanIndex, m, year: int) -> bool:
    """The *no update* rule for an open, not deferred measure: no entry dated in ``year`` although it
    has started, and it does not take its status from its parts."""
    from_parts = plan.latest(m.id, year) is None and plan.parts_of(m.id)
    return not from_parts and not plan.updates_in(m.id, year) and not (m.start is not None and m.start_year > year)


def reminders(plan: PlanIndex, year: int, by: str = "lead") -> dict[str, Any]:
    """The reminder list: per actor (committee, field) every measure that is due an entry in ``year``
    and has none, grouped as ``isek progress request --by`` asks them. Unlike :func:`due`, which lists
    each measure once, this includes the overdue and behind-schedule measures without an entry (their
    ``reason`` says so; ``no_update`` for the rest): a reminder goes to everyone who owes an answer."""
    from .groups import group_name, grouped

    found = due(plan, year)
    missing = {r["id"]: r | {"reason": reason} for reason in REASONS for r in found[reason]
               if _lacks_entry(plan, plan.measure_index[r["id"]], year)}
    groups = grouped(plan, by, keep=lambda m: m.id in missing)
    out = [{"id": g, "name": group_name(plan, by, g), "measures": [missing[m.id] for m, _ in rows]}
           for g, rows in groups.items()]
    return {"year": year, "by": by, "groups": out, "total": len(missing)}
