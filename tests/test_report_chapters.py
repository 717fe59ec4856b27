"""The report's funding, field, area, SDG and decision chapters, worked out by hand.

The funding chapter is checked on a small plan: two programmes (one family), three grants and
drawdowns in two years, for two report years; a measure co-funded by both programmes counts once;
nothing unreported shows as 0 €. Maps are deterministic and escape plan text.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import FIXTURES, run
from helpers_writes import private_cache  # noqa: F401 (autouse)

from isek_cli.report import maps

V2 = FIXTURES / "v2"

FUNDING = """programmes:
  - {id: LZ, title: Lebendige Zentren, level: bund_land, family: staedtebaufoerderung}
  - {id: SZ, title: Sozialer Zusammenhalt, level: bund_land, family: staedtebaufoerderung}
grants:
  - {id: G-2022-LZ, programme: LZ, year: 2022, amount_eur: 477500, rate: 50, eligible_eur: 955000,
     measures: [HF2.M01, HF2.M02]}
  - {id: G-2023-LZ, programme: LZ, year: 2023, amount_eur: 2270000, rate: 100, measures: [HF2.M02]}
  - {id: G-2023-SZ, programme: SZ, year: 2023, amount_eur: 300000, measures: [HF1.M03, HF2.M01]}
"""
DRAWDOWNS = {
    2023: "drawdowns:\n  - {grant: G-2022-LZ, date: 2023-03-02, eur: 120000}\n"
          "  - {grant: G-2022-LZ, date: 2023-11-15, eur: 80000}\n",
    2024: "drawdowns:\n  - {grant: G-2022-LZ, date: 2024-02-01, eur: 100000}\n"
          "  - {grant: G-2023-LZ, date: 2024-06-30, eur: 1000000}\n",
}


@pytest.fixture
def money(mini: Path) -> Path:
    (mini / "funding.yaml").write_text(FUNDING, encoding="utf-8")
    for year, text in DRAWDOWNS.items():
        path = mini / "progress" / f"{year}.yaml"
        path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")
    f1 = mini / "fields" / "01-wohnen.yaml"
    f1.write_text(f1.read_text(encoding="utf-8").replace("cost_eur: 4500000", "cost_eur: {min: 4000000, max: 4500000}"),
                  encoding="utf-8")
    f2 = mini / "fields" / "02-innenstadt.yaml"
    f2.write_text(f2.read_text(encoding="utf-8").replace(
        "    cost_eur: 2800000\n",
        "    cost_eur: 2800000\n    costs: [{year: 2024, eur: 500000}, {year: 2025, eur: 1500000}, {year: 2026, eur: 800000}]\n"),
        encoding="utf-8")
    assert run("check", plan=mini).exit_code == 0  # valid (warnings: names that are no programme)
    return mini


def build(plan: Path, year: int, lang: str = "en") -> dict:
    from isek_cli.api import open_plan
    from isek_cli.report.context import build as build_context

    return build_context(open_plan(plan).index, year, lang)


def md(plan: Path, year: int, lang: str = "en") -> str:
    r = run("report", str(year), "--lang", lang, plan=plan)
    assert r.exit_code == 0, r
    return r.stdout


def rows_after(text: str, title: str) -> list[list[str]]:
    """The body rows of the first Markdown table after the line starting with ``title``."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(title))
    out, seen = [], False
    for line in lines[start + 1:]:
        if line.startswith("|"):
            seen = True
            out.append([c.strip() for c in re.split(r"(?<!\\)\|", line.strip()[1:-1])])
        elif seen:
            break
    return out[2:]


# --------------------------------------------------------------------------- funding, by hand

