"""What changed in meaning between two versions of a plan.

Entities are compared by id: added, removed, renamed (same content under a
new id) or changed, each change as ``field: old → new``. Progress entries are
compared per measure, and the status change they imply is reported; indicator
values per indicator, area and date, as collections (several may share a date). Works on plans with errors too (their valid
parts are compared), so a reviewer sees the change even when it broke the plan.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict, deque
from typing import Any

from ..plan.index import PlanIndex

KINDS = ("plan", "decision", "plan_status", "guiding_goal", "actor", "committee", "area", "field", "goal", "measure",
         "indicator", "programme", "grant")
KIND_TITLES = {
    "plan": "plan", "decision": "decisions", "plan_status": "plan statuses", "guiding_goal": "guiding goals",
    "actor": "actors", "committee": "committees", "area": "areas", "field": "fields of action", "goal": "goals",
    "measure": "measures", "indicator": "indicators", "programme": "funding programmes", "grant": "grants",
}
META_KEYS = ("city", "title", "adopted", "horizon", "owner", "language", "vision", "report.mandate", "report.foreword",
             "priorities", "license")
# Lists whose order means nothing: compared (and shown) sorted, so reordering them is no change.
_SETS = ("areas", "sdgs", "also_fields", "decided_by")


def _dump(model, **kw) -> dict[str, Any]:
    return model.model_dump(mode="json", exclude_none=True, **kw)


def _measure(m, field_id: str) -> dict[str, Any]:
    # cost_eur from the model's own JSON form: pydantic's dump of the int-or-range union warns on a range.
    content = _dump(m, exclude={"id", "cost_eur"}) | {"field": field_id}
    if m.cost_eur is not None:
        content["cost_eur"] = m.cost_json
    if isinstance(content.get("lead"), list) and len(content["lead"]) == 1:
        content["lead"] = content["lead"][0]  # lead: [A] says what lead: A says
    for k in _SETS:
        if k in content:
            content[k] = sorted(content[k])
    return content


def _outline(geometry: dict | None) -> str | None:
    """A short fingerprint of an area's outline: a changed GeoJSON file shows as a change."""
    if geometry is None:
        return None
    coords = json.dumps(geometry.get("coordinates"), separators=(",", ":"))
    points = coords.count("[") - coords.count("[[")
    return f"{points} points #{hashlib.sha256(coords.encode()).hexdigest()[:8]}"


class _Lazy:
    """A measure's content, dumped only when asked for: two revisions share most measures
    unchanged, and comparing the models is far cheaper than dumping both (issue 18)."""

    __slots__ = ("key", "_make", "_content")

    def __init__(self, key: tuple, make) -> None:
        self.key, self._make, self._content = key, make, None

    @property
    def content(self) -> dict[str, Any]:
        if self._content is None:
            self._content = self._make()
        return self._content


def _c(x) -> dict[str, Any]:
    return x.content if isinstance(x, _Lazy) else x


def _same(a, b) -> bool:
    """Equal contents; equal models (and field) have equal contents without dumping them."""
    if isinstance(a, _Lazy) and isinstance(b, _Lazy) and a.key == b.key:
        return True
    return _c(a) == _c(b)


