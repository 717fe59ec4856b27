"""Checks across plan files: unique ids, references, and the contract's logic.

Works on :class:`~isek_cli.loader.PlanFile` results, including files that
failed validation (their valid entries are still checked), and returns
problems without positions; the loader positions them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Iterable

from .diagnostics import Loc, Problem
from .model import CLOSED, COMPLETED
from .shape import Suggester

KIND_NAMES = {
    "guiding_goal": "guiding goal",
    "actor": "actor",
    "committee": "committee",
    "field": "field of action",
    "goal": "goal",
    "measure": "measure",
    "indicator": "indicator",
}


DEFINES = {"plan": ("guiding_goal",), "actors": ("actor", "committee"), "field": ("field", "goal", "measure"),
           "indicators": ("indicator",)}


def _a(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


@dataclass(frozen=True, slots=True)
class Entity:
    id: str
    kind: str
    loc: Loc  # points at the entity's mapping
    obj: Any
    field_id: str | None = None  # for goals and measures: the field they belong to


def entities(files) -> list[Entity]:
    """Every id-carrying entity, in file order."""
    out: list[Entity] = []
    for pf in files:
        if pf.kind == "plan":
            out += [Entity(g.id, "guiding_goal", Loc(pf.rel, ("guiding_goals", i)), g) for i, g in pf.items.get("guiding_goals", [])]
        elif pf.kind == "actors":
            out += [Entity(a.id, "actor", Loc(pf.rel, ("actors", i)), a) for i, a in pf.items.get("actors", [])]
            out += [Entity(c.id, "committee", Loc(pf.rel, ("committees", i)), c) for i, c in pf.items.get("committees", [])]
        elif pf.kind == "field":
            fid = pf.scalars.get("id")
            if isinstance(fid, str):
                out.append(Entity(fid, "field", Loc(pf.rel), pf.model))
            fid = fid if isinstance(fid, str) else None
            out += [Entity(g.id, "goal", Loc(pf.rel, ("goals", i)), g, fid) for i, g in pf.items.get("goals", [])]
            out += [Entity(m.id, "measure", Loc(pf.rel, ("measures", i)), m, fid) for i, m in pf.items.get("measures", [])]
        elif pf.kind == "indicators":
            out += [Entity(x.id, "indicator", Loc(pf.rel, ("indicators", i)), x) for i, x in pf.items.get("indicators", [])]
    return out


def _raw_ids(files) -> set[str]:
    """Ids written anywhere, also in entries that failed validation.

    A reference to a broken entry is not reported as unresolved: the broken
    entry already has its own problem, and one mistake should read as one.
    """
    ids: set[str] = set()

    def scan(node: Any, depth: int = 0) -> None:
        if depth > 4:
            return
        if isinstance(node, dict):
            if isinstance(node.get("id"), str):
                ids.add(node["id"])
            for v in node.values():
                if isinstance(v, (list, dict)):
                    scan(v, depth + 1)
        elif isinstance(node, list):
            for v in node:
                scan(v, depth + 1)

    for pf in files:
        if pf.model is None and pf.kind != "progress":
            scan(pf.source.data)
    return ids


def cross_check(files) -> list[Problem]:
    problems: list[Problem] = []
    ents = entities(files)
    by_id: dict[str, Entity] = {}
    for e in ents:
        first = by_id.get(e.id)
        if first is None:
            by_id[e.id] = e
            continue
        what = KIND_NAMES[first.kind]
        problems.append(Problem("E301", e.loc.child("id") if e.kind != "field" else Loc(e.loc.file, ("id",)),
                                f"duplicate id '{e.id}': already used for the {what} in {first.loc.file}",
                                "every id must be unique across the whole plan; rename one of them"))
    broken = _raw_ids(files) - set(by_id)
    # Kinds defined in a file that could not be read at all: their ids are unknown,
    # so references to them are not reported (the file's own problem says it all).
    unknown_kinds = {k for pf in files if pf.source.data is None and pf.model is None
                     for k in DEFINES.get(pf.kind, ())}
    of_kind: dict[str, list[str]] = defaultdict(list)
    for e in by_id.values():
        of_kind[e.kind].append(e.id)

    suggesters: dict[tuple[str, ...], Suggester] = {}  # one per kind of reference: built once, asked often

    def ref(value: str, kinds: tuple[str, ...], loc, what: str) -> Entity | None:
        """Resolve a reference; ``loc`` may be a callable so hot loops build no Loc."""
        target = by_id.get(value)
        if target is not None and target.kind in kinds:
            return target
        if value in broken or (target is None and unknown_kinds.intersection(kinds)):
            return None
        if callable(loc):
            loc = loc()
        names = " or ".join(KIND_NAMES[k] for k in kinds)
        if target is not None:
            msg = f"{what} '{value}' is {_a(KIND_NAMES[target.kind])}, not {_a(names)}"
        else:
            msg = f"{what} '{value}' does not exist"
        suggest = suggesters.get(kinds) or suggesters.setdefault(kinds, Suggester(i for k in kinds for i in of_kind[k]))
        hint = suggest.hint(value) or f"use the id of {_a(names)} defined in the plan"
        problems.append(Problem("E302", loc, msg, hint))
        return None

    meta = next((pf for pf in files if pf.kind == "plan"), None)
    horizon = meta.scalars.get("horizon") if meta else None
    if isinstance(horizon, dict):  # isek.yaml has errors: use what can be read of the horizon
        start, end = horizon.get("start"), horizon.get("end")
    else:
        start, end = getattr(horizon, "start", None), getattr(horizon, "end", None)
    start, end = (v if isinstance(v, int) and not isinstance(v, bool) else None for v in (start, end))
    if isinstance(start, int) and isinstance(end, int) and end < start:
        problems.append(Problem("E308", Loc(meta.rel, ("horizon", "end")), f"horizon ends ({end}) before it starts ({start})",
                                "the horizon's end year must be on or after its start year"))
        start = end = None
    in_horizon = (lambda y: start <= y <= end) if isinstance(start, int) and isinstance(end, int) else (lambda y: True)

    used_guiding: set[str] = set()
    for e in ents:
        if e.kind == "field" and e.obj is not None:
            problems += _check_field(e, ref, used_guiding)
        elif e.kind == "field":  # the file is invalid; still check the guiding goals it names
            raw = next(p for p in files if p.rel == e.loc.file).scalars.get("guiding_goals")
            for j, g in enumerate(raw if isinstance(raw, list) else []):
                if isinstance(g, str):
                    used_guiding.add(g)
                    ref(g, ("guiding_goal",), Loc(e.loc.file, ("guiding_goals", j)), "guiding goal")
        elif e.kind == "measure":
            problems += _check_measure(e, by_id, ref, in_horizon, start, end)
        elif e.kind == "indicator":
            problems += _check_indicator(e, ref)
    for e in ents:
        if e.kind == "guiding_goal" and e.id not in used_guiding and any(x.kind == "field" for x in ents):
            problems.append(Problem("W409", e.loc.child("id"), f"no field of action serves guiding goal '{e.id}'",
                                    "list it under 'guiding_goals' of the fields that serve it", severity="warning"))
    problems += _check_progress(files, ref, in_horizon, start, end)
    return problems


def _check_field(e: Entity, ref, used_guiding: set[str]) -> list[Problem]:
    out: list[Problem] = []
    f = e.obj
    for j, g in enumerate(f.guiding_goals or []):
        used_guiding.add(g)
        ref(g, ("guiding_goal",), Loc(e.loc.file, ("guiding_goals", j)), "guiding goal")
    if not f.measures:
        out.append(Problem("W407", Loc(e.loc.file, ("measures",)), f"field of action '{f.id}' has no measures",
                           "add measures, or remove the file if the field was dropped", severity="warning"))
    return out


def _check_measure(e: Entity, by_id, ref, in_horizon, start, end) -> list[Problem]:
    out: list[Problem] = []
    m = e.obj
    loc = e.loc
    for j, g in enumerate(m.goals):
        goal = ref(g, ("goal",), loc.child("goals", j), "goal")
        if goal is not None and e.field_id and goal.field_id != e.field_id:
            out.append(Problem("E303", loc.child("goals", j),
                               f"goal '{g}' belongs to field of action '{goal.field_id}', not to '{e.field_id}' of measure '{m.id}'",
                               f"use a goal of {e.field_id}, or move the measure to {goal.field_id}"))
    ref(m.lead, ("actor",), loc.child("lead"), "lead actor")
    for j, p in enumerate(m.partners or []):
        ref(p, ("actor",), loc.child("partners", j), "partner")
    if m.committee is not None:
        ref(m.committee, ("committee",), loc.child("committee"), "committee")
    for j, k in enumerate(m.indicators or []):
        ref(k, ("indicator",), loc.child("indicators", j), "indicator")
    if m.start is not None and m.end is not None and m.end < m.start:
        out.append(Problem("E304", loc.child("end"), f"measure '{m.id}' ends ({m.end}) before it starts ({m.start})",
                           "the end year must be on or after the start year"))
    for key in ("start", "end"):
        year = getattr(m, key)
        if year is not None and not in_horizon(year):
            out.append(Problem("W401", loc.child(key), f"{key} year {year} of measure '{m.id}' lies outside the horizon {start}–{end}",
                               "check the year, or widen the horizon in isek.yaml", severity="warning"))
    return out


def _check_indicator(e: Entity, ref) -> list[Problem]:
    out: list[Problem] = []
    x = e.obj
    for j, f in enumerate(x.fields or []):
        ref(f, ("field",), e.loc.child("fields", j), "field of action")
    if x.target is not None and x.direction != "neutral":
        better = x.target.value > x.baseline.value if x.direction == "up" else x.target.value < x.baseline.value
        if not better and x.target.value != x.baseline.value:
            out.append(Problem("W410", e.loc.child("target", "value"),
                               f"target {x.target.value:g} of '{x.id}' lies against its direction '{x.direction}' (baseline {x.baseline.value:g})",
                               "check the direction (up, down, neutral) or the target value", severity="warning"))
    return out


def _check_progress(files, ref, in_horizon, start, end) -> list[Problem]:
    out: list[Problem] = []
    # Updates in date order across files (ties: file order), for the history checks.
    # Locations are built only for problems: a state-wide plan has 100,000s of entries.
    history: dict[str, list[tuple[Any, str, int]]] = defaultdict(list)
    seen_values: dict[tuple, Loc] = {}
    for pf in sorted((p for p in files if p.kind == "progress"), key=lambda p: p.rel):
        rel = pf.rel
        name_year = int(rel.rsplit("/", 1)[-1][:4])
        year = pf.scalars.get("year")
        if isinstance(year, int) and not isinstance(year, bool) and year != name_year:
            out.append(Problem("E305", Loc(rel, ("year",)), f"year {year} differs from the file name {rel}",
                               f"write 'year: {name_year}' or rename the file to progress/{year}.yaml"))
        if not in_horizon(name_year):
            out.append(Problem("W402", Loc(rel, ("year",)), f"progress for {name_year} lies outside the horizon {start}–{end}",
                               "check the year, or widen the horizon in isek.yaml", severity="warning"))
        for i, u in pf.items.get("updates", []):
            ref(u.measure, ("measure",), lambda rel=rel, i=i: Loc(rel, ("updates", i, "measure")), "measure")
            if u.date.year != name_year:
                out.append(Problem("E306", Loc(rel, ("updates", i, "date")), f"date {u.date} lies outside the file's year {name_year}",
                                   f"record it in progress/{u.date.year}.yaml, or correct the date"))
            if u.percent == 100 and u.status != COMPLETED:
                out.append(Problem("E307", Loc(rel, ("updates", i, "percent")), f"percent 100 with status '{u.status}' for '{u.measure}'",
                                   "a measure is 100 % done only when abgeschlossen; set the status or lower the percent"))
            history[u.measure].append((u, rel, i))
        for i, v in pf.items.get("values", []):
            ref(v.indicator, ("indicator",), lambda rel=rel, i=i: Loc(rel, ("values", i, "indicator")), "indicator")
            if v.date.year != name_year:
                out.append(Problem("E306", Loc(rel, ("values", i, "date")), f"date {v.date} lies outside the file's year {name_year}",
                                   f"record it in progress/{v.date.year}.yaml, or correct the date"))
            key = (v.indicator, v.date)
            if key in seen_values:
                out.append(Problem("W408", Loc(rel, ("values", i)), f"second value for '{v.indicator}' on {v.date}",
                                   "remove one of them; the later one in the file counts", severity="warning"))
            seen_values[key] = True
    for measure, entries in history.items():
        entries.sort(key=lambda e: e[0].date)  # stable: ties keep file order
        out += _check_history(measure, entries)
    return out


def _check_history(measure: str, entries: Iterable[tuple[Any, str, int]]) -> list[Problem]:
    out: list[Problem] = []
    best = None
    closed_by = None
    for u, rel, i in entries:
        if closed_by is not None and u.status != closed_by.status:
            out.append(Problem("W406", Loc(rel, ("updates", i, "status")),
                               f"'{measure}' is '{u.status}' on {u.date} after it was '{closed_by.status}' on {closed_by.date}",
                               "if the measure was reopened, say so in the note; otherwise correct the entry", severity="warning"))
            closed_by = None
        if u.percent is not None:
            if best is not None and u.percent < best:
                out.append(Problem("W405", Loc(rel, ("updates", i, "percent")),
                                   f"percent of '{measure}' falls from {best} to {u.percent} on {u.date}",
                                   "if the scope grew, say so in the note; otherwise correct the value", severity="warning"))
            best = u.percent if best is None else max(best, u.percent)
        if u.status in CLOSED:
            closed_by = u
    return out
