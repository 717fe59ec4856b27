"""`isek history ID`: the commits that changed one entity, with the change in each.

Each commit is compared with the one before it, but not as two whole plans: every file of a
commit is reduced to what concerns the entity (a measure with its parts and their progress
entries, an indicator with its values, a grant with its drawdowns, or the entity itself),
and only files whose blob changed are read again (through the per-file cache, so a blob seen
by any load before is not parsed). Where the entity appears or disappears between two
commits (added, removed, perhaps renamed), and for areas (whose outlines live in GeoJSON
files), that pair of commits is compared as whole plans, so renames are found as ``diff``
finds them. tests/test_history_focus.py compares both routes on whole histories.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from . import revision as gitsrc
from ..plan.index import PlanIndex
from .semdiff import KINDS, diff


def _relevant(d: dict, id_: str) -> dict[str, Any]:
    return {
        "changes": [c for c in d["changes"] if c["id"] == id_ or c.get("old_id") == id_],
        "progress": [p for p in d["progress"] if p["measure"] == id_],
        "values": [v for v in d["values"] if v["indicator"] == id_ or v.get("area") == id_],
        "drawdowns": [x for x in d.get("drawdowns", []) if x["grant"] == id_],
    }


def history(plan_dir: Path, id_: str, max_count: int | None = None, focused: bool = True) -> list[dict[str, Any]]:
    """Newest first: every commit whose semantic diff touches ``id_`` (``focused=False``: every
    commit compared as whole plans, the reference the focused route is tested against)."""
    commits = gitsrc.log(plan_dir, max_count=max_count)
    results = []
    focus = _Focus(plan_dir, id_) if focused else None
    previous, previous_sha = PlanIndex(root=plan_dir, meta=None), None
    for c in reversed(commits):
        if focus is None:
            current = _whole(plan_dir, c.sha)
            found = _relevant(diff(previous, current), id_)
        else:
            current = focus.at(c.sha)
            if focus.needs_whole(previous, current):
                found = _relevant(diff(_whole(plan_dir, previous_sha), _whole(plan_dir, c.sha)), id_)
            else:
                found = _relevant(diff(previous, current), id_)
        if any(found.values()):
            results.append({"commit": c.sha, "date": c.date, "author": c.author, "subject": c.subject, **found})
        previous, previous_sha = current, c.sha
    results.reverse()
    return results


def _whole(plan_dir: Path, sha: str | None) -> PlanIndex:
    if sha is None:
        return PlanIndex(root=plan_dir, meta=None)
    try:
        loaded, _ = gitsrc.load_at(sha, plan_dir, diagnose=False)  # the plan is all a diff needs
        return loaded.plan
    except gitsrc.GitError:
        return PlanIndex(root=plan_dir, meta=None)  # the plan did not exist at this commit


class _Focus:
    """The plan at each commit, reduced to what concerns one id."""

    def __init__(self, plan_dir: Path, id_: str) -> None:
        self.plan_dir, self.id = plan_dir, id_
        self.root: Path | None = None
        self.plan_path = ""
        self.blobs: dict[str, str] = {}  # the previous commit's plan files: rel -> blob id
        self.files: dict[str, Any] = {}  # rel -> the whole validated PlanFile of that blob
        self.children: dict[str, list[tuple[str, str]]] = {}  # field file rel -> its (parent, part) pairs
        self.reduced: dict[str, tuple[frozenset, Any]] = {}  # rel -> (what was kept, the reduced file)

    def at(self, sha: str) -> PlanIndex:
        from ..plan.loader import kind_of_rel, validated
        from ..plan.source import blob_text

        if self.root is None:
            self.root, first = gitsrc.resolve(sha, self.plan_dir)
            self.plan_path = first.plan_path
        blobs, _ = gitsrc.listing(self.root, gitsrc.Revision(sha, sha, self.plan_path))
        plan_files = {rel: blob for rel, blob in blobs.items() if kind_of_rel(rel)}
        if "isek.yaml" not in plan_files:
            self.blobs, self.files, self.children, self.reduced = {}, {}, {}, {}
            return PlanIndex(root=self.plan_dir, meta=None)
        changed = [rel for rel, blob in plan_files.items() if self.blobs.get(rel) != blob]
        for rel in [r for r in self.files if r not in plan_files]:
            for memo in (self.files, self.children, self.reduced):
                memo.pop(rel, None)
        for rel, data in zip(changed, gitsrc.fetch(self.root, [plan_files[r] for r in changed])):
            pf = self.files[rel] = validated(rel, kind_of_rel(rel), blob_text(rel, data))
            self.reduced.pop(rel, None)
            if pf.kind == "field":
                self.children[rel] = [(m.parent, m.id) for m in _measures(pf)
                                      if m.parent is not None and m.parent != m.id]
        self.blobs = plan_files
        keep = _descendants(self.id, self.children)
        out = []
        for rel in sorted(self.files, key=lambda r: (self.files[r].kind != "plan", r)):
            kept = keep if self.files[rel].kind in ("field", "progress") else frozenset()
            memo = self.reduced.get(rel)
            if memo is None or memo[0] != kept:
                memo = self.reduced[rel] = (kept, _reduce(self.files[rel], self.id, keep))
            out.append(memo[1])
        return PlanIndex.build(self.plan_dir, out)

    def needs_whole(self, old: PlanIndex, new: PlanIndex) -> bool:
        """The id appears, disappears or is an area (outlines): compare whole plans."""
        before, after = _kinds(old, self.id), _kinds(new, self.id)
        return before != after or "area" in before | after


def _kinds(plan: PlanIndex, id_: str) -> set[str]:
    """The kinds of entity ``id_`` is in this plan."""
    indexes = {"decision": plan.decision_index, "plan_status": plan.plan_statuses, "guiding_goal": plan.guiding_goals,
               "actor": plan.actor_index, "committee": plan.committee_index, "area": plan.area_index,
               "field": plan.field_index, "goal": plan.goals, "measure": plan.measure_index,
               "indicator": plan.indicator_index, "programme": plan.programme_index, "grant": plan.grant_index}
    assert set(indexes) == set(KINDS) - {"plan"}, "a new kind of entity: add its index here"
    return {kind for kind, index in indexes.items() if id_ in index}


def _descendants(id_: str, children: dict[str, list[tuple[str, str]]]) -> frozenset[str]:
    """``id_`` and its parts, parts of parts … (cycles cut)."""
    parts: dict[str, list[str]] = {}
    for pairs in children.values():
        for parent, part in pairs:
            parts.setdefault(parent, []).append(part)
    keep, stack = {id_}, [id_]
    while stack:
        for part in parts.get(stack.pop(), []):
            if part not in keep:
                keep.add(part)
                stack.append(part)
    return frozenset(keep)


def _reduce(pf, id_: str, keep: frozenset[str]):
    """The file with only what concerns ``id_``: the measures in ``keep`` (it and its parts) with
    their entries, the values of an indicator or area, the drawdowns of a grant, any entity with
    that id. The plan file stays whole (its statuses and scale decide statuses; it is small)."""
    if pf.kind == "plan":
        return pf
    if pf.kind == "progress":
        tests = {"updates": lambda u: u.measure in keep,
                 "values": lambda v: v.indicator == id_ or v.area == id_,
                 "drawdowns": lambda d: d.grant == id_}
    elif pf.kind == "field":
        tests = {"measures": lambda m: m.id in keep, "goals": lambda g: g.id == id_}
    else:
        tests = {}
    items = {name: [(i, x) for i, x in entries if tests.get(name, lambda x: getattr(x, "id", None) == id_)(x)]
             for name, entries in pf.items.items()}
    model = pf.model
    if pf.kind == "field" and model is not None:
        model = model.model_copy(update={"goals": [x for _, x in items.get("goals", [])],
                                         "measures": [x for _, x in items.get("measures", [])]})
    return dataclasses.replace(pf, items=items, model=model)


def _measures(pf) -> list:
    if pf.model is not None:
        return list(pf.model.measures)
    return [m for _, m in pf.items.get("measures", [])]