@pytest.mark.parametrize("year,granted,drawn", [
    # granted: grants of programme years <= Y; drawn: payments up to 31 Dec Y
    (2023, {"LZ": 477500 + 2270000, "SZ": 300000}, {"LZ": 120000 + 80000, "SZ": None}),
    (2024, {"LZ": 477500 + 2270000, "SZ": 300000}, {"LZ": 200000 + 100000 + 1000000, "SZ": None}),
])
def test_funding_chapter_by_hand(money, year, granted, drawn):
    fu = build(money, year)["funding"]
    (fam,) = fu["families"]
    assert fam["family"] == "staedtebaufoerderung"
    rows = {p["id"]: p for p in fam["programmes"]}
    for pid in ("LZ", "SZ"):
        assert rows[pid]["granted_eur"] == granted[pid]
        assert rows[pid]["drawn_eur"] == drawn[pid]  # None: nothing drawn is reported, not 0
    assert fam["granted_eur"] == fu["total"]["granted_eur"] == 477500 + 2270000 + 300000
    assert fu["total"]["drawn_eur"] == drawn["LZ"]
    assert fu["total"]["open_eur"] == 3047500 - drawn["LZ"]
    # HF2.M01 is funded by both programmes and counts once: HF1.M03, HF2.M01, HF2.M02
    assert (rows["LZ"]["measures"], rows["SZ"]["measures"], fam["measures"], fu["total"]["measures"]) == (2, 2, 3, 3)
    # own share where the eligible cost is known: 955,000 - 477,500
    assert rows["LZ"]["own_share_eur"] == 477500 and rows["SZ"]["own_share_eur"] is None
    assert [(g["id"], g["year"], g["drawn_eur"]) for g in fu["grants"]] == [
        ("G-2022-LZ", 2022, 200000 if year == 2023 else 300000),
        ("G-2023-LZ", 2023, None if year == 2023 else 1000000),
        ("G-2023-SZ", 2023, None)]
    assert fu["series"][:2] == [{"year": 2022, "granted_eur": 477500, "drawn_eur": None},
                                {"year": 2023, "granted_eur": 3047500, "drawn_eur": 200000}]
    assert fu["series"][-1] == {"year": year, "granted_eur": 3047500, "drawn_eur": drawn["LZ"]}
    # the cost estimate: 7,660,000 with HF1.M02 as 4.0-4.5 M instead of 4.5 M
    assert (fu["cost"]["min"], fu["cost"]["max"], fu["cost"]["missing"]) == (7160000, 7660000, 0)
    assert [n["name"] for n in fu["named"]] == ["EFRE", "Eigenmittel", "Soziale Wohnraumförderung"]


def test_funding_chapter_in_words(money):
    de = md(money, 2024, "de")
    assert rows_after(de, "Stand 31.12.2024. Alle Beträge sind kumuliert") == [
        ["Geschätzte Kosten", "7,16–7,66 Mio. €"], ["Ausgaben bis 31.12.2024", "2.118.500 €"],
        ["Bewilligt", "3.047.500 €"], ["Abgerufen bis 31.12.2024", "1.300.000 €"]]
    assert rows_after(de, "### Zuwendungen nach Programmfamilie") == [
        ["***Städtebauförderung***", "", "", "", "", "", ""],
        ["Lebendige Zentren", "2", "2.747.500 €", "1.300.000 €", "1.447.500 €", "477.500 €", "2"],
        ["Sozialer Zusammenhalt", "1", "300.000 €", "keine Angabe", "300.000 €", "keine Angabe", "2"],
        ["*Summe Städtebauförderung*", "3", "3.047.500 €", "1.300.000 €", "1.747.500 €", "", "3"],
        ["**Gesamt**", "3", "3.047.500 €", "1.300.000 €", "1.747.500 €", "", "3"]]
    assert rows_after(de, "### Zuwendungen nach Programmjahr") == [
        ["G-2022-LZ", "2022", "Lebendige Zentren", "477.500 €", "50 %", "300.000 €", "HF2.M01, HF2.M02"],
        ["G-2023-LZ", "2023", "Lebendige Zentren", "2.270.000 €", "100 %", "1.000.000 €", "HF2.M02"],
        ["G-2023-SZ", "2023", "Sozialer Zusammenhalt", "300.000 €", "keine Angabe", "keine Angabe",
         "HF1.M03, HF2.M01"],
        ["**Gesamt**", "", "", "3.047.500 €", "", "1.300.000 €", ""]]
    assert rows_after(de, "Bewilligte und abgerufene Mittel, kumuliert") == [
        ["2022", "477.500 €", "keine Angabe"], ["2023", "3.047.500 €", "200.000 €"],
        ["2024", "3.047.500 €", "1.300.000 €"]]
    assert rows_after(de, "### Geplante Kosten nach Jahren") == [
        ["2024", "500.000 €"], ["2025", "1.500.000 €"], ["2026", "800.000 €"], ["**Gesamt**", "2.800.000 €"]]
    assert not re.search(r"(?<![\d.])0 €", de)  # never "0 €" for money nobody reported
    en = md(money, 2024, "en")
    assert "| Estimated cost | €7.16–7.66 million |" in en
    assert not re.search(r"€0(?![\d.,])", en)
    html = run("report", "2024", "--format", "html", plan=money).stdout
    assert html.count('<svg') >= 1 and "Bewilligte und abgerufene Mittel" in html
    assert not re.search(r"(?<![\d.])0 €", html)


