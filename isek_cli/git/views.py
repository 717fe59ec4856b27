"""Showing a semantic diff as text (for a terminal) or Markdown (for a merge request)."""

from __future__ import annotations

import json
from typing import Any

from .semdiff import KIND_TITLES, KINDS

SIGN = {"added": "+", "removed": "-", "renamed": "→", "changed": "~"}


def _value(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        if set(v) == {"min", "max"}:  # a cost range
            return f"{_value(v['min'])}–{_value(v['max'])}"
        if set(v) == {"title", "url"}:  # a link
            return f"{_value(v['title'])} <{v['url']}>"
        if set(v) == {"year", "eur"}:  # a year's planned cost
            return f"{v['year']}: {_value(v['eur'])}"
        return "{" + ", ".join(f"{k}: {_value(x)}" for k, x in v.items()) + "}"
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    text = str(v).replace("\n", "⏎ ")
    return text if len(text) <= 80 else text[:79] + "…"


def _side(s: dict) -> str:
    state = "valid" if s["valid"] else f"INVALID ({s['errors']} errors; only its valid parts are compared)"
    commit = f" ({s['commit'][:10]})" if s.get("commit") else ""
    return f"{s['rev']}{commit}: {state}"


def _field_line(c: dict, f: dict) -> str:
    """One changed key; a measure or area moving under another one is said in words."""
    if f["field"] == "parent" and c["kind"] in ("measure", "area"):
        part, old, new = ("a part of", f["old"], f["new"]) if c["kind"] == "measure" else ("inside", f["old"], f["new"])
        if old is None:
            return f"{c['id']} is now {part} {new}"
        if new is None:
            return f"{c['id']} is no longer {part} {old}" + (" (now top-level)" if c["kind"] == "measure" else "")
        return f"{c['id']} is now {part} {new} (was {part} {old})"
    if f["field"].endswith("_eur"):  # money in words: Zuwendung G-2019-LZ: 477,500 € → 520,000 €
        return f"{f['field']}: {_eur(f['old'])} → {_eur(f['new'])}"
    return f"{f['field']}: {_value(f['old'])} → {_value(f['new'])}"


def _eur(v: Any) -> str:
    if isinstance(v, dict) and set(v) == {"min", "max"}:  # a cost range
        return f"{v['min']:,}–{v['max']:,} €"
    return "—" if v is None else f"{v:,} €" if isinstance(v, int) else _value(v)


def _drawdown_line(d: dict) -> str:
    what = f"{d['grant']} {d['date']}"
    if d["change"] == "added":
        return f"+ {what}: drawn {_eur(d['new'])}"
    if d["change"] == "removed":
        return f"- {what}: drawn {_eur(d['old'])}"
    return f"~ {what}: drawn {_eur(d['old'])} → {_eur(d['new'])}"


def _entity_line(c: dict) -> str:
    title = f" {c['title']}" if c.get("title") else ""
    if c["change"] == "renamed":
        return f"{SIGN['renamed']} {c['old_id']} → {c['id']}{title}"
    return f"{SIGN[c['change']]} {c['id']}{title}"


def _progress_line(p: dict) -> str:
    parts = []
    if p["entries_added"]:
        parts.append(f"+{p['entries_added']} entr{'y' if p['entries_added'] == 1 else 'ies'}")
    if p["entries_removed"]:
        parts.append(f"-{p['entries_removed']} removed")
    if p["entries_changed"]:
        parts.append(f"{p['entries_changed']} corrected")
    status = (f"{p['status']['old']} → {p['status']['new']}" if p["status"] else "status unchanged")
    pct = p.get("percent") or {}
    if pct.get("new") is not None and pct.get("new") != pct.get("old"):
        status += f" ({_value(pct.get('old'))} → {pct['new']} %)"
    title = f" {p['title']}" if p.get("title") else ""
    if p.get("from_parts"):
        parts.append("from its parts")
    return f"{p['measure']}{title}: {status} [{', '.join(parts)}]"


def _value_line(v: dict) -> str:
    what = f"{v['indicator']} {v['area']} {v['date']}" if v.get("area") else f"{v['indicator']} {v['date']}"
    if v["change"] == "added":
        return f"+ {what}: {_value(v['new'])}"
    if v["change"] == "removed":
        return f"- {what}: {_value(v['old'])}"
    return f"~ {what}: {_value(v['old'])} → {_value(v['new'])}"


def summary_line(d: dict) -> str:
    s = d["summary"]
    parts = [f"{s[k]} {k}" for k in ("added", "removed", "renamed", "changed") if s[k]]
    if s["status_changes"]:
        parts.append(f"{s['status_changes']} status change(s)")
    if s["entries_added"] or s["entries_removed"] or s["entries_changed"]:
        parts.append(f"{s['entries_added']} progress entr(ies) added")
    if s["values_changed"]:
        parts.append(f"{s['values_changed']} indicator value(s)")
    if s.get("drawdowns_changed"):
        parts.append(f"{s['drawdowns_changed']} drawdown(s)")
    return ", ".join(parts) if parts else "no changes in meaning"


def text(d: dict) -> str:
    lines = [f"from {_side(d['from'])}", f"to   {_side(d['to'])}", f"     {summary_line(d)}"]
    for kind in KINDS:
        group = [c for c in d["changes"] if c["kind"] == kind]
        if not group:
            continue
        lines += ["", KIND_TITLES[kind]]
        for c in group:
            lines.append("  " + _entity_line(c))
            for f in c["fields"]:
                lines.append(f"      {_field_line(c, f)}")
    if d["progress"]:
        lines += ["", "progress (status as of the latest year)"]
        lines += ["  " + _progress_line(p) for p in d["progress"]]
    if d["values"]:
        lines += ["", "indicator values"]
        lines += ["  " + _value_line(v) for v in d["values"]]
    if d.get("drawdowns"):
        lines += ["", "drawdowns (money drawn from grants)"]
        lines += ["  " + _drawdown_line(x) for x in d["drawdowns"]]
    return "\n".join(lines) + "\n"


def history_lines(d: dict) -> list[str]:
    """The lines of one commit's change to one entity (for `isek history`)."""
    lines = []
    for c in d["changes"]:
        lines.append(_entity_line(c))
        lines += [f"  {_field_line(c, f)}" for f in c["fields"]]
    lines += [_progress_line(p) for p in d["progress"]]
    lines += [_value_line(v) for v in d["values"]]
    lines += [_drawdown_line(x) for x in d.get("drawdowns", [])]
    return lines


def _md(text_: Any) -> str:
    return str(text_).replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def markdown(d: dict) -> str:
    out = [f"### isek diff: {_md(summary_line(d))}", "",
           f"- **from** `{d['from']['rev']}`: {'valid' if d['from']['valid'] else '⚠️ invalid'}",
           f"- **to** `{d['to']['rev']}`: {'valid' if d['to']['valid'] else '⚠️ invalid'}"]
    for kind in KINDS:
        group = [c for c in d["changes"] if c["kind"] == kind]
        if not group:
            continue
        out += ["", f"#### {KIND_TITLES[kind].capitalize()}", ""]
        for c in group:
            title = f" {_md(c['title'])}" if c.get("title") else ""
            if c["change"] == "renamed":
                out.append(f"- **renamed** `{c['old_id']}` → `{c['id']}`{title}")
            else:
                out.append(f"- **{c['change']}** `{c['id']}`{title}")
            for f in c["fields"]:
                if f["field"] == "parent" and c["kind"] in ("measure", "area"):
                    out.append(f"  - {_md(_field_line(c, f))}")
                else:
                    out.append(f"  - {f['field']}: {_md(_value(f['old']))} → **{_md(_value(f['new']))}**")
    if d["progress"]:
        out += ["", "#### Progress", "", "| measure | status | entries |", "|---|---|---|"]
        for p in d["progress"]:
            status = f"{p['status']['old']} → **{p['status']['new']}**" if p["status"] else "unchanged"
            entries = f"+{p['entries_added']}" + (f" / −{p['entries_removed']}" if p["entries_removed"] else "") + \
                (f" / {p['entries_changed']} corrected" if p["entries_changed"] else "") + \
                (" (from its parts)" if p.get("from_parts") else "")
            out.append(f"| `{p['measure']}` {_md(p['title'] or '')} | {status} | {entries} |")
    if d["values"]:
        out += ["", "#### Indicator values", ""]
        out += [f"- {_md(_value_line(v))}" for v in d["values"]]
    if d.get("drawdowns"):
        out += ["", "#### Drawdowns", ""]
        out += [f"- {_md(_drawdown_line(x))}" for x in d["drawdowns"]]
    return "\n".join(out) + "\n"


def as_json(d: dict) -> str:
    return json.dumps(d, ensure_ascii=False, indent=2, default=str) + "\n"
