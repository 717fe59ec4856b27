"""Ids for a catalogue: fields of action, goals, measures, actors and committees.

Ids the sheet gives are taken (a bare number gets a prefix: field 1 → HF1,
goal 2 of HF1 → HF1.Z2, measure 3 → HF1.M03); the others are derived in the
order of first appearance (HF1…, HF1.Z1…, HF1.M01…), skipping ids the sheet
uses anywhere. Actor and committee ids are upper-case slugs of their names,
assigned in sorted order so that they do not depend on the order of the rows.
Conflicts (duplicate ids, one id with two names) refuse the row that brings
them, naming the row that came first.

Areas get ids like actors. Parts: a parent column names the parent's code or
title; without one, a code such as 'I-S1.1' is a part of 'I-S1' when the sheet
has that code. The priority scale keeps the sheet's words for each level.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Callable

from .. import sheets
from . import cells as cat
from ...plan.types import period_year

Bad = Callable[[Any, Any, str, str], None]  # (row, cell, column, message)
MAX_LABELS = 5  # words kept for one priority level ('I / hoch / A …')


def numbered(text: str, prefix: str, pad: int = 0) -> str:
    """A bare number in an id column gets the kind's prefix: '3' → 'HF1.M03', '1.2' → 'HF1.M1.2'."""
    if re.fullmatch(r"\d+", text):
        return f"{prefix}{int(text):0{pad}d}"
    if re.fullmatch(r"\d+(\.\d+)+", text):
        return prefix + text
    return text


def _spelled(text: str) -> str | None:
    """'S 1.1' → 'S1.1', 'Ö-1' → 'Oe-1': a code that becomes an id without spaces and umlauts, else None."""
    fixed = re.sub(r"\s+", "", text)
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("Ä", "Ae"), ("Ö", "Oe"), ("Ü", "Ue"), ("ß", "ss")):
        fixed = fixed.replace(a, b)
    return fixed if fixed != text and cat.valid_id(fixed) else None


def _id_problem(text: str) -> str:
    return (f"'{text}' is not a usable id: ids start with a letter and hold only letters, digits, '.', '_' and '-' "
            "(at most 40 characters); correct the cell or leave it empty to have an id derived")


