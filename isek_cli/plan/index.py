"""The assembled plan: every entity, indexed, with the status rule of the contract.

Built once by the loader from the per-file results; read by queries, reports
and writers. Only :meth:`PlanIndex.position` reads a file (to name a line).

The status rule (contract v2): a measure's status in year Y is its latest
update up to 31 Dec Y. A measure with parts (other measures naming it as
``parent``) and no update of its own takes its status from its parts: all the
same → that status; all closed → abgeschlossen; only not started or planning
→ in_planung; otherwise in_umsetzung. Counts use top-level measures only, and
a plan status (isek.yaml ``statuses``) counts as its ``counts_as``.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from .diagnostics import Loc
from .model import (
    CLOSED, COMPLETED, NOT_STARTED, STATUSES, Actor, Area, Committee, Decision, Drawdown, FieldOfAction, Goal,
    Grant, GuidingGoal, Indicator, Measure, PlanMeta, PlanStatus, Programme, Update, Value,
)

_SEVEN = frozenset(STATUSES)
_EARLY = frozenset((NOT_STARTED, "in_planung"))


@dataclass
class PlanIndex:
    root: Path
    meta: PlanMeta | None
    actors: list[Actor] = field(default_factory=list)
    committees: list[Committee] = field(default_factory=list)
    fields: list[FieldOfAction] = field(default_factory=list)
    field_files: dict[str, str] = field(default_factory=dict)  # field id -> rel path
    indicators: list[Indicator] = field(default_factory=list)
    progress_years: list[int] = field(default_factory=list)
    # derived indexes
    measure_index: dict[str, Measure] = field(default_factory=dict)
    measure_field: dict[str, FieldOfAction] = field(default_factory=dict)
    goals: dict[str, Goal] = field(default_factory=dict)
    goal_field: dict[str, FieldOfAction] = field(default_factory=dict)
    guiding_goals: dict[str, GuidingGoal] = field(default_factory=dict)
    actor_index: dict[str, Actor] = field(default_factory=dict)
    committee_index: dict[str, Committee] = field(default_factory=dict)
    indicator_index: dict[str, Indicator] = field(default_factory=dict)
    field_index: dict[str, FieldOfAction] = field(default_factory=dict)
    areas: list[Area] = field(default_factory=list)
    area_index: dict[str, Area] = field(default_factory=dict)
    decision_index: dict[str, Decision] = field(default_factory=dict)
    plan_statuses: dict[str, PlanStatus] = field(default_factory=dict)  # the plan's own status words
    parts: dict[str, list[str]] = field(default_factory=dict)  # measure -> its parts' ids, in plan order
    geometry: dict[str, dict] = field(default_factory=dict)  # area id -> GeoJSON geometry (read by the loader)
    programmes: list[Programme] = field(default_factory=list)
    programme_index: dict[str, Programme] = field(default_factory=dict)
    grants: list[Grant] = field(default_factory=list)
    grant_index: dict[str, Grant] = field(default_factory=dict)
    drawdowns: dict[str, list[Drawdown]] = field(default_factory=dict)  # grant -> its drawdowns by date
    has_funding_file: bool = False
    locs: dict[str, Loc] = field(default_factory=dict)  # id -> where it is defined
    history: dict[str, list[Update]] = field(default_factory=dict)  # measure -> its updates by date
    series: dict[str, list[tuple[Value, int]]] = field(default_factory=dict)  # indicator -> values by date
    _dates: dict[str, list[dt.date]] = field(default_factory=dict, repr=False)
    _partial: bool = False
    revision: str | None = None  # the git commit the plan was read from; None: the working tree
    # (measure, year) -> counted status, as asked: a report counts each measure in every year up to its
    # own (the completion series), per field and per priority; a site asks again for every year.
    _counted: dict[tuple[str, int], str] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __getstate__(self) -> dict:
        """The cache keeps the plan, not the answers of one command."""
        return {k: v for k, v in self.__dict__.items() if k != "_counted"} | {"_counted": {}}

    @classmethod
    def build(cls, root: Path, files) -> "PlanIndex":
        plan = cls(root=Path(root), meta=None)
        history: dict[str, list[Update]] = defaultdict(list)
        series: dict[str, list[tuple[Value, int]]] = defaultdict(list)
        drawdowns: dict[str, list[Drawdown]] = defaultdict(list)
        for pf in files:
            if pf.kind == "plan":
                plan.meta = pf.model
                for name, index in (("guiding_goals", plan.guiding_goals), ("decisions", plan.decision_index),
                                    ("statuses", plan.plan_statuses)):
                    for i, x in pf.items.get(name, []):
                        index.setdefault(x.id, x)
                        plan.locs.setdefault(x.id, Loc(pf.rel, (name, i)))
            elif pf.kind == "funding":
                plan.has_funding_file = True
                for name, target, index in (("programmes", plan.programmes, plan.programme_index),
                                            ("grants", plan.grants, plan.grant_index)):
                    for i, x in pf.items.get(name, []):
                        target.append(x)
                        index.setdefault(x.id, x)
                        plan.locs.setdefault(x.id, Loc(pf.rel, (name, i)))
            elif pf.kind == "areas":
                for i, a in pf.items.get("areas", []):
                    plan.areas.append(a)
                    plan.area_index.setdefault(a.id, a)
                    plan.locs.setdefault(a.id, Loc(pf.rel, ("areas", i)))
            elif pf.kind == "actors":
                for name, target, index in (("actors", plan.actors, plan.actor_index),
                                            ("committees", plan.committees, plan.committee_index)):
                    for i, a in pf.items.get(name, []):
                        target.append(a)
                        index.setdefault(a.id, a)
                        plan.locs.setdefault(a.id, Loc(pf.rel, (name, i)))
            elif pf.kind == "field" and (pf.model is not None or isinstance(pf.scalars.get("id"), str)):
                f: FieldOfAction = pf.model or _partial_field(pf)
                plan.fields.append(f)
                plan.field_files[f.id] = pf.rel
                plan.field_index.setdefault(f.id, f)
                plan.locs.setdefault(f.id, Loc(pf.rel))
                for i, g in enumerate(f.goals):
                    plan.goals.setdefault(g.id, g)
                    plan.goal_field.setdefault(g.id, f)
                    plan.locs.setdefault(g.id, Loc(pf.rel, ("goals", i)))
                for i, m in enumerate(f.measures):
                    plan.measure_index.setdefault(m.id, m)
                    plan.measure_field.setdefault(m.id, f)
                    plan.locs.setdefault(m.id, Loc(pf.rel, ("measures", i)))
            elif pf.kind == "indicators":
                for i, x in pf.items.get("indicators", []):
                    plan.indicators.append(x)
                    plan.indicator_index.setdefault(x.id, x)
                    plan.locs.setdefault(x.id, Loc(pf.rel, ("indicators", i)))
            elif pf.kind == "progress":
                year = int(pf.rel[-9:-5])
                plan.progress_years.append(year)
                for _, u in pf.items.get("updates", []):
                    history[u.measure].append(u)
                for i, v in pf.items.get("values", []):
                    series[v.indicator].append((v, i))
                for _, d in pf.items.get("drawdowns", []):
                    drawdowns[d.grant].append(d)
        plan.progress_years.sort()
        # Files are read in name order, so sorting by date alone keeps ties in file order.
        for entries in history.values():
            entries.sort(key=lambda u: u.date)
        for values in series.values():
            values.sort(key=lambda v: v[0].date)
        for _, m in plan.all_measures():
            if m.parent is not None and m.parent != m.id:
                plan.parts.setdefault(m.parent, []).append(m.id)
        plan._partial = any(pf.model is None for pf in files)
        for entries in drawdowns.values():
            entries.sort(key=lambda d: d.date)
        plan.drawdowns = dict(drawdowns)
        plan.history = dict(history)
        plan.series = dict(series)
        plan._dates = {m: [u.date for u in entries] for m, entries in history.items()}
        return plan

    @property
    def partial(self) -> bool:
        """True when built from files with errors (only their valid parts are here)."""
        return self._partial

    # --- the status rule ---------------------------------------------------

    @property
    def latest_year(self) -> int | None:
        return self.progress_years[-1] if self.progress_years else None

    def entries_until(self, measure_id: str, year: int) -> list[Update]:
        """Updates of a measure dated up to the end of ``year``, oldest first."""
        entries = self.history.get(measure_id, [])
        if year > dt.MAXYEAR:
            return entries
        if year < dt.MINYEAR:
            return []
        cut = bisect.bisect_right(self._dates.get(measure_id, []), dt.date(year, 12, 31))
        return entries[:cut]

    def latest(self, measure_id: str, year: int) -> Update | None:
        entries = self.entries_until(measure_id, year)
        return entries[-1] if entries else None

    def status_of(self, measure_id: str, year: int, _seen: frozenset = frozenset()) -> str:
        """The measure's status at the end of ``year``, as written (a plan status stays itself).

        Its latest update up to then (ties: later in the file); without one, the status
        derived from its parts; without parts, nicht_begonnen.
        """
        u = self.latest(measure_id, year)
        if u is not None:
            return u.status
        parts = self.parts.get(measure_id)
        if not parts or measure_id in _seen:  # a cycle is an error of its own; stop here
            return NOT_STARTED
        seen = _seen | {measure_id}
        own = [self.status_of(p, year, seen) for p in parts]
        if len(set(own)) == 1:
            return own[0]
        counted = {self.counts_as(s) for s in own}
        if counted <= set(CLOSED):
            return COMPLETED
        if counted <= _EARLY:
            return "in_planung"
        return "in_umsetzung"

    def counts_as(self, status: str) -> str:
        """One of the seven statuses: itself, or what a plan status counts as."""
        if status in _SEVEN:
            return status
        ps = self.plan_statuses.get(status)
        return ps.counts_as if ps is not None else NOT_STARTED

    def counted_status(self, measure_id: str, year: int) -> str:
        """The status a count puts the measure under (one of the seven)."""
        key = (measure_id, year)
        counted = self._counted.get(key)
        if counted is None:
            counted = self._counted[key] = self.counts_as(self.status_of(measure_id, year))
        return counted

    def is_part(self, measure_id: str) -> bool:
        m = self.measure_index.get(measure_id)
        return m is not None and m.parent is not None

    def parts_of(self, measure_id: str) -> list[str]:
        """Direct parts of a measure, in plan order."""
        return self.parts.get(measure_id, [])

    def descendants(self, measure_id: str) -> list[str]:
        """All parts, parts of parts …, depth first in plan order (cycles cut)."""
        out: list[str] = []
        seen = {measure_id}
        stack = list(reversed(self.parts.get(measure_id, [])))
        while stack:
            mid = stack.pop()
            if mid in seen:
                continue
            seen.add(mid)
            out.append(mid)
            stack.extend(reversed(self.parts.get(mid, [])))
        return out

    def percent_of(self, measure_id: str, year: int) -> int | None:
        """The latest reported percent up to the end of ``year``."""
        for u in reversed(self.entries_until(measure_id, year)):
            if u.percent is not None:
                return u.percent
        return None

    def spent_of(self, measure_id: str, year: int) -> int | None:
        """The latest reported spending up to the end of ``year`` (reports are cumulative)."""
        for u in reversed(self.entries_until(measure_id, year)):
            if u.spent_eur is not None:
                return u.spent_eur
        return None

    def updates_in(self, measure_id: str, year: int) -> list[Update]:
        return [u for u in self.history.get(measure_id, []) if u.date.year == year]

    def all_measures(self) -> Iterator[tuple[FieldOfAction, Measure]]:
        """Every measure, parts included, in plan order."""
        for f in self.fields:
            for m in f.measures:
                yield f, m

    def top_measures(self) -> Iterator[tuple[FieldOfAction, Measure]]:
        """The measures that counts count: those that are not a part of another."""
        for f in self.fields:
            for m in f.measures:
                if m.parent is None:
                    yield f, m

    def area_ids(self, area_id: str) -> set[str]:
        """An area and every area inside it (any depth)."""
        children: dict[str, list[str]] = {}
        for a in self.areas:
            if a.parent is not None:
                children.setdefault(a.parent, []).append(a.id)
        found, stack = set(), [area_id]
        while stack:
            a = stack.pop()
            if a not in found:
                found.add(a)
                stack.extend(children.get(a, []))
        return found

    def drawn(self, grant_id: str, year: int) -> int:
        """Money drawn from a grant by 31 Dec of ``year``."""
        return sum(d.eur for d in self.drawdowns.get(grant_id, ()) if d.date.year <= year)

    def grants_of(self, measure_id: str) -> list[Grant]:
        """The grants that name this measure, in funding.yaml order."""
        return [g for g in self.grants if measure_id in g.measures]

    def priority_values(self) -> list[int]:
        """The plan's priority scale: its own ``priorities``, else 1, 2, 3."""
        if self.meta is not None and self.meta.priorities:
            return [p.value for p in self.meta.priorities]
        return [1, 2, 3]

    def value_at(self, indicator_id: str, year: int, area: str | None = None) -> Value | None:
        """The latest value dated in ``year`` (ties: later in the file), for the whole city
        or for one ``area``."""
        found = None
        for v, _ in self.series.get(indicator_id, []):
            if v.date.year == year and v.area == area:
                found = v
        return found

    def position(self, id_: str) -> tuple[str, int, int] | None:
        """File, line and column where an entity is defined (read from the working tree)."""
        from .source import Locator

        loc = self.locs.get(id_)
        if loc is None or self.revision is not None:
            return None
        try:
            text = (self.root / loc.file).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            return None
        line, col = Locator(text).position(loc.path)
        return loc.file, line, col

    def kind_of(self, id_: str) -> str | None:
        for kind, index in (("measure", self.measure_index), ("goal", self.goals), ("field", self.field_index),
                            ("guiding_goal", self.guiding_goals), ("indicator", self.indicator_index),
                            ("actor", self.actor_index), ("committee", self.committee_index),
                            ("area", self.area_index), ("decision", self.decision_index),
                            ("plan_status", self.plan_statuses), ("programme", self.programme_index),
                            ("grant", self.grant_index)):
            if id_ in index:
                return kind
        return None


def _partial_field(pf) -> FieldOfAction:
    """A field of action from a file with errors: its valid goals and measures only.

    Used where a partial view is better than none (``isek diff`` of an invalid
    revision); commands that act on a plan refuse plans with errors anyway.
    """
    title = pf.scalars.get("title")
    return FieldOfAction.model_construct(
        id=pf.scalars["id"], title=title if isinstance(title, str) else pf.scalars["id"],
        description=None, guiding_goals=None,
        goals=[g for _, g in pf.items.get("goals", [])], measures=[m for _, m in pf.items.get("measures", [])])
