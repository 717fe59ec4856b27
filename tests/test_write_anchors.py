"""A write to a progress file read before places its entries by the anchors found when the file
was parsed (plan/anchors.py), without composing it again (issue 18). The place must be exactly
the one composing the file finds, for every layout the write tests know."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from conftest import run
from isek_cli.plan import source
from isek_cli.plan.anchors import anchors
from isek_cli.writing import textedit
from test_writes import LAYOUTS, Y24, put

ENTRIES = {
    "updates": [{"measure": "HF1.M03", "date": dt.date(2024, 6, 15), "status": "in_umsetzung", "percent": 40,
                 "note": 'Stand: "gut" – #2'}],
    "values": [{"indicator": "K-LEER", "value": 22.8, "date": dt.date(2024, 10, 1)}],
    "drawdowns": [{"grant": "G-1", "date": dt.date(2024, 3, 1), "eur": 1000}],
}
EXTRA = {
    "keep_chomping_last": "year: 2024\nupdates:\n  - measure: HF1.M02\n    date: 2024-04-02\n    status: in_umsetzung\n"
                          "    note: |+\n      Zeile\n\n\nvalues:\n  - {indicator: K-BEV, value: 40720, date: 2024-12-31}\n",
    "strip_chomping_last": "year: 2024\nupdates:\n  - measure: HF1.M02\n    date: 2024-04-02\n    status: in_umsetzung\n"
                           "    note: |-\n      Zeile\n\n\nvalues:\n  - {indicator: K-BEV, value: 40720, date: 2024-12-31}\n",
    "no_newline_at_end": "year: 2024\nupdates:\n  - {measure: HF1.M02, date: 2024-04-02, status: in_umsetzung}\n"
                         "values:\n  - {indicator: K-BEV, value: 40720, date: 2024-12-31}",
    "drawdowns_first": "year: 2024\ndrawdowns:\n  - {grant: G-1, date: 2024-01-05, eur: 5}\n# Sachstand\n"
                       "updates:\n  - {measure: HF1.M02, date: 2024-04-02, status: in_umsetzung}\n\nvalues: []\n",
    "comment_after_last_item": "year: 2024\nupdates:\n  - measure: HF1.M02\n    date: 2024-04-02\n"
                               "    status: in_umsetzung  # so\n    # noch offen\nvalues:\n"
                               "  - {indicator: K-BEV, value: 40720, date: 2024-12-31}\n",
}
TEXTS = {**{k: v.decode("utf-8") for k, v in LAYOUTS.items()}, **EXTRA}


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_the_anchor_of_every_list_places_entries_where_composing_does(name):
    text = TEXTS[name]
    found = anchors(text, yaml.compose(text, Loader=source.Loader))
    assert found is not None
    for list_key, anchor in found.items():
        assert textedit.insert(text, list_key, ENTRIES[list_key], anchor) == \
            textedit.insert(text, list_key, ENTRIES[list_key])
    # several lists at once, the last first: the same as one after the other
    if {"updates", "values"} <= set(found):
        one_by_one = textedit.insert(textedit.insert(text, "updates", ENTRIES["updates"]), "values", ENTRIES["values"])
        later_first = textedit.insert(text, "values", ENTRIES["values"], found["values"])
        if found["values"].at > found["updates"].at:
            assert textedit.insert(later_first, "updates", ENTRIES["updates"], found["updates"]) == one_by_one


def test_a_write_to_a_file_read_before_does_not_compose_it(mini, monkeypatch):
    put(mini, Y24, LAYOUTS["comments_everywhere"])
    assert run("check", plan=mini).exit_code == 0  # read (and cached) with its anchors
    composed = []
    real = textedit._compose
    monkeypatch.setattr(textedit, "_compose", lambda text: composed.append(1) or real(text))
    r = run("progress", "add", "HF1.M03", "-s", "in_umsetzung", "-d", "2024-06-15", plan=mini)
    assert r.exit_code == 0, r
    r = run("indicator", "set", "K-LEER", "22,8", "--date", "2024-10-01", plan=mini)
    assert r.exit_code == 0, r
    assert composed == []
    # a file changed since it was read: read again, placed by its new anchors
    path = mini / Y24
    path.write_text(path.read_text(encoding="utf-8").replace("updates:\n", "updates:\n  # neu\n", 1), encoding="utf-8")
    r = run("progress", "add", "HF2.M03", "-s", "in_planung", "-d", "2024-12-31", plan=mini)
    assert r.exit_code == 0, r
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert [u["measure"] for u in data["updates"]][-2:] == ["HF1.M03", "HF2.M03"]


def test_anchors_of_another_text_are_never_used(mini):
    """Between the load and the write someone edits the file: its digest no longer matches the
    file the anchors came from, so the text is composed."""
    from isek_cli.plan.loader import load_plan
    from isek_cli.writing.append import _insert

    put(mini, Y24, LAYOUTS["comments_everywhere"])
    pf = next(f for f in load_plan(mini).files if f.rel == Y24)
    text = (mini / Y24).read_text(encoding="utf-8")
    lists = {"updates": ENTRIES["updates"], "values": ENTRIES["values"], "drawdowns": []}
    expect = textedit.insert(textedit.insert(text, "updates", lists["updates"]), "values", lists["values"])
    assert _insert(text, lists, pf) == expect  # both lists, by the anchors, last first
    edited = "# Kopf\n" + text
    assert _insert(edited, lists, pf) == \
        textedit.insert(textedit.insert(edited, "updates", lists["updates"]), "values", lists["values"])
