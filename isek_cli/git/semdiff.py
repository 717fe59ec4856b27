"""What changed in meaning between two versions of a plan.

Entities are compared by id: added, removed, renamed (same content under a
new id) or changed, each change as ``field: old → new``. Progress entries are
compared per measure, and the status change they imply is reported; indicator
values per indicator and date. Works on plans with errors too (their valid
parts are compared), so a reviewer sees the change even when it broke the plan.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict, deque
from typing import Any

from ..plan.index import PlanIndex

KINDS = ("plan", "guiding_goal", "actor", "committee", "field", "goal", "measure", "indicator")
KIND_TITLES = {
    "plan": "plan", "guiding_goal": "guiding goals", "actor": "actors", "committee": "committees",
    "field": "fields of action", "goal": "goals", "measure": "measures", "indicator": "indicators",
}
META_KEYS = ("city", "title", "adopted", "horizon", "owner", "language", "vision")


def _dump(model, **kw) -> dict[str, Any]:
    return model.model_dump(mode="json", exclude_none=True, **kw)


def entities(plan: PlanIndex) -> dict[str, dict[str, dict[str, Any]]]:
    """{kind: {id: content without the id}} for every entity of the plan."""
    out: dict[str, dict[str, dict[str, Any]]] = {k: {} for k in KINDS}
    if plan.meta is not None:
        meta = _dump(plan.meta, exclude={"guiding_goals"})
        out["plan"]["isek.yaml"] = {k: meta.get(k) for k in META_KEYS if k in meta}
        for g in plan.meta.guiding_goals:
            out["guiding_goal"][g.id] = _dump(g, exclude={"id"})
    for a in plan.actors:
        out["actor"][a.id] = _dump(a, exclude={"id"})
    for c in plan.committees:
        out["committee"][c.id] = _dump(c, exclude={"id"})
    for f in plan.fields:
        out["field"][f.id] = {"title": f.title, "description": f.description, "guiding_goals": f.guiding_goals or None,
                              "file": plan.field_files.get(f.id)}
        out["field"][f.id] = {k: v for k, v in out["field"][f.id].items() if v is not None}
        for g in f.goals:
            out["goal"][g.id] = _dump(g, exclude={"id"}) | {"field": f.id}
        for m in f.measures:
            out["measure"][m.id] = _dump(m, exclude={"id"}) | {"field": f.id}
    for x in plan.indicators:
        out["indicator"][x.id] = _dump(x, exclude={"id"})
    return out


def _field_changes(old: dict, new: dict) -> list[dict[str, Any]]:
    return [{"field": k, "old": old.get(k), "new": new.get(k)}
            for k in sorted(set(old) | set(new), key=_key_order) if old.get(k) != new.get(k)]


_ORDER = ["title", "field", "description", "goals", "priority", "lead", "partners", "committee", "start", "end",
          "cost_eur", "funding", "key_project", "indicators", "name", "kind", "text", "unit", "source", "direction",
          "baseline", "target", "fields", "guiding_goals", "file"]


def _key_order(k: str) -> tuple[int, str]:
    return (_ORDER.index(k) if k in _ORDER else len(_ORDER), k)


def _title(content: dict) -> str | None:
    return content.get("title") or content.get("name")


def compare_entities(old: PlanIndex, new: PlanIndex) -> list[dict[str, Any]]:
    a, b = entities(old), entities(new)
    changes: list[dict[str, Any]] = []
    for kind in KINDS:
        olds, news = a[kind], b[kind]
        removed = [i for i in olds if i not in news]
        added = [i for i in news if i not in olds]
        renamed = _renames(removed, added, olds, news)
        gone = set(renamed.values())
        for i in olds:
            if i in news and olds[i] != news[i]:
                changes.append({"kind": kind, "id": i, "change": "changed", "title": _title(news[i]),
                                "fields": _field_changes(olds[i], news[i])})
        for n, r in renamed.items():
            changes.append({"kind": kind, "id": n, "change": "renamed", "old_id": r, "title": _title(news[n]),
                            "fields": []})
        for i in added:
            if i not in renamed:
                changes.append({"kind": kind, "id": i, "change": "added", "title": _title(news[i]), "fields": []})
        for i in removed:
            if i not in gone:
                changes.append({"kind": kind, "id": i, "change": "removed", "title": _title(olds[i]), "fields": []})
    return changes


def _renames(removed: list[str], added: list[str], olds: dict, news: dict) -> dict[str, str]:
    """new id -> old id: each removed entity (in order) takes the first added one with the same
    content. Added ones are grouped by their content once, so renumbering 20,000 ids is not
    20,000² comparisons."""
    by_content: dict[str, deque] = defaultdict(deque)
    for n in added:
        by_content[_content_key(news[n])].append(n)
    renamed: dict[str, str] = {}
    for r in removed:
        same = by_content.get(_content_key(olds[r]))
        if same and olds[r] == news[same[0]]:  # (the text of equal contents is equal; checked anyway)
            renamed[same.popleft()] = r
    return renamed


def _content_key(content: dict) -> str:
    return json.dumps(content, sort_keys=True, default=str, ensure_ascii=False)


def _entry(u) -> tuple:
    return (u.date.isoformat(), u.status, u.percent, u.note, u.spent_eur)


def compare_progress(old: PlanIndex, new: PlanIndex) -> list[dict[str, Any]]:
    """Per measure: entries added/removed/changed, and the status change they imply."""
    years = [y for y in (old.latest_year, new.latest_year) if y is not None]
    year = max(years) if years else None
    out = []
    order = {m: i for i, m in enumerate(new.measure_index or old.measure_index)}  # plan order; unknown ids last
    for mid in sorted(set(old.history) | set(new.history), key=lambda m: (order.get(m, len(order)), m)):
        before = Counter(_entry(e) for e in old.history.get(mid, []))
        after = Counter(_entry(e) for e in new.history.get(mid, []))
        if before == after:
            continue
        added = list((after - before).elements())
        removed = list((before - after).elements())
        changed_dates = {x[0] for x in added} & {x[0] for x in removed}
        status_old = old.status_of(mid, year) if year else None
        status_new = new.status_of(mid, year) if year else None
        title = new.measure_index[mid].title if mid in new.measure_index else (old.measure_index[mid].title if mid in old.measure_index else None)
        out.append({
            "measure": mid,
            "title": title,
            "entries_added": sum(1 for x in added if x[0] not in changed_dates),
            "entries_removed": sum(1 for x in removed if x[0] not in changed_dates),
            "entries_changed": len(changed_dates),
            "added": [dict(zip(("date", "status", "percent", "note", "spent_eur"), x)) for x in sorted(added)],
            "year": year,
            "status": ({"old": status_old, "new": status_new} if status_old != status_new else None),
            "percent": ({"old": old.percent_of(mid, year), "new": new.percent_of(mid, year)} if year else None),
        })
    return out


def compare_values(old: PlanIndex, new: PlanIndex) -> list[dict[str, Any]]:
    def table(plan: PlanIndex) -> dict[tuple[str, str], float]:
        return {(x, v.date.isoformat()): v.value for x, vs in plan.series.items() for v, _ in vs}

    a, b = table(old), table(new)
    out = []
    for key in sorted(set(a) | set(b)):
        if a.get(key) == b.get(key):
            continue
        change = "added" if key not in a else ("removed" if key not in b else "changed")
        out.append({"indicator": key[0], "date": key[1], "change": change, "old": a.get(key), "new": b.get(key)})
    return out


def diff(old: PlanIndex, new: PlanIndex) -> dict[str, Any]:
    changes = compare_entities(old, new)
    progress = compare_progress(old, new)
    values = compare_values(old, new)
    count = Counter(c["change"] for c in changes)
    return {
        "changes": changes,
        "progress": progress,
        "values": values,
        "summary": {
            "added": count["added"],
            "removed": count["removed"],
            "renamed": count["renamed"],
            "changed": count["changed"],
            "status_changes": sum(1 for p in progress if p["status"]),
            "entries_added": sum(p["entries_added"] for p in progress),
            "entries_removed": sum(p["entries_removed"] for p in progress),
            "entries_changed": sum(p["entries_changed"] for p in progress),
            "values_changed": len(values),
        },
        "differs": bool(changes or progress or values),
    }
