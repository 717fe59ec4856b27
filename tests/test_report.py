"""`isek report` and `isek site`: goldens, hand-computed content, assessment,
determinism, escaping, user templates and the sandbox, output files, PDF.

Expected numbers below are computed by hand from ``tests/fixtures/mini``
(horizon 2022–2030, progress 2022–2024, 7 measures in 2 fields):

=======  ===  =========  ===========  ==================  ============
measure  pri  start–end  status 2023  status 2024         percent 2024
=======  ===  =========  ===========  ==================  ============
HF1.M01  1    2022–2023  completed    completed           100
HF1.M02  1    2022–2026  in progress  in progress (key)   45
HF1.M03  2    2022–      ongoing      ongoing             –
HF1.M04  3    2023–2024  planning     deferred            10
HF2.M01  1    2022–2025  in progress  in progress         60
HF2.M02  2    2023–2027  planning     planning (key)      10
HF2.M03  3    2024–2025  not started  not started         –
=======  ===  =========  ===========  ==================  ============

Funding programmes: Eigenmittel (HF1.M01), Soziale Wohnraumförderung (HF1.M02),
Sozialer Zusammenhalt (HF1.M03), Lebendige Zentren (HF2.M01, HF2.M02), EFRE
(HF2.M02); HF1.M04 and HF2.M03 have none.

Golden files live in ``tests/golden``; regenerate them after an intended
change with ``ISEK_UPDATE_GOLDEN=1 pytest tests/test_report.py`` and review
the diff before committing.
"""

from __future__ import annotations

import base64
import csv
import difflib
import functools
import io
import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from conftest import FIXTURES, run
from isek_cli.report.assess import ON_TRACK, MODERATE, assess, trend

GOLDEN = Path(__file__).parent / "golden"
MINI = FIXTURES / "mini"
STATUS_EN = ["not started", "planning", "in progress", "completed", "ongoing task", "deferred", "dropped"]


# --------------------------------------------------------------------------- helpers

def render(plan: Path, year: int | str = 2024, fmt: str = "md", lang: str = "en", *extra: str) -> str:
    r = run("report", str(year), "--format", fmt, "--lang", lang, *extra, plan=plan)
    assert r.exit_code == 0, r
    return r.stdout


@functools.lru_cache(maxsize=None)
def pristine(year: int = 2024, fmt: str = "md", lang: str = "en") -> str:
    """A report of the untouched mini fixture (read only: reports never write into the plan folder)."""
    return render(MINI, year, fmt, lang)


def render_bytes(plan: Path, out: Path, year: int = 2024, fmt: str = "md", lang: str = "en") -> bytes:
    r = run("report", str(year), "--format", fmt, "--lang", lang, "-o", str(out), plan=plan)
    assert r.exit_code == 0, r
    return out.read_bytes()


def check_golden(name: str, data: bytes) -> None:
    """Compare with tests/golden/NAME byte for byte; ISEK_UPDATE_GOLDEN=1 rewrites it."""
    path = GOLDEN / name
    if os.environ.get("ISEK_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_bytes() != data:
            path.write_bytes(data)
        return
    if not path.exists():
        pytest.fail(f"golden file {path} is missing; create it with ISEK_UPDATE_GOLDEN=1", pytrace=False)
    expected = path.read_bytes()
    if data == expected:
        return
    diff = difflib.unified_diff(
        expected.decode("utf-8", "replace").splitlines(keepends=True),
        data.decode("utf-8", "replace").splitlines(keepends=True),
        fromfile=f"tests/golden/{name}", tofile="rendered now", n=2)
    text = "".join(line if len(line) < 400 else line[:400] + " …[line cut]\n" for line in diff)
    pytest.fail(f"{name} differs from its golden file (ISEK_UPDATE_GOLDEN=1 rewrites it after review):\n"
                f"{text[:30000]}", pytrace=False)


LINE_END = re.compile(r"\r\n|\r|\n")  # CommonMark's line endings


def md_lines(text: str) -> list[str]:
    return LINE_END.split(text)


def md_cells(row: str) -> list[str]:
    """The cells of a GFM table row: split on pipes that no backslash escapes."""
    row = row.strip()
    assert row.startswith("|") and row.endswith("|") and not row.endswith("\\|"), f"not a closed table row: {row!r}"
    return [c.strip() for c in re.split(r"(?<!\\)\|", row)[1:-1]]


DELIM = re.compile(r"\|(\s*:?-+:?\s*\|)+")


def md_tables(text: str) -> list[dict]:
    """Every pipe table: its heading, header, delimiter, body rows and the line after it."""
    lines = md_lines(text)
    tables, heading, i = [], None, 0
    while i < len(lines):
        line = lines[i]
        if heading_level(line):
            heading = line[heading_level(line) + 1:].strip()
        if line.startswith("|") and i + 1 < len(lines) and DELIM.fullmatch(lines[i + 1].strip()):
            start = i
            while i < len(lines) and lines[i].startswith("|"):
                i += 1
            rows = lines[start:i]
            tables.append({"heading": heading, "header": rows[0], "delim": rows[1], "rows": rows[2:],
                           "after": lines[i] if i < len(lines) else ""})
            continue
        i += 1
    return tables


def assert_tables_intact(text: str) -> list[dict]:
    tables = md_tables(text)
    delimiters = [ln for ln in md_lines(text) if DELIM.fullmatch(ln.strip())]
    assert len(tables) == len(delimiters), "a delimiter row without its header row"
    for t in tables:
        width = len(md_cells(t["header"]))
        assert len(md_cells(t["delim"])) == width, t["heading"]
        for row in t["rows"]:
            assert len(md_cells(row)) == width, f"table under '{t['heading']}': {len(md_cells(row))} cells, " \
                                                f"header has {width}: {row[:300]!r}"
        assert t["after"].strip() == "", f"table under '{t['heading']}' runs on into {t['after'][:200]!r}"
    return tables


def table_under(text: str, heading: str) -> list[list[str]]:
    """Body rows (as cell lists) of the first table after the heading that starts with ``heading``."""
    for t in md_tables(text):
        if t["heading"] is not None and t["heading"].startswith(heading):
            return [md_cells(r) for r in t["rows"]]
    raise AssertionError(f"no table under a heading '{heading}'")


def heading_level(line: str) -> int:
    m = re.match(r"(#{1,6}) ", line)
    return len(m.group(1)) if m else 0


def section(text: str, heading: str) -> str:
    """The Markdown from the heading ``heading`` to the next heading of the same or a higher level."""
    lines = md_lines(text)
    for i, line in enumerate(lines):
        level = heading_level(line)
        if level and line[level + 1:].strip() == heading:
            out = [line]
            for nxt in lines[i + 1:]:
                if 0 < heading_level(nxt) <= level:
                    break
                out.append(nxt)
            return "\n".join(out)
    raise AssertionError(f"no heading '{heading}'")


def isek_command() -> list[str]:
    exe = Path(sys.executable).parent / "isek"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "isek_cli"]


