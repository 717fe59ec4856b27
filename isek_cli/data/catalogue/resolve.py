"""Ids for a catalogue: fields of action, goals, measures, actors and committees.

Ids the sheet gives are taken (a bare number gets a prefix: field 1 → HF1,
goal 2 of HF1 → HF1.Z2, measure 3 → HF1.M03); the others are derived in the
order of first appearance (HF1…, HF1.Z1…, HF1.M01…), skipping ids the sheet
uses anywhere. Actor and committee ids are upper-case slugs of their names,
assigned in sorted order so that they do not depend on the order of the rows.
Conflicts (duplicate ids, one id with two names) refuse the row that brings
them, naming the row that came first.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Callable

from . import cells as cat

Bad = Callable[[Any, Any, str, str], None]  # (row, cell, column, message)


def numbered(text: str, prefix: str, pad: int = 0) -> str:
    """A bare number in an id column gets the kind's prefix: '3' → 'HF1.M03', '1.2' → 'HF1.M1.2'."""
    if re.fullmatch(r"\d+", text):
        return f"{prefix}{int(text):0{pad}d}"
    if re.fullmatch(r"\d+(\.\d+)+", text):
        return prefix + text
    return text


def _id_problem(text: str) -> str:
    return (f"'{text}' is not a usable id: ids start with a letter and hold only letters, digits, '.', '_' and '-' "
            "(at most 40 characters); correct the cell or leave it empty to have an id derived")


class _Resolver:
    def __init__(self, rows: list[cat.Row], bad: Bad) -> None:
        self.rows, self.bad_cb = rows, bad
        self.taken: dict[str, tuple[str, str]] = {}  # id -> (kind, what and where for messages)
        self.next_k: dict[str, int] = {}  # series of derived ids -> where to resume (see free)

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
            mid = r.v.get("id")
            if mid is not None and r.ok:
                mid = r.v["id"] = numbered(mid, f"{fid}.M", 2)
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

    @staticmethod
    def _pairs(r: cat.Row, role: str) -> list[tuple[str | None, str | None]]:
        value = r.v.get(role)
        return value if isinstance(value, list) else [value] if value else []


def resolve(rows: list[cat.Row], bad: Bad, source: str, options: cat.Options) -> cat.Draft:
    res = _Resolver(rows, bad)
    fields = res.fields()
    res.goals_and_measures(fields)
    actors = res.named(("lead", "partners"), "actor")
    committees = res.named(("committee",), "committee")
    used_actors: dict[str, None] = {}
    used_committees: dict[str, None] = {}
    out_fields: dict[str, dict[str, Any]] = {}
    years: list[int] = []
    for r in res.good():
        f = fields[r.v["field_id"]]
        of = out_fields.setdefault(f["id"], {"id": f["id"], "title": f["title"] or f["id"], "goals": {},
                                            "measures": []})
        for gid in r.v["goal_ids"]:
            of["goals"].setdefault(gid, f["goals"][gid]["title"] or gid)
        lead, partners, committee = r.v["lead_ids"][0], r.v["partners_ids"], r.v["committee_ids"]
        used_actors.update(dict.fromkeys([lead, *partners]))
        used_committees.update(dict.fromkeys(committee))
        m = {"id": r.v["id"], "title": r.v["title"], "description": r.v.get("description"),
             "goals": r.v["goal_ids"], "priority": r.v["priority"], "lead": lead, "partners": partners or None,
             "committee": committee[0] if committee else None, "start": r.v.get("start"), "end": r.v.get("end"),
             "cost_eur": r.v.get("cost"), "funding": r.v.get("funding"), "key_project": r.v.get("key_project")}
        of["measures"].append({k: v for k, v in m.items() if v is not None})
        years += [y for y in (m["start"], m["end"]) if y is not None]
    for of in out_fields.values():
        of["goals"] = [{"id": g, "title": t} for g, t in of["goals"].items()]
    start = options.start or (min(years) if years else dt.date.today().year)
    end = options.end or max(years + [start] if years else [start + 10])
    return cat.Draft(
        source=source, city=options.city or "Musterstadt", start=start, end=end, fields=list(out_fields.values()),
        actors=[{"id": a, "name": actors[a]["name"] or a, "kind": cat.actor_kind(actors[a]["name"] or a)}
                for a in used_actors],
        committees=[{"id": c, "name": committees[c]["name"] or c} for c in used_committees])
