"""The HTML report and the static site in a real browser.

Headless Chromium driven by Selenium loads the shipped plan's 2024 report (German
and English) and the site built from the shipped plan, and checks: no console
errors, one <h1>, header cells in every table, every chart an <svg role="img">
with an aria-label, no WCAG 2.1 A/AA violation of impact serious or critical
found by axe-core, and no horizontal overflow of the page at phone width
(390 px; wide tables scroll inside their .table-wrap).

Needs, besides the test extra:
  pip install selenium==4.51.0
  npm ci --prefix tests/browser          # axe-core, pinned in tests/browser/package.json
  chromium and chromedriver on PATH      # Debian: apt-get install chromium chromium-driver
The tests skip when any of these is missing, unless ISEK_REQUIRE_BROWSER=1 (then they fail).
ISEK_CHROMIUM and ISEK_CHROMEDRIVER may name the binaries explicitly.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from conftest import SHIPPED_PLAN, run

HERE = Path(__file__).parent
AXE = HERE / "browser" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage"]
DESKTOP, PHONE = 1366, 390


def unavailable(why: str):
    if os.environ.get("ISEK_REQUIRE_BROWSER") == "1":
        pytest.fail(f"ISEK_REQUIRE_BROWSER=1, but {why}", pytrace=False)
    pytest.skip(why)


def find_binary(env: str, names: tuple[str, ...]) -> str | None:
    if os.environ.get(env):
        return os.environ[env]
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return None


def start_chromium(width: int = DESKTOP, height: int = 900):
    """A fresh headless Chromium (own profile folder) and the profile folder; skips if not possible."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        unavailable("selenium is not installed (pip install selenium)")
    chromium = find_binary("ISEK_CHROMIUM", ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"))
    chromedriver = find_binary("ISEK_CHROMEDRIVER", ("chromedriver",))
    if not chromium or not chromedriver:
        unavailable("chromium and chromedriver are needed on PATH")
    profile = tempfile.mkdtemp(prefix="isek-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS + [f"--user-data-dir={profile}", f"--window-size={width},{height}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    except Exception as exc:  # noqa: BLE001 - any start failure means: no usable browser here
        shutil.rmtree(profile, ignore_errors=True)
        unavailable(f"headless Chromium did not start: {type(exc).__name__}: {exc}")
    driver.set_script_timeout(120)
    driver.set_page_load_timeout(60)
    return driver, profile


@pytest.fixture(scope="module")
def driver():
    d, profile = start_chromium()
    yield d
    d.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("browser")
    plan = base / "plan"
    shutil.copytree(SHIPPED_PLAN, plan)
    out = {}
    for lang in ("de", "en"):
        out[f"report-{lang}"] = base / f"report-2024.{lang}.html"
        r = run("report", "2024", "--format", "html", "--lang", lang, "-o", str(out[f"report-{lang}"]), plan=plan)
        assert r.exit_code == 0, r
    r = run("site", "-o", str(base / "site"), plan=plan)
    assert r.exit_code == 0, r
    out["site-index"] = base / "site" / "index.html"
    out["site-report"] = base / "site" / "report-2024.html"
    return out


PAGES = ["report-de", "report-en", "site-index", "site-report"]


def load(driver, path: Path, width: int = DESKTOP, height: int = 900) -> list[dict]:
    """Open a file at a device width; the browser log entries the page produced."""
    driver.get_log("browser")  # drop what earlier pages logged
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})
    driver.get("about:blank")  # a real navigation each time, also to the same file at another width
    driver.get(path.as_uri())
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 60).until(lambda d: d.execute_script("return document.readyState") == "complete")
    assert driver.execute_script("return location.href") == path.as_uri()
    return driver.get_log("browser")


def run_axe(driver) -> list[dict]:
    if not AXE.is_file():
        unavailable(f"axe-core is not installed ({AXE}; run: npm ci --prefix tests/browser)")
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})"
        "  .then(r => done({violations: r.violations, version: axe.version}))"
        "  .catch(e => done({error: String(e)}));", WCAG_TAGS)
    assert "error" not in result, result.get("error")
    return result["violations"]


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({len(v['nodes'])} element(s)) {v['helpUrl']}")
        for n in v["nodes"][:5]:
            lines.append(f"    {' '.join(map(str, n['target']))}: {n['html'][:160]}")
            summary = (n.get("failureSummary") or "").replace("\n", " | ")
            if summary:
                lines.append(f"      {summary[:300]}")
    return "\n".join(lines) or "none"


