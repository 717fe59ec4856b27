"""Readable text for `isek show` (the same data as `--format json`)."""

from __future__ import annotations

from typing import Any

KIND_LABEL = {
    "measure": "Measure", "goal": "Goal", "field": "Field of action", "guiding_goal": "Guiding goal",
    "indicator": "Indicator", "actor": "Actor", "committee": "Committee", "area": "Area",
    "decision": "Decision", "plan_status": "Plan status",
}


def _ref(r: dict | None, attr: str = "title") -> str:
    if not r:
        return ""
    name = r.get(attr) or r.get("name") or r.get("title")
    return f"{r['id']} ({name})" if name else r["id"]


def _eur(n: int | None) -> str:
    return "" if n is None else f"{n:,} €".replace(",", ".")


def _tree(parts: list[dict], depth: int) -> list[str]:
    out = []
    for p in parts:
        pct = f" {p['percent']} %" if p.get("percent") is not None else ""
        out.append(f"{'  ' * depth}{p['id']:<12} {p['status']}{pct}  {p['title']}")
        out += _tree(p["parts"], depth + 1)
    return out


def render(d: dict[str, Any]) -> str:
    title = d.get("title") or d.get("name") or ""
    where = f"{d['file']}:{d['line']}" if d.get("line") else d["file"]
    lines = [f"{KIND_LABEL[d['kind']]} {d['id']}: {title}", f"  defined in {where}"]

    def add(label: str, value: Any) -> None:
        if value not in (None, "", [], {}):
            lines.append(f"  {label + ':':<13}{value}")

    k = d["kind"]
    if k == "measure":
        add("part of", _ref(d.get("parent")))
        add("field", _ref(d["field"]))
        add("also fields", ", ".join(_ref(f) for f in d.get("also_fields", [])))
        add("goals", ", ".join(_ref(g) for g in d["goals"]))
        add("priority", d["priority"])
        add("lead", ", ".join(_ref(a, "name") for a in d["leads"]))
        add("partners", ", ".join(_ref(p, "name") for p in d["partners"]))
        add("committee", _ref(d["committee"], "name"))
        add("years", f"{d.get('start', '?')}–{d.get('end', '')}" if d.get("start") or d.get("end") else None)
        cost = d.get("cost_eur")
        add("cost", f"{_eur(cost['min'])} – {_eur(cost['max'])}" if isinstance(cost, dict) else _eur(cost))
        add("funding", ", ".join(d.get("funding") or []))
        add("key project", "yes" if d.get("key_project") else None)
        add("indicators", ", ".join(_ref(i) for i in d["indicators"]))
        add("areas", ", ".join(_ref(a) for a in d.get("areas", [])))
        add("SDGs", ", ".join(f"{s['code']} ({s['title']})" for s in d.get("sdgs", [])))
        add("decided by", ", ".join(f"{x['id']} ({x['title']}, {x['date']})" for x in d.get("decided_by", [])))
        for link in d.get("links", []):
            add("link", f"{link['title']}: {link['url']}")
        pct = f" ({d['percent']} %)" if d.get("percent") is not None else ""
        counted = f", counted as {d['counts_as']}" if d["counts_as"] != d["status"] else ""
        derived = ", from its parts" if d.get("status_from_parts") else ""
        add(f"status {d['year']}", f"{d['status']}{pct}{counted}{derived}")
        add("spent", _eur(d.get("spent_eur")))
        if d.get("parts"):
            lines += ["", "  Parts:"]
            lines += _tree(d["parts"], 2)
        if d.get("description"):
            lines += ["", "  " + d["description"].strip().replace("\n", "\n  ")]
        lines += ["", f"  History ({len(d['history'])} updates):"]
        for h in d["history"]:
            extra = f" {h['percent']} %" if "percent" in h else ""
            spent = f", spent {_eur(h['spent_eur'])}" if "spent_eur" in h else ""
            lines.append(f"    {h['date']}  {h['status']}{extra}{spent}  [{h['file']}]")
            if h.get("note"):
                lines.append(f"                {h['note'].strip()}")
    elif k in ("goal", "field"):
        if k == "goal":
            add("field", _ref(d["field"]))
        else:
            add("guiding", ", ".join(_ref(g) for g in d["guiding_goals"]))
            for g in d["goals"]:
                add("goal", _ref(g))
        counts = ", ".join(f"{s} {n}" for s, n in d["by_status"].items() if n)
        add(f"status {d['year']}", counts)
        lines += ["", f"  Measures ({len(d['measures'])}):"]
        for m in d["measures"]:
            pct = f" {m['percent']} %" if m["percent"] is not None else ""
            lines.append(f"    {m['id']:<10} P{m['priority']}  {m['status']}{pct}  {m['title']}")
    elif k == "guiding_goal":
        add("text", d.get("text"))
        add("fields", ", ".join(_ref(f) for f in d["fields"]))
    elif k == "indicator":
        add("unit", d["unit"])
        add("direction", d["direction"])
        add("source", d["source"])
        add("baseline", f"{d['baseline']['value']:g} ({d['baseline']['year']})")
        if d.get("target"):
            add("target", f"{d['target']['value']:g} ({d['target']['year']})")
        add("fields", ", ".join(d.get("fields") or []))
        add("measures", ", ".join(d["measures"]))
        lines += ["", f"  Values ({len(d['values'])}):"]
        lines += [f"    {v['date']}  {v['value']:g}" + (f"  [{v['area']}]" if v.get("area") else "") for v in d["values"]]
    elif k == "area":
        add("kind", d["area_kind"])
        add("inside", _ref(d.get("parent")))
        add("areas", ", ".join(_ref(a) for a in d["areas"]))
        add("outline", d["geometry"] if d["has_outline"] else None)
        counts = ", ".join(f"{s} {n}" for s, n in d["by_status"].items() if n)
        add(f"status {d['year']}", counts)
        lines += ["", f"  Measures ({len(d['measures'])}):"]
        lines += [f"    {m['id']:<10} {m['status']}  {m['title']}" for m in d["measures"]]
    elif k == "decision":
        add("date", d["date"])
        add("body", d["body"])
        add("kind", d["decision_kind"])
        add("paper", d.get("ref"))
        add("url", d.get("url"))
        add("measures", ", ".join(d["measures"]))
    elif k == "plan_status":
        add("counts as", d["counts_as"])
        add("measures", ", ".join(d["measures"]) + f" (status in {d['year']})" if d["measures"] else None)
    elif k == "actor":
        add("kind", d["actor_kind"])
        add("leads", ", ".join(d["leads"]))
        add("partner in", ", ".join(d["partner_in"]))
    else:
        add("measures", ", ".join(d["measures"]))
    return "\n".join(lines)
