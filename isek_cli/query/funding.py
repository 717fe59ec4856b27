"""`isek funding`: programmes, grants and drawdowns as a city and its funding bodies account for them.

Figures as of 31 December of the year Y asked for (contract v2):

* **granted**: the amounts of the grants whose programme year is Y or earlier;
* **drawn**: the drawdowns (each one payment) dated up to 31 Dec Y;
* **measures**: the distinct measures named by the programme's grants or naming
  the programme (by id or title) in their ``funding``.

A measure co-funded by several programmes counts once in the totals; a
programme's row shows its grant amounts, never a measure's full cost. Flags:
measures that spent more than their estimated cost's upper bound, grants with
more drawn than granted, and grants of which nothing was drawn two years after
their programme year.
"""

from __future__ import annotations

from typing import Any

from ..plan.index import PlanIndex

UNDRAWN_AFTER_YEARS = 2


def funding(plan: PlanIndex, year: int) -> dict[str, Any]:
    """The data of ``isek funding --format json`` for ``year``."""
    programmes = [_programme(plan, p, year) for p in plan.programmes]
    all_measures: set[str] = set()
    for p in programmes:
        all_measures.update(p.pop("_measure_ids"))
    families: dict[str, dict[str, Any]] = {}
    for p in programmes:
        if p["family"] is None:
            continue
        fam = families.setdefault(p["family"], {"family": p["family"], "programmes": [], "grants": 0,
                                                "granted_eur": 0, "drawn_eur": 0})
        fam["programmes"].append(p["id"])
        for k in ("grants", "granted_eur", "drawn_eur"):
            fam[k] += p[k]
    granted = sum(p["granted_eur"] for p in programmes)
    drawn = sum(p["drawn_eur"] for p in programmes)
    return {
        "year": year,
        "programmes": programmes,
        "families": list(families.values()),
        "total": {"granted_eur": granted, "drawn_eur": drawn, "open_eur": granted - drawn,
                  "grants": sum(p["grants"] for p in programmes), "measures": len(all_measures)},
        "flags": _flags(plan, year),
    }


def _programme(plan: PlanIndex, p, year: int) -> dict[str, Any]:
    grants = [g for g in plan.grants if g.programme == p.id and g.year <= year]
    measure_ids = {m for g in grants for m in g.measures}
    measure_ids |= {m.id for _, m in plan.all_measures() if p.id in (m.funding or ()) or p.title in (m.funding or ())}
    granted = sum(g.amount_eur for g in grants)
    drawn = sum(plan.drawn(g.id, year) for g in plan.grants if g.programme == p.id)
    with_eligible = [g for g in grants if g.eligible_eur is not None]
    eligible = sum(g.eligible_eur for g in with_eligible) if with_eligible else None
    order = {m.id: i for i, (_, m) in enumerate(plan.all_measures())}
    return {
        "id": p.id,
        "title": p.title,
        "level": p.level,
        "family": p.family,
        "grants": len(grants),
        "granted_eur": granted,
        "drawn_eur": drawn,
        "measures": len(measure_ids),
        "open_eur": granted - drawn,
        "eligible_eur": eligible,
        # the city's own share where the eligible cost is known: eligible minus granted
        "own_share_eur": (eligible - sum(g.amount_eur for g in with_eligible)) if with_eligible else None,
        "grant_list": [_grant(plan, g, year) for g in grants],
        "measure_list": [_measure(plan, mid, year) for mid in sorted(measure_ids, key=lambda m: order.get(m, 1 << 30))
                         if mid in plan.measure_index],
        "_measure_ids": measure_ids,
    }


def _grant(plan: PlanIndex, g, year: int) -> dict[str, Any]:
    return {"id": g.id, "year": g.year, "amount_eur": g.amount_eur, "rate": g.rate, "eligible_eur": g.eligible_eur,
            "drawn_eur": plan.drawn(g.id, year), "measures": list(g.measures),
            "decision": {"date": g.decision.date.isoformat(), "ref": g.decision.ref} if g.decision else None,
            "drawdowns": [{"date": d.date.isoformat(), "eur": d.eur} for d in plan.drawdowns.get(g.id, ())
                          if d.date.year <= year]}


def _measure(plan: PlanIndex, mid: str, year: int) -> dict[str, Any]:
    m = plan.measure_index[mid]
    return {"id": mid, "title": m.title, "cost_eur": m.cost_json, "spent_eur": plan.spent_of(mid, year)}


def _flags(plan: PlanIndex, year: int) -> dict[str, list[dict[str, Any]]]:
    overspent = []
    for _, m in plan.all_measures():
        spent = plan.spent_of(m.id, year)
        if spent is not None and m.cost_max is not None and spent > m.cost_max:
            overspent.append({"measure": m.id, "title": m.title, "spent_eur": spent, "cost_max_eur": m.cost_max})
    above, undrawn = [], []
    for g in plan.grants:
        if g.year > year:
            continue
        drawn = plan.drawn(g.id, year)
        if drawn > g.amount_eur:
            above.append({"grant": g.id, "granted_eur": g.amount_eur, "drawn_eur": drawn})
        if drawn == 0 and g.amount_eur > 0 and year >= g.year + UNDRAWN_AFTER_YEARS:
            undrawn.append({"grant": g.id, "year": g.year, "granted_eur": g.amount_eur})
    return {"overspent": overspent, "drawn_above_granted": above, "undrawn": undrawn}
