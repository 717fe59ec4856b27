"""The PDF report, read back with pypdf: every glyph inside its page's content box, tagged PDF/UA
with language and title, only the shipped font, the same bytes on a second run.

Two plans: the shipped example plan (German), and a plan made to break layouts — every id 40
characters long (the longest the format allows), titles of ~200 characters with long German
compounds, notes of ~900 characters with an unbreakable URL — rendered in English, so German plan
text sits inside an English document. The glyph check interprets each page's content stream
(tests/pdf_glyphs.py) and compares every glyph's box with the page's content box, which it reads
from the @page rule of the shipped stylesheet; page numbers and running heads lie in the margins
above and below it, never beside it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import REPO, SHIPPED_PLAN, run
from pdf_glyphs import Glyph, glyphs
from test_report import isek_command

MM = 72 / 25.4
EPS = 0.25  # points: a right-aligned number ends at the edge, give or take the rounding of its advance


def _need_pdf() -> None:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:
        if os.environ.get("ISEK_REQUIRE_PDF") == "1":
            pytest.fail(f"ISEK_REQUIRE_PDF=1 but WeasyPrint cannot be imported: {exc}")
        pytest.skip(f"WeasyPrint not available: {exc}")


@pytest.fixture(autouse=True)
def _own_cache_dir(monkeypatch, tmp_path_factory):
    monkeypatch.setenv("ISEK_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "isek-cache"))


# --------------------------------------------------------------------------- a plan that breaks layouts

LONG_WORD = "Donaudampfschifffahrtsgesellschaftskapitänsmützenabteilung"


def long_id(old: str) -> str:
    """A 40-character id without a single line-break opportunity (no hyphen, no space) that keeps the old id
    readable at its start."""
    return (old.replace("-", "_") + "_LANGBEZEICHNUNG" + "X" * 40)[:40]


def long_title(title: str) -> str:
    return (f"{title}: {LONG_WORD} und Quartiersentwicklungsrahmenplanfortschreibung mit Bürgerinnen- und "
            f"Bürgerbeteiligungsverfahren, Abstimmung mit den Fachausschüssen und Förderantragstellung")


LONG_NOTE = ("Sachstand: " + "Die Ausschreibung der Planungsleistungen wurde abgeschlossen, der Auftrag erteilt und "
             "die Abstimmung mit den Trägern öffentlicher Belange begonnen. " * 6
             + f"{LONG_WORD}{LONG_WORD}. Unterlagen: https://ratsinfo.example.org/"
             + "vorlagen/2024/" + "a" * 120)

REFS = {"goals", "guiding_goals", "lead", "partners", "committee", "indicators", "fields", "measure", "indicator",
        # format v2: parts, areas, money, plan statuses and decisions refer by id too
        "parent", "areas", "area", "programme", "programmes", "grant", "grants", "measures", "status", "decision",
        "decisions", "decided_by", "counts_as"}


def make_long_plan(target: Path) -> Path:
    """The shipped plan with every id 40 characters long, long titles and long notes."""
    shutil.copytree(SHIPPED_PLAN, target)
    files = sorted(p for p in target.rglob("*.yaml"))
    docs = {p: yaml.safe_load(p.read_text(encoding="utf-8")) for p in files}
    ids: dict[str, str] = {}

    def collect(node):
        if isinstance(node, dict):
            if isinstance(node.get("id"), str):
                ids[node["id"]] = long_id(node["id"])
            for v in node.values():
                collect(v)
        elif isinstance(node, list):
            for v in node:
                collect(v)

    for d in docs.values():
        collect(d)
    assert len(set(ids.values())) == len(ids) and all(len(v) == 40 for v in ids.values())

    def rewrite(node, key=None):
        if isinstance(node, dict):
            out = {}
            for k, v in node.items():
                if k == "id" or (k in REFS and (isinstance(v, str) or isinstance(v, list) and all(
                        isinstance(x, str) for x in v))):
                    out[k] = [ids.get(x, x) for x in v] if isinstance(v, list) else ids.get(v, v)
                elif k in ("title", "name") and isinstance(v, str):
                    out[k] = long_title(v)
                elif k == "note" and isinstance(v, str):
                    out[k] = LONG_NOTE
                else:
                    out[k] = rewrite(v, k)
            return out
        if isinstance(node, list):
            return [rewrite(v, key) for v in node]
        return node

    for p, d in docs.items():
        if p.name == "funding.yaml":  # measures name programmes by title: keep those titles as they are
            d = {k: v if k == "programmes" else rewrite(v, k) for k, v in d.items()}
            d["programmes"] = [{k: ids.get(v, v) if k == "id" else v for k, v in prog.items()}
                               for prog in (d.get("programmes") or [])]
        else:
            d = rewrite(d)
        p.write_text(yaml.safe_dump(d, allow_unicode=True, sort_keys=False, width=1000), encoding="utf-8")
    r = run("check", plan=target)
    assert r.exit_code == 0, r
    return target


# --------------------------------------------------------------------------- the PDFs

@pytest.fixture(scope="module")
def pdfs(tmp_path_factory) -> dict[str, Path | bytes]:
    """The shipped plan's 2024 PDF, rendered twice at the same time (in this process and in another),
    and the long plan's 2024 PDF in English."""
    _need_pdf()
    base = tmp_path_factory.mktemp("pdf")
    plan = base / "plan"
    shutil.copytree(SHIPPED_PLAN, plan)
    first, second = base / "report-2024.pdf", base / "again.pdf"
    proc = subprocess.Popen(isek_command() + ["--plan", str(plan), "report", "2024", "-o", str(second)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    r = run("report", "2024", "--format", "pdf", "-o", str(first), plan=plan)
    _, err = proc.communicate(timeout=900)
    assert r.exit_code == 0, r
    assert proc.returncode == 0, err
    long_plan = make_long_plan(base / "long")
    long_pdf = base / "long-2024.en.pdf"
    r = run("report", "2024", "--lang", "en", "-o", str(long_pdf), plan=long_plan)
    assert r.exit_code == 0, r
    return {"shipped": first, "again": second, "long": long_pdf}


def page_box() -> tuple[float, float, float, float]:
    """The page margins (top, right, bottom, left) in points, from the shipped stylesheet's @page rule."""
    css = (REPO / "templates" / "report.css").read_text(encoding="utf-8")
    m = re.search(r"@page\s*\{\s*size:\s*A4;\s*margin:\s*([\d.]+)mm\s+([\d.]+)mm\s+([\d.]+)mm\s+([\d.]+)mm", css)
    assert m, "no '@page { size: A4; margin: T R B L }' rule in templates/report.css"
    return tuple(float(v) * MM for v in m.groups())


def outside(reader, page_index: int) -> list[Glyph]:
    """Glyphs outside the page's content box: beside it (left or right), or cut by its top or bottom edge
    or the page's edge. Text wholly above or below it is page furniture in the margins."""
    top, right, bottom, left = page_box()
    box = reader.pages[page_index].mediabox
    w, h = float(box.width), float(box.height)
    x_min, x_max, y_min, y_max = left, w - right, bottom, h - top
    bad = []
    for g in glyphs(reader, page_index):
        if g.x0 < x_min - EPS or g.x1 > x_max + EPS:
            bad.append(g)
        elif g.y0 < -EPS or g.y1 > h + EPS:
            bad.append(g)
        elif g.y0 < y_min - EPS < g.y1 or g.y0 < y_max + EPS < g.y1:
            bad.append(g)  # straddles the content box's lower or upper edge
    return bad


def describe(reader, bad: list[Glyph]) -> str:
    pages = sorted({g.page + 1 for g in bad})
    worst = max(bad, key=lambda g: max(g.x1, -g.x0))
    return (f"{len(bad)} glyph(s) outside the content box on page(s) {pages}; "
            f"e.g. page {worst.page + 1} at x {worst.x0:.1f}..{worst.x1:.1f}, y {worst.y0:.1f}..{worst.y1:.1f}")


@pytest.mark.parametrize("which", ["shipped", "long"])
def test_every_glyph_lies_inside_its_page_content_box(pdfs, which):
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(str(pdfs[which]))
    assert len(reader.pages) > 10
    bad, counted = [], 0
    for i in range(len(reader.pages)):
        counted += len(glyphs(reader, i))
        bad += outside(reader, i)
    assert counted > 20000, "the interpreter found too few glyphs to be trusted"
    assert not bad, describe(reader, bad)


def test_the_glyph_check_sees_a_table_that_sticks_out(tmp_path):
    """The check must be able to fail: a table wider than the page (a user template that forbids wrapping)
    is found, on the right pages."""
    _need_pdf()
    pypdf = pytest.importorskip("pypdf")
    from isek_cli.report import html_to_pdf

    rows = "".join(f"<tr><td>{'Zelle' * 3}</td><td style='white-space:nowrap'>{'breit ' * 40}</td></tr>" for _ in range(3))
    css = (REPO / "templates" / "report.css").read_text(encoding="utf-8")
    html = (f"<!DOCTYPE html><html lang='de'><head><title>t</title><style>{css}</style></head><body><h1>x</h1>"
            f"<p>Text</p><table><thead><tr><th>a</th><th>b</th></tr></thead><tbody>{rows}</tbody></table></body></html>")
    out = tmp_path / "wide.pdf"
    out.write_bytes(html_to_pdf(html))
    reader = pypdf.PdfReader(str(out))
    bad = [g for i in range(len(reader.pages)) for g in outside(reader, i)]
    assert bad and all(g.x1 > 500 for g in bad)


def _true(value) -> bool:
    return str(value).lower() == "true"  # a PDF boolean, as pypdf reads it


def _tree(reader):
    """(tag, element) for every element of the structure tree."""
    root = reader.trailer["/Root"]["/StructTreeRoot"].get_object()
    out, todo = [], [root]
    while todo:
        node = todo.pop()
        kids = node.get("/K")
        if kids is None:
            continue
        kids = kids.get_object()
        for k in (kids if isinstance(kids, list) else [kids]):
            k = k.get_object() if hasattr(k, "get_object") else k
            if isinstance(k, dict) and k.get("/Type") == "/StructElem":
                out.append((str(k["/S"]), k))
                todo.append(k)
    return out


@pytest.mark.parametrize("which, lang, title", [("shipped", "de", "Monitoringbericht 2024 – Delmenhorst"),
                                                 ("long", "en", "Monitoring report 2024 – ")])
def test_pdf_is_tagged_pdf_ua_with_language_and_title(pdfs, which, lang, title):
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(str(pdfs[which]))
    root = reader.trailer["/Root"]
    assert _true(root["/MarkInfo"]["/Marked"])
    assert str(root["/Lang"]) == lang
    assert _true(root["/ViewerPreferences"]["/DisplayDocTitle"])
    assert str(reader.metadata.title).startswith(title)
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert "pdfuaid:part" in xmp and re.search(r"pdfuaid:part[^>]*>?\s*=?\s*\"?1", xmp), xmp[:400]
    tags = _tree(reader)
    names = {t for t, _ in tags}
    for needed in ("/H1", "/H2", "/H3", "/P", "/L", "/LI", "/Table", "/TR", "/TH", "/TD", "/Figure", "/Caption",
                   "/Link"):
        assert needed in names, f"no {needed} in the structure tree"
    assert sum(1 for t, _ in tags if t == "/H1") == 1
    figures = [e for t, e in tags if t == "/Figure"]
    assert len(figures) > 10 and all(str(e.get("/Alt", "")).strip() for e in figures), "a figure without /Alt"
    cells = [e for t, e in tags if t == "/TD"]
    with_headers = [e for e in cells if e.get("/A") and e["/A"].get_object().get("/Headers")]
    assert len(with_headers) > 0.9 * len(cells), "data cells are not linked to their header cells"
    for page in reader.pages:
        assert page.get("/Tabs") == "/S" and "/StructParents" in page


@pytest.mark.parametrize("which", ["shipped", "long"])
def test_pdf_uses_only_the_shipped_font(pdfs, which):
    """Only Isek Sans is embedded: no glyph came from a font of this machine, so another machine with
    other fonts prints the same pages."""
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(str(pdfs[which]))
    names = set()
    for page in reader.pages:
        for f in (page["/Resources"].get("/Font") or {}).values():
            names.add(str(f.get_object()["/BaseFont"]).split("+", 1)[-1])
    assert names and names <= {"Isek-Sans", "Isek-Sans-Bold", "Isek-Sans-Italic"}, names


def test_pdf_is_a4_and_starts_with_a_cover_and_contents(pdfs):
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(str(pdfs["shipped"]))
    for page in reader.pages:
        assert round(float(page.mediabox.width)) == 595 and round(float(page.mediabox.height)) == 842
    cover = reader.pages[0].extract_text()
    assert "Monitoringbericht 2024" in cover and "Delmenhorst" in cover and "Seite" not in cover
    contents = reader.pages[1].extract_text()
    assert "Inhalt" in contents
    # every chapter in the printed table of contents has a page number, and it is the right one
    entries = re.findall(r"^(.+?)\.{3,}\s*(\d+)\s*$", contents, re.M)
    assert len(entries) >= 10, contents
    texts = [p.extract_text() for p in reader.pages]
    for name, number in entries:
        name = name.strip()
        assert name in texts[int(number) - 1], (name, number)
    assert "Seite 3 von" in texts[2]


def test_headings_and_captions_stay_with_their_table(pdfs):
    """A table's heading and caption never end a page whose next page starts the table (print CSS:
    caption and row-group headers avoid a break after them)."""
    pypdf = pytest.importorskip("pypdf")
    texts = [p.extract_text() for p in pypdf.PdfReader(str(pdfs["shipped"])).pages]
    # The first row of the table of grants (the field chapters list the same grant in other columns)
    grants = [t for t in texts if re.search(r"G.2014.SOZ 2014 Soziale Stadt", t)]
    assert len(grants) == 1, "the grants table's first row is on exactly one page"
    assert grants[0].count("Zuwendungen nach Programmjahr") >= 2, "its heading and caption are on that page too"


def test_pdf_is_byte_identical_on_a_second_run(pdfs):
    first, second = pdfs["shipped"].read_bytes(), pdfs["again"].read_bytes()
    assert second.startswith(b"%PDF-")
    assert first == second, "two renderings of the same plan differ"


def test_pdf_rerender_over_own_pdf_but_not_a_foreign_one(pdfs, tmp_path, monkeypatch):
    import isek_cli.report
    from conftest import FIXTURES

    mini = tmp_path / "plan"
    shutil.copytree(FIXTURES / "mini", mini)
    monkeypatch.setattr(isek_cli.report, "report_pdf", lambda *a, **k: b"%PDF-1.7 stand-in\n")
    own = tmp_path / "own.pdf"
    own.write_bytes(pdfs["shipped"].read_bytes())  # a PDF isek wrote
    r = run("report", "2024", "--format", "pdf", "-o", str(own), plan=mini)
    assert r.exit_code == 0, r
    assert own.read_bytes() == b"%PDF-1.7 stand-in\n"
    foreign = tmp_path / "foreign.pdf"
    foreign.write_bytes(b"%PDF-1.4\n% someone else's document\n%%EOF\n")
    r = run("report", "2024", "-o", str(foreign), plan=mini)  # the format from the suffix
    assert r.exit_code == 1 and "not generated by isek" in r.stderr, r
    assert foreign.read_bytes().startswith(b"%PDF-1.4")
