"""Inline SVG charts: no JavaScript, no network, deterministic text.

Every chart is an ``<svg role="img">`` with a ``<title>`` and an aria-label
(its text alternative); all words come from the caller (the message
catalogue), all plan text is escaped. Numbers are rounded to fixed decimals
so the same data always gives the same bytes.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from ..plan.model import STATUSES

# Colours chosen for contrast against white and against each other; text on
# each colour uses the paired foreground to keep WCAG AA contrast.
STATUS_COLORS = {
    "nicht_begonnen": ("#d5d9de", "#1b1f24"),
    "in_planung": ("#9cc3e6", "#1b1f24"),
    "in_umsetzung": ("#1f5f9e", "#ffffff"),
    "abgeschlossen": ("#2a7a35", "#ffffff"),
    "daueraufgabe": ("#6a4aa8", "#ffffff"),
    "zurueckgestellt": ("#e8a33d", "#1b1f24"),
    "entfallen": ("#7b5e55", "#ffffff"),
}
INK = "#1b1f24"
MUTED = "#5a6470"
ACCENT = "#1f5f9e"
TARGET = "#b3261e"


def _f(x: float) -> str:
    """Fixed, short number text for coordinates."""
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _svg(width: float, height: float, label: str, body: list[str]) -> Markup:
    label = escape(label)
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_f(width)} {_f(height)}" '
        f'width="100%" role="img" aria-label="{label}" class="chart" '
        f'style="max-width:{_f(width)}px" font-family="inherit">'
        f"<title>{label}</title>" + "".join(body) + "</svg>"
    )


def status_bars(rows: list[tuple[str, dict[str, int]]], labels: dict[str, str], title: str,
                alt: str, width: int = 640) -> Markup:
    """One stacked horizontal bar per row (e.g. per field of action) with a legend."""
    label_w = 230 if any(r[0] for r in rows) else 0
    bar_h, gap, top = 22, 8, 6
    bar_w = width - label_w - 10
    body: list[str] = []
    y = top
    for name, counts in rows:
        total = sum(counts.values()) or 1
        if label_w:
            body.append(f'<text x="{_f(label_w - 8)}" y="{_f(y + 15)}" text-anchor="end" font-size="12" '
                        f'fill="{INK}">{escape(_clip(name, 28))}</text>')
        x = label_w
        for status in STATUSES:
            n = counts.get(status, 0)
            if not n:
                continue
            w = bar_w * n / total
            fill, ink = STATUS_COLORS[status]
            body.append(f'<rect x="{_f(x)}" y="{_f(y)}" width="{_f(w)}" height="{bar_h}" fill="{fill}">'
                        f"<title>{escape(labels[status])}: {n}</title></rect>")
            if w >= 18:
                body.append(f'<text x="{_f(x + w / 2)}" y="{_f(y + 15)}" text-anchor="middle" font-size="11" '
                            f'fill="{ink}">{n}</text>')
            x += w
        y += bar_h + gap
    y = _legend(body, labels, [s for s in STATUSES if any(c.get(s) for _, c in rows)], y + 4, width)
    return _svg(width, y, f"{title}. {alt}", body)


def _legend(body: list[str], labels: dict[str, str], statuses: list[str], y: float, width: int) -> float:
    x = 0.0
    for status in statuses:
        text = labels[status]
        w = 18 + 6.5 * len(text) + 14
        if x + w > width:
            x, y = 0.0, y + 18
        fill, _ = STATUS_COLORS[status]
        body.append(f'<rect x="{_f(x)}" y="{_f(y)}" width="12" height="12" fill="{fill}" stroke="{MUTED}" stroke-width="0.5"/>')
        body.append(f'<text x="{_f(x + 17)}" y="{_f(y + 10.5)}" font-size="11" fill="{INK}">{escape(text)}</text>')
        x += w
    return y + 20


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def completion(series: list[tuple[int, int, int, int]], labels: dict[str, str], title: str, alt: str,
               width: int = 640, height: int = 220) -> Markup:
    """Measures completed (and in progress) at the end of each year, as columns."""
    left, bottom, top = 36, 28, 10
    plot_w, plot_h = width - left - 8, height - top - bottom
    total = max((t for *_, t in series), default=1) or 1
    n = max(len(series), 1)
    slot = plot_w / n
    body = [f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 8}" y2="{top + plot_h}" stroke="{MUTED}"/>']
    for frac in (0.5, 1.0):
        yy = top + plot_h * (1 - frac)
        body.append(f'<line x1="{left}" y1="{_f(yy)}" x2="{width - 8}" y2="{_f(yy)}" stroke="#e3e6ea"/>')
        body.append(f'<text x="{left - 4}" y="{_f(yy + 4)}" text-anchor="end" font-size="10" fill="{MUTED}">'
                    f"{round(total * frac)}</text>")
    done_fill = STATUS_COLORS["abgeschlossen"][0]
    prog_fill = STATUS_COLORS["in_umsetzung"][0]
    for i, (year, done, progress, _) in enumerate(series):
        x = left + i * slot + slot * 0.15
        w = slot * 0.7
        h_done = plot_h * done / total
        h_prog = plot_h * progress / total
        y_done = top + plot_h - h_done
        body.append(f'<rect x="{_f(x)}" y="{_f(y_done)}" width="{_f(w)}" height="{_f(h_done)}" fill="{done_fill}">'
                    f"<title>{year}: {escape(labels['abgeschlossen'])} {done}</title></rect>")
        body.append(f'<rect x="{_f(x)}" y="{_f(y_done - h_prog)}" width="{_f(w)}" height="{_f(h_prog)}" '
                    f'fill="{prog_fill}" opacity="0.55"><title>{year}: {escape(labels["in_umsetzung"])} {progress}</title></rect>')
        if w >= 16:
            body.append(f'<text x="{_f(x + w / 2)}" y="{_f(y_done + 13)}" text-anchor="middle" font-size="10" '
                        f'fill="#ffffff">{done if h_done >= 16 else ""}</text>')
        body.append(f'<text x="{_f(x + w / 2)}" y="{height - 10}" text-anchor="middle" font-size="10" '
                    f'fill="{INK}">{year}</text>')
    _legend(body, labels, ["abgeschlossen", "in_umsetzung"], height + 4, width)
    return _svg(width, height + 24, f"{title}. {alt}", body)


def sparkline(values: list[tuple[int, float]], baseline: tuple[int, float], target: tuple[int, float] | None,
              title: str, alt: str, marks: dict[str, str], width: int = 240, height: int = 80) -> Markup:
    """A small time series with the baseline (circle) and the target (red diamond) marked."""
    points = sorted(set([baseline] + values))
    years = [p[0] for p in points] + ([target[0]] if target else [])
    vals = [p[1] for p in points] + ([target[1]] if target else [])
    x0, x1 = min(years), max(years)
    lo, hi = min(vals), max(vals)
    if hi == lo:
        lo, hi = lo - 1, hi + 1
    pad = 8

    def px(year: float) -> float:
        return pad + (width - 2 * pad) * ((year - x0) / (x1 - x0) if x1 > x0 else 0.5)

    def py(value: float) -> float:
        return pad + (height - 2 * pad - 12) * (1 - (value - lo) / (hi - lo))

    body: list[str] = []
    path = " ".join(f"{'M' if i == 0 else 'L'}{_f(px(y))},{_f(py(v))}" for i, (y, v) in enumerate(points))
    body.append(f'<path d="{path}" fill="none" stroke="{ACCENT}" stroke-width="2"/>')
    bx, by = px(baseline[0]), py(baseline[1])
    body.append(f'<circle cx="{_f(bx)}" cy="{_f(by)}" r="3.5" fill="#ffffff" stroke="{INK}" stroke-width="1.5">'
                f"<title>{escape(marks['baseline'])} {baseline[0]}</title></circle>")
    if target:
        tx, ty = px(target[0]), py(target[1])
        body.append(f'<line x1="{pad}" y1="{_f(ty)}" x2="{width - pad}" y2="{_f(ty)}" stroke="{TARGET}" '
                    f'stroke-dasharray="3 3" stroke-width="1"/>')
        body.append(f'<path d="M{_f(tx)},{_f(ty - 5)} L{_f(tx + 5)},{_f(ty)} L{_f(tx)},{_f(ty + 5)} '
                    f'L{_f(tx - 5)},{_f(ty)} Z" fill="{TARGET}"><title>{escape(marks["target"])} {target[0]}</title></path>')
    if points:
        lx, ly = px(points[-1][0]), py(points[-1][1])
        body.append(f'<circle cx="{_f(lx)}" cy="{_f(ly)}" r="3" fill="{ACCENT}"/>')
    body.append(f'<text x="{pad}" y="{height - 2}" font-size="10" fill="{MUTED}">{x0}</text>')
    body.append(f'<text x="{width - pad}" y="{height - 2}" text-anchor="end" font-size="10" fill="{MUTED}">{x1}</text>')
    return _svg(width, height, f"{title}. {alt}", body)