class _Resolver:
    def __init__(self, rows: list[cat.Row], bad: Bad) -> None:
        self.rows, self.bad_cb = rows, bad
        self.taken: dict[str, tuple[str, str]] = {}  # id -> (kind, what and where for messages)
        self.next_k: dict[str, int] = {}  # series of derived ids -> where to resume (see free)
        self.respelled: list[str] = []  # codes written as ids differently from the sheet
        self.notes: list[str] = []

    def good(self) -> list[cat.Row]:
        return [r for r in self.rows if r.ok]

    def bad(self, row: cat.Row, key: str, name: str, message: str) -> None:
        self.bad_cb(row, row.at.get(key), name, message)

    def take(self, row: cat.Row, key: str, name: str, id_: str, kind: str) -> bool:
        if not cat.valid_id(id_):
            self.bad(row, key, name, _id_problem(id_))
            return False
        if id_ in self.taken and self.taken[id_][0] != kind:
            self.bad(row, key, name, f"id '{id_}' is already used for the {self.taken[id_][1]}; ids must be unique "
                     "across fields of action, goals, measures, actors and committees")
            return False
        self.taken.setdefault(id_, (kind, f"{kind} in row {row.number}"))
        return True

    def claim(self, id_: str, kind: str, row: cat.Row | None = None) -> str:
        self.taken[id_] = (kind, f"{kind} in row {row.number}" if row else kind)
        return id_

    def free(self, make: Callable[[int], str], series: str) -> str:
        """The first id ``make(k)`` not taken. Ids are never given back, so the search resumes
        where the last one of the same ``series`` ended (counting from 1 for each row is n²)."""
        k = self.next_k.get(series, 1)
        while make(k) in self.taken:
            k += 1
        self.next_k[series] = k
        return make(k)

    # --- fields of action ------------------------------------------------------

    def fields(self) -> dict[str, dict[str, Any]]:
        fields: dict[str, dict[str, Any]] = {}
        by_title: dict[str, str] = {}
        for r in self.good():
            fid, title = r.v["field"]
            if fid is None:
                fid, title = cat.field_prefix(title)
            else:
                fid = numbered(fid, "HF")
            r.v["field"] = (fid, title)
            if fid is not None:
                self.take(r, "field", "field", fid, "field of action")
        for r in self.good():
            fid, title = r.v["field"]
            if fid is None:
                fid = by_title.get(title) or self.claim(self.free(lambda k: f"HF{k}", "HF"), "field of action", r)
            f = fields.setdefault(fid, {"id": fid, "title": None, "row": r.number, "goals": {}, "measures": []})
            if title is not None:
                by_title.setdefault(title, fid)
                if f["title"] is None:
                    f["title"], f["title_row"] = title, r.number
                elif f["title"] != title:
                    self.bad(r, "field_name", "field", f"'{title}' differs from '{f['title']}', the title of {fid} "
                             f"in row {f['title_row']}; one field of action has one title")
                    continue
            r.v["field_id"] = fid
        return fields

    # --- goals and measures ----------------------------------------------------

    def goals_and_measures(self, fields: dict[str, dict[str, Any]]) -> None:
        goal_field: dict[str, str] = {}
        seen_measures: dict[str, int] = {}
        for r in self.rows:  # codes as written, also of refused rows: their parts and duplicates are found
            code = r.v.get("id")
            if code is not None:
                fixed = None if cat.valid_id(numbered(code, "M")) else _spelled(code)
                if fixed and r.ok:
                    self.respelled.append(f"'{code}' → '{fixed}' (row {r.number})")
                r.v["code"] = fixed or code
                if not r.ok and numbered(r.v["code"], "M") == r.v["code"]:
                    seen_measures.setdefault(r.v["code"], r.number)
        for r in self.good():
            fid = r.v["field_id"]
            given = []
            for gid, title in r.v["goal"]:
                if gid is not None:
                    gid = numbered(gid, f"{fid}.Z")
                    if not self.take(r, "goal", "goal", gid, "goal"):
                        break
                    if goal_field.setdefault(gid, fid) != fid:
                        self.bad(r, "goal", "goal", f"goal '{gid}' belongs to field of action {goal_field[gid]}, "
                                 f"not {fid}: goal ids are unique in the whole plan and a measure's goals belong to "
                                 f"its own field; write e.g. {fid}.{gid} or leave the goal id column empty")
                        break
                given.append((gid, title))
            r.v["goal"] = given
            if r.v.get("code") is not None and r.ok:
                mid = r.v["id"] = numbered(r.v["code"], f"{fid}.M", 2)
                if mid in seen_measures:
                    self.bad(r, "id", "id", f"duplicate id '{mid}': row {seen_measures[mid]} has it already")
                elif self.take(r, "id", "id", mid, "measure"):
                    seen_measures[mid] = r.number
        goal_titles: dict[tuple[str, str], str] = {}  # (field, goal title) -> goal id; a scan per row is n²
        goal_pos: dict[str, int] = {}  # goal id -> order of appearance
        for r in self.good():
            f = fields[r.v["field_id"]]
            ids = []
            for gid, title in r.v["goal"]:
                if gid is None:
                    gid = goal_titles.get((f["id"], title))
                    if gid is None:
                        gid = self.claim(self.free(lambda k: f"{f['id']}.Z{k}", f["id"] + ".Z"), "goal", r)
                g = f["goals"].get(gid)
                if g is None:
                    g = f["goals"][gid] = {"id": gid, "title": None}
                    goal_pos[gid] = len(goal_pos)
                if title is not None and g["title"] is None:
                    g["title"], g["row"] = title, r.number
                    known = goal_titles.get((f["id"], title))
                    if known is None or goal_pos[gid] < goal_pos[known]:  # the first goal with this title
                        goal_titles[f["id"], title] = gid
                elif title is not None and g["title"] != title:
                    self.bad(r, "goal_name", "goal", f"'{title}' differs from '{g['title']}', the title of {gid} "
                             f"in row {g['row']}")
                ids.append(gid)
            r.v["goal_ids"] = ids
            if r.v.get("id") is None:
                r.v["id"] = self.claim(self.free(lambda k: f"{f['id']}.M{k:02d}", f["id"] + ".M"), "measure", r)

    # --- actors and committees -------------------------------------------------

    def named(self, roles: tuple[str, ...], what: str) -> dict[str, dict[str, Any]]:
        """Actors (or committees) by id; each row's role values become ids in ``r.v[role + '_ids']``."""
        by_id: dict[str, dict[str, Any]] = {}
        by_name: dict[str, str] = {}
        for r in self.good():
            for role in roles:
                for aid, name in self._pairs(r, role):
                    if aid is None or not self.take(r, role, role, aid, what):
                        continue
                    a = by_id.setdefault(aid, {"id": aid, "name": name, "row": r.number})
                    if name is not None and a["name"] is None:
                        a["name"], a["row"] = name, r.number
                    elif name is not None and a["name"] != name:
                        self.bad(r, role + "_name", role, f"'{name}' differs from '{a['name']}', the name of {aid} "
                                 f"in row {a['row']}; one id, one name")
                    if name is not None:
                        by_name.setdefault(name, aid)
        names = sorted({n for r in self.good() for role in roles for aid, n in self._pairs(r, role)
                        if aid is None and n not in by_name}, key=lambda n: (cat.slug(n), n))
        for name in names:
            base = cat.slug(name)
            aid = base if base not in self.taken else self.free(lambda k: f"{base}-{k + 1}", base + "-")
            self.claim(aid, what)
            by_id[aid] = {"id": aid, "name": name}
            by_name[name] = aid
        for r in self.good():
            for role in roles:
                r.v[role + "_ids"] = [aid if aid is not None else by_name[n] for aid, n in self._pairs(r, role)]
        return by_id

    # --- parts and the priority scale ----------------------------------------------

    def parents(self, parent_column: bool) -> None:
        """Each part's parent id in ``r.v['parent_id']``: from the parent column when the sheet has
        one (a code or a title), else from codes ('I-S1.1' is a part of 'I-S1' when that code exists)."""
        by_code = {_code_key(r): r for r in self.rows if r.v.get("code") is not None}
        by_id = {r.v["id"]: r for r in self.rows if r.v.get("id") is not None}
        by_title: dict[str, list[cat.Row]] = {}
        for r in self.rows:
            if r.v.get("title") is not None:
                by_title.setdefault(r.v["title"], []).append(r)
        for r in self.good():
            target = None
            if parent_column and r.v.get("parent") is not None:
                given = r.v["parent"]
                fid = r.v["field_id"]
                target = (by_id.get(given) or by_code.get(_code_key(r, given))
                          or by_id.get(numbered(given, f"{fid}.M", 2)))
                titled = by_title.get(given, [])
                if target is None and len(titled) > 1:
                    self.bad(r, "parent", "parent", f"{len(titled)} measures are titled '{given}' (rows "
                             f"{', '.join(str(t.number) for t in titled)}); write the code of the one meant")
                    continue
                target = target or (titled[0] if titled else None)
                if target is None:
                    self.bad(r, "parent", "parent", f"'{given}' names no measure of this sheet; write the code "
                             "(Kürzel) or the title of the measure this one is a part of")
                    continue
                if target is r:
                    self.bad(r, "parent", "parent", "a measure cannot be a part of itself; leave the cell empty")
                    continue
            elif not parent_column and r.v.get("code") is not None:
                code = r.v["code"]
                while target is None and "." in code:
                    code = code.rsplit(".", 1)[0]
                    target = by_code.get(_code_key(r, code))
            if target is not None:
                r.v["parent_id"], r.v["parent_row"] = target.v.get("id"), target
        self._cycles()

    def orphans(self, parent_column: bool) -> None:
        """A part whose parent's row is refused is refused too (it would name a measure not written)."""
        dead: dict[int, bool] = {}
        for r in self.good():
            path, x = [], r
            while x is not None and x.ok and id(x) not in dead:
                path.append(x)
                x = x.v.get("parent_row")
            lost = dead[id(x)] if x is not None and id(x) in dead else x is not None and not x.ok
            for p in path:
                dead[id(p)] = lost
                if lost:
                    self.bad(p, "parent" if parent_column else "id", "parent",
                             f"its parent, row {p.v['parent_row'].number}, has problems of its own")

    def _cycles(self) -> None:
        """A ring of parts (A in B, B in A) is refused at each of its rows' parent cells."""
        state: dict[int, int] = {}  # id(row) -> 1 on the current path, 2 done
        for start in self.good():
            path, r = [], start
            while r is not None and state.get(id(r)) is None:
                state[id(r)] = 1
                path.append(r)
                r = r.v.get("parent_row")
            if r is not None and state.get(id(r)) == 1:
                ring = path[path.index(r):]
                names = " → ".join(x.v["id"] for x in ring + [r])
                for x in ring:
                    self.bad(x, "parent", "parent", f"the parts form a circle ({names}); one of them must be the "
                             "top-level measure")
            for x in path:
                state[id(x)] = 2

    def levels(self) -> None:
        """Every row's priority becomes its number (the level stays in ``r.v['level']``); a level
        that two rows give different years ('I (bis 2022)', 'I (bis 2023)') is refused."""
        until: dict[int, tuple[int, int]] = {}  # value -> (year, row that gave it first)
        for r in self.rows:
            level = r.v.get("priority")
            if not hasattr(level, "value"):
                continue
            r.v["level"], r.v["priority"] = level, level.value
            if level.until is not None and r.ok:
                year, row = until.setdefault(level.value, (level.until, r.number))
                if year != level.until:
                    self.bad(r, "priority", "priority", f"'{level.label}' gives priority {level.value} the year "
                             f"{level.until}, but row {row} gives it {year}; one level, one year")

    def scale(self) -> list[dict[str, Any]]:
        """The plan's priority scale when the sheet writes more than bare numbers: each level with the
        sheet's labels ('I / hoch') and the year they give."""
        labels: dict[int, list[str]] = {}
        until: dict[int, int] = {}
        more: dict[int, set[str]] = {}  # labels beyond MAX_LABELS, counted for a note
        for r in self.good():
            level = r.v["level"]
            known = labels.setdefault(level.value, [])
            if level.label is not None and level.label not in known:
                if len(known) < MAX_LABELS:
                    known.append(level.label)
                else:
                    more.setdefault(level.value, set()).add(level.label)
            if level.until is not None:
                until[level.value] = level.until
        self.notes += [f"priority {v} is written in {len(extra)} more way(s) than the {MAX_LABELS} its title in "
                       "isek.yaml keeps" for v, extra in sorted(more.items())]
        if not any(labels.values()):
            return []
        return [{"value": v, "title": " / ".join(_distinct(labels[v] or [str(v)])),
                 **({"until": until[v]} if v in until else {})} for v in sorted(labels)]

    @staticmethod
    def _pairs(r: cat.Row, role: str) -> list[tuple[str | None, str | None]]:
        value = r.v.get(role)
        return value if isinstance(value, list) else [value] if value else []


