"""Inline SVG charts: no JavaScript, no network, deterministic text.

Every chart is an ``<svg role="img">`` with a ``<title>`` and an aria-label
(its text alternative, with the chart's full data); the report prints the same
data as a table next to each chart. All words come from the caller (the
message catalogue), all plan text is escaped. Numbers are rounded to fixed
decimals so the same data always gives the same bytes.

Sizes are chosen for reading, not only for looks: a chart is drawn in a
coordinate box about as wide as a phone screen and shown at most ~1.35 times
that on a desktop, so its text stays between ~11 and ~18 CSS pixels. Every
fill has at least 3:1 contrast against the white background (WCAG 1.4.11);
neighbouring segments are separated by a white line; text on a fill keeps
4.5:1.
"""

from __future__ import annotations

from typing import Callable

from markupsafe import Markup, escape

from ..plan.model import STATUSES

# (fill, text on the fill). Fills ≥ 3:1 against white, text ≥ 4.5:1 against its fill.
STATUS_COLORS = {
    "nicht_begonnen": ("#6b7079", "#ffffff"),
    "in_planung": ("#4f8fcc", "#000000"),
    "in_umsetzung": ("#1f5f9e", "#ffffff"),
    "abgeschlossen": ("#2a7a35", "#ffffff"),
    "daueraufgabe": ("#6a4aa8", "#ffffff"),
    "zurueckgestellt": ("#a85d12", "#ffffff"),
    "entfallen": ("#6b4f46", "#ffffff"),
}
INK = "#1b1f24"
MUTED = "#4f5965"
GRID = "#d6dbe1"
ACCENT = "#1f5f9e"
TARGET = "#b3261e"
FONT = "Isek Sans, sans-serif"
CHAR_W = 0.52  # average glyph width of the report font, in ems, for laying out labels


def _f(x: float) -> str:
    """Fixed, short number text for coordinates."""
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _svg(width: float, height: float, label: str, body: list[str], max_scale: float = 1.35,
         css: str = "chart") -> Markup:
    label = escape(label)
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_f(width)} {_f(height)}" '
        f'width="100%" role="img" aria-label="{label}" class="{css}" '
        f'style="max-width:{_f(width * max_scale)}px" font-family="{FONT}">'
        f"<title>{label}</title>" + "".join(body) + "</svg>"
    )


def _lang(plan_lang: str | None) -> str:
    return f' lang="{escape(plan_lang)}"' if plan_lang else ""


def _wrap(text: str, size: float, width: float, lines: int = 2) -> list[str]:
    """Break a label into at most ``lines`` lines that fit ``width``; only the last may be shortened."""
    per_line = max(8, int(width / (size * CHAR_W)))
    words, out, cur = text.split(), [], ""
    for w in words:
        if cur and len(cur) + 1 + len(w) > per_line:
            out.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}".strip()
    if cur:
        out.append(cur)
    if len(out) > lines:
        rest = " ".join(out[lines - 1:])
        out = out[: lines - 1] + [rest[: per_line - 1] + "…"]
    return out


def status_bars(rows: list[tuple[str, dict[str, int]]], labels: dict[str, str], title: str, alt: str,
                width: int = 420, plan_lang: str | None = None) -> Markup:
    """One stacked horizontal bar per row (e.g. per field of action), each scaled to 100 % of its
    measures, with the row's label in full above its bar, its total at the right, and a legend."""
    size, bar_h, gap = 14, 22, 10
    total_w = 36  # room for the row's total right of the bar
    bar_w = width - total_w
    body: list[str] = []
    y = 4.0
    for name, counts in rows:
        total = sum(counts.values())
        if name:
            for line in _wrap(name, size, width):
                y += size + 2
                body.append(f'<text x="0" y="{_f(y - 3)}" font-size="{size}" fill="{INK}"{_lang(plan_lang)}>'
                            f"{escape(line)}</text>")
            y += 2
        x = 0.0
        for status in STATUSES:
            n = counts.get(status, 0)
            if not n:
                continue
            w = bar_w * n / (total or 1)
            fill, ink = STATUS_COLORS[status]
            body.append(f'<rect x="{_f(x)}" y="{_f(y)}" width="{_f(w)}" height="{bar_h}" fill="{fill}" '
                        f'stroke="#ffffff" stroke-width="1"><title>{escape(labels[status])}: {n}</title></rect>')
            if w >= 9 + 7 * len(str(n)):
                body.append(f'<text x="{_f(x + w / 2)}" y="{_f(y + 15.5)}" text-anchor="middle" '
                            f'font-size="{size}" fill="{ink}">{n}</text>')
            x += w
        body.append(f'<text x="{width}" y="{_f(y + 16)}" text-anchor="end" font-size="{size}" '
                    f'fill="{MUTED}">{total}</text>')
        y += bar_h + gap
    y = _legend(body, labels, [s for s in STATUSES if any(c.get(s) for _, c in rows)], y, width, size)
    return _svg(width, y, f"{title}. {alt}", body)