class Html(HTMLParser):
    """Tags with attributes, visible text and style text of an HTML document."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.style: list[str] = []
        self._raw: str | None = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in ("style", "script"):
            self._raw = tag

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag == self._raw:
            self._raw = None

    def handle_data(self, data):
        (self.style if self._raw == "style" else self.text).append(data)

    def all(self, name: str) -> list[dict]:
        return [a for t, a in self.tags if t == name]

    @property
    def plain(self) -> str:
        return "".join(self.text)


def load(plan: Path):
    from isek_cli.plan.loader import load_plan

    loaded = load_plan(plan)
    assert not [d for d in loaded.diagnostics if d.severity == "error"]
    return loaded.plan


def context(plan: Path, year: int = 2024, lang: str = "en") -> dict:
    from isek_cli.report.context import build

    return build(load(plan), year, lang)


@pytest.fixture(autouse=True)
def _own_cache_dir(monkeypatch, tmp_path_factory):
    """Keep isek's load cache out of the home folder (subprocesses inherit it too)."""
    monkeypatch.setenv("ISEK_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "isek-cache"))


# --------------------------------------------------------------------------- golden files

@pytest.mark.parametrize("fmt", ["md", "html"])
@pytest.mark.parametrize("lang", ["de", "en"])
def test_golden_mini_2024(mini, tmp_path, fmt, lang):
    data = render_bytes(mini, tmp_path / f"r.{fmt}", 2024, fmt, lang)
    check_golden(f"mini-2024.{lang}.{fmt}", without_font_data(data))


FONT_DATA = re.compile(rb"url\(data:font/woff2;base64,([A-Za-z0-9+/=]+)\)")


def without_font_data(data: bytes) -> bytes:
    """The HTML with the inline fonts' bytes (~110 KB of base64) named by file instead, so a golden file stays
    readable; test_html_embeds_the_shipped_fonts checks the bytes themselves."""
    from isek_cli.report import fonts

    names = {base64.b64encode(fonts.font_bytes(f)).decode("ascii"): f for f, _, _ in fonts.FACES}
    return FONT_DATA.sub(lambda m: b"url(data:font/woff2;base64,<" + names[m.group(1).decode()].encode() + b">)", data)


def test_html_embeds_the_shipped_fonts(mini):
    from isek_cli.report import fonts
    from isek_cli.resources import fonts_dir

    html = render(mini, 2024, "html", "de").encode("utf-8")
    embedded = [base64.b64decode(m) for m in FONT_DATA.findall(html)]
    shipped = [(fonts_dir() / f).read_bytes() for f, _, _ in fonts.FACES]
    assert embedded == shipped and all(b[:4] == b"wOF2" for b in shipped)
    assert (fonts_dir() / "OFL.txt").read_text(encoding="utf-8").count("SIL OPEN FONT LICENSE Version 1.1") == 1


def test_stdout_equals_file_output(mini, tmp_path):
    for fmt in ("md", "html"):
        assert render(mini, 2024, fmt, "de").encode("utf-8") == render_bytes(mini, tmp_path / f"x.{fmt}", 2024, fmt, "de")


def test_default_language_comes_from_the_plan(mini):
    r = run("report", "2024", plan=mini)
    assert r.exit_code == 0, r
    assert r.stdout == render(mini, 2024, "md", "de")
    assert "# Monitoringbericht 2024 – Beispielstadt" in r.stdout


# --------------------------------------------------------------------------- content, by hand

def test_report_number_and_mandate():
    """The report counts years of the horizon; it never claims a reporting rhythm the plan did not state."""
    md = pristine(2024)
    assert "Report on year 3 of the implementation · Integriertes Stadtentwicklungskonzept Beispielstadt 2030" in md
    assert "| Year of the horizon | 3 |" in md and "| Reporting year | 2024 |" in md
    assert "| Cut-off date | 2024-12-31 |" in md and "| Horizon | 2022–2030 |" in md
    assert "| Council decision | 2021-11-25 |" in md
    assert "This report describes the state as of 31 December 2024 (reporting year 2024, year 3 of the horizon)." in md
    assert "yearly report" not in md and "monitoring report no." not in md  # the fixture states no mandate
    assert "Status as of: 31 December 2024" in md
    # the first and the last year of the horizon
    assert "| Year of the horizon | 1 |" in pristine(2022)
    last = pristine(2030)
    assert "| Year of the horizon | 9 |" in last
    assert "No reports for 2030 have been recorded yet" in last
    assert "No reports for 2024" not in md


def test_status_counts_overall_and_change():
    md = pristine(2024)
    rows = table_under(md, "State of implementation")
    expected = {  # status: (2023, 2024, change)
        "not started": ("1", "1", "±0"), "planning": ("2", "1", "−1"), "in progress": ("2", "2", "±0"),
        "completed": ("1", "1", "±0"), "ongoing task": ("1", "1", "±0"), "deferred": ("0", "1", "+1"),
        "dropped": ("0", "0", "±0"),
    }
    assert {r[0]: tuple(r[1:]) for r in rows[:-1]} == expected
    assert rows[-1] == ["**Total**", "7", "7", ""]
    assert "Of 7 measures, 1 were completed as of 2024-12-31 (14%) and 3 are in planning or in progress." in md
    assert "4 updates on 4 measures were reported for the reporting year." in md
    ctx = context(MINI)
    assert ctx["summary"]["change"] == {"nicht_begonnen": 0, "in_planung": -1, "in_umsetzung": 0, "abgeschlossen": 0,
                                        "daueraufgabe": 0, "zurueckgestellt": 1, "entfallen": 0}
    assert [m["id"] for m in ctx["summary"]["moved"]] == ["HF1.M04"]
    assert [m["id"] for m in ctx["summary"]["key_projects"]] == ["HF1.M02", "HF2.M02"]


def test_status_counts_per_field_and_priority():
    md = pristine(2024)
    header = ["Field of action", "Measures", *STATUS_EN, "Share completed"]
    assert md_cells(next(t for t in md_tables(md) if t["heading"] == "By field of action")["header"]) == header
    assert table_under(md, "By field of action") == [
        ["HF1 Wohnen und Quartiere", "4", "0", "0", "1", "1", "1", "1", "0", "25%"],
        ["HF2 Innenstadt und Handel", "3", "1", "1", "1", "0", "0", "0", "0", "0%"],
        ["**Total**", "7", "1", "1", "2", "1", "1", "1", "0", "14%"],
    ]
    assert table_under(md, "By priority") == [
        ["Priority 1", "3", "0", "0", "2", "1", "0", "0", "0", "33%"],
        ["Priority 2", "2", "0", "1", "0", "0", "1", "0", "0", "0%"],
        ["Priority 3", "2", "1", "0", "0", "0", "0", "1", "0", "0%"],
    ]
    assert table_under(md, "Development over the years") == [
        ["2022", "0", "1"], ["2023", "1", "2"], ["2024", "1", "2"]]
    assert "**Status of the measures:** in progress 1 · completed 1 · ongoing task 1 · deferred 1" in md
    assert "**Status of the measures:** not started 1 · planning 1 · in progress 1" in md


def test_completed_in_the_year():
    md = pristine(2024)
    assert "No measure was completed in the reporting year." in section(md, "Measures completed in the reporting year")
    md23 = pristine(2023)
    assert "1 measures were completed in the reporting year 2023." in md23
    assert table_under(md23, "Measures completed in the reporting year") == [
        ["HF1.M01", "Baulückenkataster aufbauen", "HF1", "Amt für Stadtplanung"]]
    assert table_under(md23, "Status changes in the reporting year") == [
        ["HF1.M01", "Baulückenkataster aufbauen", "in progress", "completed", "100%"],
        ["HF1.M02", "Wohnungsbau am Mühlenweg", "planning", "in progress", "25%"],
        ["HF1.M04", "Spielplatz Lindenstraße erneuern", "not started", "planning", "10%"],
        ["HF2.M01", "Leerstandsmanagement einführen", "planning", "in progress", "40%"],
        ["HF2.M02", "Marktplatz neu gestalten", "not started", "planning", "5%"],
    ]


def test_measures_needing_attention():
    md = pristine(2024)
    # HF1.M04 (2023–2024) is deferred: listed as deferred only, not also as overdue (each measure once)
    assert "### Overdue (0)" in md
    assert table_under(md, "Deferred (1)") == [
        ["HF1.M04", "Spielplatz Lindenstraße erneuern", "Amt für Stadtplanung", "2024-04-20"]]
    # linear schedule: expected = (2024 - start + 1) / (end - start + 1); gap in points: up to 10 on track,
    # up to 25 behind, beyond that at risk
    assert table_under(md, "Behind schedule (3)") == [
        ["HF1.M02", "Wohnungsbau am Mühlenweg", "Städtische Wohnungsbaugesellschaft", "45%", "60%", "behind"],
        ["HF2.M01", "Leerstandsmanagement einführen", "Amt für Wirtschaftsförderung", "60%", "75%", "behind"],
        ["HF2.M02", "Marktplatz neu gestalten", "Amt für Stadtplanung", "10%", "40%", "at risk"],
    ]
    assert table_under(md, "No update in the reporting year (2)") == [
        ["HF1.M03", "Quartiersmanagement Nordstadt", "Amt für Stadtplanung", "ongoing task", "2022-03-01"],
        ["HF2.M03", "Verfügungsfonds Innenstadt", "Amt für Wirtschaftsförderung", "not started", "never"],
    ]
    ctx = context(MINI)
    assert [(m["id"], m["gap_points"], m["rating"]) for m in ctx["attention"]["behind_schedule"]] == [
        ("HF1.M02", 15.0, "behind"), ("HF2.M01", 15.0, "behind"), ("HF2.M02", 30.0, "at_risk")]
    # the same lists as `isek due`
    r = run("due", "--year", "2024", "--format", "json", plan=MINI)
    due = json.loads(r.stdout)
    for reason in ("overdue", "behind_schedule", "no_update", "deferred"):
        assert [m["id"] for m in due[reason]] == [m["id"] for m in ctx["attention"][reason]], reason
    # 2023: HF2.M03 starts 2024 and is not due; HF1.M04 and HF2.M02 are in their first year (no verdict);
    # HF2.M01 is 10 points behind (within the tolerance); HF1.M02 15 points
    a23 = context(MINI, 2023)["attention"]
    assert [m["id"] for m in a23["no_update"]] == ["HF1.M03"]
    assert a23["overdue"] == [] and a23["deferred"] == []
    assert [m["id"] for m in a23["behind_schedule"]] == ["HF1.M02"]


def test_funding_totals():
    """The mini plan has no funding.yaml: estimated costs and spending, each measure once, and the funding
    names the measures give counted without money; nothing unreported shows as €0."""
    md = pristine(2024)
    assert table_under(md, "Costs and funding") == [
        # 20,000 + 4,500,000 + 90,000 + 150,000 + 60,000 + 2,800,000 + 40,000 = 7,660,000
        ["Estimated cost", "€7.66 million"],
        # HF1.M01 18,500 + HF1.M02 2,100,000
        ["Spent up to 2024-12-31", "€2,118,500"],
        ["Granted", "not reported"],
        ["Drawn up to 2024-12-31", "not reported"],
    ]
    assert "Every measure has a cost estimate." in md
    assert "Reported spending up to 2024-12-31: €2,118,500 (2 measures report spending)." in md
    assert "The plan records no funding programmes and grants (file funding.yaml)." in md
    # HF2.M02 names two sources and is counted under each, with no money figure
    assert table_under(md, "Other sources of funding") == [
        ["Lebendige Zentren", "2"], ["EFRE", "1"], ["Eigenmittel", "1"], ["Soziale Wohnraumförderung", "1"],
        ["Sozialer Zusammenhalt", "1"]]
    assert not re.search(r"€0(?![\d.,])", md)


def test_funding_excludes_dropped_measures(mini):
    r = run("progress", "add", "HF2.M02", "--status", "entfallen", "--date", "2024-12-01", plan=mini)
    assert r.exit_code == 0, r
    md = render(mini, 2024)
    assert table_under(md, "Costs and funding")[0] == ["Estimated cost", "€4.86 million"]  # 7.66 M - 2.8 M
    assert "Estimated cost of 6 of the 6 measures" in md
    assert table_under(md, "Other sources of funding") == [
        ["Eigenmittel", "1"], ["Lebendige Zentren", "1"], ["Soziale Wohnraumförderung", "1"],
        ["Sozialer Zusammenhalt", "1"]]
    assert context(mini)["funding"]["cost"]["dropped"] == 1
    by_status = {r[0]: r[2] for r in table_under(md, "State of implementation")}
    assert by_status["planning"] == "0" and by_status["dropped"] == "1"


def test_indicator_assessment_by_hand():
    # K-BEV (up): baseline 2021 40,000, 2024 40,720, target 2030 42,000
    #   r_obs = (40720/40000)^(1/3) - 1 = 0.005964,  still needed r_need = (42000/40720)^(1/6) - 1 = 0.005172
    #   ratio = 1.153 >= 0.95 -> on track
    # K-LEER (down): baseline 2021 30, 2024 26, target 2030 15
    #   r_obs = (26/30)^(1/3) - 1 = -0.046580,  r_need = (15/26)^(1/6) - 1 = -0.087598
    #   ratio = 0.532 in [0.5, 0.95) -> moderate
    # K-ALT: neutral -> no verdict, trend only
    md = pristine(2024)
    # the verdict comes first (it must stay on screen on a phone); one number of decimals per indicator
    assert table_under(md, "The city in figures") == [
        ["Einwohnerinnen und Einwohner (Personen)", "on track", "40,000 (2021)", "40,590", "40,720", "42,000 (2030)",
         "rising"],
        ["Leerstand Erdgeschosse Innenstadt (Ladenlokale)", "moderate progress", "30 (2021)", "25", "26", "15 (2030)",
         "rising"],
        ["Anteil 65 Jahre und älter (Prozent)", "not assessed (observed indicator)", "22.5 (2021)", "23.0", "23.3",
         "–", "rising"],
    ]
    assert "Trend = change against the previous year; assessment = development since the baseline year" in md
    k = {x["id"]: x for x in context(MINI)["indicators"]}
    assert k["K-BEV"]["assessment"] == "on_track" and k["K-BEV"]["ratio"] == pytest.approx(1.1533, abs=1e-4)
    assert k["K-LEER"]["assessment"] == "moderate" and k["K-LEER"]["ratio"] == pytest.approx(0.5318, abs=1e-4)
    assert k["K-ALT"]["assessment"] is None and k["K-ALT"]["ratio"] is None
    assert k["K-BEV"]["change"] == 130 and k["K-LEER"]["change"] == 1
    # 2023: K-LEER 25 -> r_obs = (25/30)^(1/2) - 1 = -0.08712, r_need = (15/25)^(1/7) - 1 = -0.07038,
    # ratio 1.238 -> on track
    k23 = {x["id"]: x for x in context(MINI, 2023)["indicators"]}
    assert k23["K-LEER"]["assessment"] == "on_track" and k23["K-LEER"]["ratio"] == pytest.approx(1.2381, abs=1e-4)
    assert k23["K-LEER"]["trend"] == "down"
    # 2030 (no progress file): the latest value (2024) is assessed, but there is no current value
    k30 = {x["id"]: x for x in context(MINI, 2030)["indicators"]}
    assert k30["K-BEV"]["assessment"] == "on_track" and k30["K-BEV"]["current"] is None
    assert k30["K-BEV"]["trend"] == "none"


def test_annex():
    md = pristine(2024)
    assert table_under(md, "All measures") == [
        ["HF1.M01", "Baulückenkataster aufbauen", "HF1", "1", "Amt für Stadtplanung", "2022–2023", "€20,000", "completed"],
        ["HF1.M02", "Wohnungsbau am Mühlenweg", "HF1", "1", "Städtische Wohnungsbaugesellschaft", "2022–2026",
         "€4.5 million", "in progress"],
        ["HF1.M03", "Quartiersmanagement Nordstadt", "HF1", "2", "Amt für Stadtplanung", "2022–ongoing", "€90,000",
         "ongoing task"],
        ["HF1.M04", "Spielplatz Lindenstraße erneuern", "HF1", "3", "Amt für Stadtplanung", "2023–2024", "€150,000",
         "deferred"],
        ["HF2.M01", "Leerstandsmanagement einführen", "HF2", "1", "Amt für Wirtschaftsförderung", "2022–2025",
         "€60,000", "in progress"],
        ["HF2.M02", "Marktplatz neu gestalten", "HF2", "2", "Amt für Stadtplanung", "2023–2027", "€2.8 million",
         "planning"],
        ["HF2.M03", "Verfügungsfonds Innenstadt", "HF2", "3", "Amt für Wirtschaftsförderung", "2024–2025", "€40,000",
         "not started"],
    ]
    assert table_under(md, "Indicators and sources") == [
        ["K-BEV Einwohnerinnen und Einwohner", "Personen", "higher is better", "Melderegister, Stand 31.12."],
        ["K-LEER Leerstand Erdgeschosse Innenstadt", "Ladenlokale", "lower is better",
         "Leerstandserhebung Citymanagement"],
        ["K-ALT Anteil 65 Jahre und älter", "Prozent", "observed", "Melderegister"],
    ]


def test_field_sections():
    md = pristine(2024)
    hf1 = section(md, "HF1 Wohnen und Quartiere")
    # the measures under their goals, each measure once (under its first goal of the field)
    assert table_under(hf1, "HF1 Wohnen und Quartiere") == [
        ["HF1.M01", "Baulückenkataster aufbauen", "1", "Amt für Stadtplanung", "completed", "100%", "2023-03-20"],
        ["HF1.M02", "Wohnungsbau am Mühlenweg (key project)", "1", "Städtische Wohnungsbaugesellschaft",
         "in progress", "45%", "2024-04-02"],
    ]
    assert hf1.index("**HF1.Z1 Bezahlbaren Wohnraum schaffen**") < hf1.index("| HF1.M02 |") < hf1.index(
        "**HF1.Z2 Quartiere stabilisieren**") < hf1.index("| HF1.M03 |") < hf1.index("| HF1.M04 |")
    groups = [(g["goal"]["id"], [m["id"] for m in g["measures"]]) for g in context(MINI)["fields"][0]["goal_groups"]]
    assert groups == [("HF1.Z1", ["HF1.M01", "HF1.M02"]), ("HF1.Z2", ["HF1.M03", "HF1.M04"])]
    # the last update instead of a repeated "no update" cell; the notes of the year as a list below
    assert "| HF1.M03 | Quartiersmanagement Nordstadt | 2 | Amt für Stadtplanung | ongoing task | – | 2022-03-01 |" in hf1
    assert "1 of 4 measures without an update in the reporting year." in hf1
    assert "- HF1.M02, 2024-04-02: Rohbau fertig." in hf1
    assert "no update in the reporting year*" not in md
    # the field's indicators (named by the indicator's fields or by a measure of the field)
    assert "**Indicators of this field:** Einwohnerinnen und Einwohner 40,720 (Target 42,000): on track" in hf1
    assert "| HF2.M03 | Verfügungsfonds Innenstadt | 3 | Amt für Wirtschaftsförderung | not started | – | never |" in md


def test_german_numbers_and_words():
    md = pristine(2024, "md", "de")
    assert "Bericht zum 3. Jahr der Umsetzung" in md and "| Jahr der Laufzeit | 3 |" in md
    assert "| Geschätzte Kosten | 7,66 Mio. € |" in md and "| Bewilligt | keine Angabe |" in md
    assert "Gemeldete Ausgaben bis 31.12.2024: 2.118.500 € (2 Maßnahmen melden Ausgaben)." in md
    assert ("| Anteil 65 Jahre und älter (Prozent) | keine Bewertung (beobachtende Kennzahl) | 22,5 (2021) | 23,0 | 23,3 "
            "| – | steigend |") in md
    assert "Von 7 Maßnahmen sind zum 31.12.2024 1 abgeschlossen (14 %)" in md


# --------------------------------------------------------------------------- assess()

B = (2020, 100.0)


@pytest.mark.parametrize("direction,baseline,latest,target,verdict", [
    # no data: no later value than the baseline
    ("up", B, None, (2030, 200.0), "no_data"),
    ("up", B, (2020, 150.0), (2030, 200.0), "no_data"),
    ("down", B, (2019, 50.0), None, "no_data"),
    # neutral: never a verdict, even without data
    ("neutral", B, (2024, 150.0), (2030, 200.0), None),
    ("neutral", B, None, None, None),
    # target already reached (or passed) in the desired direction
    ("up", B, (2022, 200.0), (2030, 200.0), "target_reached"),
    ("up", B, (2022, 250.0), (2030, 200.0), "target_reached"),
    ("down", B, (2022, 50.0), (2030, 50.0), "target_reached"),
    ("down", B, (2022, 10.0), (2030, 50.0), "target_reached"),
    # compound rates, clear cases
    ("up", (2020, 100.0), (2022, 121.0), (2030, 200.0), "on_track"),  # 10 %/yr vs 6.5 %/yr still needed
    ("up", (2020, 100.0), (2022, 104.0), (2030, 200.0), "off_track"),  # 1.98 % vs 8.52 %: ratio 0.23
    ("up", (2020, 100.0), (2022, 110.0), (2030, 200.0), "moderate"),  # 4.88 % vs 7.76 %: ratio 0.63
    ("up", (2020, 100.0), (2022, 100.0), (2030, 200.0), "off_track"),  # ratio exactly 0
    ("up", (2020, 100.0), (2022, 99.0), (2030, 200.0), "deteriorating"),
    ("down", (2020, 30.0), (2022, 30.0), (2030, 15.0), "off_track"),  # ratio exactly 0
    ("down", (2020, 30.0), (2022, 31.0), (2030, 15.0), "deteriorating"),
    ("down", (2020, 30.0), (2022, 24.3), (2030, 15.0), "on_track"),  # 10 %/yr down vs 5.9 % needed
    # time left matters: the same 4.88 %/yr is moderate with 8 years left, off track with 1 year left
    ("up", (2020, 100.0), (2022, 110.0), (2023, 200.0), "off_track"),  # needs 81.8 % in one year
    ("up", (2020, 100.0), (2025, 120.0), (2026, 125.5), "moderate"),  # 3.7 %/yr vs 4.6 % needed: 0.81
    # the target year has come without the target reached
    ("up", (2020, 100.0), (2030, 150.0), (2030, 200.0), "off_track"),
    ("up", (2020, 100.0), (2031, 90.0), (2030, 200.0), "deteriorating"),
    # target equal to the baseline and not reached: moving away
    ("up", (2020, 100.0), (2022, 90.0), (2030, 100.0), "deteriorating"),
    # no target: the observed rate in the desired direction decides
    ("up", (2020, 100.0), (2022, 121.0), None, "on_track"),
    ("up", (2020, 100.0), (2021, 100.5), None, "moderate"),
    ("up", (2020, 100.0), (2022, 100.0), None, "off_track"),
    ("up", (2020, 100.0), (2022, 90.0), None, "deteriorating"),
    ("down", (2020, 100.0), (2021, 98.0), None, "on_track"),
    ("down", (2020, 100.0), (2021, 99.5), None, "moderate"),
    ("down", (2020, 100.0), (2021, 100.0), None, "off_track"),
    ("down", (2020, 100.0), (2021, 101.0), None, "deteriorating"),
])
def test_assess_verdicts(direction, baseline, latest, target, verdict):
    assert assess(direction, baseline, latest, target).verdict == verdict


@pytest.mark.parametrize("x,target,verdict", [
    # baseline 0 forces linear rates: r_obs = x / 2 per year, r_need = (target - x) / 8 per year
    (19.0, 99.0, "on_track"),  # 9.5 / 10: ratio exactly 0.95
    (18.99, 99.0, "moderate"),
    (10.0, 90.0, "moderate"),  # 5 / 10: ratio exactly 0.5
    (9.99, 90.0, "off_track"),
    (0.0, 90.0, "off_track"),  # ratio exactly 0
    (-0.01, 90.0, "deteriorating"),
])
def test_assess_boundaries_exact(x, target, verdict):
    a = assess("up", (2020, 0.0), (2022, x), (2030, target))
    assert a.verdict == verdict
    assert a.ratio == (x / 2) / ((target - x) / 8)
    assert a.observed_rate == x / 2 and a.required_rate == (target - x) / 8
    assert a.years_left == 8 and a.compound is False


def test_assess_boundary_constants_match_the_docstring():
    assert (ON_TRACK, MODERATE) == (0.95, 0.5)
    assert assess("up", (2020, 0.0), (2022, 19.0), (2030, 99.0)).ratio == 0.95
    assert assess("up", (2020, 0.0), (2022, 10.0), (2030, 90.0)).ratio == 0.5


def test_assess_zero_and_negative_values_use_linear_rates():
    # negative values: compound growth is undefined; linear: r_obs = 6/2 = 3, r_need = 14/8 = 1.75
    a = assess("up", (2020, -10.0), (2022, -4.0), (2030, 10.0))
    assert (a.verdict, a.observed_rate, a.required_rate, a.ratio) == ("on_track", 3.0, 1.75, 3.0 / 1.75)
    # a target of zero: linear, r_obs = -20/2 = -10, r_need = -80/8 = -10
    a = assess("down", (2020, 100.0), (2022, 80.0), (2030, 0.0))
    assert (a.verdict, a.ratio) == ("on_track", 1.0)
    # a latest value of zero, target not reached
    a = assess("down", (2020, 100.0), (2022, 0.0), (2030, -50.0))
    assert a.verdict == "on_track" and a.observed_rate == -50.0 and a.required_rate == -6.25
    # no target, linear relative to the baseline's size: 1/100 = exactly 1 % per year
    assert assess("up", (2020, -100.0), (2021, -99.0), None).verdict == "on_track"
    assert assess("up", (2020, -100.0), (2021, -99.5), None).verdict == "moderate"
    assert assess("up", (2020, -100.0), (2021, -100.0), None).verdict == "off_track"
    assert assess("up", (2020, -100.0), (2021, -101.0), None).verdict == "deteriorating"
    assert assess("down", (2020, 0.0), (2021, -5.0), None).verdict == "on_track"
    assert assess("up", (2020, 0.0), (2021, 0.0), None).verdict == "off_track"


def test_assess_compound_rates():
    a = assess("up", (2021, 40000.0), (2024, 40720.0), (2030, 42000.0))
    assert a.observed_rate == pytest.approx(0.0059644, abs=1e-7)
    assert a.required_rate == pytest.approx(0.0051717, abs=1e-7)
    assert a.ratio == pytest.approx(1.1533, abs=1e-4) and a.verdict == "on_track"
    a = assess("up", (2020, 100.0), (2022, 121.0), None)
    assert a.observed_rate == pytest.approx(0.1) and a.ratio is None and a.required_rate is None


@pytest.mark.parametrize("prev,cur,expected", [
    (1, 2, "up"), (2, 1, "down"), (1.5, 1.5, "flat"), (None, 1, "none"), (1, None, "none"), (None, None, "none")])
def test_trend(prev, cur, expected):
    assert trend(prev, cur) == expected


# --------------------------------------------------------------------------- determinism

def test_same_bytes_twice(mini):
    for fmt in ("md", "html"):
        assert render(mini, 2024, fmt, "de") == render(mini, 2024, fmt, "de")


def test_same_bytes_with_any_hash_seed(mini, tmp_path):
    procs = {}
    for seed in ("0", "1", "4242"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        for fmt in ("md", "html"):
            out = tmp_path / f"{seed}.{fmt}"
            procs[out] = subprocess.Popen(
                isek_command() + ["--plan", str(mini), "report", "2024", "--format", fmt, "-o", str(out)],
                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    outputs: dict[str, set[bytes]] = {}
    for out, proc in procs.items():
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        outputs.setdefault(out.suffix, set()).add(out.read_bytes())
    assert {fmt: len(v) for fmt, v in outputs.items()} == {".md": 1, ".html": 1}
    assert outputs[".md"] == {render(mini, 2024, "md", "de").encode("utf-8")}
    assert outputs[".html"] == {render(mini, 2024, "html", "de").encode("utf-8")}


def _field_sections(md: str) -> dict[str, str]:
    body = section(md, "Fields of action")
    parts = re.split(r"(?m)^(?=### )", body)[1:]
    return {p.split()[1]: p.strip() for p in parts}


def test_field_file_names_decide_the_order_and_nothing_else(mini):
    before_md, before_html = render(mini, 2024, "md"), render(mini, 2024, "html")
    fields = mini / "fields"
    texts = {p.name: p.read_bytes() for p in fields.iterdir()}
    # same names, written in the other order: identical bytes
    for name in texts:
        (fields / name).unlink()
    for name in sorted(texts, reverse=True):
        (fields / name).write_bytes(texts[name])
    assert render(mini, 2024, "md") == before_md and render(mini, 2024, "html") == before_html
    # other names, same order: identical bytes (file names never show)
    (fields / "01-wohnen.yaml").rename(fields / "a.yaml")
    (fields / "02-innenstadt.yaml").rename(fields / "b.yaml")
    assert render(mini, 2024, "md") == before_md and render(mini, 2024, "html") == before_html
    # names that sort the other way round: HF2 comes first, everything else is the same
    (fields / "a.yaml").rename(fields / "z-wohnen.yaml")
    after_md, after_html = render(mini, 2024, "md"), render(mini, 2024, "html")
    assert after_md != before_md
    assert sorted(md_lines(after_md)) == sorted(md_lines(before_md))
    assert list(_field_sections(after_md)) == ["HF2", "HF1"] and list(_field_sections(before_md)) == ["HF1", "HF2"]
    assert _field_sections(after_md) == _field_sections(before_md)
    assert [r[0] for r in table_under(after_md, "All measures")] == [
        "HF2.M01", "HF2.M02", "HF2.M03", "HF1.M01", "HF1.M02", "HF1.M03", "HF1.M04"]
    assert [r[0] for r in table_under(after_md, "By field of action")][:2] == [
        "HF2 Innenstadt und Handel", "HF1 Wohnen und Quartiere"]
    assert table_under(after_md, "Costs and funding") == table_under(before_md, "Costs and funding")
    assert table_under(after_md, "The city in figures") == table_under(before_md, "The city in figures")
    assert after_html.index('id="f-hf2"') < after_html.index('id="f-hf1"')
    assert before_html.index('id="f-hf1"') < before_html.index('id="f-hf2"')


# --------------------------------------------------------------------------- escaping

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "[x](javascript:alert(1))",
    "<b onmouseover=alert(1)>raw</b>",
    "</style>",
    "{{ 7*7 }}",
    "a | b",
    "line1\nline2",
]
PAY = " ".join(PAYLOADS)
INJECT = "\n# INJECTED heading\n| x | y |\n|---|---|\n- injected item"


def _yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _dump(path: Path, data: dict) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000), encoding="utf-8")


