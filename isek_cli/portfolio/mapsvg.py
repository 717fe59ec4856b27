"""A map of the plans' areas as inline SVG: outlines only, no tiles, no network, no script.

Longitude and latitude are projected equirectangularly around the middle
latitude (at the scale of a town or a state the distortion is invisible) and
fitted into the figure. Larger areas are drawn first so that areas inside them
stay visible; each area is filled with its plan's class (e.g. the share of
measures completed) and carries its title as a tooltip; each plan is labelled
once, at the middle of its areas. Points closer than half a pixel to the last
one drawn are dropped, which keeps a detailed outline small; every number is
rounded, so the same outlines give the same bytes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from markupsafe import Markup, escape

from ..report.charts import INK, _f, _svg

# Five classes from light to dark; the outline (INK) keeps even the lightest area visible.
CLASS_COLORS = ("#edf8e9", "#bae4b3", "#74c476", "#31a354", "#006d2c")


@dataclass(frozen=True)
class Shape:
    plan: str  # the plan's id, its label on the map
    title: str  # the area's title (tooltip)
    polygons: list  # MultiPolygon coordinates: [[ring [lon, lat] …] …] …
    klass: int  # 0 … len(CLASS_COLORS) - 1


def _bbox(polygons) -> tuple[float, float, float, float]:
    xs = [p[0] for poly in polygons for ring in poly for p in ring]
    ys = [p[1] for poly in polygons for ring in poly for p in ring]
    return min(xs), min(ys), max(xs), max(ys)


def area_map(shapes: list[Shape], label: str, width: int = 420, max_height: int = 320, pad: int = 10) -> Markup:
    """The map; ``label`` is its text alternative (title and description in one).

    Drawn 420 units wide like the report's charts, so that its 13-unit labels stay readable
    (about 11 CSS px) on a 390 px phone; on a desktop it grows to 1.6 times that.
    """
    boxes = [_bbox(s.polygons) for s in shapes]
    x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    x1, y1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
    kx = math.cos(math.radians((y0 + y1) / 2))
    w, h = max((x1 - x0) * kx, 1e-9), max(y1 - y0, 1e-9)
    scale = min((width - 2 * pad) / w, (max_height - 2 * pad) / h)
    height = h * scale + 2 * pad
    left = (width - w * scale) / 2

    def xy(p) -> tuple[float, float]:
        return left + (p[0] - x0) * kx * scale, pad + (y1 - p[1]) * scale

    body: list[str] = []
    order = sorted(range(len(shapes)), key=lambda i: -((boxes[i][2] - boxes[i][0]) * (boxes[i][3] - boxes[i][1])))
    for i in order:
        s = shapes[i]
        d = "".join(_ring(ring, xy) for poly in s.polygons for ring in poly)
        body.append(f'<path d="{d}" fill="{CLASS_COLORS[s.klass]}" fill-rule="evenodd" stroke="{INK}" '
                    f'stroke-width="1" stroke-linejoin="round"><title>{escape(s.plan)}: {escape(s.title)}</title></path>')
    for plan, (cx, cy) in _label_points(shapes, boxes, xy):
        body.append(f'<text x="{_f(cx)}" y="{_f(cy)}" text-anchor="middle" dominant-baseline="middle" font-size="13" '
                    f'font-weight="600" fill="{INK}" stroke="#ffffff" stroke-width="3" paint-order="stroke">'
                    f"{escape(plan)}</text>")
    return _svg(width, height, label, body, max_scale=1.6)


def _ring(ring, xy) -> str:
    out, last = [], None
    for n, p in enumerate(ring):
        x, y = xy(p)
        if last is not None and n < len(ring) - 1 and abs(x - last[0]) < 0.5 and abs(y - last[1]) < 0.5:
            continue
        out.append(("M" if last is None else "L") + f"{_f(x)},{_f(y)}")
        last = (x, y)
    return "".join(out) + "Z"


def _label_points(shapes: list[Shape], boxes, xy) -> list[tuple[str, tuple[float, float]]]:
    """One label per plan, at the middle of its largest area (a citywide plan's district, an area
    plan's own area); labels that would overlap are moved apart vertically."""
    best: dict[str, tuple[float, tuple]] = {}
    for s, b in zip(shapes, boxes):
        size = (b[2] - b[0]) * (b[3] - b[1])
        if s.plan not in best or size > best[s.plan][0]:
            best[s.plan] = (size, b)
    placed: list[tuple[str, tuple[float, float]]] = []
    for plan, (_, b) in best.items():
        cx, cy = xy(((b[0] + b[2]) / 2, (b[1] + b[3]) / 2))
        while any(abs(cx - px) < 40 and abs(cy - py) < 15 for _, (px, py) in placed):
            cy += 16
        placed.append((plan, (cx, cy)))
    return placed
