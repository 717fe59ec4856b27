"""`isek portfolio site`: an index over all plans, with each plan's own site below it.

Layout of the output folder::

    index.html             the plans in a table, status bars, a map of their areas (inline SVG)
    data/status.json       the data of `isek portfolio status --format json`
    data/status.csv        the same as CSV
    assets/*.woff2         the report font, once for the index and every plan's pages
    plans/<ID>/…           each valid plan's own site (`isek site`), ID the plan's id in the portfolio
    .isek-site             marks the folder as generated and lists its files

Folder names come from plan ids (letters, digits, '.', '_', '-', starting with a
letter, unique ignoring case), never from plan text. Each plan's site is written
as soon as it is built, so memory holds one plan's site at a time.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from ..i18n import catalogue
from ..plan.model import STATUSES
from ..report import fonts
from ..report.charts import status_bars
from ..report.render import render
from ..report.site import SITE_MARKER, build_site, check_folder
from ..writing.atomic import atomic_write
from ..writing.outputs import OutputRefused, inside
from .mapsvg import CLASS_COLORS, Shape, area_map

MAX_BARS = 60  # plans with a status bar of their own; more: the table alone says it better


def write_site(pf, out: Path, lang: str | None, templates: Path | None, *, force: bool = False
               ) -> tuple[list[str], list[str]]:
    """Build and write the site; returns (files written, stale files removed), relative to ``out``."""
    for p in pf.plans:
        if p.root.exists() and (inside(out, p.root) or inside(p.root, out)):
            raise OutputRefused(f"{out} and the plan folder of {p.id} ({p.path}) overlap; build the site elsewhere")
    check_folder(out, force)
    index_lang = lang or pf.language
    year = pf.default_year()
    status = pf.status(year)
    written: list[str] = []
    shapes: list[Shape] = []
    plan_langs: dict[str, str] = {}
    share = {r["id"]: r["completed_share"] for r in status["plans"]}
    for p, loaded in pf.each():
        index = loaded.plan
        plan_langs[p.id] = index.meta.language
        site = build_site(index, lang or index.meta.language, templates, assets=f"../../{fonts.ASSETS}")
        for rel, data in site.items():
            if rel != SITE_MARKER:
                atomic_write(out / "plans" / p.id / rel, data)
                written.append(f"plans/{p.id}/{rel}")
        klass = min(len(CLASS_COLORS) - 1, int((share[p.id] or 0) * len(CLASS_COLORS)))
        shapes += [Shape(p.id, a.title, index.geometry[a.id]["coordinates"], klass)
                   for a in index.areas if a.id in index.geometry]
    files = dict(fonts.site_files())
    files["data/status.json"] = (json.dumps(status, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    files["data/status.csv"] = _status_csv(status)
    downloads = sorted(k for k in files if k.startswith("data/"))
    context = _context(pf, status, shapes, index_lang, downloads) | {"plan_langs": plan_langs}
    files["index.html"] = render(context, "html", index_lang, templates,
                                 template="portfolio_index.html.j2").encode("utf-8")
    for rel, data in files.items():
        atomic_write(out / rel, data)
        written.append(rel)
    return sorted(written), _finish(out, sorted(written))


def _context(pf, status: dict, shapes: list[Shape], lang: str, downloads: list[str]) -> dict[str, Any]:
    t = catalogue(lang)
    msg = t["portfolio"]
    labels = {s: t["status"][s] for s in STATUSES}
    rows = status["plans"]
    valid = [r for r in rows if r["valid"]]
    total = status["total"]
    counts = ", ".join(f"{labels[s]} {n}" for s, n in total["by_status"].items() if n)
    bar_rows = [(f"{r['id']} · {r['city']}", r["by_status"]) for r in valid] if len(valid) <= MAX_BARS else []
    bars = status_bars(bar_rows + [(msg["total"], total["by_status"])], labels,
                       msg["status_title"].format(year=status["year"]),
                       t["chart"]["counts_alt"].format(counts=counts))
    plans_with_map = sorted({s.plan for s in shapes})
    pct = "{}–{} %" if lang == "de" else "{}–{}%"
    classes = [(c, pct.format(100 * i // len(CLASS_COLORS), 100 * (i + 1) // len(CLASS_COLORS)))
               for i, c in enumerate(CLASS_COLORS)]
    the_map = area_map(shapes, msg["map_alt"].format(n=len(shapes), plans=len(plans_with_map),
                                                     names=", ".join(plans_with_map))) if shapes else None
    return {"lang": lang, "title": pf.title, "year": status["year"], "plans": rows, "total": total,
            "statuses": list(STATUSES), "bars": bars, "many": len(valid) > MAX_BARS, "map": the_map,
            "classes": classes, "late": [r for r in valid if r["report_missing"]],
            "invalid": [r for r in rows if not r["valid"]], "downloads": downloads,
            "fonts": fonts.faces(base=fonts.ASSETS)}


def _status_csv(status: dict) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["id", "city", "title", "valid", "measures", *STATUSES, "completed_share", "last_year",
                "report_missing"])
    for r in status["plans"]:
        counts = [r["by_status"][s] for s in STATUSES] if r["by_status"] else [""] * len(STATUSES)
        w.writerow([r["id"], r["city"] or "", r["title"] or "", r["valid"], "" if r["measures"] is None else r["measures"],
                    *counts, "" if r["completed_share"] is None else r["completed_share"],
                    "" if r["last_year"] is None else r["last_year"], r["report_missing"]])
    return buf.getvalue().encode("utf-8")


def _finish(out: Path, written: list[str]) -> list[str]:
    """Remove what an earlier build wrote and this one did not (a plan taken out of the portfolio
    must not stay published); then write the marker listing this build's files."""
    marker = out / SITE_MARKER
    previous = []
    if marker.is_file():
        previous = [ln.strip() for ln in marker.read_text(encoding="utf-8").splitlines()
                    if ln.strip() and not ln.startswith("#")]
    keep = set(written)
    removed = []
    for rel in previous:
        path = out / rel
        if rel not in keep and inside(path, out) and path.is_file() and not path.is_symlink():
            path.unlink()
            removed.append(rel)
            _prune(path.parent, out)
    atomic_write(marker, ("# generated by isek; 'isek portfolio site' rebuilds this folder. Files it wrote:\n"
                          + "".join(f"{rel}\n" for rel in written)).encode("utf-8"))
    return removed


def _prune(folder: Path, out: Path) -> None:
    """Remove ``folder`` and its parents up to ``out`` while they are empty (a plan's pages, gone)."""
    while folder != out and inside(folder, out) and folder.is_dir() and not folder.is_symlink():
        try:
            folder.rmdir()  # only succeeds when empty
        except OSError:
            return
        folder = folder.parent