def entities(plan: PlanIndex, lazy: bool = False) -> dict[str, dict[str, dict[str, Any]]]:
    """{kind: {id: content without the id}} for every entity of the plan (``lazy``: measures as
    :class:`_Lazy`, for :func:`compare_entities`)."""
    out: dict[str, dict[str, dict[str, Any]]] = {k: {} for k in KINDS}
    if plan.meta is not None:
        meta = _dump(plan.meta, exclude={"guiding_goals", "decisions", "statuses"})
        for k, v in (meta.pop("report", None) or {}).items():
            meta[f"report.{k}"] = v
        out["plan"]["isek.yaml"] = {k: meta.get(k) for k in META_KEYS if k in meta}
        for g in plan.meta.guiding_goals:
            out["guiding_goal"][g.id] = _dump(g, exclude={"id"})
        for d in plan.meta.decisions or []:
            out["decision"][d.id] = _dump(d, exclude={"id"})
        for s in plan.meta.statuses or []:
            out["plan_status"][s.id] = _dump(s, exclude={"id"})
    for a in plan.actors:
        out["actor"][a.id] = _dump(a, exclude={"id"})
    for c in plan.committees:
        out["committee"][c.id] = _dump(c, exclude={"id"})
    for a in plan.areas:
        out["area"][a.id] = _dump(a, exclude={"id"})
        outline = _outline(plan.geometry.get(a.id))
        if outline is not None:
            out["area"][a.id]["outline"] = outline
    for f in plan.fields:
        out["field"][f.id] = {"title": f.title, "description": f.description, "guiding_goals": f.guiding_goals or None,
                              "file": plan.field_files.get(f.id)}
        out["field"][f.id] = {k: v for k, v in out["field"][f.id].items() if v is not None}
        for g in f.goals:
            out["goal"][g.id] = _dump(g, exclude={"id"}) | {"field": f.id}
        for m in f.measures:
            out["measure"][m.id] = (_Lazy((m, f.id), lambda m=m, f=f: _measure(m, f.id)) if lazy
                                    else _measure(m, f.id))
    for p in plan.programmes:
        out["programme"][p.id] = _dump(p, exclude={"id"})
    for g in plan.grants:
        out["grant"][g.id] = _dump(g, exclude={"id"})
    for x in plan.indicators:
        out["indicator"][x.id] = _dump(x, exclude={"id"})
        if "sdgs" in out["indicator"][x.id]:
            out["indicator"][x.id]["sdgs"] = sorted(x.sdgs)
    return out


def _field_changes(old: dict, new: dict) -> list[dict[str, Any]]:
    return [{"field": k, "old": old.get(k), "new": new.get(k)}
            for k in sorted(set(old) | set(new), key=_key_order) if old.get(k) != new.get(k)]


_ORDER = ["title", "field", "parent", "description", "goals", "also_fields", "priority", "lead", "partners", "committee",
          "start", "end", "cost_eur", "costs", "funding", "key_project", "indicators", "areas", "sdgs", "links",
          "decided_by", "name", "kind", "date", "body", "ref", "url", "counts_as", "geometry", "outline", "text",
          "unit", "source", "direction", "baseline", "target", "fields", "decimals", "guiding_goals", "file",
          "programme", "year", "amount_eur", "rate", "eligible_eur", "measures", "decision", "level", "family"]


def _key_order(k: str) -> tuple[int, str]:
    return (_ORDER.index(k) if k in _ORDER else len(_ORDER), k)


def _title(content: dict) -> str | None:
    return content.get("title") or content.get("name")


def _status_uses(plan: PlanIndex) -> dict[str, frozenset[tuple[str, str]]]:
    """Every status word, with the entries (measure, date) that use it: one pass over the history."""
    uses: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for m, us in plan.history.items():
        for u in us:
            uses[u.status].add((m, u.date.isoformat()))
    return {k: frozenset(v) for k, v in uses.items()}


def _status_renames(old: PlanIndex, new: PlanIndex, olds: dict, news: dict, removed: list[str], added: list[str],
                    renamed: dict[str, str]) -> None:
    """Plan statuses renamed everywhere, perhaps with a new title: each removed status (in order) takes the
    first added one that counts the same and is used by exactly the entries that used it, or has its title.
    Candidates are looked up by (counts_as, uses) and (counts_as, title), not by comparing every pair
    (each pair scanned the whole history: removed × added × entries)."""
    old_uses, new_uses = _status_uses(old), _status_uses(new)
    gone = set(renamed.values())
    by_uses: dict[tuple, deque] = defaultdict(deque)
    by_title: dict[tuple, deque] = defaultdict(deque)
    for pos, n in enumerate(added):
        if n in renamed:
            continue
        counts = news[n].get("counts_as")
        if new_uses.get(n):
            by_uses[counts, new_uses[n]].append(pos)
        by_title[counts, news[n].get("title")].append(pos)
    for r in removed:
        if r in gone:
            continue
        counts = olds[r].get("counts_as")
        heads = []
        for queue in (by_uses.get((counts, old_uses.get(r))) if old_uses.get(r) else None,
                      by_title.get((counts, olds[r].get("title")))):
            while queue and added[queue[0]] in renamed:  # taken through the other index
                queue.popleft()
            if queue:
                heads.append(queue[0])
        if heads:
            n = added[min(heads)]
            renamed[n] = r


