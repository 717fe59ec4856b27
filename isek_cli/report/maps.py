"""Area maps as inline SVG, drawn from the plan's GeoJSON outlines.

No tiles, no network, no JavaScript: each outline becomes one ``<path>``.
Longitude and latitude are projected equirectangularly around the map's mean
latitude (exact enough for a town), scaled into a fixed-width box and rounded
to a tenth of a pixel; points that round onto their predecessor are dropped,
so a 200,000-point outline still gives a path no longer than its drawn
perimeter. Same outlines → same bytes. The map has a ``<title>`` and a
``<desc>`` (and the same text as its aria-label); every area is labelled with
its number in the table next to the map, and all plan text is escaped.
"""

from __future__ import annotations

import math
from itertools import pairwise

from markupsafe import Markup, escape

from .charts import FONT, INK, _f

FILL = "#cfe0f1"
STROKE = "#1f5f9e"  # ≥ 3:1 against white and against the fill
CONTEXT = "#6b7079"


def _bounds(geometries: list[dict]) -> tuple[float, float, float, float]:
    lons = [p[0] for g in geometries for poly in g["coordinates"] for ring in poly for p in ring]
    lats = [p[1] for g in geometries for poly in g["coordinates"] for ring in poly for p in ring]
    return min(lons), min(lats), max(lons), max(lats)


def _ring_area_centroid(ring: list) -> tuple[float, float, float]:
    """Signed area and centroid of a ring in projected coordinates (the shoelace formula)."""
    a = cx = cy = 0.0
    for (x0, y0), (x1, y1) in pairwise(ring):
        c = x0 * y1 - x1 * y0
        a += c
        cx += (x0 + x1) * c
        cy += (y0 + y1) * c
    if abs(a) < 1e-12:
        xs, ys = [p[0] for p in ring], [p[1] for p in ring]
        return 0.0, (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    return a / 2, cx / (3 * a), cy / (3 * a)


def area_map(shapes: list[dict], title: str, desc: str, width: int = 420, max_height: int = 420) -> Markup | None:
    """``shapes``: [{"title", "geometry" (MultiPolygon), "highlight": bool, "label": str|None,
    "note": str}] — highlighted areas are filled and numbered, the others drawn as thin context."""
    shapes = [s for s in shapes if s.get("geometry")]
    if not shapes:
        return None
    lon0, lat0, lon1, lat1 = _bounds([s["geometry"] for s in shapes])
    k = math.cos(math.radians((lat0 + lat1) / 2))
    w_geo, h_geo = max((lon1 - lon0) * k, 1e-9), max(lat1 - lat0, 1e-9)
    pad = 12
    scale = min((width - 2 * pad) / w_geo, (max_height - 2 * pad) / h_geo)
    height = h_geo * scale + 2 * pad
    x_off = (width - w_geo * scale) / 2

    def project(p) -> tuple[float, float]:
        return round(x_off + (p[0] - lon0) * k * scale, 1), round(pad + (lat1 - p[1]) * scale, 1)

    body: list[str] = []
    labels: list[str] = []
    # context first, highlighted areas on top
    for s in sorted(shapes, key=lambda s: bool(s.get("highlight"))):
        d, biggest = [], (0.0, 0.0, 0.0)
        for poly in s["geometry"]["coordinates"]:
            for r, ring in enumerate(poly):
                pts: list[tuple[float, float]] = []
                for p in ring:
                    q = project(p)
                    if not pts or q != pts[-1]:
                        pts.append(q)
                if len(pts) < 3:
                    continue
                d.append("M" + " L".join(f"{_f(x)},{_f(y)}" for x, y in pts) + " Z")
                if r == 0:
                    area, cx, cy = _ring_area_centroid(pts)
                    if abs(area) > abs(biggest[0]):
                        biggest = (area, cx, cy)
        if not d:
            continue
        tip = escape(s["title"]) + (Markup(": ") + escape(s["note"]) if s.get("note") else "")
        if s.get("highlight"):
            body.append(f'<path d="{" ".join(d)}" fill="{FILL}" fill-rule="evenodd" stroke="{STROKE}" '
                        f'stroke-width="2"><title>{tip}</title></path>')
            if s.get("label"):
                _, cx, cy = biggest
                labels.append(f'<circle cx="{_f(cx)}" cy="{_f(cy)}" r="12" fill="#ffffff" stroke="{INK}" '
                              f'stroke-width="1.5"/><text x="{_f(cx)}" y="{_f(cy + 5)}" text-anchor="middle" '
                              f'font-size="14" font-weight="700" fill="{INK}">{escape(s["label"])}</text>')
        else:
            body.append(f'<path d="{" ".join(d)}" fill="none" stroke="{CONTEXT}" stroke-width="1" '
                        f'stroke-dasharray="4 3"><title>{tip}</title></path>')
    label = escape(f"{title}. {desc}")
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {_f(height)}" width="100%" role="img" '
        f'aria-label="{label}" class="chart map" style="max-width:{width}px" font-family="{FONT}">'
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>"
        + "".join(body) + "".join(labels) + "</svg>")