def _legend(body: list[str], labels: dict[str, str], statuses: list[str], y: float, width: float,
            size: float = 14) -> float:
    """Legend squares in exactly the bars' colours."""
    x = 0.0
    for status in statuses:
        text = labels[status]
        w = 18 + size * CHAR_W * len(text) + 14
        if x > 0 and x + w > width:
            x, y = 0.0, y + size + 8
        fill, _ = STATUS_COLORS[status]
        body.append(f'<rect x="{_f(x)}" y="{_f(y)}" width="13" height="13" fill="{fill}"/>')
        body.append(f'<text x="{_f(x + 18)}" y="{_f(y + 11.5)}" font-size="{size}" fill="{INK}">{escape(text)}</text>')
        x += w
    return y + size + 8


def _ticks(top: int) -> list[int]:
    """Round tick values from 0 up to at least ``top``: at most six, steps of 1, 2, 5 × 10^k."""
    step = 1
    for m in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        step = m
        if top / m <= 5:
            break
    else:
        step = max(1, top // 5)
    n = -(-top // step)
    return [i * step for i in range(n + 1)]


def completion(series: list[tuple[int, int, int, int]], labels: dict[str, str], title: str, alt: str,
               width: int = 420, height: int = 230) -> Markup:
    """The stock of completed measures (and of those in progress) at the end of each year, as stacked
    columns on a scale of round numbers up to the number of measures."""
    size = 14
    left, bottom, top = 36, 26, 10
    plot_w, plot_h = width - left - 4, height - top - bottom
    total = max((t for *_, t in series), default=1) or 1
    ticks = _ticks(total)
    scale_top = ticks[-1]
    n = max(len(series), 1)
    slot = plot_w / n
    bar_w = min(slot * 0.7, 40)
    body: list[str] = []
    for v in ticks:
        yy = top + plot_h * (1 - v / scale_top)
        body.append(f'<line x1="{left}" y1="{_f(yy)}" x2="{width - 4}" y2="{_f(yy)}" '
                    f'stroke="{MUTED if v == 0 else GRID}" stroke-width="1"/>')
        body.append(f'<text x="{left - 5}" y="{_f(yy + 4)}" text-anchor="end" font-size="{size}" '
                    f'fill="{MUTED}">{v}</text>')
    done_fill, done_ink = STATUS_COLORS["abgeschlossen"]
    prog_fill, _ = STATUS_COLORS["in_umsetzung"]
    every = 1 if slot >= size * 2.6 else 2
    for i, (year, done, progress, _) in enumerate(series):
        x = left + i * slot + (slot - bar_w) / 2
        h_done = plot_h * done / scale_top
        h_prog = plot_h * progress / scale_top
        y_done = top + plot_h - h_done
        body.append(f'<rect x="{_f(x)}" y="{_f(y_done)}" width="{_f(bar_w)}" height="{_f(h_done)}" '
                    f'fill="{done_fill}"><title>{year}: {escape(labels["abgeschlossen"])} {done}</title></rect>')
        body.append(f'<rect x="{_f(x)}" y="{_f(y_done - h_prog)}" width="{_f(bar_w)}" height="{_f(h_prog)}" '
                    f'fill="{prog_fill}" stroke="#ffffff" stroke-width="1">'
                    f'<title>{year}: {escape(labels["in_umsetzung"])} {progress}</title></rect>')
        if bar_w >= 8 * len(str(done)) + 4 and h_done >= size + 4:
            body.append(f'<text x="{_f(x + bar_w / 2)}" y="{_f(y_done + size + 1)}" text-anchor="middle" '
                        f'font-size="{size}" fill="{done_ink}">{done}</text>')
        if i % every == (n - 1) % every:  # always label the latest year
            body.append(f'<text x="{_f(x + bar_w / 2)}" y="{height - 6}" text-anchor="middle" font-size="{size}" '
                        f'fill="{INK}">{year}</text>')
    end = _legend(body, labels, ["abgeschlossen", "in_umsetzung"], height + 4, width, size)
    return _svg(width, end, f"{title}. {alt}", body)


def sparkline(values: list[tuple[int, float]], baseline: tuple[int, float], target: tuple[int, float] | None,
              title: str, alt: str, marks: dict[str, str], num: Callable[[float], str],
              width: int = 300, height: int = 120, plan_lang: str | None = None) -> Markup:
    """A small time series with the baseline (open circle), the latest value (dot) and the target (red
    diamond), each labelled with its value. The value axis spans at least a tenth of the largest
    value, so a change of 0.2 on 88 looks as small as it is."""
    points = sorted(set([baseline] + values))
    years = [p[0] for p in points] + ([target[0]] if target else [])
    vals = [p[1] for p in points] + ([target[1]] if target else [])
    x0, x1 = min(years), max(years)
    lo, hi = min(vals), max(vals)
    least = max(abs(lo), abs(hi)) * 0.1 or 1.0
    if hi - lo < least:
        mid = (hi + lo) / 2
        lo, hi = mid - least / 2, mid + least / 2
    pad_x, top, bottom = 14, 18, 34
    size = 13

    def px(year: float) -> float:
        return pad_x + (width - 2 * pad_x) * ((year - x0) / (x1 - x0) if x1 > x0 else 0.5)

    def py(value: float) -> float:
        return top + (height - top - bottom) * (1 - (value - lo) / (hi - lo))

    body: list[str] = [f'<line x1="{pad_x}" y1="{height - bottom + 6}" x2="{width - pad_x}" '
                       f'y2="{height - bottom + 6}" stroke="{GRID}" stroke-width="1"/>']
    if target:
        tx, ty = px(target[0]), py(target[1])
        body.append(f'<line x1="{pad_x}" y1="{_f(ty)}" x2="{width - pad_x}" y2="{_f(ty)}" stroke="{TARGET}" '
                    f'stroke-dasharray="3 3" stroke-width="1"/>')
    if len(points) > 1:
        path = " ".join(f"{'M' if i == 0 else 'L'}{_f(px(y))},{_f(py(v))}" for i, (y, v) in enumerate(points))
        body.append(f'<path d="{path}" fill="none" stroke="{ACCENT}" stroke-width="2"/>')
    bx, by = px(baseline[0]), py(baseline[1])
    body.append(f'<circle cx="{_f(bx)}" cy="{_f(by)}" r="4" fill="#ffffff" stroke="{INK}" stroke-width="1.5">'
                f"<title>{escape(marks['baseline'])} {baseline[0]}: {escape(num(baseline[1]))}</title></circle>")
    body.append(_value_label(bx, by, num(baseline[1]), "start", size, MUTED, width))
    if target:
        body.append(f'<path d="M{_f(tx)},{_f(ty - 6)} L{_f(tx + 6)},{_f(ty)} L{_f(tx)},{_f(ty + 6)} '
                    f'L{_f(tx - 6)},{_f(ty)} Z" fill="{TARGET}"><title>{escape(marks["target"])} {target[0]}: '
                    f"{escape(num(target[1]))}</title></path>")
    last = points[-1]
    if last != baseline:
        lx, ly = px(last[0]), py(last[1])
        body.append(f'<circle cx="{_f(lx)}" cy="{_f(ly)}" r="4" fill="{ACCENT}"/>')
        anchor = "end" if not target or target[0] == last[0] or lx > width - 60 else "middle"
        body.append(_value_label(lx, ly, num(last[1]), anchor, size, ACCENT, width, bold=True))
    if target:
        body.append(_value_label(tx, ty, num(target[1]), "end", size, TARGET, width, below=True))
    body.append(f'<text x="{pad_x}" y="{height - 6}" font-size="{size}" fill="{MUTED}">{x0}</text>')
    body.append(f'<text x="{width - pad_x}" y="{height - 6}" text-anchor="end" font-size="{size}" '
                f'fill="{MUTED}">{x1}</text>')
    return _svg(width, height, f"{title}. {alt}", body, max_scale=1.3)


def _value_label(x: float, y: float, text: str, anchor: str, size: float, fill: str, width: float,
                 bold: bool = False, below: bool = False) -> str:
    dx = {"start": -4, "end": 4, "middle": 0}[anchor]
    yy = y + size + 4 if below else y - 7
    weight = ' font-weight="700"' if bold else ""
    return (f'<text x="{_f(max(2, min(width - 2, x + dx)))}" y="{_f(max(size, yy))}" text-anchor="{anchor}" '
            f'font-size="{size}" fill="{fill}"{weight}>{escape(text)}</text>')


MONEY_COLORS = {"granted": "#4f8fcc", "drawn": "#1f5f9e"}  # both ≥ 3:1 against white, told apart by lightness


def _money_ticks(top: float) -> list[float]:
    """Round ticks from 0 up to at least ``top`` euros: at most six, steps of 1, 2, 2.5, 5 × 10^k."""
    if top <= 0:
        return [0.0, 1.0]
    step = 1.0
    while step * 10 <= top:
        step *= 10
    for m in (0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10):
        if top / (step * m) <= 5:
            step *= m
            break
    n = -(-top // step)
    return [i * step for i in range(int(n) + 1)]


def money_columns(series: list[tuple[int, int, int | None]], labels: dict[str, str], title: str, alt: str,
                  tick: Callable[[float], str], unit: str, width: int = 420, height: int = 230) -> Markup:
    """Granted and drawn money, both cumulative at the end of each year, as pairs of columns on a
    scale of round amounts (ticks in the unit ``unit``, e.g. Mio. €)."""
    size = 14
    left, bottom, top = 40, 26, 30
    plot_w, plot_h = width - left - 4, height - top - bottom
    ticks = _money_ticks(max((max(a, b or 0) for _, a, b in series), default=0))
    scale_top = ticks[-1]
    n = max(len(series), 1)
    slot = plot_w / n
    bar_w = min(slot * 0.4, 20)
    body: list[str] = [f'<text x="0" y="{size}" font-size="{size}" fill="{MUTED}">{escape(unit)}</text>']
    for v in ticks:
        yy = top + plot_h * (1 - v / scale_top)
        body.append(f'<line x1="{left}" y1="{_f(yy)}" x2="{width - 4}" y2="{_f(yy)}" '
                    f'stroke="{MUTED if v == 0 else GRID}" stroke-width="1"/>')
        body.append(f'<text x="{left - 5}" y="{_f(yy + 4)}" text-anchor="end" font-size="{size}" '
                    f'fill="{MUTED}">{escape(tick(v))}</text>')
    every = 1 if slot >= size * 2.6 else (2 if slot * 2 >= size * 2.6 else 3)
    for i, (year, granted, drawn) in enumerate(series):
        x = left + i * slot + (slot - 2 * bar_w) / 2
        for j, (key, value) in enumerate((("granted", granted), ("drawn", drawn))):
            if value is None:  # nothing reported: no column, and no "0"
                continue
            h = plot_h * value / scale_top
            body.append(f'<rect x="{_f(x + j * bar_w)}" y="{_f(top + plot_h - h)}" width="{_f(bar_w)}" '
                        f'height="{_f(h)}" fill="{MONEY_COLORS[key]}" stroke="#ffffff" stroke-width="1">'
                        f'<title>{year}: {escape(labels[key])} {escape(tick(value))} {escape(unit)}</title></rect>')
        if i % every == (n - 1) % every:  # always label the latest year
            body.append(f'<text x="{_f(x + bar_w)}" y="{height - 6}" text-anchor="middle" font-size="{size}" '
                        f'fill="{INK}">{year}</text>')
    y, x = height + 4, 0.0
    for key in ("granted", "drawn"):
        body.append(f'<rect x="{_f(x)}" y="{_f(y)}" width="13" height="13" fill="{MONEY_COLORS[key]}"/>')
        body.append(f'<text x="{_f(x + 18)}" y="{_f(y + 11.5)}" font-size="{size}" fill="{INK}">'
                    f'{escape(labels[key])}</text>')
        x += 18 + size * CHAR_W * len(labels[key]) + 14
    return _svg(width, y + size + 8, f"{title}. {alt}", body)
