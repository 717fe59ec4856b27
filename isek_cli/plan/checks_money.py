"""Checks of the money: grants, drawdowns, yearly costs, and the programmes measures name.

A grant's drawdowns are payments; together they must not exceed the grant
(E314), and none may come before the grant's programme year (E313). A
measure's yearly costs should not add up to more than its estimated cost
(W412). With a funding.yaml, a measure's ``funding`` should name a programme
by id or title (W413).
"""

from __future__ import annotations

from collections import defaultdict

from .diagnostics import Loc, Problem


def check_grant(e, ref) -> list[Problem]:
    out: list[Problem] = []
    g = e.obj
    ref(g.programme, ("programme",), e.loc.child("programme"), "programme")
    for j, m in enumerate(g.measures):
        ref(m, ("measure",), e.loc.child("measures", j), "measure")
    if g.eligible_eur is not None and g.amount_eur > g.eligible_eur:
        out.append(Problem("W414", e.loc.child("amount_eur"),
                           f"grant '{g.id}' of {g.amount_eur:,} € is more than its eligible cost of {g.eligible_eur:,} €",
                           "check amount_eur and eligible_eur (the granted amount is at most the eligible cost)",
                           severity="warning"))
    return out


def check_money(files, ents, ref) -> list[Problem]:
    out: list[Problem] = []
    grants = {e.id: e.obj for e in ents if e.kind == "grant"}
    drawn: dict[str, int] = defaultdict(int)
    entries = []
    for pf in sorted((p for p in files if p.kind == "progress"), key=lambda p: p.rel):
        for i, d in pf.items.get("drawdowns", []):
            entries.append((d, pf.rel, i))
    entries.sort(key=lambda x: x[0].date)  # stable: ties keep file order
    for d, rel, i in entries:
        loc = Loc(rel, ("drawdowns", i))
        name_year = int(rel.rsplit("/", 1)[-1][:4])
        if d.date.year != name_year:
            out.append(Problem("E306", loc.child("date"), f"date {d.date} lies outside the file's year {name_year}",
                               f"record it in progress/{d.date.year}.yaml, or correct the date"))
        if ref(d.grant, ("grant",), loc.child("grant"), "grant") is None:
            continue
        g = grants[d.grant]
        if d.date.year < g.year:
            out.append(Problem("E313", loc.child("date"),
                               f"drawdown on {d.date} from grant '{g.id}' comes before its programme year {g.year}",
                               "check the date, or the grant's programme year in funding.yaml"))
        before = drawn[g.id]
        drawn[g.id] += d.eur
        if before <= g.amount_eur < drawn[g.id]:
            out.append(Problem("E314", loc.child("eur"),
                               f"drawdowns from grant '{g.id}' reach {drawn[g.id]:,} €, more than the {g.amount_eur:,} € granted",
                               "each entry is one payment, not a running total; correct the amount or the grant"))
    out += _yearly_costs(ents)
    if any(pf.kind == "funding" for pf in files):
        out += _funding_names(ents)
    return out


def _yearly_costs(ents) -> list[Problem]:
    out: list[Problem] = []
    for e in ents:
        if e.kind != "measure" or not e.obj.costs:
            continue
        m = e.obj
        total = sum(c.eur for c in m.costs)
        if m.cost_max is not None and total > m.cost_max:
            out.append(Problem("W412", e.loc.child("costs"),
                               f"the yearly costs of '{m.id}' add up to {total:,} €, more than its estimated "
                               f"cost of at most {m.cost_max:,} €",
                               "check the yearly costs, or raise cost_eur", severity="warning"))
        seen: set[int] = set()
        for j, c in enumerate(m.costs):
            if c.year in seen:
                out.append(Problem("W412", e.loc.child("costs", j, "year"), f"{c.year} is listed twice in the "
                                   f"costs of '{m.id}'", "give each year one entry", severity="warning"))
            seen.add(c.year)
    return out


def _funding_names(ents) -> list[Problem]:
    names = {e.id for e in ents if e.kind == "programme"} | {e.obj.title for e in ents if e.kind == "programme"}
    out: list[Problem] = []
    for e in ents:
        if e.kind != "measure":
            continue
        for j, name in enumerate(e.obj.funding or []):
            if name not in names and name.casefold() not in _OWN_MONEY:
                out.append(Problem("W413", e.loc.child("funding", j),
                                   f"funding '{name}' of '{e.id}' names no programme of funding.yaml",
                                   "use a programme's id or title, or add the programme to funding.yaml",
                                   severity="warning"))
    return out


# A city's own money is not a programme: never warned about.
_OWN_MONEY = {"eigenmittel", "eigenanteil", "haushaltsmittel", "own funds", "municipal budget"}
