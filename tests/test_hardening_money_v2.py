"""The bound on money (issue 16) for the money format v2 added: grant amounts, eligible cost,
drawdowns (in files, from `isek grant draw` and from a drawdown sheet), cost ranges and yearly
costs are at most 10^13 euros, and hex, octal and base-60 spellings are refused with a hint."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run
from helpers_writes import hashes, private_cache  # noqa: F401  (fixture)
from test_hardening_money import MAX_EUR, xlsx_with
from test_money import add_money


@pytest.fixture
def money(mini: Path) -> Path:
    """The mini plan with funding.yaml and drawdowns (test_money's)."""
    return add_money(mini)


BAD = str(MAX_EUR + 1)
F1 = "fields/01-wohnen.yaml"

# Where an amount stands in a v2 plan: (file, text there, the same with the amount AMOUNT, line).
PLACES = {
    "grant amount": ("funding.yaml", "amount_eur: 477500", "amount_eur: AMOUNT", 8),
    "eligible cost": ("funding.yaml", "eligible_eur: 955000", "eligible_eur: AMOUNT", 8),
    "drawdown": ("progress/2023.yaml", "eur: 120000", "eur: AMOUNT", 19),
    "cost range": (F1, "cost_eur: 20000", "cost_eur: {min: 1, max: AMOUNT}", 19),
    "yearly cost": (F1, "cost_eur: 20000", "cost_eur: 20000\n    costs: [{year: 2022, eur: AMOUNT}]", 20),
}


def put(plan: Path, place: str, amount: str) -> None:
    rel, old, new, _ = PLACES[place]
    path = plan / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new.replace("AMOUNT", amount), 1), encoding="utf-8")


def errors(plan: Path) -> tuple[int, list[dict]]:
    r = run("check", "--no-cache", "--format", "json", plan=plan)
    return r.exit_code, [d for d in json.loads(r.stdout)["diagnostics"] if d["severity"] == "error"]


@pytest.mark.parametrize("place", PLACES)
def test_every_v2_amount_has_the_bound(money, place):
    put(money, place, BAD)
    code, found = errors(money)
    rel, _, _, line = PLACES[place]
    assert code == 1
    assert [(d["file"], d["line"]) for d in found] == [(rel, line)], found
    assert "10,000,000,000,000" in found[0]["hint"], found
    for cmd in (["funding"], ["show", "HF1.M02"], ["export", "--format", "json"]):
        r = run(*cmd, plan=money)
        assert r.exit_code == 1 and "internal error" not in r.stderr, (cmd, r)


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("spelling, meant", [("0x1F", "31"), ("017", "15"), ("1:30", "90"),
                                             ("0x" + "f" * 5000, None)])
def test_every_v2_amount_refuses_other_bases(money, place, spelling, meant):
    put(money, place, spelling)
    code, found = errors(money)
    rel, _, _, line = PLACES[place]
    assert code == 1
    assert {(d["file"], d["line"]) for d in found} == {(rel, line)}, found
    text = " ".join(d["message"] + " " + d["hint"] for d in found)
    assert "decimal" in text and (meant is None or meant in text), text


def test_the_bound_itself_goes_through_every_output(money):
    path = money / "funding.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("amount_eur: 477500", f"amount_eur: {MAX_EUR}")
                    .replace("eligible_eur: 955000", f"eligible_eur: {MAX_EUR}"), encoding="utf-8")
    put(money, "drawdown", str(MAX_EUR - 10**6))
    put(money, "cost range", str(MAX_EUR))
    assert errors(money) == (0, [])
    for cmd in (["funding"], ["funding", "--format", "csv"], ["show", "HF1.M01"], ["report", "2024"],
                ["export", "--format", "json"]):
        r = run(*cmd, plan=money)
        assert r.exit_code == 0, (cmd, r)
    r = run("export", "--format", "sqlite", "-o", money.parent / "x.db", plan=money)
    assert r.exit_code == 0, r


@pytest.mark.parametrize("amount", [BAD, "99999999999999999999999", "1" * 5000])
def test_grant_draw_refuses_an_amount_above_the_bound(money, amount):
    before = hashes(money)
    r = run("grant", "draw", "G-2022-LZ", amount, "--date", "2024-05-02", plan=money)
    assert r.exit_code == 2 and "internal error" not in r.stderr, r
    assert "10,000,000,000,000" in r.stderr, r.stderr
    assert hashes(money) == before


@pytest.mark.parametrize("amount", ["0x1F", "1:30"])
def test_grant_draw_refuses_other_bases(money, amount):
    before = hashes(money)
    r = run("grant", "draw", "G-2022-LZ", amount, "--date", "2024-05-02", plan=money)
    assert r.exit_code == 2 and "not a whole number" in r.stderr, r
    assert hashes(money) == before


@pytest.mark.parametrize("cell", ["<v>1e300</v>", "<v>1e400</v>", f"<v>{MAX_EUR + 1}</v>", "<v>-5</v>"])
def test_drawdown_import_refuses_amounts_beyond_the_bound(money, tmp_path, cell):
    path = tmp_path / "abrufe.xlsx"
    path.write_bytes(xlsx_with([["Zuwendung", "Datum", "Betrag"], ["G-2022-LZ", "2024-05-02", 4711]],
                               {"<v>4711</v>": cell}))
    before = hashes(money)
    r = run("progress", "import", path, plan=money)
    assert r.exit_code == 1 and "internal error" not in r.stderr, r
    assert ":2:C" in r.stderr, r.stderr  # the cell, named before anything is written
    assert hashes(money) == before


def test_drawdown_import_reads_amounts_as_spent_eur_does(money, tmp_path):
    path = tmp_path / "abrufe.csv"
    path.write_text("Zuwendung;Datum;Betrag\nG-2022-LZ;2024-05-02;0,1 Mio. €\nG-2022-LZ;2024-05-03;12.000 €\n",
                    encoding="utf-8")
    r = run("progress", "import", path, "--dry-run", plan=money)
    assert r.exit_code == 0 and "drew 100,000 €" in r.stdout and "drew 12,000 €" in r.stdout, r
