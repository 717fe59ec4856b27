"""The report font shipped with isek, as @font-face sources.

HTML and PDF use the same font files (``isek_cli/fonts``, see its README for
where they come from), so a report looks the same everywhere and the PDF is
byte-identical on every machine. A single HTML report carries the fonts
inline as data: URLs (one self-contained file, nothing fetched); the static
site writes them once under ``assets/`` and links them.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from ..resources import fonts_dir

FAMILY = "Isek Sans"
FACES = (  # file, weight, style
    ("IsekSans-Regular.woff2", 400, "normal"),
    ("IsekSans-Bold.woff2", 700, "normal"),
    ("IsekSans-Italic.woff2", 400, "italic"),
)
ASSETS = "assets"


@lru_cache(maxsize=None)
def font_bytes(name: str) -> bytes:
    return (fonts_dir() / name).read_bytes()


def faces(base: str | None = None) -> list[dict[str, object]]:
    """@font-face data: each face's family, weight, style and URL (inline, or ``base``/file name)."""
    out = []
    for name, weight, style in FACES:
        if base is None:
            url = "data:font/woff2;base64," + base64.b64encode(font_bytes(name)).decode("ascii")
        else:
            url = f"{base}/{name}"
        out.append({"family": FAMILY, "weight": weight, "style": style, "url": url, "file": name})
    return out


def site_files() -> dict[str, bytes]:
    """The font files of the static site, by relative path."""
    return {f"{ASSETS}/{name}": font_bytes(name) for name, _, _ in FACES}