def test_funding_flags(money):
    # 2025: G-2023-SZ has had nothing drawn two years after its programme year
    fu = build(money, 2025)["funding"]
    assert [f["grant"] for f in fu["flags"]["undrawn"]] == ["G-2023-SZ"]
    assert build(money, 2024)["funding"]["flags"]["undrawn"] == []
    # spending above the cost estimate's upper bound (drawing more than granted is an error of the plan,
    # E314, so a valid plan never shows that flag; the query's tests cover it)
    path = money / "progress" / "2024.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("spent_eur: 2100000", "spent_eur: 4600000"),
                    encoding="utf-8")
    text = md(money, 2024, "de")
    assert "### Auffälligkeiten (1)" in text
    assert rows_after(text, "**Ausgaben über der Kostenschätzung (1)") == [
        ["HF1.M02", "Wohnungsbau am Mühlenweg", "4.600.000 €", "4.500.000 €"]]


def test_field_money(money):
    fields = {f["id"]: f for f in build(money, 2024)["fields"]}
    hf2 = fields["HF2"]["money"]
    assert [(g["id"], g["measures"], g["others"]) for g in hf2["grants"]] == [
        ("G-2022-LZ", ["HF2.M01", "HF2.M02"], 0), ("G-2023-LZ", ["HF2.M02"], 0), ("G-2023-SZ", ["HF2.M01"], 1)]
    assert (hf2["cost"]["min"], hf2["cost"]["max"], hf2["cost"]["spent"]) == (2900000, 2900000, None)
    hf1 = fields["HF1"]["money"]
    assert [g["id"] for g in hf1["grants"]] == ["G-2023-SZ"]
    assert (hf1["cost"]["min"], hf1["cost"]["max"]) == (20000 + 4000000 + 90000 + 150000, 4760000)
    assert ("Geschätzte Kosten: 4,26–4,76 Mio. € (4 von 4 Maßnahmen mit Kostenangabe). "
            "Gemeldete Ausgaben bis 31.12.2024: 2.118.500 €.") in md(money, 2024, "de")


def test_money_formats():
    from isek_cli.report.render import Formatter

    de, en = Formatter("de"), Formatter("en")
    assert de.cost(3_000_000, 3_500_000) == "3,0–3,5 Mio. €" and en.cost(3_000_000, 3_500_000) == "€3.0–3.5 million"
    assert de.cost(2_270_000) == "2,27 Mio. €" and de.cost(380_000, 420_000) == "380.000–420.000 €"
    assert de.cost(None) == "keine Angabe" and de.money(None) == "keine Angabe" and en.money(None) == "not reported"
    assert de.money(0) == "0 €"  # a reported zero stays a zero


# --------------------------------------------------------------------------- fields, areas, SDGs, decisions

def test_field_chapter_nests_parts_and_words_plan_statuses():
    ctx = build(V2, 2024, "de")
    parents = {m["id"]: m for f in ctx["fields"] for m in f["measures"]}
    assert [p["id"] for p in parents["I-S1"]["parts"]] == ["I-S1.1", "I-S1.2"]
    text = md(V2, 2024, "de")
    assert "| ↳ I-S1.1 | Teil von I-S1: " in text
    assert re.search(r"\| ↳ I-S1\.\d \| Teil von I-S1: [^|]+\| \d \| [^|]+\| verzögert \|", text)
    html = run("report", "2024", "--format", "html", "--lang", "de", plan=V2).stdout
    assert '<span class="status in_umsetzung plan">verzögert</span>' in html


