"""Who answers for a measure: its lead actors, its committee, or its field of action.

One rule for the yearly survey (``isek progress request --by``) and the reminder
list (``isek due --by``), so that a reminder names exactly the workbook a
measure was asked in:

* **lead**: every lead actor of the measure (``lead`` may name several; each of
  them is asked). Partners are not asked; they see the measure read-only.
* **committee**: the measure's committee; a part without one belongs to the
  committee of its nearest ancestor that has one. Measures without any
  committee form the group :data:`NO_COMMITTEE`.
* **field**: the field of action the measure is written in.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..plan.index import PlanIndex
from ..plan.model import Measure

BY = ("lead", "committee", "field")
NO_COMMITTEE = "-"  # the group of measures that no committee oversees


def owners(plan: PlanIndex, measure_id: str, by: str) -> list[str]:
    """The group ids that answer for a measure (several only for co-leads)."""
    m = plan.measure_index[measure_id]
    if by == "lead":
        return list(dict.fromkeys(m.leads))
    if by == "committee":
        return [committee_of(plan, m)]
    if by == "field":
        return [plan.measure_field[m.id].id]
    raise ValueError(f"unknown grouping '{by}'; one of {', '.join(BY)}")


def committee_of(plan: PlanIndex, m: Measure) -> str:
    """The measure's committee, else its nearest ancestor's (cycles cut), else NO_COMMITTEE."""
    seen = set()
    while m is not None and m.id not in seen:
        if m.committee:
            return m.committee
        seen.add(m.id)
        m = plan.measure_index.get(m.parent) if m.parent else None
    return NO_COMMITTEE


def group_ids(plan: PlanIndex, by: str) -> list[str]:
    """Every group in plan order (actors.yaml, committees, fields), then NO_COMMITTEE if used."""
    if by == "lead":
        return [a.id for a in plan.actors]
    if by == "committee":
        return [c.id for c in plan.committees] + [NO_COMMITTEE]
    if by == "field":
        return [f.id for f in plan.fields]
    raise ValueError(f"unknown grouping '{by}'; one of {', '.join(BY)}")


def group_name(plan: PlanIndex, by: str, group: str) -> str:
    if by == "lead":
        return plan.actor_index[group].name
    if by == "committee":
        return plan.committee_index[group].name if group in plan.committee_index else ""
    return plan.field_index[group].title


def in_order(plan: PlanIndex) -> Iterator[tuple[Measure, int]]:
    """Every measure with its depth: top-level measures in plan order, each followed by its
    parts (any depth), so parts stand under their parent."""
    for _, m in plan.top_measures():
        yield m, 0
        stack = [(p, 1) for p in reversed(plan.parts_of(m.id))]
        seen = {m.id}
        while stack:
            mid, depth = stack.pop()
            if mid in seen:
                continue
            seen.add(mid)
            yield plan.measure_index[mid], depth
            stack.extend((p, depth + 1) for p in reversed(plan.parts_of(mid)))


def grouped(plan: PlanIndex, by: str, keep=lambda m: True) -> dict[str, list[tuple[Measure, int]]]:
    """Group id -> its measures (with depth), parts under their parent, groups in plan order;
    groups without a measure are left out. ``keep`` filters measures."""
    groups: dict[str, list[tuple[Measure, int]]] = {g: [] for g in group_ids(plan, by)}
    for m, depth in in_order(plan):
        if keep(m):
            for g in owners(plan, m.id, by):
                groups.setdefault(g, []).append((m, depth))
    return {g: rows for g, rows in groups.items() if rows}


def partner_measures(plan: PlanIndex, actor: str) -> list[Measure]:
    """Measures an actor is a partner of without leading them, parts under their parent."""
    return [m for m, _ in in_order(plan) if actor in (m.partners or ()) and actor not in m.leads]