@pytest.mark.parametrize("page", PAGES)
def test_no_console_errors(driver, pages, page):
    logs = load(driver, pages[page])
    severe = [e for e in logs if e.get("level") == "SEVERE"]
    assert not severe, json.dumps(severe, indent=1)


@pytest.mark.parametrize("page", PAGES)
def test_structure(driver, pages, page):
    load(driver, pages[page])
    info = driver.execute_script("""
        const tables = [...document.querySelectorAll('table')];
        return {
          h1: [...document.querySelectorAll('h1')].map(h => h.textContent.trim()),
          lang: document.documentElement.lang,
          title: document.title,
          tables: tables.length,
          noHeader: tables.filter(t => !t.querySelector('th')).map(t => t.outerHTML.slice(0, 200)),
          noColumnHeader: tables.filter(t => !t.querySelector('thead th')).map(t => t.outerHTML.slice(0, 200)),
          svgs: [...document.querySelectorAll('svg')].map(s => ({
            role: s.getAttribute('role'), label: (s.getAttribute('aria-label') || '').trim(),
            html: s.outerHTML.slice(0, 120)})),
          unwrapped: tables.filter(t => !t.parentElement.classList.contains('table-wrap')).length,
        };""")
    assert len(info["h1"]) == 1 and info["h1"][0], info["h1"]
    assert info["lang"] in ("de", "en") and info["title"]
    assert info["tables"] > 0
    assert info["noHeader"] == [] and info["noColumnHeader"] == []
    assert info["unwrapped"] == 0
    bad = [s for s in info["svgs"] if s["role"] != "img" or not s["label"]]
    assert not bad, bad
    if page.startswith("report") or page == "site-report":
        assert len(info["svgs"]) > 10  # overview charts, one per field, one per indicator


@pytest.mark.parametrize("width", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("page", PAGES)
def test_axe_wcag21_aa_and_best_practice(driver, pages, page, width):
    load(driver, pages[page], width=width)
    violations = run_axe(driver)
    print(f"axe {page} @{width}px: {describe(violations)}")
    assert not violations, f"axe found violations (any impact).\n{describe(violations)}"


def test_axe_finds_a_violation_when_there_is_one(driver, tmp_path):
    """The zero above means something: the same run finds a missing alt text and a skipped heading level."""
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><html lang='de'><head><title>x</title></head><body><main><h1>x</h1>"
                   "<h4>y</h4><img src='data:image/gif;base64,R0lGODlhAQABAAAAACw='></main></body></html>",
                   encoding="utf-8")
    load(driver, bad)
    found = {v["id"] for v in run_axe(driver)}
    assert {"image-alt", "heading-order"} <= found, found


@pytest.mark.parametrize("page", ["report-de", "report-en", "site-index"])
def test_phone_keeps_share_and_verdict_on_screen(driver, pages, page):
    """At 390 px no table scrolls; the share and verdict cells lie inside the screen."""
    load(driver, pages[page], width=PHONE, height=844)
    m = driver.execute_script("""
        const vw = window.innerWidth;
        const cells = [...document.querySelectorAll('td.share, td.verdict-col')];
        const off = cells.filter(c => { const r = c.getBoundingClientRect(); return r.left < 0 || r.right > vw + 1; })
                         .map(c => c.outerHTML.slice(0, 120));
        const scrolling = [...document.querySelectorAll('.table-wrap')].filter(w => w.scrollWidth > w.clientWidth + 1).length;
        return {cells: cells.length, off, scrolling};""")
    assert m["cells"] > 0 and m["off"] == [] and m["scrolling"] == 0, m


