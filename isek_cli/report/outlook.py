"""The report's data for "Ausblick und Fortschreibungsbedarf" (outlook) and its key messages.

The outlook answers what a council asks before the horizon ends: which
measures will not be finished in time, which were paused or fell silent,
which indicator targets are out of reach. It is in every report and is
emphasised in the horizon's last two years. Each measure appears once, under
the first reason that applies: paused or silent, then planned beyond the
horizon, then unlikely to close in time.
"""

from __future__ import annotations

from typing import Any

from ..plan.model import COMPLETED, DEFERRED, DROPPED, ONGOING
from ..plan.index import PlanIndex
from ..plan.types import period_year

from ..query.due import TOLERANCE

SILENT_YEARS = 2  # no update in this many reporting years (this one included): the measure fell silent
EMPHASIS_YEARS = 2  # the outlook is emphasised in the horizon's last two years


def _last_year_with_update(plan: PlanIndex, measure_id: str, year: int) -> int | None:
    last = plan.latest(measure_id, year)
    return last.date.year if last else None


def _pace(m: dict[str, Any], start: int | None, year: int, end: int) -> float | None:
    """Percent the measure reaches by the end of year ``end`` at the pace it kept since its start."""
    if m["percent"] is None or start is None or start > year:
        return None
    per_year = m["percent"] / (year - start + 1)
    return min(100.0, m["percent"] + per_year * (end - year))


def measures(plan: PlanIndex, year: int, ms: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    h_end = plan.meta.horizon.end
    years_left = h_end - year
    silent, beyond, at_risk = [], [], []
    for m in ms:
        if m["status"] in (COMPLETED, DROPPED):
            continue
        # start and end may be months ("2024-04", format v2): the outlook reasons in years
        start, end = period_year(m["start"]), period_year(m["end"])
        last = _last_year_with_update(plan, m["id"], year)
        started = start is None or start <= year - SILENT_YEARS + 1
        if m["status"] == DEFERRED:
            silent.append(m | {"reason": "deferred", "last_year": last})
        elif started and (last is None or last <= year - SILENT_YEARS):
            silent.append(m | {"reason": "silent", "last_year": last})
        elif m["status"] == ONGOING:
            continue  # an ongoing task has no end to reach
        elif end is not None and end > h_end:
            beyond.append(m | {"reason": "beyond"})
        elif end is not None and end <= year:
            at_risk.append(m | {"reason": "overdue", "projected": _pace(m, start, year, h_end)})
        elif (projected := _pace(m, start, year, h_end)) is not None and projected < 100 - TOLERANCE:
            at_risk.append(m | {"reason": "pace", "projected": round(projected)})
        elif (m["status"] in ("nicht_begonnen", "in_planung") and start is not None and end is not None
              and end - start + 1 > years_left):  # not begun, and takes longer than the time left
            at_risk.append(m | {"reason": "late_start", "projected": None, "years": end - start + 1})
    return {"silent": silent, "beyond": beyond, "at_risk": at_risk}


def indicators(ks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Indicators with a target not yet reached: the change per year observed since the baseline
    against the change per year still needed, both in the indicator's unit (plain averages)."""
    rows = []
    for k in ks:
        if not k["target"] or not k["latest"] or k["assessment"] in (None, "target_reached", "no_data"):
            continue
        (t0, x0), (t, x) = (k["baseline"]["year"], k["baseline"]["value"]), (k["latest"]["year"], k["latest"]["value"])
        T, xT = k["target"]["year"], k["target"]["value"]
        observed = (x - x0) / (t - t0) if t > t0 else None
        needed = (xT - x) / (T - t) if T > t else None
        rows.append({"id": k["id"], "title": k["title"], "unit": k["unit"], "decimals": k["decimals"],
                     "latest": k["latest"], "target": k["target"], "observed_per_year": observed,
                     "needed_per_year": needed, "years_left": T - t, "assessment": k["assessment"],
                     "out_of_reach": k["assessment"] in ("off_track", "deteriorating")})
    return rows


def build(plan: PlanIndex, year: int, ms: list[dict[str, Any]], ks: list[dict[str, Any]]) -> dict[str, Any]:
    h = plan.meta.horizon
    found = measures(plan, year, ms)
    return {
        "horizon_end": h.end,
        "years_left": h.end - year,
        "emphasis": h.end - year < EMPHASIS_YEARS,
        **found,
        "indicators": indicators(ks),
        "count": sum(len(v) for v in found.values()),
    }


def key_messages(summary: dict[str, Any], attention: dict[str, list], ks: list[dict[str, Any]],
                 outlook: dict[str, Any]) -> dict[str, Any]:
    """The figures of the summary a council reads first; the template words them."""
    verdicts: dict[str, int] = {}
    for k in ks:
        if k["assessment"]:
            verdicts[k["assessment"]] = verdicts.get(k["assessment"], 0) + 1
    total = summary["total"]
    share_prev = summary["completed_previous"] / total if total else 0.0
    return {
        "total": total,
        "completed": summary["completed"],
        "completed_share": summary["completed_share"],
        "completed_share_previous": share_prev,
        "share_change_points": round((summary["completed_share"] - share_prev) * 100, 1),
        "completed_this_year": len(summary["completed_this_year"]),
        "overdue": len(attention["overdue"]),
        "behind": sum(1 for m in attention["behind_schedule"] if m["rating"] == "behind"),
        "at_risk": sum(1 for m in attention["behind_schedule"] if m["rating"] == "at_risk"),
        "no_update": len(attention["no_update"]),
        "deferred": len(attention["deferred"]),
        "verdicts": verdicts,
        "assessed": sum(verdicts.values()),
        "outlook": {k: len(outlook[k]) for k in ("silent", "beyond", "at_risk")}
                   | {"indicators": sum(1 for r in outlook["indicators"] if r["out_of_reach"])},
    }
