"""Money as cities account for it: programmes, grants, drawdowns, cost ranges, yearly costs.

The funding figures are checked against sums written out by hand; every money
error and warning is checked at its FILE:LINE:COL.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import Workbook

from conftest import run
from isek_cli import open_plan

FUNDING = """programmes:
  - {id: LZ, title: Lebendige Zentren, level: bund_land, family: staedtebaufoerderung}
  - {id: SZ, title: Sozialer Zusammenhalt, level: bund_land, family: staedtebaufoerderung}
  - {id: KOM, title: Kommunale Mittel, level: kommune}
  - {id: WRF, title: Soziale Wohnraumförderung, level: land}
  - {id: EFRE, title: EFRE, level: eu}
grants:
  - {id: G-2022-LZ, programme: LZ, year: 2022, amount_eur: 477500, rate: 50, eligible_eur: 955000,
     measures: [HF2.M01, HF2.M02]}
  - {id: G-2023-LZ, programme: LZ, year: 2023, amount_eur: 2270000, rate: 100, measures: [HF2.M02]}
  - {id: G-2024-SZ, programme: SZ, year: 2024, amount_eur: 300000, measures: [HF1.M02, HF2.M01]}
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
    # the mini plan names its money as programme titles or as the city's own (Eigenmittel)
    for rel in ("fields/01-wohnen.yaml", "fields/02-innenstadt.yaml"):
        path = mini / rel
        text = path.read_text(encoding="utf-8")
        text = text.replace("[Sozialer Zusammenhalt]", "[SZ]")
        path.write_text(text, encoding="utf-8")
    return mini


def funding_json(plan: Path, year: int | None = None) -> dict:
    args = ["funding", "--format", "json"] + (["--year", str(year)] if year else [])
    r = run(*args, plan=plan)
    assert r.exit_code == 0, r
    return json.loads(r.stdout)


def check(plan: Path, *args: str) -> tuple[int, list[dict]]:
    r = run("check", "--format", "json", *args, plan=plan)
    return r.exit_code, json.loads(r.stdout)["diagnostics"]


def test_money_plan_is_valid(money):
    code, diags = check(money, "--strict")
    assert code == 0, diags


@pytest.mark.parametrize("year,granted,drawn", [
    # by hand: granted = grants with programme year <= Y; drawn = drawdowns dated up to 31 Dec Y
    (2022, {"LZ": 477500, "SZ": 0}, {"LZ": 0, "SZ": 0}),
    (2023, {"LZ": 477500 + 2270000, "SZ": 0}, {"LZ": 120000 + 80000, "SZ": 0}),
    (2024, {"LZ": 477500 + 2270000, "SZ": 300000}, {"LZ": 200000 + 100000 + 1000000, "SZ": 0}),
])
def test_granted_and_drawn_by_year(money, year, granted, drawn):
    data = funding_json(money, year)
    rows = {p["id"]: p for p in data["programmes"]}
    assert data["year"] == year
    for pid in ("LZ", "SZ"):
        assert (rows[pid]["granted_eur"], rows[pid]["drawn_eur"]) == (granted[pid], drawn[pid]), pid
    assert data["total"] == data["total"] | {"granted_eur": sum(granted.values()), "drawn_eur": sum(drawn.values())}
    assert set(rows["LZ"]) >= {"id", "title", "grants", "granted_eur", "drawn_eur", "measures"}


def test_grants_measures_and_families(money):
    data = funding_json(money, 2024)
    rows = {p["id"]: p for p in data["programmes"]}
    assert rows["LZ"]["grants"] == 2 and rows["SZ"]["grants"] == 1 and rows["KOM"]["grants"] == 0
    # distinct measures named by the programme's grants or naming it in 'funding'
    assert rows["LZ"]["measures"] == len({"HF2.M01", "HF2.M02"} | _naming(money, "LZ", "Lebendige Zentren"))
    # the own share where the eligible cost is known: 955000 - 477500
    assert rows["LZ"]["own_share_eur"] == 477500 and rows["SZ"]["own_share_eur"] is None
    fam = {f["family"]: f for f in data["families"]}
    assert fam["staedtebaufoerderung"]["programmes"] == ["LZ", "SZ"]
    assert fam["staedtebaufoerderung"]["granted_eur"] == 477500 + 2270000 + 300000
    # a measure named by both programmes counts once in the total
    assert data["total"]["measures"] == len(set().union(*({m["id"] for m in p["measure_list"]}
                                                          for p in data["programmes"])))


def _naming(plan: Path, pid: str, title: str) -> set[str]:
    p = open_plan(plan)
    return {m.id for _, m in p.index.all_measures() if pid in (m.funding or ()) or title in (m.funding or ())}


def test_flags(money):
    data = funding_json(money, 2024)
    # G-2024-SZ: nothing drawn, but only in its programme year: not flagged yet; G-2022-LZ is drawn
    assert data["flags"]["undrawn"] == []
    assert funding_json(money, 2026 if False else 2024)["flags"]["drawn_above_granted"] == []


