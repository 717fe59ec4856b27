"""The assembled plan: every entity, indexed, with the status rule of the contract.

Built once by the loader from the per-file results; read by queries, reports
and writers. It never reads files itself.
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
    NOT_STARTED, Actor, Committee, FieldOfAction, Goal, GuidingGoal, Indicator, Measure, PlanMeta, Update, Value,
)


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
    locs: dict[str, Loc] = field(default_factory=dict)  # id -> where it is defined
    history: dict[str, list[Update]] = field(default_factory=dict)  # measure -> its updates by date
    series: dict[str, list[tuple[Value, int]]] = field(default_factory=dict)  # indicator -> values by date
    _dates: dict[str, list[dt.date]] = field(default_factory=dict, repr=False)
    _partial: bool = False
    revision: str | None = None  # the git commit the plan was read from; None: the working tree

    @classmethod
    def build(cls, root: Path, files) -> "PlanIndex":
        plan = cls(root=Path(root), meta=None)
        history: dict[str, list[Update]] = defaultdict(list)
        series: dict[str, list[tuple[Value, int]]] = defaultdict(list)
        for pf in files:
            if pf.kind == "plan":
                plan.meta = pf.model
                for i, g in pf.items.get("guiding_goals", []):
                    plan.guiding_goals.setdefault(g.id, g)
                    plan.locs.setdefault(g.id, Loc(pf.rel, ("guiding_goals", i)))
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
        plan.progress_years.sort()
        # Files are read in name order, so sorting by date alone keeps ties in file order.
        for entries in history.values():
            entries.sort(key=lambda u: u.date)
        for values in series.values():
            values.sort(key=lambda v: v[0].date)
        plan._partial = any(pf.model is None for pf in files)
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

    def status_of(self, measure_id: str, year: int) -> str:
        """Latest update up to the end of ``year`` (ties: later in file); else nicht_begonnen."""
        u = self.latest(measure_id, year)
        return u.status if u else NOT_STARTED

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
        for f in self.fields:
            for m in f.measures:
                yield f, m

    def value_at(self, indicator_id: str, year: int) -> Value | None:
        """The latest value dated in ``year`` (ties: later in the file)."""
        found = None
        for v, _ in self.series.get(indicator_id, []):
            if v.date.year == year:
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
                            ("actor", self.actor_index), ("committee", self.committee_index)):
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
