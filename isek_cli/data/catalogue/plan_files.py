"""Plan files for an imported catalogue, written the way a person writes them.

Two-space indentation, keys in the contract's order, flow style for goals,
actors and short lists (``{id: …, title: …}``, ``[A, B]``), block style for
measures, folded ``>-`` for long descriptions and ``|-`` for descriptions with
line breaks. Scalars are quoted only where YAML would misread them
(``textedit.scalar``). Every rendered text is read back before it is used.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from ...plan.schema import KINDS, SCHEMA_FOLDER, schema_text, with_modeline
from ...writing.textedit import scalar
from .cells import STOPWORDS, slug

WIDTH = 100  # wrap folded descriptions before this column
MEASURE_KEYS = ("id", "title", "description", "goals", "priority", "lead", "partners", "committee", "start", "end",
                "cost_eur", "funding", "key_project", "parent", "areas")


class ReadBackError(Exception):
    pass


def _flow_map(d: dict[str, Any]) -> str:
    return "{" + ", ".join(f"{k}: {scalar(v, flow=True)}" for k, v in d.items()) + "}"


def _flow_list(items: list[Any]) -> str:
    return "[" + ", ".join(scalar(x, flow=True) for x in items) + "]"


def _comment(text: str) -> str:
    return "# " + " ".join(text.split()) + "\n"


def text_value(key: str, text: str, indent: int) -> str:
    """``key: text`` at ``indent``: plain or quoted when short, folded or literal block when long."""
    pad = " " * indent
    inline = f"{pad}{key}: {scalar(text)}\n"
    candidates = []
    if "\t" not in text and "\r" not in text:
        if "\n" in text:
            body = "".join(f"{pad}  {line}\n" if line else "\n" for line in text.split("\n"))
            candidates.append(f"{pad}{key}: |-\n{body}")
        elif len(inline) > WIDTH:
            lines = _fold(text, WIDTH - indent - 2)
            candidates.append(f"{pad}{key}: >-\n" + "".join(f"{pad}  {line}\n" for line in lines))
    for candidate in candidates + [inline]:
        try:
            if yaml.safe_load(candidate) == {key: text}:
                return candidate
        except yaml.YAMLError:
            pass
    raise ReadBackError(f"cannot write the text of '{key}' so that it reads back unchanged: {text[:60]!r}")


def _fold(text: str, width: int) -> list[str]:
    lines, current = [], ""
    for word in text.split(" "):
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    return lines + [current]


def _measure(m: dict[str, Any]) -> str:
    """One measure as a block; a period word of the sheet ('mittelfristig') stays as a comment:
    after its start or end, or on a line of its own where they would stand."""
    out = []
    term = m.get("_term")
    dated = "end" if "end" in m else "start" if "start" in m else None
    for key in MEASURE_KEYS:
        if term and dated is None and key == "cost_eur":  # where start and end would stand
            out.append(f"    # Umsetzungszeitraum laut Katalog: {term} (ohne Jahr)\n")
            term = None
        if key not in m:
            continue
        lead = "  - " if not out else "    "
        value = m[key]
        if key in ("title", "description"):
            out.append(lead + text_value(key, value, 4)[4:])
        elif isinstance(value, list):
            out.append(f"{lead}{key}: {_flow_list(value)}\n")
        elif isinstance(value, dict):
            out.append(f"{lead}{key}: {_flow_map(value)}\n")
        else:
            out.append(f"{lead}{key}: {scalar(value)}{f'  # {term}' if term and key == dated else ''}\n")
    return "".join(out)


def field_text(f: dict[str, Any], source: str) -> str:
    out = [_comment(f"Handlungsfeld {f['id']}: {f['title']} (importiert aus {source})"),
           f"id: {scalar(f['id'])}\n", text_value("title", f["title"], 0), "goals:" + ("\n" if f["goals"] else " []\n")]
    out += [f"  - {_flow_map(g)}\n" for g in f["goals"]]
    out.append("measures:\n")
    out += [_measure(m) for m in f["measures"]]
    return "".join(out)


def render(draft) -> dict[str, str]:
    """The plan's files: relative path -> text."""
    city = draft.city
    files = {
        "isek.yaml": "".join([
            _comment(f"ISEK {city}: Stammdaten, erzeugt von 'isek import catalogue' aus {draft.source}."),
            "# Bitte prüfen und ergänzen: Titel, Ratsbeschluss (adopted), owner, Vision, Leitziele.\n",
            f"city: {scalar(city)}\n",
            f"title: {scalar(f'Integriertes Stadtentwicklungskonzept {city} {draft.end}')}\n",
            f"adopted: {{body: Rat der Stadt, date: {draft.start - 1}-12-15}}\n",
            f"horizon: {{start: {draft.start}, end: {draft.end}}}\n",
            "owner: Fachbereich Stadtentwicklung\n",
            "language: de\n",
            "vision: |\n  Hier steht die Vision, die der Rat beschlossen hat. Markdown ist erlaubt.\n",
            "guiding_goals: []\n", *_priorities(draft)]),
        "actors.yaml": "".join(
            [_comment(f"Akteure und Fachausschüsse aus {draft.source}; die Art (kind) ist aus dem Namen geschätzt."),
             "actors:\n"] + [f"  - {_flow_map(a)}\n" for a in draft.actors]
            + (["committees:\n"] + [f"  - {_flow_map(c)}\n" for c in draft.committees]
               if draft.committees else ["committees: []\n"])),
        "indicators.yaml": "# Kennzahlen (Kontextindikatoren) mit Ausgangswert und Ziel; noch keine.\nindicators: []\n",
    }
    if draft.areas:
        files["areas.yaml"] = "".join(
            [_comment(f"Gebiete aus {draft.source}; die Art (kind) ist aus dem Namen oder der Spalte geschätzt."),
             "areas:\n"] + [f"  - {_flow_map(a)}\n" for a in draft.areas])
    for n, f in enumerate(draft.fields, start=1):
        files[f"fields/{n:02d}-{file_slug(f['title'])}.yaml"] = field_text(f, draft.source)
    return {rel: with_modeline(rel, text) for rel, text in files.items()}