def test_undrawn_two_years_after_the_programme_year(money):
    text = (money / "funding.yaml").read_text(encoding="utf-8").replace("year: 2024, amount_eur: 300000",
                                                                         "year: 2022, amount_eur: 300000")
    (money / "funding.yaml").write_text(text, encoding="utf-8")
    assert [f["grant"] for f in funding_json(money, 2024)["flags"]["undrawn"]] == ["G-2024-SZ"]
    assert funding_json(money, 2023)["flags"]["undrawn"] == []


def test_csv_and_table(money):
    r = run("funding", "--format", "csv", plan=money)
    lines = r.stdout.splitlines()
    assert lines[0].startswith("id,title,level,family,grants,granted_eur,drawn_eur")
    assert lines[1].startswith("LZ,Lebendige Zentren,bund_land,staedtebaufoerderung,2,2747500,1300000")
    table = run("funding", plan=money).stdout
    assert "2.747.500 €" in table and "–" in table  # KOM has no grants: nothing granted to report


# --- bad money at FILE:LINE:COL ------------------------------------------------------

def edit(plan: Path, rel: str, old: str, new: str) -> None:
    path = plan / rel
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.mark.parametrize("rel,old,new,code,line,col,words", [
    ("funding.yaml", "programme: SZ,", "programme: SZZ,", "E302", 11, 32, "did you mean 'SZ'?"),
    ("funding.yaml", "measures: [HF1.M02, HF2.M01]", "measures: [HF1.M09, HF2.M01]", "E302", 11, 79, "measure"),
    ("funding.yaml", "rate: 100,", "rate: 120,", "E204", 10, 75, "out of range"),
    ("progress/2024.yaml", "date: 2024-02-01, eur: 100000", "date: 2024-02-01, eur: 300000",
     "E314", None, None, "more than the 477,500 € granted"),
    ("progress/2023.yaml", "{grant: G-2022-LZ, date: 2023-03-02", "{grant: G-2024-SZ, date: 2023-03-02",
     None, None, None, None),
    ("funding.yaml", "year: 2023, amount_eur: 2270000", "year: 2025, amount_eur: 2270000", "E313", None, None,
     "before its programme year 2025"),  # reported at the drawdown, in progress/2024.yaml
    ("funding.yaml", "amount_eur: 477500, rate: 50, eligible_eur: 955000",
     "amount_eur: 477500, rate: 50, eligible_eur: 400000", "W414", 8, 60, "eligible cost"),
])
def test_money_errors(money, rel, old, new, code, line, col, words):
    edit(money, rel, old, new)
    exit_code, diags = check(money)
    if code is None:  # a 2023 drawdown from a grant of programme year 2024
        assert [d["code"] for d in diags] == ["E313"], diags
        return
    found = [d for d in diags if d["code"] == code]
    assert found, diags
    d = found[0]
    assert d["file"] == (rel if code != "E313" else "progress/2024.yaml")
    if line is not None:
        assert (d["line"], d["col"]) == (line, col), d
    if words:
        assert words in d["message"] + " " + d["hint"], d
    assert exit_code == (0 if code.startswith("W") else 1)


def test_yearly_costs_above_the_estimate_warn(money):
    edit(money, "fields/01-wohnen.yaml", "    cost_eur: 20000\n",
         "    cost_eur: {min: 15000, max: 20000}\n    costs:\n      - {year: 2022, eur: 12000}\n"
         "      - {year: 2023, eur: 9000}\n")
    code, diags = check(money)
    w = [d for d in diags if d["code"] == "W412"]
    assert code == 0 and len(w) == 1 and "21,000 €" in w[0]["message"] and w[0]["line"] == 21  # costs:
    data = json.loads(run("show", "HF1.M01", "-f", "json", plan=money).stdout)
    assert data["cost_eur"] == {"min": 15000, "max": 20000}
    assert "15.000 € – 20.000 €" in run("show", "HF1.M01", plan=money).stdout


def test_cost_range_errors(money):
    edit(money, "fields/01-wohnen.yaml", "    cost_eur: 20000\n", "    cost_eur: {min: 30000, max: 20000}\n")
    _, diags = check(money)
    d = next(d for d in diags if d["code"] == "E204")
    assert d["line"] == 19 and "below min" in d["message"]


def test_funding_that_names_no_programme_warns(money):
    edit(money, "fields/01-wohnen.yaml", "funding: [SZ]", "funding: [Soziale Stadt]")
    code, diags = check(money, "--strict")
    assert code == 1 and [d["code"] for d in diags] == ["W413"]
    assert "names no programme" in diags[0]["message"]


# --- writing drawdowns ------------------------------------------------------------------

def test_grant_draw_appends_one_payment(money):
    before = (money / "progress" / "2024.yaml").read_text(encoding="utf-8")
    r = run("grant", "draw", "G-2024-SZ", "50000", "--date", "2024-09-01", plan=money)
    assert r.exit_code == 0, r
    after = (money / "progress" / "2024.yaml").read_text(encoding="utf-8")
    assert after.startswith(before)  # an insertion at the end: every existing byte kept
    assert after[len(before):] == "  - {grant: G-2024-SZ, date: 2024-09-01, eur: 50000}\n"
    assert funding_json(money, 2024)["total"]["drawn_eur"] == 1300000 + 50000