def test_areas_chapter_and_map():
    ctx = build(V2, 2024, "de")
    kinds = {k["kind"]: k for k in ctx["areas"]}
    assert list(kinds) == ["stadtteil", "quartier", "foerdergebiet"]
    (kern,) = kinds["stadtteil"]["areas"]
    (alt,) = kinds["foerdergebiet"]["areas"]
    (bahnhof,) = kinds["quartier"]["areas"]
    # Kernstadt holds Altstadt and Bahnhofsumfeld: every measure naming any of them
    assert {m["id"] for m in alt["measures"]} <= {m["id"] for m in kern["measures"]}
    assert {m["id"] for m in bahnhof["measures"]} <= {m["id"] for m in kern["measures"]}
    assert kinds["foerdergebiet"]["map"] is not None and alt["label"] == "1"
    assert kinds["stadtteil"]["map"] is None and kern["label"] is None  # no outline, no map
    svg = str(kinds["foerdergebiet"]["map"])
    assert svg.startswith("<svg") and "<title>Karte: Fördergebiete</title><desc>" in svg
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "") and "<script" not in svg
    assert str(build(V2, 2024, "de")["areas"][2]["map"]) == svg  # deterministic


def test_map_escapes_and_is_deterministic():
    square = {"type": "MultiPolygon", "coordinates": [[[[8.0, 53.0], [8.01, 53.0], [8.01, 53.01], [8.0, 53.01],
                                                         [8.0, 53.0]]]]}
    shapes = [{"title": '<script>alert("x")</script> & Co', "geometry": square, "highlight": True, "label": "1",
               "note": "<b>"}]
    a = str(maps.area_map(shapes, "T <i>", 'D "q"'))
    assert a == str(maps.area_map(shapes, "T <i>", 'D "q"'))
    assert "<script>" not in a and "&lt;script&gt;" in a and ": &lt;b&gt;</title>" in a and "<i>" not in a
    assert 'aria-label="T &lt;i&gt;. D &#34;q&#34;"' in a
    # a dense outline: points that round onto the same tenth of a pixel are dropped
    ring = [[8.0 + i * 1e-7, 53.0] for i in range(5000)] + [[8.01, 53.01], [8.0, 53.0]]
    dense = str(maps.area_map([{"title": "x", "geometry": {"type": "MultiPolygon", "coordinates": [[ring]]},
                                "highlight": True}], "t", "d"))
    assert len(dense) < 20000
    assert maps.area_map([], "t", "d") is None


def test_sdg_overview_and_decisions():
    ctx = build(V2, 2024, "de")
    goals = {g["goal"]: g for g in ctx["sdgs"]}
    assert "11" in goals and goals["11"]["title"] == "Nachhaltige Städte und Gemeinden"
    assert "11.7" in goals["11"]["targets"] and "11.2" in goals["11"]["targets"]
    assert goals["11"]["indicators"]
    text = md(V2, 2024, "de")
    assert "## Nachhaltigkeitsziele (SDGs)" in text and "## Gebiete" in text
    dates = [d["date"] for d in ctx["decisions"]]
    assert dates == sorted(dates) and dates
    assert "### Beschlüsse zum Konzept" in text
    # a plan without areas, SDG tags and decisions has none of these chapters
    mini = md(FIXTURES / "mini", 2024, "de")
    assert "## Gebiete" not in mini and "## Nachhaltigkeitsziele" not in mini and "Beschlüsse zum Konzept" not in mini


def test_a_family_the_catalogue_does_not_name_is_marked_as_the_plans_language(money, tmp_path):
    """A plan's own programme family is its own word: the English report marks it lang="de"
    (screen readers pronounce it as German), the catalogue's families stay English."""
    funding = money / "funding.yaml"
    funding.write_text(funding.read_text(encoding="utf-8").replace(
        "{id: SZ, title: Sozialer Zusammenhalt, level: bund_land, family: staedtebaufoerderung}",
        "{id: SZ, title: Sozialer Zusammenhalt, level: bund_land, family: landesprogramm_quartier}"), encoding="utf-8")
    out = tmp_path / "r.html"
    assert run("report", "2024", "--lang", "en", "--format", "html", "-o", str(out), plan=money).exit_code == 0
    html = out.read_text(encoding="utf-8")
    assert '<th scope="rowgroup" colspan="7"><span lang="de">landesprogramm_quartier</span></th>' in html
    assert '<th scope="rowgroup" colspan="7">Urban development funding (Städtebauförderung)</th>' in html
