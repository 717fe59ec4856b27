"""The data of one monitoring report, as plain dicts and lists.

Templates receive only this data (never model objects), so a user template
in the sandbox sees numbers and texts, and the same data can be written out
as JSON for the site's downloads. Charts are built here from the data, with
their words taken from the message catalogue.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..query import due as due_rules
from ..i18n import catalogue
from ..plan.model import COMPLETED, DROPPED, STATUSES
from ..plan.index import PlanIndex
from ..query.status import count_statuses
from . import areas as area_data, charts, fonts, money, outlook as outlook_data
from .assess import assess, trend
from .render import Formatter
from ..errors import IsekError


class ReportError(IsekError):
    pass


def _measure(plan: PlanIndex, m, year: int) -> dict[str, Any]:
    lead = plan.actor_index.get(m.lead_id)
    status = plan.status_of(m.id, year)
    return {
        "id": m.id,
        "title": m.title,
        "description": m.description,
        "field": plan.measure_field[m.id].id,
        "goals": list(m.goals or []),
        "indicators": list(m.indicators or []),
        "priority": m.priority,
        "lead": m.lead_id,
        "lead_name": lead.name if lead else m.lead_id,
        "lead_names": [plan.actor_index[a].name if a in plan.actor_index else a for a in m.leads],
        "partners": [plan.actor_index[p].name if p in plan.actor_index else p for p in (m.partners or [])],
        "committee": plan.committee_index[m.committee].name if m.committee in plan.committee_index else m.committee,
        "start": m.start,
        "end": m.end,
        "cost_eur": m.cost_max,  # a range's upper bound (the open-data column); the report shows the range
        "cost_min_eur": m.cost_min,
        "cost_max_eur": m.cost_max,
        "costs": [{"year": c.year, "eur": c.eur} for c in m.costs or ()],
        "funding": list(m.funding or []),
        "key_project": bool(m.key_project),
        # The seven-status vocabulary drives colours and counts; a plan status is kept beside it.
        "status": plan.counts_as(status),
        "plan_status": plan.plan_statuses[status].title if status in plan.plan_statuses else None,
        "previous_status": plan.counted_status(m.id, year - 1),
        "parent": m.parent,
        "part_ids": plan.parts_of(m.id),
        "areas": list(m.areas or []),
        "sdgs": list(m.sdgs or []),
        "percent": plan.percent_of(m.id, year),
        "spent_eur": plan.spent_of(m.id, year),
        "notes": [{"date": u.date, "status": u.status, "text": u.note.strip()}
                  for u in plan.updates_in(m.id, year) if u.note and u.note.strip()],
        "updated": bool(plan.updates_in(m.id, year)),
        "last_update": last.date if (last := plan.latest(m.id, year)) else None,
    }


def _share(n: int, total: int) -> float:
    return n / total if total else 0.0


def build(plan: PlanIndex, year: int, lang: str) -> dict[str, Any]:
    meta = plan.meta
    if not meta.horizon.start <= year <= meta.horizon.end:
        raise ReportError(f"{year} lies outside the plan's horizon {meta.horizon.start}–{meta.horizon.end}; "
                          f"reports exist for the monitoring years {meta.horizon.start}..{meta.horizon.end}")
    msg = catalogue(lang)
    labels = msg["status"]
    text_lang = meta.language if meta.language != lang else None  # marks plan text inside charts
    every = [_measure(plan, m, year) for _, m in plan.all_measures()]
    by_id = {m["id"]: m for m in every}
    for m in every:  # parts nested under their parent (the templates show them there)
        m["parts"] = [by_id[p] for p in m.pop("part_ids")]
    measures = [m for m in every if m["parent"] is None]  # counts count top-level measures only
    all_ids = [m["id"] for m in measures]
    total = len(all_ids)
    now = count_statuses(plan, all_ids, year)
    before = count_statuses(plan, all_ids, year - 1)

    fmt = Formatter(lang)
    indicators = [_indicator(plan, x, year, msg, fmt) for x in plan.indicators]
    fields = []
    for f in plan.fields:
        ms = [by_id[m.id] for m in f.measures if m.parent is None]
        counts = count_statuses(plan, [m["id"] for m in ms], year)
        fields.append({
            "id": f.id,
            "title": f.title,
            "description": f.description,
            "guiding_goals": [{"id": g, "title": plan.guiding_goals[g].title} for g in (f.guiding_goals or [])
                              if g in plan.guiding_goals],
            "goals": [{"id": g.id, "title": g.title} for g in f.goals],
            "measures": ms,
            "goal_groups": _goal_groups(f, ms),
            "indicators": [k for k in indicators
                           if f.id in k["fields"] or any(k["id"] in m["indicators"] for m in ms)],
            "by_status": counts,
            "by_status_previous": count_statuses(plan, [m["id"] for m in ms], year - 1),
            "completed_share": _share(counts[COMPLETED], len(ms)),
            "no_update": sum(1 for m in ms if not m["updated"] and m["status"] not in (COMPLETED, DROPPED)),
            "money": money.field_money(plan, year, [m["id"] for m in ms]),
            "chart": charts.status_bars([("", counts)], labels, f"{f.id} {f.title}",
                                        _counts_alt(counts, labels, msg), plan_lang=text_lang),
        })

    by_priority = []
    scale = {lv.value: lv.title for lv in meta.priorities or ()}
    for p in plan.priority_values():
        ids = [m["id"] for m in measures if m["priority"] == p]
        counts = count_statuses(plan, ids, year)
        by_priority.append({"priority": p, "title": scale.get(p), "measures": len(ids), "by_status": counts,
                            "completed_share": _share(counts[COMPLETED], len(ids))})

    moved = [m for m in measures if m["status"] != m["previous_status"]]
    completed = [m for m in moved if m["status"] == COMPLETED]
    first, last = meta.horizon.start, year
    series = []
    for y in range(first, last + 1):
        c = count_statuses(plan, all_ids, y)
        series.append((y, c[COMPLETED], c["in_umsetzung"], total))

    found = due_rules.due(plan, year)  # the same lists as `isek due`: each measure once
    attention = {
        "overdue": [by_id[r["id"]] | {"years_over": r["years_over"]} for r in found["overdue"]],
        "behind_schedule": [by_id[r["id"]] | {k: r[k] for k in ("expected_percent", "gap_points", "ratio", "rating")}
                            for r in found["behind_schedule"]],
        "no_update": [by_id[r["id"]] for r in found["no_update"]],
        "deferred": [by_id[r["id"]] for r in found["deferred"]],
    }
    outlook = outlook_data.build(plan, year, measures, indicators)
    summary = {
        "total": total,
        "by_status": now,
        "by_status_previous": before,
        "change": {s: now[s] - before[s] for s in STATUSES},
        "completed": now[COMPLETED],
        "completed_previous": before[COMPLETED],
        "completed_share": _share(now[COMPLETED], total),
        "active": now["in_planung"] + now["in_umsetzung"],
        "updates": sum(len(plan.updates_in(i, year)) for i in all_ids),
        "updated_measures": sum(1 for m in measures if m["updated"]),
        "by_priority": by_priority,
        "moved": moved,
        "completed_this_year": completed,
        "key_projects": [m for m in measures if m["key_project"]],
    }

    overall_alt = _fields_alt(fields, labels, msg)
    last_data_year = plan.latest_year
    return {
        "lang": lang,
        "msg": msg,
        "statuses": list(STATUSES),
        "year": year,
        "previous_year": year - 1,
        "report_number": year - meta.horizon.start + 1,
        "cutoff": dt.date(year, 12, 31),
        "has_progress_file": year in plan.progress_years,
        "last_data_year": last_data_year,
        "carried_forward": last_data_year is not None and year > last_data_year,
        "plan_lang": meta.language,  # the language of the plan's own texts (titles, notes, vision)
        "fonts": fonts.faces(),
        "plan": {
            "city": meta.city,
            "title": meta.title,
            "owner": meta.owner,
            "adopted": {"body": meta.adopted.body, "date": meta.adopted.date},
            "horizon": {"start": meta.horizon.start, "end": meta.horizon.end},
            "vision": meta.vision,
            # The plan's own words for the report (v2); without them the report states no mandate.
            "mandate": meta.report.mandate if meta.report else None,
            "foreword": meta.report.foreword if meta.report else None,
            "license": meta.license,
        },
        # council decisions on the plan, oldest first (a timeline)
        "decisions": sorted((d.model_dump() for d in meta.decisions or ()), key=lambda d: (d["date"], d["id"])),
        "guiding_goals": [{"id": g.id, "title": g.title, "text": g.text} for g in meta.guiding_goals],
        # The plan's foreword (report.foreword, Markdown); the templates print it before the vision.
        "foreword": meta.report.foreword if meta.report else None,
        "summary": summary,
        "key": outlook_data.key_messages(summary, attention, indicators, outlook),
        "indicators": indicators,
        "outlook": outlook,
        "fields": fields,
        "attention": attention,
        "funding": money.chapter(plan, year, all_ids, msg, fmt),
        "areas": area_data.chapter(plan, year, measures, msg),
        "sdgs": area_data.sdg_overview(plan, every, indicators, lang),
        "measures": measures,
        "charts": {
            "fields": charts.status_bars([(f["id"] + " " + f["title"], f["by_status"]) for f in fields], labels,
                                         msg["chart"]["fields_title"].format(year=year), overall_alt,
                                         plan_lang=text_lang),
            "completion": charts.completion(series, labels, msg["chart"]["completion_title"].format(
                                                first=first, year=year), _series_alt(series, labels, msg)),
        },
        "completion_series": [{"year": y, "completed": d, "in_progress": p, "total": t} for y, d, p, t in series],
    }


def _goal_groups(f, ms: list[dict]) -> list[dict[str, Any]]:
    """The field's measures under its goals, each measure once: under the first of its goals that belongs
    to this field (in the field's order of goals); measures naming none of them come last, without a goal."""
    order = {g.id: i for i, g in enumerate(f.goals)}
    groups: dict[str | None, list[dict]] = {g.id: [] for g in f.goals}
    groups[None] = []
    for m in ms:
        own = sorted((order[g] for g in m["goals"] if g in order))
        groups[f.goals[own[0]].id if own else None].append(m)
    out = [{"goal": {"id": g.id, "title": g.title}, "measures": groups[g.id]} for g in f.goals if groups[g.id]]
    if groups[None]:
        out.append({"goal": None, "measures": groups[None]})
    return out


def _counts_alt(counts: dict[str, int], labels: dict[str, str], msg: dict) -> str:
    parts = [f"{labels[s]} {n}" for s, n in counts.items() if n]
    return msg["chart"]["counts_alt"].format(counts=", ".join(parts) if parts else "–")


def _fields_alt(fields: list[dict], labels: dict[str, str], msg: dict) -> str:
    """Every bar's full data: per field, the count of each status."""
    parts = [f"{f['id']} {f['title']}: " + ", ".join(f"{labels[s]} {n}" for s, n in f["by_status"].items() if n)
             for f in fields]
    return msg["chart"]["fields_alt"].format(fields="; ".join(parts) or "–")


def _series_alt(series, labels: dict[str, str], msg: dict) -> str:
    parts = [f"{y}: {labels['abgeschlossen']} {d}, {labels['in_umsetzung']} {p}" for y, d, p, _ in series]
    return msg["chart"]["completion_alt"].format(series="; ".join(parts))


def _indicator(plan: PlanIndex, x, year: int, msg: dict, fmt: Formatter) -> dict[str, Any]:
    by_year: dict[int, float] = {}
    for v, _ in plan.series.get(x.id, []):
        if v.date.year <= year and v.area is None:  # the whole city's series; area values are apart
            by_year[v.date.year] = v.value  # the latest value of each year counts
    values = sorted(by_year.items())
    current = by_year.get(year)
    previous = by_year.get(year - 1)
    latest = values[-1] if values else None
    baseline = (x.baseline.year, x.baseline.value)
    target = (x.target.year, x.target.value) if x.target else None
    a = assess(x.direction, baseline, latest, target)
    marks = msg["chart"]
    decimals = _decimals(x, values)
    num = lambda v: fmt.num(v, decimals)  # noqa: E731
    alt = marks["indicator_alt"].format(
        baseline=f"{baseline[0]}: {num(baseline[1])}",
        values="; ".join(f"{y}: {num(v)}" for y, v in values) or "–",
        target=f"{target[0]}: {num(target[1])}" if target else "–")
    return {
        "id": x.id,
        "title": x.title,
        "unit": x.unit,
        "source": x.source,
        "direction": x.direction,
        "decimals": decimals,
        "baseline": {"year": x.baseline.year, "value": x.baseline.value},
        "target": {"year": x.target.year, "value": x.target.value} if x.target else None,
        "current": current,
        "previous": previous,
        "latest": {"year": latest[0], "value": latest[1]} if latest else None,
        "change": (current - previous) if current is not None and previous is not None else None,
        "trend": trend(previous, current),
        "assessment": a.verdict,
        "ratio": a.ratio,
        "years_left": a.years_left,
        "fields": list(x.fields or []),
        "series": [{"year": y, "value": v} for y, v in values],
        "chart": charts.sparkline(values, baseline, target, x.title, alt,
                                  {"baseline": marks["baseline"], "target": marks["target"]}, num,
                                  plan_lang=plan.meta.language if plan.meta.language != fmt.lang else None),
    }


MAX_DECIMALS = 2


def _decimals(x, values: list[tuple[int, float]]) -> int:
    """How many decimals the indicator's numbers get: the plan's ``decimals`` when it has one (format
    version 2), else the most any of its numbers is written with (at most 2), so one column never
    mixes "22" and "21,8"."""
    explicit = getattr(x, "decimals", None)
    if explicit is not None:
        return int(explicit)
    numbers = [x.baseline.value] + ([x.target.value] if x.target else []) + [v for _, v in values]
    most = 0
    for n in numbers:
        text = repr(float(n))
        if "e" in text or "E" in text:
            continue
        frac = text.split(".")[1].rstrip("0") if "." in text else ""
        most = max(most, len(frac))
    return min(most, MAX_DECIMALS)