def compare_entities(old: PlanIndex, new: PlanIndex) -> list[dict[str, Any]]:
    a, b = entities(old, lazy=True), entities(new, lazy=True)
    changes: list[dict[str, Any]] = []
    for kind in KINDS:
        lazy_olds, lazy_news = a[kind], b[kind]
        removed = [i for i in lazy_olds if i not in lazy_news]
        added = [i for i in lazy_news if i not in lazy_olds]
        # Contents of what differs; entities equal in both are not dumped.
        differ = [i for i in lazy_olds if i in lazy_news and not _same(lazy_olds[i], lazy_news[i])]
        wanted = set(differ)
        olds = {i: _c(lazy_olds[i]) for i in lazy_olds if i in wanted or i not in lazy_news}
        news = {i: _c(lazy_news[i]) for i in lazy_news if i in wanted or i not in lazy_olds}
        renamed = _renames(removed, added, olds, news)  # new id -> old id
        if kind == "plan_status" and len(renamed) < min(len(removed), len(added)):
            _status_renames(old, new, olds, news, removed, added, renamed)
        gone = set(renamed.values())
        for i in differ:
            changes.append({"kind": kind, "id": i, "change": "changed", "title": _title(news[i]),
                            "fields": _field_changes(olds[i], news[i])})
        for n, r in renamed.items():
            changes.append({"kind": kind, "id": n, "change": "renamed", "old_id": r, "title": _title(news[n]),
                            "fields": _field_changes(olds[r], news[n])})
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


_ENTRY = ("date", "status", "percent", "note", "spent_eur")


def _entry(u, rename: dict[str, str]) -> tuple:
    return (u.date.isoformat(), rename.get(u.status, u.status), u.percent, u.note, u.spent_eur)


def _sort_entry(x: tuple) -> tuple:
    return tuple("" if v is None else str(v) for v in x)


def _title_of(mid: str, old: PlanIndex, new: PlanIndex) -> str | None:
    m = new.measure_index.get(mid) or old.measure_index.get(mid)
    return m.title if m is not None else None


