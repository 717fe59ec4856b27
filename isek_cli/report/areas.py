"""The report's areas and SDG chapters: measures per area (with a map where outlines exist) and
measures and indicators per SDG goal."""

from __future__ import annotations

from typing import Any

from ..plan import sdgs as sdg_codes
from ..plan.index import PlanIndex
from ..plan.model import COMPLETED
from ..query.status import count_statuses
from . import maps

KINDS = ("gesamtstadt", "stadtteil", "quartier", "foerdergebiet", "other")


def _areas_of(plan: PlanIndex, mid: str) -> set[str]:
    """The areas a measure names, with those its parts name."""
    found = set(plan.measure_index[mid].areas or ())
    for p in plan.descendants(mid):
        found.update(plan.measure_index[p].areas or ())
    return found


def chapter(plan: PlanIndex, year: int, measures: list[dict], msg: dict) -> list[dict[str, Any]]:
    """One entry per area kind the plan uses: its areas with their measures (top-level measures that
    name the area, an area inside it, or do so through a part) and status counts; a map when any
    area of the kind has an outline. Empty when the plan has no areas."""
    if not plan.areas:
        return []
    named = {m["id"]: _areas_of(plan, m["id"]) for m in measures}
    words = msg["areas"]
    out = []
    for kind in KINDS:
        areas = [a for a in plan.areas if a.kind == kind]
        if not areas:
            continue
        rows, number = [], 0
        for a in areas:
            inside = plan.area_ids(a.id)
            ms = [m for m in measures if named[m["id"]] & inside]
            counts = count_statuses(plan, [m["id"] for m in ms], year)
            mapped = a.id in plan.geometry
            number += mapped
            rows.append({"id": a.id, "title": a.title,
                         "parent": plan.area_index[a.parent].title if a.parent in plan.area_index else None,
                         "measures": ms, "by_status": counts, "completed_share": counts[COMPLETED] / len(ms) if ms else None,
                         "label": str(number) if mapped else None})
        shapes = [{"title": r["title"], "geometry": plan.geometry[r["id"]], "highlight": True, "label": r["label"],
                   "note": words["map_note"].format(n=len(r["measures"]))} for r in rows if r["label"]]
        if shapes:  # the other outlines as context, so the kind's areas are seen in place
            mine = {r["id"] for r in rows}
            shapes += [{"title": a.title, "geometry": plan.geometry[a.id], "highlight": False}
                       for a in plan.areas if a.id in plan.geometry and a.id not in mine]
        title = words["map_title"].format(kind=words["kinds"][kind])
        desc = words["map_desc"].format(areas="; ".join(f"{r['label']}: {r['title']} ({len(r['measures'])})"
                                                        for r in rows if r["label"]))
        out.append({"kind": kind, "areas": rows, "map": maps.area_map(shapes, title, desc) if shapes else None,
                    "mapped": sum(1 for r in rows if r["label"])})
    return out


def sdg_overview(plan: PlanIndex, every: list[dict], indicators: list[dict], lang: str) -> list[dict[str, Any]]:
    """Per SDG goal the plan tags (goal or target): its measures (parts included) and indicators."""
    goals: dict[str, dict[str, Any]] = {}

    def entry(code: str) -> dict[str, Any]:
        g = sdg_codes.goal_of(code)
        return goals.setdefault(g, {"goal": g, "title": sdg_codes.goal_title(g, lang) if sdg_codes.is_goal(g) else g,
                                    "targets": set(), "measures": [], "indicators": []})

    for m in every:
        for g in dict.fromkeys(sdg_codes.goal_of(c) for c in m["sdgs"]):
            entry(g)["measures"].append(m)
        for c in m["sdgs"]:
            if c != sdg_codes.goal_of(c):
                entry(c)["targets"].add(c)
    sdg_of = {x.id: list(x.sdgs or ()) for x in plan.indicators}
    for k in indicators:
        codes = sdg_of.get(k["id"], [])
        for g in dict.fromkeys(sdg_codes.goal_of(c) for c in codes):
            entry(g)["indicators"].append(k)
        for c in codes:
            if c != sdg_codes.goal_of(c):
                entry(c)["targets"].add(c)
    out = []
    for g in sorted(goals, key=lambda g: int(g) if g.isdigit() else 1 << 30):
        e = goals[g]
        e["targets"] = sorted(e["targets"], key=sdg_codes.sort_key)
        e["completed"] = sum(1 for m in e["measures"] if m["status"] == COMPLETED)
        out.append(e)
    return out