def make_hostile_plan(root: Path, extra: str = "") -> Path:
    """The mini plan with payloads in every text that reaches the report."""
    shutil.copytree(FIXTURES / "mini", root)
    pay = PAY + extra
    meta = _yaml(root / "isek.yaml")
    meta.update(city="City " + pay, title="Title " + pay, owner="Owner " + pay)
    meta["adopted"]["body"] = "Body " + pay
    meta["vision"] = f"Vision {PAY}\n\n[ok](https://example.org/ok) <div onclick=alert(1)>block</div>\n\n{PAY}\n"
    meta["guiding_goals"][0].update(title="GG " + pay, text="GGtext " + PAY)
    _dump(root / "isek.yaml", meta)
    actors = _yaml(root / "actors.yaml")
    for a in actors["actors"]:
        a["name"] = f"Actor {a['id']} " + pay
    for c in actors["committees"]:
        c["name"] = "Committee " + pay
    _dump(root / "actors.yaml", actors)
    for name in ("01-wohnen.yaml", "02-innenstadt.yaml"):
        f = _yaml(root / "fields" / name)
        f["title"] = f"Field {f['id']} " + pay
        f["description"] = "Desc " + PAY
        for g in f["goals"]:
            g["title"] = "Goal " + pay
        for m in f["measures"]:
            m["title"] = f"M {m['id']} " + pay
            m["description"] = "MDesc " + PAY
            if m.get("funding"):
                m["funding"] = ["Fund " + pay] + m["funding"]
        _dump(root / "fields" / name, f)
    ind = _yaml(root / "indicators.yaml")
    for x in ind["indicators"]:
        x.update(title="Ind " + pay, unit="Unit " + pay, source="Src " + pay)
    _dump(root / "indicators.yaml", ind)
    for year in (2022, 2023, 2024):
        p = _yaml(root / "progress" / f"{year}.yaml")
        for u in p["updates"]:
            u["note"] = "Note " + PAY
        _dump(root / "progress" / f"{year}.yaml", p)
    r = run("check", plan=root)
    assert r.exit_code == 0, r
    return root


