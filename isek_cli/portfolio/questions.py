"""The portfolio's answers as plain data: status, funding, check, show.

Each plan is counted exactly as the single-plan command counts it (``isek
status --year Y``, ``isek funding --year Y``); the portfolio adds the plans up
and says where a plan's figures are not current: a plan whose last progress
year is older than Y is flagged ``report_missing`` ("Bericht fehlt"). Its
figures are still those ``isek status --year Y`` gives (its last report's
state), but never silently: the flag travels with every row, and the totals
count how many such plans they include.
"""

from __future__ import annotations

import posixpath
from typing import Any

from ..plan.model import COMPLETED, STATUSES
from ..query.status import share

# Functions take the Portfolio (portfolio/core.py) as ``pf``, untyped: core imports this module, and an
# import back (even for typing) would be an import circle (tests/test_architecture.py).

_DONE = STATUSES.index(COMPLETED)


def status(pf, year: int) -> dict[str, Any]:
    """The data of ``isek portfolio status --format json``."""
    rows = []
    total = [0] * len(STATUSES)
    measures = missing = valid = 0
    for p in pf.plans:
        last = p.latest_year
        row: dict[str, Any] = {"id": p.id, "city": p.city, "title": p.title, "path": p.path, "rev": p.rev,
                               "valid": p.ok, "errors": len(p.errors), "measures": None, "by_status": None,
                               "completed_share": None, "last_year": last,
                               "report_missing": None if p.summary is None else (last is None or last < year)}
        if p.ok:
            counts = p.summary.counts_in(year)
            row["measures"] = p.summary.measures
            row["by_status"] = dict(zip(STATUSES, counts))
            row["completed_share"] = share(counts[_DONE], p.summary.measures)
            measures += p.summary.measures
            total = [a + b for a, b in zip(total, counts)]
            valid += 1
            missing += bool(row["report_missing"])
        rows.append(row)
    return {
        "year": year,
        "title": pf.title,
        "plans": rows,
        "total": {"plans": len(rows), "valid": valid, "invalid": len(rows) - valid, "report_missing": missing,
                  "measures": measures, "by_status": dict(zip(STATUSES, total)),
                  "completed_share": share(total[_DONE], measures)},
    }


def check(pf) -> dict[str, Any]:
    """The data of ``isek portfolio check --format json``."""
    diags = pf.diagnostics
    owner = {d: p.id for p in pf.plans for d in p.diagnostics}
    return {
        "portfolio": str(pf.file),
        "valid": pf.ok,
        "errors": sum(d.severity == "error" for d in diags),
        "warnings": sum(d.severity == "warning" for d in diags),
        "plans": [{"id": p.id, "path": p.path, "rev": p.rev, "commit": p.commit, "valid": p.ok,
                   "errors": len(p.errors), "warnings": len(p.warnings)} for p in pf.plans],
        "diagnostics": [d.as_dict() | {"plan": owner.get(d)} for d in diags],
    }