def compare_progress(old: PlanIndex, new: PlanIndex, rename: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Per measure: entries added/removed/changed, and the status change they imply.

    ``rename`` maps old plan status words to new ones (a renamed plan status), so
    entries that differ only by that word are no change. A parent without entries
    of its own whose status, derived from its parts, changed is listed too.
    """
    rename = rename or {}
    years = [y for y in (old.latest_year, new.latest_year) if y is not None]
    year = max(years) if years else None
    out = []
    order = {m: i for i, m in enumerate(new.measure_index or old.measure_index)}  # plan order; unknown ids last
    rows: dict[str, dict[str, Any]] = {}
    for mid in set(old.history) | set(new.history):
        if old.history.get(mid) == new.history.get(mid):
            continue  # the same entries (shared or equal records): the common case, without counting
        before = Counter(_entry(e, rename) for e in old.history.get(mid, []))
        after = Counter(_entry(e, rename) for e in new.history.get(mid, []))
        if before == after:
            continue
        added = list((after - before).elements())
        removed = list((before - after).elements())
        # Per date, an added and a removed entry pair up as one corrected entry.
        per_date = Counter(x[0] for x in added)
        changed = 0
        for date, n in Counter(x[0] for x in removed).items():
            changed += min(n, per_date.get(date, 0))
        rows[mid] = {
            "measure": mid,
            "title": _title_of(mid, old, new),
            "entries_added": len(added) - changed,
            "entries_removed": len(removed) - changed,
            "entries_changed": changed,
            "added": [dict(zip(_ENTRY, x)) for x in sorted(added, key=_sort_entry)],
            "from_parts": False,
        }
    # Parents whose status comes from their parts: a part's entry, or a part moved in or out, may change it.
    for mid in set(old.parts) | set(new.parts):
        if mid not in rows and not (new.history.get(mid) or old.history.get(mid)):
            rows[mid] = {"measure": mid, "title": _title_of(mid, old, new), "entries_added": 0, "entries_removed": 0,
                         "entries_changed": 0, "added": [], "from_parts": True}
    for mid in sorted(rows, key=lambda m: (order.get(m, len(order)), m)):
        row = rows[mid]
        status_old = old.status_of(mid, year) if year else None
        status_new = new.status_of(mid, year) if year else None
        status_old = rename.get(status_old, status_old)
        status = {"old": status_old, "new": status_new} if status_old != status_new else None
        if row.get("from_parts") and status is None:
            continue
        out.append(row | {
            "year": year,
            "status": status,
            "percent": ({"old": old.percent_of(mid, year), "new": new.percent_of(mid, year)} if year else None),
        })
    return out


def _values(plan: PlanIndex) -> dict[tuple[str, str, str], list[float]]:
    """{(indicator, area or "", date): the values written for it, in file order}.

    Keyed by area as well as date: a city value and an area value on one date are
    two facts, and so are two values on one date (W408); none may hide another.
    """
    out: dict[tuple[str, str, str], list[float]] = {}
    for x, vs in plan.series.items():
        for v, _ in vs:
            out.setdefault((x, v.area or "", v.date.isoformat()), []).append(v.value)
    return out


def _minus(a: list[float], b: list[float]) -> list[float]:
    """The values of ``a`` that ``b`` does not have (as many times as ``a`` has them more), in order."""
    left = Counter(b)
    out = []
    for x in a:
        if left[x]:
            left[x] -= 1
        else:
            out.append(x)
    return out


def _compare_collections(a: dict[tuple, list], b: dict[tuple, list]) -> list[tuple[tuple, str, Any, Any]]:
    """Per key: (key, change, old, new) for what was removed, added, or changed (one removed and one
    added). Compared as collections, so reordering lines or moving one to another file is no change."""
    out = []
    for key in sorted(set(a) | set(b)):
        removed, added = _minus(a.get(key, []), b.get(key, [])), _minus(b.get(key, []), a.get(key, []))
        pairs = list(zip(removed, added))
        out += [(key, "changed", o, n) for o, n in pairs] + [(key, "removed", o, None) for o in removed[len(pairs):]] \
            + [(key, "added", None, n) for n in added[len(pairs):]]
    return out


def compare_values(old: PlanIndex, new: PlanIndex) -> list[dict[str, Any]]:
    """Per indicator, area and date: values added, removed, or changed (one removed and one added)."""
    return [{"indicator": x, "area": area or None, "date": date, "change": c, "old": o, "new": n}
            for (x, area, date), c, o, n in _compare_collections(_values(old), _values(new))]


def _drawdowns(plan: PlanIndex) -> dict[tuple[str, str], list[int]]:
    """{(grant, date): the payments written for it}: several payments may share a date."""
    out: dict[tuple[str, str], list[int]] = {}
    for g, ds in plan.drawdowns.items():
        for d in ds:
            out.setdefault((g, d.date.isoformat()), []).append(d.eur)
    return out


def compare_drawdowns(old: PlanIndex, new: PlanIndex) -> list[dict[str, Any]]:
    """Per grant and date: payments added, removed, or changed, compared as collections like values."""
    return [{"grant": grant, "date": date, "change": c, "old": o, "new": n}
            for (grant, date), c, o, n in _compare_collections(_drawdowns(old), _drawdowns(new))]


def diff(old: PlanIndex, new: PlanIndex) -> dict[str, Any]:
    changes = compare_entities(old, new)
    rename = {c["old_id"]: c["id"] for c in changes if c["kind"] == "plan_status" and c["change"] == "renamed"}
    progress = compare_progress(old, new, rename)
    values = compare_values(old, new)
    drawdowns = compare_drawdowns(old, new)
    count = Counter(c["change"] for c in changes)
    return {
        "changes": changes,
        "progress": progress,
        "values": values,
        "drawdowns": drawdowns,
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
            "drawdowns_changed": len(drawdowns),
        },
        "differs": bool(changes or progress or values or drawdowns),
    }