@pytest.fixture
def hostile(tmp_path) -> Path:
    return make_hostile_plan(tmp_path / "hostile")


def assert_html_inert(text: str, charts: int | None = None, styles: int = 1) -> Html:
    doc = Html(text)
    names = [t for t, _ in doc.tags]
    for bad in ("script", "img", "iframe", "object", "embed", "b"):
        assert bad not in names, f"<{bad}> element in the output"
    for tag, attrs in doc.tags:
        for k, v in attrs.items():
            assert not k.lower().startswith("on"), f"<{tag} {k}=…> event handler in the output"
            if k.lower() in ("href", "src", "xlink:href", "action", "formaction"):
                assert not (v or "").strip().lower().startswith(("javascript:", "data:", "vbscript:")), (tag, k, v)
    svgs = doc.all("svg")
    assert all(a.get("role") == "img" and a.get("aria-label") and a.get("class") == "chart" for a in svgs), svgs
    if charts is not None:
        assert len(svgs) == charts
    assert len(doc.all("style")) == styles and "alert" not in "".join(doc.style)
    assert not [a for a in doc.all("link") if a.get("rel") == "stylesheet"]
    return doc


def test_html_escaping(hostile):
    out = render(hostile, 2024, "html", "en")
    doc = assert_html_inert(out, charts=2 + 3 + 2)  # overview charts, 3 indicators, 2 fields
    text = doc.plain
    for p in PAYLOADS[:6]:
        assert p in text, f"{p!r} should show as text"
    assert "</style> {{ 7*7 }} a | b" in text and "</style> 49" not in text
    assert text.count("{{ 7*7 }}") > 20
    hrefs = {a.get("href") for a in doc.all("a")}
    assert {h for h in hrefs if not h.startswith("#")} == {"https://example.org/ok"}
    assert '<a rel="nofollow noopener" href="https://example.org/ok">ok</a>' in out
    # aria-labels and titles of charts carry the payload as escaped text
    assert '&lt;script&gt;' in out and "<script" not in out.lower()


