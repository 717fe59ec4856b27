"""What the report says first, its outlook, its numbers and its charts, worked out by hand.

- key messages: the completed share and its change, counts of overdue, behind, unreported and
  deferred measures, indicator verdicts;
- the outlook ("Ausblick und Fortschreibungsbedarf"): one small plan with a measure for every
  reason, each listed once, and the emphasis in the horizon's last two years;
- one number of decimals per indicator; the plan's ``decimals`` (format v2) wins when present;
- `isek report YEAR -o FILE` takes the format from the suffix and warns after the latest data;
- charts: legend colours are the bars' colours, every fill has 3:1 contrast and every text on a
  fill 4.5:1, round ticks, a single year is not one bar across the chart, a sparkline's scale
  spans at least a tenth of its values.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from conftest import FIXTURES, run
from helpers_writes import private_cache, upd, write_plan  # noqa: F401 (private_cache: autouse)
from isek_cli.report import charts

MINI = FIXTURES / "mini"


def build(plan: Path, year: int, lang: str = "en") -> dict:
    from isek_cli.api import open_plan
    from isek_cli.report.context import build as build_context

    return build_context(open_plan(plan).index, year, lang)


# --------------------------------------------------------------------------- key messages

def test_key_messages_of_the_mini_plan():
    k = build(MINI, 2024)["key"]
    # 1 of 7 completed in 2023 and in 2024: 14 %, no change; no completion in 2024
    assert (k["completed"], k["total"], round(k["completed_share"], 4)) == (1, 7, round(1 / 7, 4))
    assert k["share_change_points"] == 0.0 and k["completed_this_year"] == 0
    # the attention lists, each measure once (HF1.M04 deferred, not also overdue)
    assert (k["overdue"], k["behind"], k["at_risk"], k["no_update"], k["deferred"]) == (0, 2, 1, 2, 1)
    assert k["verdicts"] == {"on_track": 1, "moderate": 1} and k["assessed"] == 2
    k23 = build(MINI, 2023)["key"]
    assert k23["completed_this_year"] == 1 and k23["share_change_points"] == round(100 / 7, 1)


def test_key_messages_come_first_and_say_it_in_words(tmp_path):
    r = run("report", "2024", "--lang", "de", plan=MINI)
    md = r.stdout
    chapters = re.findall(r"^## (.+)$", md, re.M)
    assert chapters[:3] == ["Inhalt", "Das Wichtigste in Kürze", "Vision und Leitziele"]
    assert "**14 %** der Maßnahmen sind abgeschlossen (1 von 7 Maßnahmen, Stand 31.12.2024; ±0,0 Prozentpunkte" in md
    assert ("Handlungsbedarf: 0 überfällig, 3 hinter dem Zeitplan (davon 1 gefährdet), 2 ohne Meldung im "
            "Berichtsjahr, 1 zurückgestellt.") in md
    html = run("report", "2024", "--format", "html", plan=MINI).stdout
    assert html.index('id="key"') < html.index('id="vision"') < html.index('id="mandate"') < html.index('id="summary"')
    assert '<p class="big"><strong>14 %</strong>' in html


# --------------------------------------------------------------------------- outlook

OUTLOOK_MEASURES = [
    {"id": "BEYOND", "start": 2022, "end": 2028},              # planned past the horizon (2026)
    {"id": "OVERDUE", "start": 2021, "end": 2023},             # overdue since 2023
    {"id": "SLOW", "start": 2021, "end": 2026},                # 20 % after 4 years: 30 % by 2026
    {"id": "FAST", "start": 2021, "end": 2026},                # 70 % after 4 years: done by 2026
    {"id": "LATE", "start": 2023, "end": 2026},                # still in planning, needs 4 years, 2 left
    {"id": "PAUSED", "start": 2021, "end": 2025},              # deferred
    {"id": "SILENT", "start": 2021, "end": 2025},              # last update 2022
    {"id": "DONE", "start": 2021, "end": 2023},                # completed: never in the outlook
    {"id": "ONGOING", "start": 2021},                          # an ongoing task has no end to miss
]
OUTLOOK_PROGRESS = {
    2022: [upd("SILENT", "2022-05-01", "in_umsetzung", 10), upd("ONGOING", "2022-01-01", "daueraufgabe")],
    2023: [upd("DONE", "2023-05-01", "abgeschlossen", 100)],
    2024: [upd("BEYOND", "2024-03-01", "in_umsetzung", 30), upd("OVERDUE", "2024-03-01", "in_umsetzung", 80),
           upd("SLOW", "2024-03-01", "in_umsetzung", 20), upd("FAST", "2024-03-01", "in_umsetzung", 70),
           upd("LATE", "2024-03-01", "in_planung"), upd("PAUSED", "2024-03-01", "zurueckgestellt"),
           upd("ONGOING", "2024-01-01", "daueraufgabe")],
}


@pytest.fixture(scope="module")
def outlook_plan(tmp_path_factory) -> Path:
    plan = write_plan(tmp_path_factory.mktemp("outlook") / "plan", OUTLOOK_MEASURES, OUTLOOK_PROGRESS,
                      horizon=(2021, 2026),
                      indicators=[{"id": "K1", "title": "Wohnungen", "unit": "Stück", "source": "Statistik",
                                   "direction": "up", "baseline": {"year": 2020, "value": 100},
                                   "target": {"year": 2026, "value": 160}}])
    p = plan / "progress" / "2024.yaml"
    data = yaml.safe_load(p.read_text(encoding="utf-8"))
    data["values"] = [{"indicator": "K1", "value": 112, "date": dt.date(2024, 12, 31)}]
    p.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert run("check", plan=plan).exit_code == 0
    return plan


def test_outlook_lists_every_reason_once(outlook_plan):
    o = build(outlook_plan, 2024)["outlook"]
    assert (o["horizon_end"], o["years_left"], o["emphasis"]) == (2026, 2, False)
    assert [(m["id"], m["reason"]) for m in o["beyond"]] == [("BEYOND", "beyond")]
    assert [(m["id"], m["reason"], m["projected"]) for m in o["at_risk"]] == [
        ("OVERDUE", "overdue", 100.0), ("SLOW", "pace", 30), ("LATE", "late_start", None)]
    assert [(m["id"], m["reason"], m["last_year"]) for m in o["silent"]] == [
        ("PAUSED", "deferred", 2024), ("SILENT", "silent", 2022)]
    listed = [m["id"] for k in ("beyond", "at_risk", "silent") for m in o[k]]
    assert len(listed) == len(set(listed)) and not {"FAST", "DONE", "ONGOING"} & set(listed)
    # the indicator: +3 a year observed (100 -> 112 in 4 years), +24 a year still needed (112 -> 160 in 2)
    (k,) = o["indicators"]
    assert (k["observed_per_year"], k["needed_per_year"], k["years_left"]) == (3.0, 24.0, 2)
    assert k["assessment"] == "off_track" and k["out_of_reach"] is True


def test_outlook_is_emphasised_in_the_last_two_years(outlook_plan):
    assert build(outlook_plan, 2024)["outlook"]["emphasis"] is False
    assert build(outlook_plan, 2025)["outlook"]["emphasis"] is True
    md24 = run("report", "2024", plan=outlook_plan).stdout
    md25 = run("report", "2025", plan=outlook_plan).stdout
    chapters = lambda md: re.findall(r"^## (.+)$", md, re.M)  # noqa: E731
    assert chapters(md24).index("Ausblick und Fortschreibungsbedarf") > chapters(md24).index("Handlungsfelder")
    assert chapters(md25)[2] == "Ausblick und Fortschreibungsbedarf"  # right after the key messages
    assert "Die Laufzeit des Konzepts endet 2026." in md25 and "Die Laufzeit des Konzepts endet" not in md24
    assert "| SLOW | Maßnahme SLOW | Amt | in Umsetzung | 20 % | im bisherigen Tempo 30 % bis 2026 |" in md24


# --------------------------------------------------------------------------- numbers

def test_one_number_of_decimals_per_indicator(tmp_path):
    plan = write_plan(tmp_path / "plan", [{"id": "M1"}], {2024: []}, horizon=(2020, 2030), indicators=[
        {"id": "K1", "title": "Quote", "unit": "Prozent", "source": "x", "direction": "up",
         "baseline": {"year": 2019, "value": 22}, "target": {"year": 2030, "value": 30}}])
    p = plan / "progress" / "2024.yaml"
    data = yaml.safe_load(p.read_text(encoding="utf-8"))
    data["values"] = [{"indicator": "K1", "value": 21.8, "date": dt.date(2024, 12, 31)}]
    p.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    md = run("report", "2024", "--lang", "de", plan=plan).stdout
    assert "| Quote (Prozent) | Verschlechterung | 22,0 (2019) | – | 21,8 | 30,0 (2030) | – |" in md
    k = build(plan, 2024, "de")["indicators"][0]
    assert k["decimals"] == 1


def test_the_plan_decimals_win_when_the_model_has_them():
    """Format v2 adds ``decimals`` to an indicator; the report takes it as it stands."""
    from types import SimpleNamespace

    from isek_cli.report.context import _decimals

    x = SimpleNamespace(decimals=2, baseline=SimpleNamespace(value=22), target=None)
    assert _decimals(x, [(2024, 21.8)]) == 2
    x = SimpleNamespace(baseline=SimpleNamespace(value=77480), target=SimpleNamespace(value=80000))
    assert _decimals(x, [(2024, 83410.0)]) == 0
    x = SimpleNamespace(baseline=SimpleNamespace(value=1.23456), target=None)
    assert _decimals(x, []) == 2  # at most two


# --------------------------------------------------------------------------- the command

def test_format_from_the_output_suffix(tmp_path):
    for name, start in (("bericht.html", b"<!DOCTYPE html>"), ("bericht.md", b"[//]: # (isek report)"),
                        ("bericht.MARKDOWN", b"[//]: # (isek report)"), ("bericht.txt", b"[//]: # (isek report)")):
        out = tmp_path / name
        r = run("report", "2024", "-o", str(out), plan=MINI)
        assert r.exit_code == 0, r
        assert out.read_bytes().startswith(start), name
    out = tmp_path / "explicit.html"
    assert run("report", "2024", "--format", "md", "-o", str(out), plan=MINI).exit_code == 0
    assert out.read_bytes().startswith(b"[//]: # (isek report)")  # an explicit --format wins


def test_a_year_after_the_latest_data_warns(tmp_path):
    r = run("report", "2026", plan=MINI)
    assert r.exit_code == 0
    assert "warning: the latest progress file is 2024" in r.stderr
    assert "Für 2026 liegen noch keine Meldungen vor" in r.stdout
    assert "Die letzten Meldungen stammen aus 2024. Für 2026 schreibt der Bericht den Status" in r.stdout
    assert "warning" not in run("report", "2024", plan=MINI).stderr


# --------------------------------------------------------------------------- charts

def _luminance(hex_colour: str) -> float:
    r, g, b = (int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    f = lambda c: c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4  # noqa: E731
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b)


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_chart_colours_have_contrast():
    for status, (fill, ink) in charts.STATUS_COLORS.items():
        assert contrast(fill, "#ffffff") >= 3, status  # WCAG 1.4.11 against the white page
        assert contrast(fill, ink) >= 4.5, status  # the count written on the bar
    css = (Path(__file__).parent.parent / "templates" / "report.css").read_text(encoding="utf-8")
    for status, (fill, ink) in charts.STATUS_COLORS.items():
        assert f".status.{status} {{ background: {fill}; color: {ink}; }}" in css, status  # the badges too


LABELS = {s: s for s in charts.STATUS_COLORS}


def fills(svg: str, tag: str = "rect") -> list[str]:
    return re.findall(rf'<{tag} [^>]*fill="(#[0-9a-f]+)"', svg)


def test_legend_colours_are_the_bar_colours():
    svg = str(charts.completion([(2023, 3, 4, 10), (2024, 5, 2, 10)], LABELS, "t", "a"))
    assert "opacity" not in svg
    legend = re.findall(r'<rect x="[\d.]+" y="[\d.]+" width="13" height="13" fill="(#[0-9a-f]+)"/>', svg)
    assert legend == [charts.STATUS_COLORS["abgeschlossen"][0], charts.STATUS_COLORS["in_umsetzung"][0]]
    assert set(fills(svg)) == set(legend)
    bars = str(charts.status_bars([("HF1 Wohnen", {"abgeschlossen": 2, "entfallen": 1})], LABELS, "t", "a"))
    assert set(fills(bars)) == {charts.STATUS_COLORS["abgeschlossen"][0], charts.STATUS_COLORS["entfallen"][0]}


def test_field_labels_are_not_cut_and_totals_are_shown():
    name = "HF1 Wohnen und Innenentwicklung mit einem ziemlich langen Namen"
    svg = str(charts.status_bars([(name, {"abgeschlossen": 8, "in_umsetzung": 5})], LABELS, "t", "a"))
    shown = " ".join(re.findall(r"<text [^>]*>([^<]+)</text>", svg))
    assert "…" not in shown and all(w in shown for w in name.split())
    assert re.search(r'text-anchor="end"[^>]*>13</text>', svg)  # the row's total at the right


def test_round_ticks_and_a_single_year():
    assert charts._ticks(109) == [0, 25, 50, 75, 100, 125]
    assert charts._ticks(7) == [0, 2, 4, 6, 8]
    assert charts._ticks(1) == [0, 1]
    svg = str(charts.completion([(2024, 3, 4, 109)], LABELS, "t", "a"))
    ticks = re.findall(r'text-anchor="end" font-size="\d+" fill="#[0-9a-f]+">(\d+)</text>', svg)
    assert ticks == ["0", "25", "50", "75", "100", "125"]
    widths = {float(w) for w in re.findall(r'<rect x="[\d.]+" y="[\d.]+" width="([\d.]+)" height', svg)
              if w != "13"}
    assert widths == {40.0}  # one year is one column of normal width, not a bar across the chart


def test_sparkline_scale_is_honest_and_values_are_written():
    num = lambda v: f"{v:.1f}"  # noqa: E731
    svg = str(charts.sparkline([(2023, 88.4), (2024, 88.6)], (2013, 88.6), None, "t", "a",
                               {"baseline": "B", "target": "T"}, num))
    ys = [float(y) for y in re.findall(r'<circle cx="[\d.]+" cy="([\d.]+)"', svg)]
    assert max(ys) - min(ys) < 2  # 0.2 on 88 is a flat line, not a swing across the chart
    assert ">88.6<" in svg
    single = str(charts.sparkline([], (2013, 5.0), (2025, 7.0), "t", "a", {"baseline": "B", "target": "T"}, num))
    assert "<path d=\"M" not in single.split("<circle")[0] or "stroke-dasharray" in single