def funding(pf, year: int) -> dict[str, Any]:
    """The data of ``isek portfolio funding --format json``: programmes across plans (matched by id),
    each with its programme years and its plans; every plan's figures as ``isek funding --year Y``."""
    from ..query.funding import funding as plan_funding

    programmes: dict[str, dict[str, Any]] = {}
    cells: dict[tuple[str, str, int], dict[str, Any]] = {}  # (programme, plan, programme year) -> sums
    plans, flags = [], {"overspent": [], "drawn_above_granted": [], "undrawn": []}
    for p, f in pf.map_valid(_funding_of, plan_funding, year):
        t = f["total"]
        plans.append({"id": p.id, "grants": t["grants"], "granted_eur": t["granted_eur"], "drawn_eur": t["drawn_eur"],
                      "open_eur": t["open_eur"], "measures": t["measures"]})
        for key, found in f["flags"].items():
            for item in found:
                flags[key].append({"plan": p.id, **{k: (f"{p.id}:{v}" if k in ("measure", "grant") else v)
                                                    for k, v in item.items()}})
        for prog in f["programmes"]:
            row = programmes.setdefault(prog["id"], {
                "id": prog["id"], "title": prog["title"], "level": prog["level"], "family": prog["family"],
                "plans": [], "grants": 0, "granted_eur": 0, "drawn_eur": 0, "open_eur": 0, "measures": 0,
                "by_year": {}, "by_plan": []})
            row["plans"].append(p.id)
            for k in ("grants", "granted_eur", "drawn_eur", "open_eur", "measures"):
                row[k] += prog[k]
            row["by_plan"].append({"plan": p.id, "grants": prog["grants"], "granted_eur": prog["granted_eur"],
                                   "drawn_eur": prog["drawn_eur"], "measures": prog["measures"],
                                   "title": prog["title"]})
            for g in prog["grant_list"]:
                key = (prog["id"], p.id, g["year"])
                c = cells.setdefault(key, {"plan": p.id, "programme": prog["id"], "title": prog["title"],
                                           "year": g["year"], "grants": 0, "granted_eur": 0, "drawn_eur": 0})
                c["grants"] += 1
                c["granted_eur"] += g["amount_eur"]
                c["drawn_eur"] += g["drawn_eur"]
                y = row["by_year"].setdefault(g["year"], {"year": g["year"], "grants": 0, "granted_eur": 0,
                                                           "drawn_eur": 0, "plans": []})
                y["grants"] += 1
                y["granted_eur"] += g["amount_eur"]
                y["drawn_eur"] += g["drawn_eur"]
                if p.id not in y["plans"]:
                    y["plans"].append(p.id)
    rows = sorted(programmes.values(), key=lambda r: r["id"])
    order = {p.id: n for n, p in enumerate(pf.plans)}
    for r in rows:
        r["by_year"] = [r["by_year"][y] for y in sorted(r["by_year"])]
    return {
        "year": year,
        "title": pf.title,
        "programmes": rows,
        "plans": plans,
        "by_plan_and_year": [cells[k] for k in sorted(cells, key=lambda k: (k[0], order[k[1]], k[2]))],
        "total": {k: sum(p[k] for p in plans) for k in ("grants", "granted_eur", "drawn_eur", "open_eur", "measures")},
        "flags": flags,
    }


def _funding_of(loaded, plan_funding, year: int) -> dict[str, Any]:
    return plan_funding(loaded.plan, year)


def split_ref(ref: str) -> tuple[str, str]:
    """``PLAN:ID`` → (plan, id); raises ``BadFilter`` for anything else."""
    from ..errors import BadFilter

    plan, sep, rest = ref.partition(":")
    if not sep or not plan or not rest:
        raise BadFilter("id", f"'{ref}' does not name a plan; write PLAN:ID, e.g. DEL:HF1.M01")
    return plan, rest


def show(pf, ref: str, year: int | None) -> dict[str, Any]:
    """``PLAN:ID`` as ``isek show ID`` shows it in that plan (``year`` None: the plan's own latest
    progress year, as there), with ``plan`` added and file paths relative to the portfolio folder."""
    from ..errors import PlanInvalid, UnknownId
    from ..plan.suggest import did_you_mean
    from ..query.show import show as show_one
    from ..query.status import default_year

    plan_id, item = split_ref(ref)
    p = pf.plan(plan_id)
    if not p.ok:
        raise PlanInvalid(f"plan '{plan_id}' has errors; run 'isek portfolio check'", p.diagnostics)
    index = pf.load(p).plan
    if index.kind_of(item) is None:
        raise UnknownId(ref, hint=did_you_mean(item, index.locs.keys()))
    data = show_one(index, item, default_year(index) if year is None else year)
    for entry in [data, *data.get("history", [])]:
        if entry.get("file"):
            entry["file"] = posixpath.normpath(posixpath.join(p.path, entry["file"]))
    return {"plan": plan_id} | data