def test_markdown_escaping_keeps_tables(hostile):
    for lang in ("de", "en"):
        md = render(hostile, 2024, "md", lang)
        tables = assert_tables_intact(md)
        assert len(tables) >= 17
        assert "<script" not in md and "<img" not in md and "<svg" not in md and "</style>" not in md
        assert "<b " not in md and "<div" not in md
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in md
        # '*' between letters could pair up as emphasis: the Markdown writer escapes it
        assert r"&lt;/style&gt; {{ 7\*7 }} a" in md and "&lt;/style&gt; 49" not in md
        assert r"a \| b" in md  # pipes escaped inside cells
        # rendered by a permissive CommonMark renderer (raw HTML on), nothing executable comes out
        from markdown_it import MarkdownIt

        html = MarkdownIt("commonmark", {"html": True}).enable("table").render(md)
        assert_html_inert(html, styles=0)


def test_markdown_plain_text_cannot_inject_blocks(tmp_path):
    """Titles, names and the city are plain text: a newline in them must not start a heading, table or list."""
    plan = make_hostile_plan(tmp_path / "p", extra=INJECT)
    md = render(plan, 2024, "md")
    assert_tables_intact(md)
    lines = md_lines(md)
    assert not [ln for ln in lines if ln.startswith("# INJECTED")]
    assert not [ln for ln in lines if ln.startswith("- injected")]
    assert not [ln for ln in lines if ln.startswith("| x | y |")]