def _priorities(draft) -> list[str]:
    if not draft.priorities:
        return []
    return (["# Prioritätsstufen mit den Worten des Katalogs (until: das Jahr, das der Katalog nennt).\n",
             "priorities:\n"] + [f"  - {_flow_map(p)}\n" for p in draft.priorities])


def file_slug(title: str) -> str:
    """'Sozialer Zusammenhalt und Integration' → 'sozialer-zusammenhalt': up to three words, no trailing 'und'."""
    words = slug(title, upper=False, limit=30).split("-")[:3]
    while len(words) > 1 and words[-1] in STOPWORDS:
        words.pop()
    return "-".join(words)


def verify(root: Path, files: dict[str, str], draft):
    """Load the rendered plan in memory; it must be valid and hold exactly the draft's values."""
    from ...plan.loader import load_plan

    loaded = load_plan(root, snapshot={rel: text.encode("utf-8") for rel, text in files.items()})
    errors = [d for d in loaded.diagnostics if d.severity == "error"]
    if errors:
        raise ReadBackError("; ".join(f"{d.where}: {d.message}" for d in errors[:5]))
    plan = loaded.plan
    got = [{"id": f.id, "title": f.title, "goals": [g.model_dump() for g in f.goals],
            # warnings=False: pydantic's union serializer warns about a CostRange it dumps correctly
            "measures": [m.model_dump(exclude_none=True, warnings=False) for m in f.measures]} for f in plan.fields]
    want = [{"id": f["id"], "title": f["title"], "goals": f["goals"],
             "measures": [{k: v for k, v in m.items() if not k.startswith("_")} for m in f["measures"]]}
            for f in draft.fields]
    scale = [p.model_dump(exclude_none=True) for p in plan.meta.priorities or []]
    if got != want or [a.model_dump() for a in plan.actors] != draft.actors \
            or [c.model_dump() for c in plan.committees] != draft.committees \
            or [a.model_dump(exclude_none=True) for a in plan.areas] != draft.areas or scale != draft.priorities:
        raise ReadBackError("the written files would not read back as the catalogue's values")
    return loaded


PLAN_FILES = ("isek.yaml", "actors.yaml", "indicators.yaml", "areas.yaml")


def existing_plan(into: Path) -> str | None:
    """Why ``into`` cannot take a new plan, or None."""
    if into.exists() and not into.is_dir():
        return f"{into} exists and is not a folder"
    found = [n for n in PLAN_FILES if (into / n).exists()]
    for sub in ("fields", "progress"):
        if (into / sub).is_dir():
            found += [f"{sub}/{n}" for n in sorted(os.listdir(into / sub)) if n.endswith(".yaml")]
    if found:
        return f"{into} already holds a plan ({', '.join(found[:3])}{' …' if len(found) > 3 else ''})"
    return None


def write(into: Path, files: dict[str, str]) -> list[Path]:
    """Write every file atomically; if one write fails, remove the ones already written."""
    from ...writing.scaffold import GITIGNORE
    from ...writing.atomic import atomic_write

    texts = dict(files)
    if not (into / ".gitignore").exists():
        texts[".gitignore"] = GITIGNORE
    for kind in KINDS:  # the schemas the files' modelines point at (one already there is kept)
        rel = f"{SCHEMA_FOLDER}/{kind}.schema.json"
        if not (into / rel).exists():
            texts[rel] = schema_text(kind)
    written: list[Path] = []
    try:
        for rel, text in texts.items():
            path = into / rel
            if path.exists():  # appeared since the check: never clobber
                raise FileExistsError(f"{path} appeared while importing; nothing more was written")
            atomic_write(path, text.encode("utf-8"))
            written.append(path)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return written
