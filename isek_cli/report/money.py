"""The report's money: the funding chapter and each field's cost and grants.

Built on ``query.funding`` (the figures of ``isek funding``), so report and
command never disagree. What every figure is:

* **estimated cost**: the measures' ``cost_eur`` (a range's bounds summed
  separately), each top-level measure once, dropped measures left out; a
  measure without a cost of its own takes the sum of its parts' costs;
* **spent**: the latest reported ``spent_eur`` up to 31 Dec Y (cumulative);
* **granted**: grants of programme years up to Y; **drawn**: payments up to
  31 Dec Y (cumulative).

``None`` means nothing was reported; the templates print "keine Angabe" for
it, never 0 €. A measure without any cost is counted, not hidden.
"""

from __future__ import annotations

from typing import Any

from ..plan.index import PlanIndex
from ..plan.model import DROPPED
from ..query.funding import funding as funding_query
from . import charts


def _sum_parts(plan: PlanIndex, mid: str, own, seen: frozenset = frozenset()):
    """A measure's own figure, else the sum over its parts that have one (recursively); None: none has.
    Costs are (min, max) pairs, spending plain numbers."""
    value = own(mid)
    if value is not None or mid in seen:
        return value
    found = [v for p in plan.parts_of(mid) if (v := _sum_parts(plan, p, own, seen | {mid})) is not None]
    if not found:
        return None
    if isinstance(found[0], tuple):
        return sum(v[0] for v in found), sum(v[1] for v in found)
    return sum(found)


def cost_of(plan: PlanIndex, mid: str) -> tuple[int, int] | None:
    def own(i):
        m = plan.measure_index[i]
        return (m.cost_min, m.cost_max) if m.cost_eur is not None else None
    return _sum_parts(plan, mid, own)


def spent_of(plan: PlanIndex, mid: str, year: int) -> int | None:
    return _sum_parts(plan, mid, lambda i: plan.spent_of(i, year))


def costs(plan: PlanIndex, ids: list[str], year: int) -> dict[str, Any]:
    """Estimated cost and reported spending of these top-level measures, dropped ones left out."""
    live = [i for i in ids if plan.counted_status(i, year) != DROPPED]
    found = {i: cost_of(plan, i) for i in live}
    with_cost = [c for c in found.values() if c is not None]
    spent = [s for i in live if (s := spent_of(plan, i, year)) is not None]
    return {
        "measures": len(live),
        "with_cost": len(with_cost),
        "missing": len(live) - len(with_cost),
        "min": sum(c[0] for c in with_cost) if with_cost else None,
        "max": sum(c[1] for c in with_cost) if with_cost else None,
        "spent": sum(spent) if spent else None,
        "with_spent": len(spent),
        "dropped": len(ids) - len(live),
    }


def _drawn(plan: PlanIndex, grant_ids: list[str], year: int) -> int | None:
    """Money drawn from these grants by 31 Dec ``year``; None when no payment was reported."""
    paid = [d.eur for g in grant_ids for d in plan.drawdowns.get(g, ()) if d.date.year <= year]
    return sum(paid) if paid else None


def chapter(plan: PlanIndex, year: int, ids: list[str], msg: dict, fmt) -> dict[str, Any]:
    """The funding chapter: ``ids`` are the top-level measures (the report's counts)."""
    data = funding_query(plan, year)
    titles = {p.id: p.title for p in plan.programmes}
    families: dict[str | None, dict[str, Any]] = {}
    for p in data["programmes"]:
        grant_ids = [g["id"] for g in p["grant_list"]]
        row = {
            "id": p["id"], "title": p["title"], "level": p["level"], "grants": p["grants"],
            "granted_eur": p["granted_eur"] if p["grants"] else None,
            "drawn_eur": _drawn(plan, grant_ids, year),
            "open_eur": p["open_eur"] if p["grants"] else None,
            "own_share_eur": p["own_share_eur"],
            "measures": p["measures"],
            "measure_ids": [m["id"] for m in p["measure_list"]],
        }
        fam = families.setdefault(p["family"], {"family": p["family"], "programmes": [], "without": []})
        fam["programmes" if p["grants"] else "without"].append(row)
    groups = [families[k] for k in families if k is not None] + ([families[None]] if None in families else [])
    for fam in groups:
        rows = fam["programmes"]
        n = sum(r["grants"] for r in rows)
        granted = sum(r["granted_eur"] or 0 for r in rows)
        drawn = [r["drawn_eur"] for r in rows if r["drawn_eur"] is not None]
        fam.update(grants=n, granted_eur=granted if n else None, drawn_eur=sum(drawn) if drawn else None,
                   open_eur=(granted - sum(drawn)) if n else None,
                   measures=len({m for r in rows for m in r["measure_ids"]}))
    grants = sorted(((g, p["title"]) for p in data["programmes"] for g in p["grant_list"]),
                    key=lambda x: (x[0]["year"], x[0]["id"]))
    grant_rows = [{"id": g["id"], "programme": title, "year": g["year"], "amount_eur": g["amount_eur"],
                   "rate": g["rate"], "eligible_eur": g["eligible_eur"],
                   "drawn_eur": _drawn(plan, [g["id"]], year), "measures": g["measures"]} for g, title in grants]
    by_year: dict[int, dict[str, Any]] = {}
    for g in grant_rows:
        y = by_year.setdefault(g["year"], {"year": g["year"], "grants": 0, "amount_eur": 0, "drawn": []})
        y["grants"] += 1
        y["amount_eur"] += g["amount_eur"]
        if g["drawn_eur"] is not None:
            y["drawn"].append(g["drawn_eur"])
    years = [{"year": y["year"], "grants": y["grants"], "amount_eur": y["amount_eur"],
              "drawn_eur": sum(y["drawn"]) if y["drawn"] else None} for y in by_year.values()]
    series = _series(plan, year)
    total = data["total"]
    named = _named(plan, ids, year)
    return {
        "year": year,
        "has_programmes": bool(plan.programmes),
        # programmes with grants up to Y, by family; those without (named by measures only) apart
        "families": [f for f in groups if f["programmes"]],
        "without": [{"family": f["family"], "programmes": f["without"]} for f in groups if f["without"]],
        "total": {"grants": total["grants"],
                  "measures": len({m for f in groups for r in f["programmes"] for m in r["measure_ids"]}),
                  "granted_eur": total["granted_eur"] if total["grants"] else None,
                  "drawn_eur": _drawn(plan, [g["id"] for g in grant_rows], year),
                  "open_eur": total["open_eur"] if total["grants"] else None},
        "grants": grant_rows,
        "grant_years": years,
        "series": [{"year": y, "granted_eur": a, "drawn_eur": b} for y, a, b in series],
        "chart": _chart(series, msg, fmt) if series else None,
        "cost": costs(plan, ids, year),
        "planned": planned(plan, year),
        "flags": _flags(data["flags"], plan, titles),
        "named": named,
    }