@pytest.mark.parametrize("page", PAGES)
def test_nothing_takes_focus_that_is_not_a_control(driver, pages, page):
    load(driver, pages[page])
    found = driver.execute_script("""
        return [...document.querySelectorAll('[tabindex]')]
          .filter(e => !['A', 'BUTTON', 'INPUT', 'SELECT', 'TEXTAREA', 'SUMMARY'].includes(e.tagName))
          .map(e => e.outerHTML.slice(0, 100));""")
    assert found == []


@pytest.mark.parametrize("page", ["report-de", "site-index"])
def test_chart_text_is_readable_on_a_phone(driver, pages, page):
    """Chart text is drawn in SVG user units and scales with the chart: at 390 px it stays >= 10.5 CSS px."""
    load(driver, pages[page], width=PHONE, height=844)
    sizes = driver.execute_script("""
        return [...document.querySelectorAll('svg.chart')].flatMap(svg => {
          const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
          return [...svg.querySelectorAll('text')].map(t => parseFloat(t.getAttribute('font-size')) * scale);
        });""")
    assert sizes and min(sizes) >= 10.5, min(sizes)


def test_german_plan_text_is_marked_in_the_english_report(driver, pages):
    load(driver, pages["report-en"])
    m = driver.execute_script("""
        const de = [...document.querySelectorAll('main [lang="de"]')];
        const fieldTitles = [...document.querySelectorAll('section.field > h3')];
        return {de: de.length, fields: fieldTitles.length,
                unmarked: fieldTitles.filter(h => !h.querySelector('[lang="de"]')).map(h => h.textContent)};""")
    assert m["de"] > 200 and m["fields"] == 9 and m["unmarked"] == [], m
    load(driver, pages["report-de"])
    assert driver.execute_script("return document.querySelectorAll('main [lang]').length") == 0


@pytest.mark.parametrize("page", PAGES)
def test_phone_width_has_no_horizontal_overflow(driver, pages, page):
    load(driver, pages[page], width=PHONE, height=844)
    m = driver.execute_script("""
        const vw = window.innerWidth;
        const inScroller = el => { for (let p = el.parentElement; p; p = p.parentElement) {
            const o = getComputedStyle(p).overflowX; if (o === 'auto' || o === 'scroll' || o === 'hidden') return true; }
            return false; };
        const wide = [...document.body.querySelectorAll('*')]
          .filter(el => el.getBoundingClientRect().right > vw + 1 && !inScroller(el))
          .slice(0, 10).map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : '') + ': '
                                  + Math.round(el.getBoundingClientRect().right) + 'px');
        return {inner: vw, scroll: document.documentElement.scrollWidth, body: document.body.scrollWidth, wide};""")
    assert m["inner"] == PHONE
    assert m["scroll"] <= m["inner"] + 1 and m["body"] <= m["inner"] + 1, m


def test_hostile_plan_runs_no_script(driver, tmp_path):
    from test_report import make_hostile_plan

    plan = make_hostile_plan(tmp_path / "hostile")
    out = tmp_path / "hostile.html"
    r = run("report", "2024", "--format", "html", "-o", str(out), plan=plan)
    assert r.exit_code == 0, r
    logs = load(driver, out)
    from selenium.common.exceptions import NoAlertPresentException

    try:
        text = driver.switch_to.alert.text
    except NoAlertPresentException:
        text = None
    assert text is None, f"a payload ran: alert({text!r})"
    found = driver.execute_script("""
        return {
          elements: [...document.querySelectorAll('script, img, iframe, object, embed, b')].length,
          handlers: [...document.querySelectorAll('*')].filter(e => [...e.attributes].some(
                       a => a.name.toLowerCase().startsWith('on'))).map(e => e.outerHTML.slice(0, 120)),
          js: [...document.querySelectorAll('[href]')].map(e => e.getAttribute('href'))
                 .filter(h => h.trim().toLowerCase().startsWith('javascript:')),
          h1: document.querySelector('h1').textContent,
        };""")
    assert found["elements"] == 0 and found["handlers"] == [] and found["js"] == [], found
    assert "<script>alert(1)</script>" in found["h1"] and "{{ 7*7 }}" in found["h1"]
    assert not [e for e in logs if e.get("level") == "SEVERE"], logs