def test_markdown_table_with_carriage_return_in_title(mini):
    """Found by this suite: md_cell folded only \\n, so a carriage return in a title ended the table row."""
    path = mini / "fields" / "01-wohnen.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "title: Baulückenkataster aufbauen", 'title: "Bau\\r| x | y"'), encoding="utf-8")
    md = render(mini, 2024, "md")
    assert_tables_intact(md)


def test_markdown_has_no_javascript_links(hostile):
    """Found by this suite: Markdown output passed [x](javascript:…) links from plan text through, while the
    HTML output limits links to http, https and mailto."""
    md = render(hostile, 2024, "md")
    assert "](javascript:" not in md.lower()


# --------------------------------------------------------------------------- user templates and the sandbox

def _tpl(tmp_path: Path, name: str, text: str) -> Path:
    folder = tmp_path / "tpl"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_templates_override_one_template(mini, tmp_path):
    folder = _tpl(tmp_path, "report.md.j2", "Custom {{ year }} for {{ plan.city }}: {{ summary.total }} measures, "
                                            "{{ summary.completed }} {{ 'abgeschlossen'|status }}\n")
    r = run("report", "2024", "--templates", str(folder), "--lang", "en", plan=mini)
    assert r.exit_code == 0, r
    assert r.stdout == "Custom 2024 for Beispielstadt: 7 measures, 1 completed\n"
    # the HTML report still comes from the built-in template
    html = render(mini, 2024, "html", "en", "--templates", str(folder))
    assert html == render(mini, 2024, "html", "en")


def test_templates_override_a_macro_file_only(mini, tmp_path):
    from isek_cli.resources import templates_dir

    macros = (templates_dir() / "macros.html.j2").read_text(encoding="utf-8")
    assert '<span class="status {{ s }}">' in macros
    folder = _tpl(tmp_path, "macros.html.j2", macros.replace('<span class="status {{ s }}">',
                                                             '<span class="status custom-status {{ s }}">'))
    html = render(mini, 2024, "html", "en", "--templates", str(folder))
    assert 'class="status custom-status in_umsetzung"' in html
    assert html.replace(" custom-status", "") == render(mini, 2024, "html", "en")


def test_template_syntax_error_names_template_and_line(mini, tmp_path):
    folder = _tpl(tmp_path, "report.md.j2", "line one\n{% if %}\n")
    r = run("report", "2024", "--templates", str(folder), plan=mini)
    assert r.exit_code == 1, r
    assert "report.md.j2:2:" in r.stderr and r.stdout == ""
    assert "Traceback" not in r.output


def test_template_undefined_variable_names_template_and_line(mini, tmp_path):
    folder = _tpl(tmp_path, "report.md.j2", "a\nb {{ year }}\n{{ no_such_thing.x }}\n")
    r = run("report", "2024", "--templates", str(folder), plan=mini)
    assert r.exit_code == 1, r
    assert "report.md.j2:3:" in r.stderr and "no_such_thing" in r.stderr and r.stdout == ""
    # an undefined variable in the HTML template's own macro file, too
    from isek_cli.resources import templates_dir

    shipped = (templates_dir() / "macros.html.j2").read_text(encoding="utf-8")
    own = re.sub(r"\{% macro status\(s\) %\}.*?\{% endmacro %\}", "", shipped, count=1, flags=re.S)
    folder = _tpl(tmp_path, "macros.html.j2", "{% macro status(s) %}{{ s.nope }}{% endmacro %}\n" + own)
    r = run("report", "2024", "--format", "html", "--templates", str(folder), plan=mini)
    assert r.exit_code == 1 and "macros.html.j2:1:" in r.stderr, r