def test_grant_draw_into_a_file_without_drawdowns(money):
    r = run("grant", "draw", "G-2022-LZ", "1000", "--date", "2022-12-01", plan=money)
    assert r.exit_code == 0, r
    text = (money / "progress" / "2022.yaml").read_text(encoding="utf-8")
    assert text.endswith("drawdowns:\n  - {grant: G-2022-LZ, date: 2022-12-01, eur: 1000}\n")


@pytest.mark.parametrize("args,words", [
    (["G-2022-LZ", "500000", "--date", "2024-03-01"], "more than the 477,500 € granted"),
    (["G-2024-SZ", "1000", "--date", "2023-03-01"], "before its programme year"),
    (["G-9999", "1000", "--date", "2024-03-01"], "does not exist"),
])
def test_grant_draw_refuses_what_would_break_the_plan(money, args, words):
    files = {p: p.read_bytes() for p in (money / "progress").iterdir()}
    r = run("grant", "draw", *args, plan=money)
    assert r.exit_code == 1 and words in r.stderr and "nothing was written" in r.stderr, r
    assert {p: p.read_bytes() for p in (money / "progress").iterdir()} == files


def test_drawdowns_import_from_a_sheet(money, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["Zuwendung", "Datum", "Betrag"])
    ws.append(["G-2024-SZ", "15.10.2024", 20000])
    ws.append(["G-2022-LZ", "2024-11-02", "15.000"])
    book = tmp_path / "abrufe.xlsx"
    wb.save(book)
    r = run("progress", "import", book, plan=money)
    assert r.exit_code == 0, r
    data = funding_json(money, 2024)
    assert data["total"]["drawn_eur"] == 1300000 + 20000 + 15000
    ws.append(["G-2099", "2024-12-01", 5])
    wb.save(book)
    r = run("progress", "import", book, plan=money)
    assert r.exit_code == 1 and "abrufe.xlsx" in r.stderr and ":4:A" in r.stderr and "not a grant" in r.stderr, r


# --- money in exports and in diffs ------------------------------------------------------

def test_sqlite_export_has_programmes_grants_and_drawdowns(money, tmp_path):
    import sqlite3

    db = tmp_path / "plan.db"
    assert run("export", "-o", db, "--year", "2024", plan=money).exit_code == 0
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    assert {(r[3], r[2]) for r in con.execute("PRAGMA foreign_key_list(grants)")} == {("programme", "programmes")}
    assert {(r[3], r[2]) for r in con.execute("PRAGMA foreign_key_list(drawdowns)")} == {("grant", "grants")}
    granted = dict(con.execute("SELECT programme, SUM(amount_eur) FROM grants GROUP BY programme"))
    assert granted == {"LZ": 477500 + 2270000, "SZ": 300000}
    drawn = dict(con.execute("SELECT grant, SUM(eur) FROM drawdowns GROUP BY grant"))
    assert drawn == {"G-2022-LZ": 300000, "G-2023-LZ": 1000000}
    assert con.execute("SELECT drawn_eur FROM grants WHERE id = 'G-2022-LZ'").fetchone() == (300000,)
    covered = con.execute("SELECT measure FROM grant_measures WHERE grant = 'G-2022-LZ' ORDER BY position").fetchall()
    assert covered == [("HF2.M01",), ("HF2.M02",)]


def test_diff_says_a_changed_grant_and_a_new_drawdown_in_words(money, tmp_path, monkeypatch):
    import subprocess

    for k, v in {"GIT_AUTHOR_NAME": "P", "GIT_AUTHOR_EMAIL": "p@example.org", "GIT_COMMITTER_NAME": "P",
                 "GIT_COMMITTER_EMAIL": "p@example.org"}.items():
        monkeypatch.setenv(k, v)

    def git(*args):
        subprocess.run(["git", *args], cwd=money, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-qm", "plan with money")
    edit(money, "funding.yaml", "amount_eur: 477500", "amount_eur: 520000")
    assert run("grant", "draw", "G-2024-SZ", "75000", "--date", "2024-10-01", plan=money).exit_code == 0
    r = run("diff", "HEAD", plan=money)
    assert r.exit_code == 0, r
    assert "grants\n  ~ G-2022-LZ\n      amount_eur: 477,500 € → 520,000 €" in r.stdout
    assert "drawdowns (money drawn from grants)\n  + G-2024-SZ 2024-10-01: drawn 75,000 €" in r.stdout
    data = json.loads(run("diff", "HEAD", "--format", "json", plan=money).stdout)
    assert data["drawdowns"] == [{"grant": "G-2024-SZ", "date": "2024-10-01", "change": "added", "old": None,
                                  "new": 75000}]
    assert data["summary"]["drawdowns_changed"] == 1
    history = run("history", "G-2024-SZ", plan=money).stdout
    assert "+ G-2024-SZ 2024-10-01: drawn 75,000 €" not in history  # not committed yet: history reads commits
    git("commit", "-qam", "Abruf Oktober")
    assert "+ G-2024-SZ 2024-10-01: drawn 75,000 €" in run("history", "G-2024-SZ", plan=money).stdout
