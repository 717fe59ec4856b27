"""The portfolio site's index in a real browser: structure and axe-core (WCAG 2.1 A/AA), desktop and phone.

Uses the helpers of tests/test_browser.py (headless Chromium, axe-core); skips like it when they
are missing, unless ISEK_REQUIRE_BROWSER=1. The site is built from examples/portfolio.yaml (the
Delmenhorst plan and the Wollepark area plan), whose index has the table, the bars and the map.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import REPO, run
from test_browser import PHONE, WCAG_TAGS, describe, load, run_axe, start_chromium


@pytest.fixture(scope="module")
def driver():
    d, profile = start_chromium()
    yield d
    d.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("portfolio-site") / "site"
    r = run("portfolio", "site", str(REPO / "examples" / "portfolio.yaml"), "-o", str(out))
    assert r.exit_code == 0, r
    return out / "index.html"


def test_index_structure(driver, index):
    logs = load(driver, index)
    assert [e for e in logs if e.get("level") == "SEVERE"] == []
    info = driver.execute_script("""
        return {
          h1: document.querySelectorAll('h1').length,
          lang: document.documentElement.lang,
          rowHeaders: [...document.querySelectorAll('#plans tbody th[scope=row]')].map(th => th.textContent.trim()),
          links: [...document.querySelectorAll('#plans tbody a')].map(a => a.getAttribute('href')),
          svgs: [...document.querySelectorAll('svg')].map(s => [s.getAttribute('role'), s.getAttribute('aria-label')]),
          paths: document.querySelectorAll('#map svg path').length,
          flag: [...document.querySelectorAll('#plans tbody .flag')].map(f => f.closest('tr').querySelector('th').textContent),
          scripts: document.querySelectorAll('script').length,
          external: [...document.querySelectorAll('[src], link[href]')].length,
        };""")
    assert info["h1"] == 1 and info["lang"] == "de" and info["scripts"] == 0 and info["external"] == 0
    assert len(info["rowHeaders"]) == 2
    assert info["links"] == ["plans/DEL/index.html", "plans/WOLLEPARK/index.html"]
    assert all(role == "img" and label for role, label in info["svgs"]) and len(info["svgs"]) == 2
    assert info["paths"] == 4  # Stadtmitte, Innenstadt, Wollepark (DEL) and Wollepark (WOLLEPARK)
    assert len(info["flag"]) == 1 and "WOLLEPARK ·" in info["flag"][0]  # its last report is 2023
    assert loaded_fonts(driver) == {"Isek Sans"}
    for href in info["links"]:
        assert (index.parent / href).is_file()


def loaded_fonts(driver) -> set[str]:
    """The font families the page has loaded (a font file it cannot find does not count)."""
    return {f.strip('"') for f in driver.execute_script(
        "return document.fonts.ready.then(() => [...document.fonts].filter(f => f.status === 'loaded')"
        ".map(f => f.family))")}


def test_each_plans_site_finds_the_fonts_written_once(driver, index):
    """The plans' pages link the font files the index wrote once (../../assets), not copies of their own."""
    site = index.parent
    assert len(list((site / "assets").glob("*.woff2"))) == 3 and not (site / "plans" / "DEL" / "assets").exists()
    for page in ("plans/WOLLEPARK/report-2023.html", "plans/DEL/index.html"):
        load(driver, site / page)
        assert loaded_fonts(driver) == {"Isek Sans"}, page


def test_chart_and_map_text_is_readable_on_a_phone(driver, index):
    """Bars and map are drawn in SVG user units and scale with the page: at 390 px their text stays >= 10.5 px."""
    load(driver, index, width=PHONE, height=844)
    sizes = driver.execute_script("""
        return [...document.querySelectorAll('svg')].map(svg => {
          const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
          return Math.min(...[...svg.querySelectorAll('text')].map(t => parseFloat(t.getAttribute('font-size')) * scale));
        });""")
    assert len(sizes) == 2 and min(sizes) >= 10.5, sizes


WIDE = 1366  # a desktop screen: the table of plans fits without scrolling, so axe sees every cell


def axe(driver) -> dict:
    """axe-core's violations, and the text whose contrast it could not decide outside the charts."""
    run_axe(driver)  # loads axe (or skips when it is not installed)
    return driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
        "  .then(r => done({violations: r.violations, undecided: r.incomplete"
        "    .filter(x => x.id === 'color-contrast')"
        "    .flatMap(x => x.nodes.map(n => n.target.join(' ')))"
        "    .filter(t => !/^(text|tspan)\\b/.test(t))}));", WCAG_TAGS)


@pytest.mark.parametrize("width", [WIDE, PHONE], ids=["desktop", "phone"])
def test_index_has_no_axe_violations(driver, index, width):
    load(driver, index, width=width)
    result = axe(driver)
    assert result["violations"] == [], describe(result["violations"])
    assert not driver.execute_script("return document.documentElement.scrollWidth > window.innerWidth")
    if width == WIDE:
        assert result["undecided"] == []
        assert driver.execute_script("const w = document.querySelector('#plans .table-wrap');"
                                     "return w.scrollWidth <= w.clientWidth")