@pytest.mark.parametrize("expr", [
    "{{ ''.__class__.__mro__ }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ self._TemplateReference__context }}",
    "{{ '{0.__class__.__mro__}'.format(t) }}",
    "{{ t|attr('__class__') }}",
    "{{ lipsum.__globals__['os'] }}",
    "{% set x = t.status.update({'entfallen': 'HACKED'}) %}",
    "{{ t.status.pop('entfallen') }}",
], ids=["mro", "cycler-globals", "template-reference", "format-string", "attr-filter", "lipsum-globals",
        "mutate-update", "mutate-pop"])
def test_sandbox_refuses_escapes(mini, tmp_path, expr):
    folder = _tpl(tmp_path, "report.md.j2", "first line\n" + expr + "\n")
    r = run("report", "2024", "--templates", str(folder), plan=mini)
    assert r.exit_code == 1, r
    assert r.stdout == ""
    assert "report.md.j2:2:" in r.stderr and "not allowed in a template" in r.stderr, r.stderr
    for leak in ("<class", "<module", "<function", "<built-in", "__builtins__", "os.path", "Traceback", "HACKED",
                 "0x"):
        assert leak not in r.output, leak
    # the shared catalogue is unchanged afterwards
    assert "| dropped | 0 | 0 | ±0 |" in render(mini, 2024, "md", "en")


def test_templates_option_must_be_a_folder(mini, tmp_path):
    r = run("report", "2024", "--templates", str(tmp_path / "missing"), plan=mini)
    assert r.exit_code == 2, r


# --------------------------------------------------------------------------- output files

def test_output_is_written_atomically(mini, tmp_path):
    out = tmp_path / "out" / "report.md"
    out.parent.mkdir()
    first = render_bytes(mini, out, 2024, "md", "de")
    inode = out.stat().st_ino
    # re-rendering over a file isek generated is the normal case; the file is replaced by a rename
    second = render_bytes(mini, out, 2024, "md", "en")
    assert second != first and out.stat().st_ino != inode
    assert sorted(p.name for p in out.parent.iterdir()) == ["report.md"]


def test_failed_write_leaves_the_old_file(mini, tmp_path, monkeypatch):
    import isek_cli.writing.append as writer

    out = tmp_path / "report.md"
    old = render_bytes(mini, out, 2024, "md", "de")

    def boom(src, dst):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(writer.os, "replace", boom)
    r = run("report", "2024", "--lang", "en", "-o", str(out), plan=mini)
    monkeypatch.undo()
    # A file system that refuses is the environment's problem, not a bug: a clean exit 1.
    assert r.exit_code == 1 and "simulated" in r.stderr and "internal error" not in r.stderr, r
    assert out.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "plan") == ["report.md"]


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_rerender_over_own_output(mini, tmp_path, fmt):
    out = tmp_path / f"r.{fmt}"
    a = render_bytes(mini, out, 2024, fmt, "de")
    b = render_bytes(mini, out, 2023, fmt, "de")
    assert a != b and out.read_bytes() == b


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_foreign_file_needs_force(mini, tmp_path, fmt):
    out = tmp_path / f"notes.{fmt}"
    out.write_bytes(b"my own notes\n")
    r = run("report", "2024", "--format", fmt, "-o", str(out), plan=mini)
    assert r.exit_code == 1, r
    assert "not generated by isek" in r.stderr and "--force" in r.stderr
    assert out.read_bytes() == b"my own notes\n"
    r = run("report", "2024", "--format", fmt, "-o", str(out), "--force", plan=mini)
    assert r.exit_code == 0, r
    assert out.read_bytes() == render(mini, 2024, fmt, "de").encode("utf-8")


def test_output_into_the_plan_folder_is_refused(mini, tmp_path):
    before = {p: p.read_bytes() for p in mini.rglob("*") if p.is_file()}
    for target in (mini / "report.md", mini / "progress" / "r.md", mini / "isek.yaml"):
        for force in ([], ["--force"]):
            r = run("report", "2024", "-o", str(target), *force, plan=mini)
            assert r.exit_code == 1, r
            assert "inside the plan folder" in r.stderr
    # also through a symlink that leads into the plan folder
    link = tmp_path / "link.md"
    link.symlink_to(mini / "isek.yaml")
    r = run("report", "2024", "-o", str(link), "--force", plan=mini)
    assert r.exit_code == 1 and "inside the plan folder" in r.stderr, r
    assert {p: p.read_bytes() for p in mini.rglob("*") if p.is_file()} == before


def test_output_is_a_folder(mini, tmp_path):
    r = run("report", "2024", "-o", str(tmp_path), plan=mini)
    assert r.exit_code == 1 and "is a folder" in r.stderr, r


def test_pdf_needs_an_output_file(mini):
    r = run("report", "2024", "--format", "pdf", plan=mini)
    assert r.exit_code == 2, r


@pytest.mark.parametrize("year", ["2021", "2031", "1999"])
def test_year_outside_the_horizon(mini, year, tmp_path):
    out = tmp_path / "r.md"
    r = run("report", year, "-o", str(out), plan=mini)
    assert r.exit_code == 1, r
    assert f"{year} lies outside the plan's horizon 2022–2030" in r.stderr
    assert not out.exists()


def test_invalid_plan(mini, tmp_path):
    path = mini / "fields" / "01-wohnen.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("lead: WOBAU", "lead: NOBODY"), encoding="utf-8")
    out = tmp_path / "r.html"
    r = run("report", "2024", "--format", "html", "-o", str(out), plan=mini)
    assert r.exit_code == 1, r
    assert "error" in r.stderr and "isek check" in r.stderr
    assert not out.exists() and r.stdout == ""


def test_pdf_does_not_replace_a_foreign_file_mentioning_isek(mini, tmp_path, monkeypatch):
    """Found by this suite: the PDF marker was b'isek' anywhere in the file, so any file mentioning isek was
    taken for isek's own PDF and replaced without --force."""
    import isek_cli.report

    # the refusal must come before any rendering; a stand-in PDF keeps the test fast and WeasyPrint-free
    monkeypatch.setattr(isek_cli.report, "report_pdf", lambda *a, **k: b"%PDF-1.7 stand-in\n")
    out = tmp_path / "notes.txt"
    out.write_bytes(b"Meeting notes: introduce isek in the planning office.\n")
    r = run("report", "2024", "--format", "pdf", "-o", str(out), plan=mini)
    assert r.exit_code == 1, r
    assert out.read_bytes().startswith(b"Meeting notes")


# --------------------------------------------------------------------------- PDF

def _need_pdf() -> None:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:
        if os.environ.get("ISEK_REQUIRE_PDF") == "1":
            pytest.fail(f"ISEK_REQUIRE_PDF=1 but WeasyPrint cannot be imported: {exc}")
        pytest.skip(f"WeasyPrint not available: {exc}")


# The PDF's own tests (layout, tags, font, determinism) are in tests/test_pdf.py.


# --------------------------------------------------------------------------- site

SITE_FILES = [".isek-site", "assets/IsekSans-Bold.woff2", "assets/IsekSans-Italic.woff2", "assets/IsekSans-Regular.woff2",
              "data/indicators.csv", "data/measures-2022.csv", "data/measures-2023.csv",
              "data/measures-2024.csv", "data/report-2022.json", "data/report-2023.json", "data/report-2024.json",
              "data/status.csv", "index.html", "report-2022.html", "report-2023.html", "report-2024.html"]


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def build_site(plan: Path, out: Path, *extra: str):
    return run("site", "-o", str(out), *extra, plan=plan)


