"""Checks across plan files: unique ids, references, and the contract's logic.

Works on :class:`~isek_cli.loader.PlanFile` results, including files that
failed validation (their valid entries are still checked), and returns
problems without positions; the loader positions them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import partial
from typing import Any

from .diagnostics import Loc, Problem
from .model import STATUSES, period_key, period_year
from .checks_money import check_grant, check_money
from .checks_progress import check_progress
from . import shape
from .suggest import IdHints

KIND_NAMES = {
    "guiding_goal": "guiding goal",
    "decision": "decision",
    "plan_status": "plan status",
    "area": "area",
    "programme": "funding programme",
    "grant": "grant",
    "actor": "actor",
    "committee": "committee",
    "field": "field of action",
    "goal": "goal",
    "measure": "measure",
    "indicator": "indicator",
}


DEFINES = {"plan": ("guiding_goal", "decision", "plan_status"), "actors": ("actor", "committee"),
           "field": ("field", "goal", "measure"), "indicators": ("indicator",), "areas": ("area",),
           "funding": ("programme", "grant")}


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
            out += [Entity(d.id, "decision", Loc(pf.rel, ("decisions", i)), d) for i, d in pf.items.get("decisions", [])]
            out += [Entity(s.id, "plan_status", Loc(pf.rel, ("statuses", i)), s) for i, s in pf.items.get("statuses", [])]
        elif pf.kind == "areas":
            out += [Entity(a.id, "area", Loc(pf.rel, ("areas", i)), a) for i, a in pf.items.get("areas", [])]
        elif pf.kind == "funding":
            out += [Entity(x.id, "programme", Loc(pf.rel, ("programmes", i)), x) for i, x in pf.items.get("programmes", [])]
            out += [Entity(g.id, "grant", Loc(pf.rel, ("grants", i)), g) for i, g in pf.items.get("grants", [])]
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

    hinters: dict[tuple[str, ...], IdHints] = {}

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
        hinter = hinters.get(kinds)
        if hinter is None:  # one per kind of reference, so many wrong references stay cheap
            hinter = hinters[kinds] = IdHints([i for k in kinds for i in of_kind[k]])
        hint = hinter.hint(value) or f"use the id of {_a(names)} defined in the plan"
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

    statuses, scale = _vocabulary(files, ents, problems)
    _priority_hints(files, scale)
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
            problems += _check_measure(e, by_id, ref, in_horizon, start, end, scale)
        elif e.kind == "indicator":
            problems += _check_indicator(e, ref)
        elif e.kind == "area" and e.obj.parent is not None:
            ref(e.obj.parent, ("area",), e.loc.child("parent"), "parent area")
        elif e.kind == "grant":
            problems += check_grant(e, ref)
    problems += check_money(files, ents, ref)
    problems += _cycles({e.id: (e.obj.parent, e.loc) for e in ents if e.kind == "measure"}, "parts", "measure")
    problems += _cycles({e.id: (e.obj.parent, e.loc) for e in ents if e.kind == "area"}, "areas", "area")
    for e in ents:
        if e.kind == "guiding_goal" and e.id not in used_guiding and any(x.kind == "field" for x in ents):
            problems.append(Problem("W409", e.loc.child("id"), f"no field of action serves guiding goal '{e.id}'",
                                    "list it under 'guiding_goals' of the fields that serve it", severity="warning"))
    measures = frozenset(of_kind["measure"])  # what the entries name, almost always: no call for those
    problems += check_progress(files, ref, in_horizon, start, end, statuses, measures)
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


def _check_measure(e: Entity, by_id, ref, in_horizon, start, end, scale) -> list[Problem]:
    out: list[Problem] = []
    m = e.obj
    loc = e.loc
    at = loc.child  # places are built only for problems (ref calls them): 30,000 references in 10,000 measures
    fields = {e.field_id}
    for j, f in enumerate(m.also_fields or []):
        if ref(f, ("field",), partial(at, "also_fields", j), "field of action") is not None:
            fields.add(f)
    for j, g in enumerate(m.goals or []):
        goal = ref(g, ("goal",), partial(at, "goals", j), "goal")
        if goal is not None and e.field_id and goal.field_id not in fields:
            out.append(Problem("E303", loc.child("goals", j),
                               f"goal '{g}' belongs to field of action '{goal.field_id}', not to '{e.field_id}' of measure '{m.id}'",
                               f"use a goal of {e.field_id}, move the measure to {goal.field_id}, "
                               f"or add also_fields: [{goal.field_id}]"))
    if isinstance(m.lead, str):
        ref(m.lead, ("actor",), partial(at, "lead"), "lead actor")
    else:
        for j, a in enumerate(m.lead):
            ref(a, ("actor",), partial(at, "lead", j), "lead actor")
    for j, p in enumerate(m.partners or []):
        ref(p, ("actor",), partial(at, "partners", j), "partner")
    if m.committee is not None:
        ref(m.committee, ("committee",), partial(at, "committee"), "committee")
    for j, k in enumerate(m.indicators or []):
        ref(k, ("indicator",), partial(at, "indicators", j), "indicator")
    for j, a in enumerate(m.areas or []):
        ref(a, ("area",), partial(at, "areas", j), "area")
    for j, d in enumerate(m.decided_by or []):
        ref(d, ("decision",), partial(at, "decided_by", j), "decision")
    if m.parent is not None and m.parent != m.id:
        ref(m.parent, ("measure",), partial(at, "parent"), "parent measure")
    if scale is None and m.priority > 3:
        out.append(Problem("E204", loc.child("priority"), f"'priority' in '{m.id}': {m.priority} is out of range",
                           "priority is 1 (highest), 2 or 3"))
    elif scale is not None and m.priority not in scale:
        out.append(Problem("E204", loc.child("priority"), f"'priority' in '{m.id}': {m.priority} is not on the plan's "
                           "priority scale", "this plan's priorities (isek.yaml): " + scale_text(scale)))
    if m.start is not None and m.end is not None and period_key(m.end, True) < period_key(m.start, False):
        out.append(Problem("E304", loc.child("end"), f"measure '{m.id}' ends ({m.end}) before it starts ({m.start})",
                           "the end year must be on or after the start year"))
    for key in ("start", "end"):
        value = getattr(m, key)
        if value is not None and not in_horizon(period_year(value)):
            out.append(Problem("W401", loc.child(key), f"{key} year {value} of measure '{m.id}' lies outside the horizon {start}–{end}",
                               "check the year, or widen the horizon in isek.yaml", severity="warning"))
    return out


ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5}


def _priority_hints(files, scale: dict[int, str] | None) -> None:
    """A priority that is no number (``priority: I``, ``hoch``) gets the plan's own scale as its hint:
    only now, with isek.yaml read, is the scale known."""
    for pf in files:
        for p in pf.source.problems:
            if p.code == "E203" and p.loc.path[-1:] == ("priority",):
                levels = scale_text(scale) if scale else "1 (highest), 2, 3"
                raw = str(shape.value_at(pf.source.data, p.loc.path)).strip()
                meant = ROMAN.get(raw.upper())
                lead = f"write {meant}, not {raw}; " if meant is not None and (scale is None or meant in scale) else ""
                p.hint = f"{lead}priority is a number of the plan's scale: {levels}"


def scale_text(scale: dict[int, str]) -> str:
    return ", ".join(f"{v} ({t})" for v, t in scale.items())


def _vocabulary(files, ents: list[Entity], problems: list[Problem]) -> tuple[dict[str, str], dict[int, str] | None]:
    """Every status word the plan knows (to what it counts as) and its priority scale (None: 1..3)."""
    statuses = {s: s for s in STATUSES}
    for e in ents:
        if e.kind != "plan_status":
            continue
        if e.id in STATUSES:
            problems.append(Problem("E310", e.loc.child("id"), f"plan status '{e.id}' is named like a built-in status",
                                    f"'{e.id}' is one of the seven statuses already; give the plan status its own id "
                                    "(e.g. verzoegert) or remove it"))
        else:
            statuses.setdefault(e.id, e.obj.counts_as)
    meta = next((pf for pf in files if pf.kind == "plan"), None)
    data = meta.source.data if meta is not None and meta.model is None else None
    raw_statuses = data.get("statuses") if isinstance(data, dict) else None
    for raw in raw_statuses if isinstance(raw_statuses, list) else ():
        # A plan status with errors of its own: its uses are not errors too (one mistake, one problem).
        if isinstance(raw, dict) and isinstance(raw.get("id"), str):
            statuses.setdefault(raw["id"], raw.get("counts_as") if raw.get("counts_as") in STATUSES else STATUSES[0])
    levels = list(meta.items.get("priorities", [])) if meta is not None else []
    raw = meta.scalars.get("priorities") if meta is not None and meta.model is None else None
    if not levels and not raw:
        return statuses, None
    scale: dict[int, str] = {}
    for i, level in levels:
        if level.value in scale:
            problems.append(Problem("E312", Loc(meta.rel, ("priorities", i, "value")),
                                    f"priority {level.value} is on the scale twice",
                                    "give each level of the priority scale its own value"))
        scale.setdefault(level.value, level.title)
    return statuses, scale


def _cycles(parent_of: dict[str, tuple[str | None, Loc]], what: str, noun: str) -> list[Problem]:
    """One problem per cycle of ``parent`` links, at the first member in file order; linear time."""
    out: list[Problem] = []
    order = {n: i for i, n in enumerate(parent_of)}
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in parent_of:
        path: list[str] = []
        node: str | None = start
        while node is not None and node in parent_of and state.get(node) is None:
            state[node] = 1
            path.append(node)
            node = parent_of[node][0]
        if node is not None and state.get(node) == 1:
            cycle = path[path.index(node):]
            first = min(cycle, key=order.__getitem__)
            at = cycle.index(first)
            ring = cycle[at:] + cycle[:at] + [first]
            out.append(Problem("E309", parent_of[first][1].child("parent"),
                               f"{what} form a cycle: {' → '.join(ring)}",
                               f"{_a(noun)} cannot lie inside itself; remove or change one of these 'parent' keys"))
        for n in path:
            state[n] = 2
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


