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