def test_site_data_drops_charts_everywhere_and_converts_shared_dicts_once():
    from markupsafe import Markup

    from isek_cli.report.site import plain

    def naive(d):  # what the site's data meant before shared dicts were converted once
        if isinstance(d, dict):
            return {k: naive(v) for k, v in d.items() if k not in ("chart", "charts", "msg", "fonts")}
        if isinstance(d, list):
            return [naive(v) for v in d]
        return str(d) if isinstance(d, Markup) else d

    shared = {"id": "M1", "chart": Markup("<svg/>"), "notes": [{"text": Markup("<b>x</b>"), "fonts": 1}]}
    ctx = {"msg": {}, "measures": [shared, {"id": "M2", "parts": [shared]}],
           "fields": [{"chart": 1, "measures": [shared], "goal_groups": [{"measures": [shared]}]}], "n": 3}
    out = plain(ctx)
    assert out == naive(ctx)
    assert "chart" not in out["fields"][0] and "chart" not in out["measures"][1]["parts"][0]
    assert type(out["measures"][0]["notes"][0]["text"]) is str
    assert out["measures"][0] is out["fields"][0]["measures"][0]  # converted once, shared again
    assert "chart" in shared and isinstance(shared["chart"], Markup)  # the context itself is untouched


def test_site(mini, tmp_path):
    out = tmp_path / "site"
    r = build_site(mini, out, "--lang", "en")
    assert r.exit_code == 0, r
    files = tree(out)
    assert sorted(files) == SITE_FILES
    index = files["index.html"].decode()
    doc = assert_html_inert(index)
    links = [a["href"] for a in doc.all("a")]
    for y in (2022, 2023, 2024):
        assert f"report-{y}.html" in links
    for d in [f for f in SITE_FILES if f.startswith("data/")]:
        assert d in links, d
    # the pages link the shipped font files instead of carrying them
    from isek_cli.report import fonts

    for name, _, _ in fonts.FACES:
        assert files[f"assets/{name}"] == fonts.font_bytes(name)
        assert f"url(assets/{name})" in index and f"url(assets/{name})" in files["report-2024.html"].decode()
    assert "base64" not in files["report-2024.html"].decode()
    overview = [[c.strip() for c in re.sub(r"<[^>]+>", "|", row).split("|") if c.strip()]
                for row in re.findall(r"<tr><th scope=\"row\">\d{4}.*?</tr>", index, re.S)]
    assert [row[0] for row in overview] == ["2024", "2023", "2022"]
    assert overview[0][2] == "14%" and overview[2][2] == "0%"  # the share right after the report link
    for y in (2022, 2023, 2024):
        page = files[f"report-{y}.html"].decode()
        d = assert_html_inert(page)
        hrefs = [a["href"] for a in d.all("a")]
        assert "index.html" in hrefs
        others = {f"report-{o}.html" for o in (2022, 2023, 2024) if o != y}
        assert others <= set(hrefs) and f"report-{y}.html" not in hrefs
        assert f'<strong aria-current="page">{y}</strong>' in page
        assert f"Monitoring report {y} – Beispielstadt" in page
    # the data behind the pages
    for y in (2022, 2023, 2024):
        data = json.loads(files[f"data/report-{y}.json"])
        assert data["year"] == y and data["report_number"] == y - 2021
        assert "msg" not in data and "charts" not in data
    d24 = json.loads(files["data/report-2024.json"])
    # The C encoder's lines hold what the Python encoder's indented text held, a measure per line.
    from isek_cli.report.context import build
    from isek_cli.report.site import plain

    from isek_cli.api import open_plan

    ctx = build(open_plan(mini).index, 2024, "en")
    assert d24 == json.loads(json.dumps(plain(ctx), ensure_ascii=False, indent=1, default=str))
    lines = files["data/report-2024.json"].decode().splitlines()
    start = lines.index('"measures": [')
    assert [json.loads(line.rstrip(",")) for line in lines[start + 1:start + 1 + len(d24["measures"])]] == d24["measures"]
    assert lines[start + 1 + len(d24["measures"])] in ("]", "],") and len(d24["measures"]) > 5
    assert d24["summary"]["by_status"] == {"nicht_begonnen": 1, "in_planung": 1, "in_umsetzung": 2, "abgeschlossen": 1,
                                           "daueraufgabe": 1, "zurueckgestellt": 1, "entfallen": 0}
    assert (d24["funding"]["cost"]["min"], d24["funding"]["cost"]["max"]) == (7660000, 7660000)
    header = lambda name: next(csv.reader(io.StringIO(files[name].decode())))  # noqa: E731
    assert header("data/status.csv") == ["year", "field", "measures", "nicht_begonnen", "in_planung", "in_umsetzung",
                                         "abgeschlossen", "daueraufgabe", "zurueckgestellt", "entfallen"]
    assert header("data/indicators.csv") == ["indicator", "year", "date", "value"]
    for y in (2022, 2023, 2024):
        rows = list(csv.DictReader(io.StringIO(files[f"data/measures-{y}.csv"].decode())))
        assert list(rows[0]) == ["year", "id", "title", "field", "priority", "lead", "status", "percent", "start",
                                 "end", "cost_eur", "spent_eur"]
        assert len(rows) == 7 and {r["year"] for r in rows} == {str(y)}
    rows = list(csv.DictReader(io.StringIO(files["data/status.csv"].decode())))
    assert len(rows) == 6
    assert rows[-1] == {"year": "2024", "field": "HF2", "measures": "3", "nicht_begonnen": "1", "in_planung": "1",
                        "in_umsetzung": "1", "abgeschlossen": "0", "daueraufgabe": "0", "zurueckgestellt": "0",
                        "entfallen": "0"}
    assert len(list(csv.DictReader(io.StringIO(files["data/indicators.csv"].decode())))) == 9


def test_site_rebuild_and_determinism(mini, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert build_site(mini, a).exit_code == 0
    first = tree(a)
    r = build_site(mini, a)  # over its own output, without --force
    assert r.exit_code == 0, r
    assert tree(a) == first
    assert build_site(mini, b).exit_code == 0
    assert tree(b) == first
    # the site's report pages are the reports with a navigation bar
    assert first["report-2024.html"].startswith(b"<!DOCTYPE html>")


def test_site_refuses_foreign_folder(mini, tmp_path):
    out = tmp_path / "foreign"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    r = build_site(mini, out)
    assert r.exit_code == 1, r
    assert "not generated by isek" in r.stderr
    assert tree(out) == {"keep.txt": b"mine"}
    r = build_site(mini, out, "--force")
    assert r.exit_code == 0, r
    assert sorted(tree(out)) == sorted(SITE_FILES + ["keep.txt"])
    # a file where the folder should be, and the plan folder itself
    f = tmp_path / "file"
    f.write_text("x")
    assert build_site(mini, f).exit_code == 1
    r = build_site(mini, mini / "site", "--force")
    assert r.exit_code == 1 and "inside the plan folder" in r.stderr, r
    assert not (mini / "site").exists()


def test_site_rebuild_removes_stale_years(mini, tmp_path):
    """Found by this suite: a rebuild left pages and data of years that no longer exist in the published site."""
    out = tmp_path / "site"
    assert build_site(mini, out).exit_code == 0
    (mini / "progress" / "2024.yaml").unlink()
    assert build_site(mini, out).exit_code == 0
    assert not (out / "report-2024.html").exists() and not (out / "data" / "report-2024.json").exists()


# --------------------------------------------------------------------------- known template bug

def test_markdown_guiding_goals_and_goals_are_separate_paragraphs(mini):
    md = render(mini, 2024, "md", "en")
    lines = md_lines(md)
    i = next(i for i, ln in enumerate(lines) if ln.startswith("**Goals:**"))
    assert lines[i - 1] == ""
