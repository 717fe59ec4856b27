"""Hints that fit the mistake: an id as meant (case, leading zeros), the plan's own priority scale,
a percent sign, a misspelt key with the entry's own value; through `isek check` and the queries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run

from isek_cli.plan.suggest import canonical, id_hint

F1 = "fields/01-wohnen.yaml"
P24 = "progress/2024.yaml"


def edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def diagnostics(plan: Path) -> list[dict]:
    return json.loads(run("check", "--format", "json", plan=plan).stdout)["diagnostics"]


def only(plan: Path, code: str) -> dict:
    (d,) = [d for d in diagnostics(plan) if d["code"] == code]
    return d


def test_id_hint_prefers_the_id_as_meant_over_the_closest_spelling():
    ids = [f"HF7.M{i:02d}" for i in range(1, 30)] + ["WOBAU", "AMT-PLANUNG"]
    assert id_hint("HF7.M2", ids) == "did you mean 'HF7.M02'?"  # difflib alone says HF7.M12
    assert id_hint("hf7.m02", ids) == "did you mean 'HF7.M02'?"
    assert id_hint("wobau", ids) == "did you mean 'WOBAU'?"
    assert canonical("HF07.M002") == canonical("hf7.m2") == "hf7.m2"
    assert canonical("X" + "0" * 5000 + "1") == "x1"  # no int() of a huge number


def test_few_ids_are_listed_when_nothing_is_close():
    assert id_hint("ZZZ", ["WOBAU", "AMT-PLANUNG"]) == "known ids: AMT-PLANUNG, WOBAU"
    assert id_hint("ZZZ", [f"A{i}" for i in range(20)]) == ""


@pytest.mark.parametrize("wrong, meant", [("wobau", "WOBAU"), ("amt-planung", "AMT-PLANUNG")])
def test_check_suggests_an_actor_case_insensitively(mini, wrong, meant):
    edit(mini, F1, "lead: WOBAU", f"lead: {wrong}")
    d = only(mini, "E302")
    assert d["hint"] == f"did you mean '{meant}'?"


def test_check_suggests_a_measure_with_leading_zeros(mini):
    edit(mini, P24, "{measure: HF2.M01,", "{measure: hf2.m1,")
    assert only(mini, "E302")["hint"] == "did you mean 'HF2.M01'?"


def test_show_and_filters_suggest_case_insensitively(mini):
    r = run("show", "hf1.m02", plan=mini)
    assert r.exit_code == 1 and "did you mean 'HF1.M02'?" in r.stderr
    r = run("measures", "--lead", "wobau", plan=mini)
    assert r.exit_code == 2 and "did you mean 'WOBAU'?" in r.stderr


def test_priority_in_roman_numerals_gets_the_scale(mini):
    edit(mini, F1, "    priority: 2\n    lead: AMT-PLANUNG", "    priority: I\n    lead: AMT-PLANUNG")
    d = only(mini, "E203")
    assert d["hint"] == "write 1, not I; priority is a number of the plan's scale: 1 (highest), 2, 3"


def test_priority_hint_names_the_plans_own_scale(shipped):
    text = (shipped / "fields/01-wohnen.yaml").read_text(encoding="utf-8")
    (shipped / "fields/01-wohnen.yaml").write_text(text.replace("priority: 1", "priority: hoch", 1), encoding="utf-8")
    meta = (shipped / "isek.yaml").read_text(encoding="utf-8")
    (shipped / "isek.yaml").write_text(meta + "priorities:\n  - {value: 1, title: A-Projekt}\n"
                                              "  - {value: 2, title: B-Projekt}\n", encoding="utf-8")
    d = only(shipped, "E203")
    assert d["hint"] == "priority is a number of the plan's scale: 1 (A-Projekt), 2 (B-Projekt)"


def test_percent_with_a_percent_sign(mini):
    edit(mini, P24, "percent: 60}", "percent: 60%}")
    assert only(mini, "E203")["hint"] == "write 60: the number without the percent sign"


def test_misspelt_key_hint_shows_the_entrys_own_value(mini):
    edit(mini, F1, "    lead: WOBAU", "    laed: WOBAU")
    assert only(mini, "E201")["hint"] == "did you mean 'lead'? write 'lead: WOBAU'"
    assert only(mini, "E202")["hint"] == "'laed: WOBAU' looks misspelt: write 'lead: WOBAU'"


def files_of(plan: Path) -> dict[str, bytes]:
    return {str(p.relative_to(plan)): p.read_bytes() for p in sorted(plan.rglob("*")) if p.is_file()}


def refused_option(plan: Path, *args: str) -> str:
    """A write command's option refused as a usage error: exit 2, no traceback, nothing written."""
    before = files_of(plan)
    r = run(*args, plan=plan)
    assert r.exit_code == 2, r
    assert "Traceback" not in r.output and "internal error" not in r.stderr
    assert files_of(plan) == before
    return " ".join(r.stderr.split())  # one line, whatever the terminal width


def test_percent_option_with_a_percent_sign_gets_checks_hint(mini):
    err = refused_option(mini, "progress", "add", "HF1.M01", "-s", "in_umsetzung", "--percent", "50%",
                         "-d", "2024-06-01")
    assert "'50%' is not a whole number; write 50: the number without the percent sign" in err
    edit(mini, P24, "percent: 60}", "percent: 50%}")  # the same mistake in a file: the same hint
    assert only(mini, "E203")["hint"] in err
    err = refused_option(mini, "progress", "add", "HF1.M01", "-s", "in_umsetzung", "-p", "50,5", "-d", "2024-06-01")
    assert "'50,5' is not a whole number; percent is a whole number from 0 to 100" in err


def test_indicator_value_with_a_thousands_dot_gets_checks_warning(mini):
    err = refused_option(mini, "indicator", "set", "K-BEV", "77.480", "-d", "2024-12-31")
    edit(mini, P24, "value: 40720,", "value: 77.480,")  # the same number in a file: check's W411
    w411 = only(mini, "W411")
    assert f"{w411['message']}; {w411['hint']}" in err
    assert "did you mean 77480? write 77480 without the dot, or 77.48 if the decimal is meant" in err
    err = refused_option(mini, "indicator", "set", "K-BEV", "1.077.480", "-d", "2024-12-31")
    assert "write 1077480 without the dots" in err


def test_euro_options_refuse_cents_and_exponents_with_a_hint(shipped):
    err = refused_option(shipped, "grant", "draw", "G-2022-LZ", "120000,50", "-d", "2024-12-02")
    assert "'120000,50' is not a whole number; amounts are whole euros: leave out the cents" in err
    err = refused_option(shipped, "grant", "draw", "G-2022-LZ", "1.5e5", "-d", "2024-12-02")
    assert "'1.5e5' is not a whole number; amounts are whole euros from 0 to 10,000,000,000,000" in err
    err = refused_option(shipped, "progress", "add", "HF1.M09", "-s", "in_umsetzung", "--spent-eur", "12.000,50",
                         "-d", "2024-06-01")
    assert "leave out the cents" in err
    r = run("grant", "draw", "G-2022-LZ", "120.000", "-d", "2024-12-02", "--dry-run", plan=shipped)
    assert r.exit_code == 0 and "{grant: G-2022-LZ, date: 2024-12-02, eur: 120000}" in r.stdout, r
