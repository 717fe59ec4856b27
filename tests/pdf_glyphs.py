"""Where every glyph of a PDF lands, read back with pypdf (for the PDF report's layout tests).

A small interpreter of the page content stream: it follows the graphics state (q/Q/cm), the text
state (BT/Tm/Td/TD/T*/TL/Tf/Tc/Tw/Tz/Ts) and the showing operators (Tj/TJ/'/"), and measures each
glyph with the font's own advance widths (/W of a CID font, /Widths of a simple font) and its
ascent and descent. That is exact for what WeasyPrint writes (Type0 fonts, Identity-H, 2-byte
codes) and conservative elsewhere. Coordinates are PDF points, origin bottom left.
"""

from __future__ import annotations

from dataclasses import dataclass

IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
INK_ASCENT, INK_DESCENT = 0.9, -0.25


def mul(m: tuple, n: tuple) -> tuple:
    """m × n for PDF matrices [a b c d e f]."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def apply(m: tuple, x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = m
    return a * x + c * y + e, b * x + d * y + f


@dataclass
class Glyph:
    page: int
    x0: float
    x1: float
    y0: float
    y1: float
    text: str


class Font:
    def __init__(self, font) -> None:
        font = font.get_object()
        self.two_byte = font.get("/Subtype") == "/Type0"
        self.widths: dict[int, float] = {}
        self.default = 1000.0
        desc = None
        if self.two_byte:
            cid = font["/DescendantFonts"][0].get_object()
            self.default = float(cid.get("/DW", 1000))
            w = cid.get("/W")
            if w is not None:
                w = list(w.get_object())
                i = 0
                while i < len(w):
                    first = int(w[i])
                    nxt = w[i + 1].get_object() if hasattr(w[i + 1], "get_object") else w[i + 1]
                    if isinstance(nxt, list) or hasattr(nxt, "__iter__") and not isinstance(nxt, (str, bytes)):
                        for k, v in enumerate(list(nxt)):
                            self.widths[first + k] = float(v)
                        i += 2
                    else:
                        last, v = int(nxt), float(w[i + 2])
                        for code in range(first, last + 1):
                            self.widths[code] = v
                        i += 3
            desc = cid.get("/FontDescriptor")
        else:
            first = int(font.get("/FirstChar", 0))
            for k, v in enumerate(font.get("/Widths", []) or []):
                self.widths[first + k] = float(v)
            desc = font.get("/FontDescriptor")
        desc = desc.get_object() if desc is not None else {}
        # The ink of a glyph, not the font's line box: WeasyPrint writes the font's ascent and descent
        # (1.024 and -0.4 em for Isek Sans), which exceed a line height of 1.35. Accented capitals reach
        # about 0.9 em, descenders about 0.25 em below the baseline.
        self.ascent = min(float(desc.get("/Ascent", 900)) / 1000, INK_ASCENT)
        self.descent = max(float(desc.get("/Descent", -250)) / 1000, INK_DESCENT)
        self.name = str(font.get("/BaseFont", "?"))

    def codes(self, data: bytes) -> list[int]:
        if self.two_byte:
            return [int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data) - 1, 2)]
        return list(data)


def _bytes(s) -> bytes:
    if isinstance(s, bytes):
        return s
    if hasattr(s, "original_bytes"):
        return s.original_bytes
    return str(s).encode("latin-1", "replace")


def glyphs(reader, page_index: int) -> list[Glyph]:
    from pypdf.generic import ContentStream

    page = reader.pages[page_index]
    resources = page.get("/Resources") or {}
    font_res = resources.get("/Font") or {}
    fonts = {str(k): Font(v) for k, v in font_res.items()}
    xobjects = resources.get("/XObject") or {}
    out: list[Glyph] = []
    _run(ContentStream(page.get_contents(), reader), reader, fonts, xobjects, IDENTITY, page_index, out, 0)
    return out


def _run(cs, reader, fonts, xobjects, ctm0, page_index, out, depth) -> None:
    from pypdf.generic import ContentStream

    ctm, stack = ctm0, []
    tm = tlm = IDENTITY
    font, size, tc, tw, th, tl, rise = None, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0

    def show(data: bytes) -> None:
        nonlocal tm
        if font is None:
            return
        for code in font.codes(data):
            w0 = font.widths.get(code, font.default) / 1000
            adv = (w0 * size + tc + (tw if (not font.two_byte and code == 32) else 0)) * th
            m = mul(tm, ctm)
            corners = [apply(m, x, y) for x in (0, adv) for y in (font.descent * size + rise, font.ascent * size + rise)]
            xs, ys = [p[0] for p in corners], [p[1] for p in corners]
            if w0 > 0:
                out.append(Glyph(page_index, min(xs), max(xs), min(ys), max(ys), f"{code:04x}"))
            tm = mul((1, 0, 0, 1, adv, 0), tm)

    for operands, op in cs.operations:
        if op == b"q":
            stack.append(ctm)
        elif op == b"Q":
            ctm = stack.pop() if stack else ctm
        elif op == b"cm":
            ctm = mul(tuple(float(v) for v in operands), ctm)
        elif op == b"BT":
            tm = tlm = IDENTITY
        elif op == b"Tm":
            tm = tlm = tuple(float(v) for v in operands)
        elif op == b"Td":
            tm = tlm = mul((1, 0, 0, 1, float(operands[0]), float(operands[1])), tlm)
        elif op == b"TD":
            tl = -float(operands[1])
            tm = tlm = mul((1, 0, 0, 1, float(operands[0]), float(operands[1])), tlm)
        elif op == b"T*":
            tm = tlm = mul((1, 0, 0, 1, 0, -tl), tlm)
        elif op == b"TL":
            tl = float(operands[0])
        elif op == b"Tf":
            font, size = fonts.get(str(operands[0])), float(operands[1])
        elif op == b"Tc":
            tc = float(operands[0])
        elif op == b"Tw":
            tw = float(operands[0])
        elif op == b"Tz":
            th = float(operands[0]) / 100
        elif op == b"Ts":
            rise = float(operands[0])
        elif op == b"Tj":
            show(_bytes(operands[0]))
        elif op in (b"'", b'"'):
            tm = tlm = mul((1, 0, 0, 1, 0, -tl), tlm)
            show(_bytes(operands[-1]))
        elif op == b"TJ":
            for item in operands[0]:
                if isinstance(item, (int, float)) or type(item).__name__ in ("NumberObject", "FloatObject"):
                    tm = mul((1, 0, 0, 1, -float(item) / 1000 * size * th, 0), tm)
                else:
                    show(_bytes(item))
        elif op == b"Do" and depth < 8:
            xo = xobjects.get(str(operands[0]))
            if xo is None:
                continue
            xo = xo.get_object()
            if xo.get("/Subtype") != "/Form":
                continue
            m = tuple(float(v) for v in xo.get("/Matrix", IDENTITY))
            res = xo.get("/Resources") or {}
            sub_fonts = dict(fonts)
            sub_fonts.update({str(k): Font(v) for k, v in (res.get("/Font") or {}).items()})
            _run(ContentStream(xo, reader), reader, sub_fonts, res.get("/XObject") or xobjects, mul(m, ctm),
                 page_index, out, depth + 1)
