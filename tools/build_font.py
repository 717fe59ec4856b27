"""Build isek's report font from Source Sans 3 (SIL Open Font License 1.1).

The report's HTML and PDF use one font shipped with isek, so the same isek
version prints the same PDF on every machine, whatever fonts it has.

Source: the wheel fontpkg-source-sans-3 3.52 from PyPI (an unmodified copy of
google/fonts ofl/sourcesans3, commit 34812961223b, Source Sans 3 version 3.052),
sha256 2e931608ceeaad770916b53a35cf87090e28133875bf770e41b266146126abd8.

What this script does (needs fontTools and brotli, both come with WeasyPrint):
fixes the variable font's weight axis at 400 and 700 (and 400 italic), keeps
Latin, Latin Extended, punctuation, currency, arrows and the math signs a
report uses, and renames the family to "Isek Sans": Source is a Reserved Font
Name under the OFL, so a modified version must not carry it.

    pip download --no-deps -d /tmp/f fontpkg-source-sans-3==3.52
    unzip -o /tmp/f/fontpkg_source_sans_3-3.52-py3-none-any.whl -d /tmp/f
    python tools/build_font.py /tmp/f/fontpkg_source_sans_3/files isek_cli/fonts
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont
from fontTools.varLib import instancer

FAMILY = "Isek Sans"
UNICODES = [
    *range(0x20, 0x7F), *range(0xA0, 0x250),   # Basic Latin, Latin-1, Latin Extended-A/B
    *range(0x1E00, 0x1F00),                      # Latin Extended Additional
    *range(0x2000, 0x2070),                      # general punctuation (dashes, quotes, …)
    *range(0x20A0, 0x20C1),                      # currency (€)
    0x2116, 0x2122,                              # № ™
    *range(0x2190, 0x21A0),                      # arrows
    0x2212, 0x2213, 0x2248, 0x2260, 0x2264, 0x2265, 0x00B1, 0x00D7,  # − ∓ ≈ ≠ ≤ ≥ ± ×
    *range(0x25A0, 0x25D0),                      # squares, triangles, circles
    0xFFFD,
]
STYLES = [  # file, source, weight, style name
    ("IsekSans-Regular.woff2", "SourceSans3[wght].ttf", 400, "Regular"),
    ("IsekSans-Bold.woff2", "SourceSans3[wght].ttf", 700, "Bold"),
    ("IsekSans-Italic.woff2", "SourceSans3-Italic[wght].ttf", 400, "Italic"),
]


def rename(font: TTFont, style: str) -> None:
    name = font["name"]
    full = f"{FAMILY} {style}" if style != "Regular" else FAMILY
    ps = f"{FAMILY.replace(' ', '')}-{style}"
    for rec in list(name.names):
        if rec.nameID in (16, 17, 21, 22, 25):  # typographic / WWS names of the variable font
            name.removeNames(nameID=rec.nameID)
    wanted = {1: FAMILY if style in ("Regular", "Bold", "Italic") else full, 2: style, 3: f"isek;{ps}",
              4: full, 6: ps}
    for nid, text in wanted.items():
        name.setName(text, nid, 3, 1, 0x409)
        name.setName(text, nid, 1, 0, 0)
    name.setName("Isek Sans is Source Sans 3 (Adobe, SIL OFL 1.1) fixed to one weight, subset and renamed "
                 "for isek's reports, as the OFL requires for a modified version.", 10, 3, 1, 0x409)


def build(src_dir: Path, out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    for out, src, weight, style in STYLES:
        font = TTFont(src_dir / src)
        font = instancer.instantiateVariableFont(font, {"wght": weight}, updateFontNames=False)
        options = subset.Options()
        options.flavor = "woff2"
        options.layout_features = ["kern", "liga", "calt", "tnum", "lnum", "pnum", "case", "frac", "sups", "ccmp",
                                   "locl", "mark", "mkmk"]
        options.name_IDs = ["*"]
        options.name_languages = ["*"]
        options.notdef_outline = True
        options.hinting = False
        sub = subset.Subsetter(options)
        sub.populate(unicodes=UNICODES)
        sub.subset(font)
        rename(font, style)
        font["OS/2"].usWeightClass = weight
        font.flavor = "woff2"
        font.save(out_dir / out, reorderTables=True)
        print(out_dir / out, (out_dir / out).stat().st_size)


if __name__ == "__main__":
    build(Path(sys.argv[1]), Path(sys.argv[2]))