def _distinct(labels: list[str]) -> list[str]:
    """Labels without those another label already says: 'I' goes in 'I (kurzfristig, bis 2022)'."""
    words = [set(sheets.normal_header(label).split("_")) for label in labels]
    return [label for i, label in enumerate(labels)
            if not any(words[i] < words[j] or (words[i] == words[j] and j < i) for j in range(len(labels)))]


def _code_key(r: cat.Row, code: str | None = None) -> tuple[str | None, str]:
    """Codes that are bare numbers ('1.2') belong to their field of action; other codes to the plan."""
    code = r.v["code"] if code is None else code
    return (r.v.get("field_id") if numbered(code, "M") != code else None, code)


def resolve(rows: list[cat.Row], bad: Bad, source: str, options: cat.Options, *, area_header: str = "",
            parent_column: bool = False) -> cat.Draft:
    res = _Resolver(rows, bad)
    fields = res.fields()
    res.goals_and_measures(fields)
    actors = res.named(("lead", "partners"), "actor")
    committees = res.named(("committee",), "committee")
    for r in rows:
        r.v["areas"] = [(None, name) for name in r.v.get("areas") or []]
    areas = res.named(("areas",), "area")
    res.levels()
    res.parents(parent_column)
    res.orphans(parent_column)
    scale = res.scale()
    used_actors: dict[str, None] = {}
    used_committees: dict[str, None] = {}
    used_areas: dict[str, None] = {}
    out_fields: dict[str, dict[str, Any]] = {}
    years: list[int] = []
    for r in res.good():
        f = fields[r.v["field_id"]]
        of = out_fields.setdefault(f["id"], {"id": f["id"], "title": f["title"] or f["id"], "goals": {},
                                            "measures": []})
        for gid in r.v["goal_ids"]:
            of["goals"].setdefault(gid, f["goals"][gid]["title"] or gid)
        leads, partners = list(dict.fromkeys(r.v["lead_ids"])), list(dict.fromkeys(r.v["partners_ids"]))
        committee, area_ids = r.v["committee_ids"], list(dict.fromkeys(r.v["areas_ids"]))
        used_actors.update(dict.fromkeys([*leads, *partners]))
        used_committees.update(dict.fromkeys(committee))
        used_areas.update(dict.fromkeys(area_ids))
        m = {"id": r.v["id"], "title": r.v["title"], "description": r.v.get("description"),
             "goals": r.v["goal_ids"] or None, "priority": r.v["priority"],
             "lead": leads[0] if len(leads) == 1 else leads, "partners": partners or None,
             "committee": committee[0] if committee else None, "start": r.v.get("start"), "end": r.v.get("end"),
             "cost_eur": r.v.get("cost"), "funding": r.v.get("funding"), "key_project": r.v.get("key_project"),
             "parent": r.v.get("parent_id"), "areas": area_ids or None}
        of["measures"].append({k: v for k, v in m.items() if v is not None})
        if r.v.get("term"):
            of["measures"][-1]["_term"] = r.v["term"]  # kept as a comment, not a key
        years += [period_year(y) for y in (m["start"], m["end"]) if y is not None]
    for of in out_fields.values():
        of["goals"] = [{"id": g, "title": t} for g, t in of["goals"].items()]
    start = options.start or (min(years) if years else dt.date.today().year)
    end = options.end or max(years + [start] if years else [start + 10])
    return cat.Draft(
        source=source, city=options.city or "Musterstadt", start=start, end=end, fields=list(out_fields.values()),
        actors=[{"id": a, "name": actors[a]["name"] or a, "kind": cat.actor_kind(actors[a]["name"] or a)}
                for a in used_actors],
        committees=[{"id": c, "name": committees[c]["name"] or c} for c in used_committees],
        areas=[{"id": a, "title": areas[a]["name"], "kind": cat.area_kind(areas[a]["name"], area_header)}
               for a in used_areas],
        priorities=scale, notes=_respelled(res.respelled) + res.notes)


def _respelled(items: list[str]) -> list[str]:
    if not items:
        return []
    more = f"; and {len(items) - 8} more" if len(items) > 8 else ""
    return [f"{len(items)} code(s) written as ids without spaces or umlauts: {'; '.join(items[:8])}{more}"]