def _series(plan: PlanIndex, year: int) -> list[tuple[int, int, int]]:
    """(year, granted, drawn) cumulative at 31 Dec of each year from the first grant's programme year."""
    grants = [g for g in plan.grants if g.year <= year]
    if not grants:
        return []
    first = min(g.year for g in grants)
    granted = {y: 0 for y in range(first, year + 1)}
    drawn = dict(granted)
    for g in grants:
        granted[g.year] += g.amount_eur
    for g in plan.grants:
        for d in plan.drawdowns.get(g.id, ()):
            if d.date.year <= year:
                drawn[max(first, d.date.year)] += d.eur
    out, a, b, paid = [], 0, 0, False
    for y in range(first, year + 1):
        a, b = a + granted[y], b + drawn[y]
        paid = paid or any(d.date.year == y for g in plan.grants for d in plan.drawdowns.get(g.id, ()))
        out.append((y, a, b if paid else None))  # None: no payment reported yet, not "0 €"
    return out


def _chart(series, msg: dict, fmt):
    words = msg["funding"]
    parts = "; ".join(f"{y}: {words['granted']} {fmt.money(a)}, {words['drawn']} {fmt.money(b)}" for y, a, b in series)
    title = words["chart_title"].format(first=series[0][0], year=series[-1][0])
    return charts.money_columns(series, {"granted": words["granted"], "drawn": words["drawn"],
                                         "none": msg["money"]["none"]}, title,
                                words["chart_alt"].format(series=parts), fmt.millions, words["chart_unit"])


def planned(plan: PlanIndex, year: int) -> dict[str, Any] | None:
    """Yearly planned costs (``costs``) of every measure that has them, and their sums per year."""
    rows, per_year = [], {}
    for _, m in plan.all_measures():
        if not m.costs:
            continue
        by_year: dict[int, int] = {}
        for c in m.costs:
            by_year[c.year] = by_year.get(c.year, 0) + c.eur
            per_year[c.year] = per_year.get(c.year, 0) + c.eur
        rows.append({"id": m.id, "title": m.title, "parent": m.parent, "cost_min": m.cost_min, "cost_max": m.cost_max,
                     "years": [{"year": y, "eur": e} for y, e in sorted(by_year.items())],
                     "total": sum(by_year.values()), "spent": plan.spent_of(m.id, year)})
    if not rows:
        return None
    return {"measures": rows, "years": [{"year": y, "eur": e, "past": y <= year} for y, e in sorted(per_year.items())],
            "total": sum(per_year.values())}


def _flags(flags: dict, plan: PlanIndex, titles: dict[str, str]) -> dict[str, list]:
    def programme(gid: str) -> str:
        g = plan.grant_index.get(gid)
        return titles.get(g.programme, g.programme) if g else ""
    return {
        "overspent": flags["overspent"],
        "drawn_above_granted": [f | {"programme": programme(f["grant"])} for f in flags["drawn_above_granted"]],
        "undrawn": [f | {"programme": programme(f["grant"])} for f in flags["undrawn"]],
        "count": sum(len(v) for v in flags.values()),
    }


def _named(plan: PlanIndex, ids: list[str], year: int) -> list[dict[str, Any]]:
    """Funding sources the measures name that are no programme of funding.yaml (e.g. Eigenmittel),
    with how many measures name each: counted, without money figures (there are none to show)."""
    known = {p.id for p in plan.programmes} | {p.title for p in plan.programmes}
    counts: dict[str, int] = {}
    for mid in ids:
        if plan.counted_status(mid, year) == DROPPED:
            continue
        for name in dict.fromkeys(plan.measure_index[mid].funding or ()):
            if name not in known:
                counts[name] = counts.get(name, 0) + 1
    return [{"name": n, "measures": c} for n, c in sorted(counts.items(), key=lambda x: (-x[1], x[0]))]


def field_money(plan: PlanIndex, year: int, ids: list[str]) -> dict[str, Any]:
    """A field's estimated cost and spending, and the grants naming any of its measures (or their parts)."""
    mine = set(ids) | {p for i in ids for p in plan.descendants(i)}
    titles = {p.id: p.title for p in plan.programmes}
    grants = [{"id": g.id, "programme": titles.get(g.programme, g.programme), "year": g.year,
               "amount_eur": g.amount_eur, "drawn_eur": _drawn(plan, [g.id], year),
               "measures": [m for m in g.measures if m in mine], "others": len([m for m in g.measures if m not in mine])}
              for g in plan.grants if g.year <= year and any(m in mine for m in g.measures)]
    return {"cost": costs(plan, ids, year), "grants": grants}
