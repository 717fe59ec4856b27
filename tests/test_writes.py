"""`isek progress add` and `isek indicator set`: text insertion that preserves every existing
byte, validation and refusals, dry runs, concurrency under the plan lock, and kill safety.

Contract: /work/shared/plan-format.md, "Writes insert, never rewrite".
"""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
import yaml

from conftest import run
from helpers_writes import (
    ISEK, PYTHON, REPO, added_lines, child_env, hashes, load_yaml_bytes, private_cache, snapshot,  # noqa: F401
    tmp_leftovers,
)  # private_cache: autouse fixture, keeps isek's cache in a temporary folder

BOM = b"\xef\xbb\xbf"
Y24 = "progress/2024.yaml"


def put(plan: Path, rel: str, data: bytes) -> None:
    (plan / rel).write_bytes(data)


def check_ok(plan: Path) -> None:
    r = run("check", plan=plan)
    assert r.exit_code == 0, r


def lists(data: bytes) -> dict:
    d = load_yaml_bytes(data)
    return {"year": d["year"], "updates": d.get("updates") or [], "values": d.get("values") or []}


# ---------------------------------------------------------------------------
# 1. Preservation: many layouts of an existing progress file
# ---------------------------------------------------------------------------

def _crlf(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode("utf-8")


FLOW_ITEMS = (REPO / "tests" / "fixtures" / "mini" / "progress" / "2024.yaml").read_text(encoding="utf-8")

BLOCK = """\
# Monitoring 2024
year: 2024
updates:
  - measure: HF1.M02
    date: 2024-04-02
    status: in_umsetzung
    percent: 45
    spent_eur: 2100000
  - measure: HF2.M01
    date: 2024-05-10
    status: in_umsetzung
    percent: 60
values:
  - indicator: K-BEV
    value: 40720
    date: 2024-12-31
"""

LAYOUTS: dict[str, bytes] = {
    "block_list": BLOCK.encode(),
    "flow_items": FLOW_ITEMS.encode(),
    "empty_flow_with_comment": b"year: 2024\nupdates: []   # noch keine Meldungen\nvalues: []  # auch keine Werte\n",
    "wide_indentation": b"""\
year: 2024
updates:
      -   measure: HF1.M02
          date: 2024-04-02
          status: in_umsetzung
      -   measure: HF2.M01
          date: 2024-05-10
          status: in_umsetzung
values:
        -   {indicator: K-BEV, value: 40720, date: 2024-12-31}
""",
    "zero_indentation": b"""\
year: 2024
updates:
- measure: HF1.M02
  date: 2024-04-02
  status: in_umsetzung
values:
- indicator: K-BEV
  value: 40720
  date: 2024-12-31
""",
    "comments_everywhere": """\
# Monitoring 2024 – Kommentar oben
year: 2024   # das Jahr
updates:
  # erste Meldung
  - measure: HF1.M02   # Wohnungsbau
    date: 2024-04-02
    status: in_umsetzung
  # zwischen den Einträgen

  - {measure: HF2.M01, date: 2024-05-10, status: in_umsetzung}  # mit Kommentar
  # nach dem letzten Eintrag
# Kommentar vor values
values:
  - {indicator: K-BEV, value: 40720, date: 2024-12-31}  # Einwohner
  # nach dem letzten Wert
# Kommentar am Ende
""".encode(),
    "blank_lines": b"""\

year: 2024


updates:

  - {measure: HF1.M02, date: 2024-04-02, status: in_umsetzung}


  - {measure: HF2.M01, date: 2024-05-10, status: in_umsetzung}



values:

  - {indicator: K-BEV, value: 40720, date: 2024-12-31}


""",
    "block_scalar_note_last": b"""\
year: 2024
updates:
  - measure: HF2.M01
    date: 2024-05-10
    status: in_umsetzung
  - measure: HF1.M02
    date: 2024-04-02
    status: in_umsetzung
    note: |
      Rohbau fertig.
      Richtfest im Mai.

values:
  - indicator: K-BEV
    value: 40720
    date: 2024-12-31

""",
    "block_scalar_note_last_at_eof": b"""\
year: 2024
values: []
updates:
  - measure: HF1.M02
    date: 2024-04-02
    status: in_umsetzung
    note: >-
      gefaltet
      und ohne Zeilenende
""",
    "block_scalar_pipe_last_at_eof": b"""\
year: 2024
values:
  - {indicator: K-BEV, value: 40720, date: 2024-12-31}
updates:
  - {measure: HF2.M01, date: 2024-05-10, status: in_umsetzung}
  - measure: HF1.M02
    date: 2024-04-02
    status: in_umsetzung
    note: |
      Rohbau fertig.

      Zweiter Absatz.
""",
    "keep_block_scalar_last": b"""\
year: 2024
updates:
  - measure: HF1.M02
    date: 2024-04-02
    status: in_umsetzung
    note: |+
      behalten


values: []
""",
    "quoted_strings": """\
'year': 2024
"updates":
  - "measure": 'HF1.M02'
    'date': 2024-04-02
    status: "in_umsetzung"
    note: 'Er sagte: "ja" – it''s done # kein Kommentar'
  - {"measure": "HF2.M01", 'date': 2024-05-10, status: 'in_umsetzung', note: "Zeile\\nzwei"}
values:
  - {indicator: "K-BEV", value: 40720, date: 2024-12-31}
""".encode(),
    "crlf_block": _crlf(BLOCK + "# Ende\n"),
    "crlf_flow_items": _crlf(FLOW_ITEMS),
    "crlf_empty_lists": b"year: 2024\r\nupdates: []\r\nvalues: []\r\n",
    "utf8_bom": BOM + FLOW_ITEMS.encode(),
    "utf8_bom_crlf_block": BOM + _crlf(BLOCK),
    "no_newline_at_eof_values_last": FLOW_ITEMS.rstrip("\n").encode(),
    "no_newline_at_eof_updates_last": b"year: 2024\nvalues:\n  - {indicator: K-BEV, value: 40720, date: 2024-12-31}\n"
                                      b"updates:\n  - measure: HF1.M02\n    date: 2024-04-02\n    status: in_umsetzung",
    "values_before_updates": b"""\
year: 2024
values:
  - {indicator: K-BEV, value: 40720, date: 2024-12-31}
  - {indicator: K-LEER, value: 26, date: 2024-10-01}
# updates folgen
updates:
  - {measure: HF1.M02, date: 2024-04-02, status: in_umsetzung, percent: 45}
""",
    "document_markers": b"""\
---
# Kopf
year: 2024
updates:
  - {measure: HF1.M02, date: 2024-04-02, status: in_umsetzung}
values:
  - {indicator: K-BEV, value: 40720, date: 2024-12-31}
...
""",
    "multi_line_flow_item": b"""\
year: 2024
updates:
  - {measure: HF1.M02, date: 2024-04-02,
     status: in_umsetzung, note: ueber zwei
       Zeilen}
values:
  - {indicator: K-BEV,
     value: 40720, date: 2024-12-31}
""",
    "plain_multi_line_note_last": b"""\
year: 2024
updates:
  - measure: HF1.M02
    date: 2024-04-02
    status: in_umsetzung
    note: erste Zeile
      zweite Zeile

values:
  - {indicator: K-BEV, value: 40720, date: 2024-12-31}
""",
    "mixed_block_and_flow_items": b"""\
year: 2024
updates:
  - measure: HF1.M02
    date: 2024-04-02
    status: in_umsetzung
  - {measure: HF2.M01, date: 2024-05-10, status: in_umsetzung}
values:
  - {indicator: K-BEV, value: 40720, date: 2024-12-31}
  - indicator: K-LEER
    value: 26
    date: 2024-10-01
""",
}

NOTE = 'Stand: "gut" – #2 läuft, it\'s *fast* fertig'
ADD = ("progress", "add", "HF1.M03", "--status", "in_umsetzung", "--percent", "40", "--note", NOTE,
       "--date", "2024-06-15", "--spent-eur", "1234")
ADD_EXPECT = {"measure": "HF1.M03", "date": dt.date(2024, 6, 15), "status": "in_umsetzung", "percent": 40,
              "note": NOTE, "spent_eur": 1234}
SET = ("indicator", "set", "K-LEER", "22,8", "--date", "2024-10-01")
SET_EXPECT = {"indicator": "K-LEER", "value": 22.8, "date": dt.date(2024, 10, 1)}
OPS = {"progress_add": (ADD, "updates", ADD_EXPECT), "indicator_set": (SET, "values", SET_EXPECT)}


def assert_appended(plan: Path, before: dict[str, bytes], list_key: str, expect: dict, rel: str = Y24,
                    allow_empty_flow: bool = False) -> list[bytes]:
    """The write changed only ``rel``, only by inserting lines, and the new entry reads back exactly."""
    after = snapshot(plan)
    assert {k: v for k, v in after.items() if k != rel} == {k: v for k, v in before.items() if k != rel}
    old, new = before[rel], after[rel]
    added = added_lines(old, new, allow_empty_flow=allow_empty_flow or b"[]" in old)
    assert added, "no line was added"
    # line endings of the inserted lines follow the file
    if b"\r\n" in old:
        assert all(line.endswith(b"\r\n") for line in added), added
    else:
        assert not any(b"\r" in line for line in added), added
    o, n = lists(old), lists(new)
    other = "values" if list_key == "updates" else "updates"
    assert n["year"] == o["year"]
    assert n[other] == o[other]
    assert n[list_key][:-1] == o[list_key]
    assert n[list_key][-1] == expect
    check_ok(plan)
    return added


@pytest.mark.parametrize("op", list(OPS))
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_write_only_inserts_lines(mini, layout, op):
    put(mini, Y24, LAYOUTS[layout])
    check_ok(mini)  # the layout itself is a valid progress file
    before = snapshot(mini)
    args, list_key, expect = OPS[op]
    r = run(*args, plan=mini)
    assert r.exit_code == 0, r
    assert_appended(mini, before, list_key, expect)


def test_two_writes_in_a_row_keep_every_byte(mini):
    put(mini, Y24, LAYOUTS["comments_everywhere"])
    first = snapshot(mini)
    assert run(*ADD, plan=mini).exit_code == 0
    assert run(*SET, plan=mini).exit_code == 0
    assert run("progress", "add", "HF2.M03", "-s", "in_planung", "-d", "2024-12-31", plan=mini).exit_code == 0
    new = (mini / Y24).read_bytes()
    added = added_lines(first[Y24], new)
    assert len(added) == 6 + 1 + 3  # block entries follow the first update's style, the value its flow style
    data = lists(new)
    assert [u["measure"] for u in data["updates"]] == ["HF1.M02", "HF2.M01", "HF1.M03", "HF2.M03"]
    assert data["values"][-1] == SET_EXPECT


def test_multi_line_flow_list_only_gains_lines(mini):
    text = b"""\
year: 2024
updates: [
  {measure: HF1.M02, date: 2024-04-02, status: in_umsetzung},
  {measure: HF2.M01, date: 2024-05-10, status: in_umsetzung}
]
values: [
  {indicator: K-BEV, value: 40720, date: 2024-12-31}
]
"""
    put(mini, Y24, text)
    before = snapshot(mini)
    r = run(*ADD, plan=mini)
    assert r.exit_code == 0, r
    assert_appended(mini, before, "updates", ADD_EXPECT)


_A = "{measure: HF1.M02, date: 2024-04-02, status: in_umsetzung}"
_B = "{measure: HF2.M01, date: 2024-05-10, status: in_umsetzung}"
FLOW_LIST_VARIANTS = {
    "trailing_comma": f"updates: [\n  {_A},\n  {_B},\n]\n",
    "bracket_with_comment": f"updates: [\n  {_A},\n  {_B}\n]  # Ende der Liste\n",
    "bracket_indented": f"updates: [\n    {_A},\n    {_B}\n  ]\n",
    "open_bracket_on_own_line": f"updates:\n  [\n    {_A},\n    {_B}\n  ]\n",
    "last_item_on_bracket_line": f"updates: [{_A},\n  {_B}]\n",
    "note_with_comma_last": f"updates: [\n  {_A},\n  {_B[:-1]}, note: \"a, b\"}}\n]\n",
    "comment_without_comma": f"updates: [\n  {_A},\n  {_B}  # letzte Meldung\n]\n",
    "comment_with_comma_after_last": f"updates: [\n  {_A},\n  {_B}  # Notiz, mit Komma\n]\n",
    "comment_line_with_comma_before_bracket": f"updates: [\n  {_A},\n  {_B}\n  # Hinweis, mit Komma\n]\n",
}


@pytest.mark.parametrize("crlf", [False, True], ids=["lf", "crlf"])
@pytest.mark.parametrize("updates", list(FLOW_LIST_VARIANTS.values()), ids=list(FLOW_LIST_VARIANTS))
def test_multi_line_flow_list_variants(mini, updates, crlf):
    text = "year: 2024\n" + updates + "values: [\n  {indicator: K-BEV, value: 40720, date: 2024-12-31}\n]\n"
    put(mini, Y24, _crlf(text) if crlf else text.encode())
    check_ok(mini)
    before = snapshot(mini)
    r = run(*ADD, plan=mini)
    assert r.exit_code == 0, r
    new = (mini / Y24).read_bytes()
    if "\n]" in updates or "\n  ]" in updates:  # `]` on a line of its own: only lines may be added
        assert_appended(mini, before, "updates", ADD_EXPECT)
    else:  # `]` shares a line with an item: one contiguous insertion on that line
        inserted = pure_insertion(before[Y24], new)
        assert b"\n" not in inserted
        assert lists(new)["updates"][-1] == ADD_EXPECT
        assert lists(new)["updates"][:-1] == lists(before[Y24])["updates"]
        check_ok(mini)


def pure_insertion(old: bytes, new: bytes) -> bytes:
    """``new`` is ``old`` with one contiguous piece inserted; returns the piece."""
    p = 0
    while p < len(old) and old[p] == new[p]:
        p += 1
    rest = old[p:]
    assert new.endswith(rest), (old, new)
    inserted = new[p:len(new) - len(rest)]
    assert new == old[:p] + inserted + rest
    return inserted


def test_single_line_flow_list_gets_item_inserted_before_the_bracket(mini):
    """`updates: [ {...} ]` on one line cannot gain a line; the new item must be pure insertion on it."""
    text = (b"year: 2024\nupdates: [ {measure: HF1.M02, date: 2024-04-02, status: in_umsetzung} ]  # eine Zeile\n"
            b"values: [ {indicator: K-BEV, value: 40720, date: 2024-12-31} ]\n")
    put(mini, Y24, text)
    r = run(*ADD, plan=mini)
    assert r.exit_code == 0, r
    new = (mini / Y24).read_bytes()
    inserted = pure_insertion(text, new)  # old bytes untouched, one contiguous insertion
    assert b"\n" not in inserted
    assert new[new.index(inserted) + len(inserted):].lstrip(b" ").startswith(b"]  # eine Zeile\n")
    d = lists(new)
    assert d["updates"][-1] == ADD_EXPECT and len(d["updates"]) == 2
    check_ok(mini)


def test_crlf_empty_flow_list_at_eof_keeps_crlf(mini):
    put(mini, Y24, b"year: 2024\r\nvalues: []\r\nupdates: []")
    before = snapshot(mini)
    r = run(*ADD, plan=mini)
    assert r.exit_code == 0, r
    assert_appended(mini, before, "updates", ADD_EXPECT)


def test_cr_only_line_endings(mini):
    text = b"year: 2024\rupdates:\r  - {measure: HF1.M02, date: 2024-04-02, status: in_umsetzung}\rvalues: []\r"
    put(mini, Y24, text)
    check_ok(mini)
    r = run(*ADD, plan=mini)
    assert r.exit_code == 0, r
    new = (mini / Y24).read_bytes()
    added = added_lines(text, new)
    assert added and all(line.endswith(b"\r") and b"\n" not in line for line in added)
    assert lists(new)["updates"] == lists(text)["updates"] + [ADD_EXPECT]
    check_ok(mini)


def test_block_scalar_last_at_eof_without_newline_never_changes_the_old_note(mini):
    """A `|` note ending the file without a line break reads as 'x' (no newline); anything appended after it turns
    it into 'x\\n'. isek must then refuse (files untouched) rather than silently change the old note."""
    text = b"year: 2024\nvalues: []\nupdates:\n  - measure: HF1.M02\n    date: 2024-04-02\n" \
           b"    status: in_umsetzung\n    note: |\n      ohne Zeilenende"
    put(mini, Y24, text)
    assert load_yaml_bytes(text)["updates"][0]["note"] == "ohne Zeilenende"
    before = hashes(mini)
    r = run(*ADD, plan=mini)
    if r.exit_code == 0:
        data = lists((mini / Y24).read_bytes())
        assert data["updates"][0]["note"] == "ohne Zeilenende"
        assert data["updates"][1] == ADD_EXPECT
        check_ok(mini)
    else:
        assert r.exit_code == 1, r
        assert hashes(mini) == before


TRICKY_NOTES = [
    "Stand: gut", "Ausbau #2 geplant", "a #b", "endet mit #", 'Er sagte "ja"', "it's", "'einfach'",
    "*wichtig*", "&amp; Co", "!dringend", "yes", "no", "No", "on", "true", "null", "~", "2024-05-14",
    "14.05.2024", "12:30", "1.5", "0x1F", "Größe ändern, Maßnahme für Bürger:innen", "Zeile 1\nZeile 2",
    "Absatz\n\nzweiter Absatz\n", "🎉 fertig 🏗️", "- Spiegelstrich", "[Klammer]", "{Menge}", "a, b, c",
    "endet mit Leerzeichen ", " beginnt mit Leerzeichen", "%prozent", "@at", "`code`", "| pipe", "> quote",
    "? frage", "---", "...", "Tab\tdrin", "back\\slash", "Zeilentrenner\u2028hier", "€ 12.000,50",
]


@pytest.mark.parametrize("style", ["flow_items", "block_list"])
@pytest.mark.parametrize("note", TRICKY_NOTES, ids=[repr(n)[1:-1][:24] for n in TRICKY_NOTES])
def test_tricky_note_reads_back_exactly(mini, note, style):
    put(mini, Y24, LAYOUTS[style])
    before = snapshot(mini)
    r = run("progress", "add", "HF1.M03", "--status", "in_planung", "--note", note, "--date", "2024-03-03", plan=mini)
    assert r.exit_code == 0, r
    assert_appended(mini, before, "updates",
                    {"measure": "HF1.M03", "date": dt.date(2024, 3, 3), "status": "in_planung", "note": note})


@pytest.mark.parametrize("note", ["Entf\x7fzeichen", "Zeilen\x85ende"], ids=["DEL", "NEL"])
def test_control_character_note_is_written(mini, note):
    before = snapshot(mini)
    r = run("progress", "add", "HF1.M03", "-s", "in_planung", "-n", note, "-d", "2024-03-03", plan=mini)
    assert r.exit_code == 0, r
    assert_appended(mini, before, "updates",
                    {"measure": "HF1.M03", "date": dt.date(2024, 3, 3), "status": "in_planung", "note": note})


def _add_yaml_keyword_ids(plan: Path) -> None:
    """Measures `No` and `ON` and an indicator `Yes`: words YAML 1.1 reads as booleans unless quoted."""
    f = plan / "fields" / "02-innenstadt.yaml"
    f.write_text(f.read_text(encoding="utf-8")
                 + '  - id: "No"\n    title: Kennung als YAML-Wort\n    goals: [HF2.Z1]\n    priority: 3\n'
                 '    lead: AMT-PLANUNG\n'
                 + "  - id: 'ON'\n    title: Noch eine\n    goals: [HF2.Z1]\n    priority: 3\n    lead: AMT-PLANUNG\n",
                 encoding="utf-8")
    i = plan / "indicators.yaml"
    i.write_text(i.read_text(encoding="utf-8")
                 + '  - id: "Yes"\n    title: Indikator\n    unit: Stück\n    source: Test\n    direction: up\n'
                 '    baseline: {year: 2021, value: 1}\n', encoding="utf-8")


@pytest.mark.parametrize("style", ["flow_items", "block_list"])
def test_yaml_keyword_ids_stay_strings(mini, style):
    # the appended measures land at the end of fields/02's `measures:` list (the file's last list)
    _add_yaml_keyword_ids(mini)
    put(mini, Y24, LAYOUTS[style])
    check_ok(mini)
    for mid, status in (("No", "in_planung"), ("ON", "in_umsetzung")):
        before = snapshot(mini)
        r = run("progress", "add", mid, "-s", status, "-d", "2024-07-01", plan=mini)
        assert r.exit_code == 0, r
        assert_appended(mini, before, "updates", {"measure": mid, "date": dt.date(2024, 7, 1), "status": status})
    before = snapshot(mini)
    r = run("indicator", "set", "Yes", "7", "-d", "2024-07-01", plan=mini)
    assert r.exit_code == 0, r
    assert_appended(mini, before, "values", {"indicator": "Yes", "value": 7, "date": dt.date(2024, 7, 1)})


@pytest.mark.parametrize("text, expect", [
    ("83060", 83060), ("0", 0), ("007", 7), ("22.8", 22.8), ("22,8", 22.8), ("0,001", 0.001),
    ("1234567,891", 1234567.891), ("0,0000001", 1e-7), ("123456789012345678901234", 123456789012345678901234),
])
def test_indicator_values(mini, text, expect):
    before = snapshot(mini)
    r = run("indicator", "set", "K-ALT", text, "--date", "2024-06-30", plan=mini)
    assert r.exit_code == 0, r
    assert_appended(mini, before, "values", {"indicator": "K-ALT", "value": expect, "date": dt.date(2024, 6, 30)})
    got = lists((mini / Y24).read_bytes())["values"][-1]["value"]
    assert type(got) is type(expect)  # an integer stays an integer


def test_negative_indicator_value_after_double_dash(mini):
    before = snapshot(mini)
    r = run("indicator", "set", "--date", "2024-06-30", "--", "K-ALT", "-3,5", plan=mini)
    assert r.exit_code == 0, r
    assert_appended(mini, before, "values", {"indicator": "K-ALT", "value": -3.5, "date": dt.date(2024, 6, 30)})


@pytest.mark.parametrize("text, expect", [("0,0000000001234567", 1.234567e-10), ("0,0000000000000001", 1e-16)])
def test_tiny_indicator_values(mini, text, expect):
    before = snapshot(mini)
    r = run("indicator", "set", "K-ALT", text, "--date", "2024-06-30", plan=mini)
    assert r.exit_code == 0, r
    assert_appended(mini, before, "values", {"indicator": "K-ALT", "value": expect, "date": dt.date(2024, 6, 30)})


@pytest.mark.parametrize("text", ["40.900", "1.000.000", "1e5", "22,8,1", "7,", "zwölf", "1_000"])
def test_ambiguous_indicator_value_is_a_usage_error(mini, text):
    before = hashes(mini)
    r = run("indicator", "set", "K-BEV", text, "--date", "2024-06-30", plan=mini)
    assert r.exit_code == 2, r
    assert text in r.output
    assert hashes(mini) == before


def test_success_message_names_old_and_new_status_and_file(mini):
    r = run("progress", "add", "HF1.M03", "--status", "in_umsetzung", "--percent", "40", "--date", "2024-06-01",
            plan=mini)
    assert r.exit_code == 0, r
    assert "HF1.M03: daueraufgabe → in_umsetzung (40 %), progress/2024.yaml" in r.stdout
    r = run("indicator", "set", "K-BEV", "40800", "--date", "2024-06-30", plan=mini)
    assert r.exit_code == 0, r
    assert "K-BEV" in r.stdout and "40720" in r.stdout and "40800" in r.stdout and "progress/2024.yaml" in r.stdout


def test_date_defaults_to_today(mini):
    today = dt.date.today()
    if not 2022 <= today.year <= 2030:
        pytest.skip("today lies outside the fixture's horizon")
    rel = f"progress/{today.year}.yaml"
    r = run("progress", "add", "HF1.M03", "--status", "in_planung", plan=mini)
    assert r.exit_code == 0, r
    data = lists((mini / rel).read_bytes())
    assert data["updates"][-1] == {"measure": "HF1.M03", "date": today, "status": "in_planung"}


def test_german_date_on_the_command_line(mini):
    before = snapshot(mini)
    r = run("progress", "add", "HF1.M03", "-s", "in_planung", "-d", "14.05.2024", plan=mini)
    assert r.exit_code == 0, r
    assert_appended(mini, before, "updates", {"measure": "HF1.M03", "date": dt.date(2024, 5, 14), "status": "in_planung"})


@pytest.mark.parametrize("date", ["2024-13-01", "2024-02-30", "gestern", "2024/05/14"])
def test_bad_date_is_a_usage_error(mini, date):
    before = hashes(mini)
    r = run("progress", "add", "HF1.M03", "-s", "in_planung", "-d", date, plan=mini)
    assert r.exit_code == 2, r
    assert hashes(mini) == before


def test_date_with_trailing_garbage_is_rejected(mini):
    before = hashes(mini)
    r = run("progress", "add", "HF1.M03", "-s", "in_planung", "-d", "2024-05-149", plan=mini)
    assert r.exit_code == 2, r
    assert hashes(mini) == before


# ---------------------------------------------------------------------------
# 2. Refusals: exit 1, every file byte-identical
# ---------------------------------------------------------------------------

REFUSALS = {
    "unknown_measure": (("progress", "add", "HF1.M3", "-s", "in_umsetzung", "-d", "2024-06-01"), "did you mean 'HF1.M03'"),
    "status_not_in_vocabulary": (("progress", "add", "HF1.M03", "-s", "fertig", "-d", "2024-06-01"), "fertig"),
    "percent_101": (("progress", "add", "HF1.M03", "-s", "in_umsetzung", "-p", "101", "-d", "2024-06-01"), "101"),
    "percent_minus_1": (("progress", "add", "HF1.M03", "-s", "in_umsetzung", "--percent", "-1", "-d", "2024-06-01"), "-1"),
    "percent_100_not_completed": (("progress", "add", "HF1.M03", "-s", "in_umsetzung", "-p", "100", "-d", "2024-06-01"),
                                  "abgeschlossen"),
    "negative_spent": (("progress", "add", "HF1.M03", "-s", "in_umsetzung", "--spent-eur", "-5", "-d", "2024-06-01"),
                       "spent"),
    "date_after_horizon": (("progress", "add", "HF1.M03", "-s", "in_umsetzung", "-d", "2031-01-01"), "2022–2030"),
    "date_before_horizon": (("progress", "add", "HF1.M03", "-s", "in_umsetzung", "-d", "2021-12-31"), "2022–2030"),
    "unknown_measure_in_missing_year": (("progress", "add", "HF9.M01", "-s", "in_planung", "-d", "2025-01-02"), "HF9.M01"),
    "unknown_indicator": (("indicator", "set", "K-XX", "5", "-d", "2024-06-01"), "K-XX"),
    "indicator_outside_horizon": (("indicator", "set", "K-BEV", "5", "-d", "2031-06-01"), "2022–2030"),
    "id_used_as_indicator_is_a_measure": (("indicator", "set", "HF1.M03", "5", "-d", "2024-06-01"), "HF1.M03"),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_refused_writes_change_nothing(mini, case):
    args, needle = REFUSALS[case]
    before = hashes(mini)
    r = run(*args, plan=mini)
    assert r.exit_code == 1, r
    assert needle in r.stderr, r
    assert "nothing was written" in r.stderr
    assert hashes(mini) == before  # no file changed, none was created (e.g. progress/2025.yaml)
    assert not tmp_leftovers(mini)


@pytest.mark.parametrize("case", ["unknown_measure", "percent_101", "unknown_indicator"])
def test_refused_dry_run_also_exits_1(mini, case):
    args, _ = REFUSALS[case]
    before = hashes(mini)
    r = run(*args, "--dry-run", plan=mini)
    assert r.exit_code == 1, r
    assert hashes(mini) == before


def test_already_invalid_plan_is_refused(mini):
    f = mini / "fields" / "02-innenstadt.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("lead: AMT-WIRTSCHAFT\n    start: 2024",
                                                       "lead: AMT-NIEMAND\n    start: 2024"), encoding="utf-8")
    assert run("check", plan=mini).exit_code == 1
    before = hashes(mini)
    for args in (("progress", "add", "HF1.M03", "-s", "in_umsetzung", "-d", "2024-06-01"),
                 ("indicator", "set", "K-BEV", "40800", "-d", "2024-06-01"),
                 ("progress", "add", "HF1.M03", "-s", "in_umsetzung", "-d", "2025-06-01")):
        r = run(*args, plan=mini)
        assert r.exit_code == 1, r
        assert "already" in r.stderr and "AMT-NIEMAND" in r.stderr, r
        assert hashes(mini) == before


def test_refusal_in_crlf_bom_file_changes_nothing(mini):
    put(mini, Y24, LAYOUTS["utf8_bom_crlf_block"])
    before = hashes(mini)
    r = run("progress", "add", "HF1.M03", "-s", "in_umsetzung", "-p", "100", "-d", "2024-06-01", plan=mini)
    assert r.exit_code == 1
    assert hashes(mini) == before


def test_missing_status_without_tty_is_usage_error_without_prompt(mini):
    before = hashes(mini)
    r = run("progress", "add", "HF1.M03", "--date", "2024-06-01", plan=mini, input="in_umsetzung\n")
    assert r.exit_code == 2, r
    assert "--status" in r.output
    assert "number or name" not in r.output and "1) nicht_begonnen" not in r.output
    assert hashes(mini) == before


def test_missing_status_in_a_real_process_does_not_wait_for_input(mini):
    before = hashes(mini)
    p = subprocess.run([ISEK, "--plan", str(mini), "progress", "add", "HF1.M03", "--date", "2024-06-01"],
                       stdin=subprocess.PIPE, capture_output=True, text=True, timeout=30, env=child_env())
    assert p.returncode == 2, p
    assert "--status" in p.stderr
    assert "number or name" not in p.stdout + p.stderr
    assert hashes(mini) == before


# ---------------------------------------------------------------------------
# 3. Dry run and new year files
# ---------------------------------------------------------------------------

def test_dry_run_writes_nothing_and_shows_entry_and_file(mini):
    before = hashes(mini)
    r = run("progress", "add", "HF1.M03", "-s", "in_umsetzung", "-p", "40", "-n", "Probe", "-d", "2024-06-01",
            "--dry-run", plan=mini)
    assert r.exit_code == 0, r
    assert hashes(mini) == before
    assert "would record HF1.M03: daueraufgabe → in_umsetzung (40 %), progress/2024.yaml" in r.stdout
    assert "+  - {measure: HF1.M03, date: 2024-06-01, status: in_umsetzung, percent: 40, note: Probe}" in r.stdout
    assert "nothing was written" in r.stdout


def test_indicator_dry_run_writes_nothing(mini):
    before = hashes(mini)
    r = run("indicator", "set", "K-ALT", "22,8", "-d", "2024-06-01", "--dry-run", plan=mini)
    assert r.exit_code == 0, r
    assert hashes(mini) == before
    assert "K-ALT" in r.stdout and "22.8" in r.stdout and "progress/2024.yaml" in r.stdout


def test_missing_year_file_created_only_without_dry_run(mini):
    rel = "progress/2025.yaml"
    before = hashes(mini)
    r = run("progress", "add", "HF1.M03", "-s", "in_umsetzung", "-d", "2025-02-03", "--dry-run", plan=mini)
    assert r.exit_code == 0, r
    assert hashes(mini) == before and not (mini / rel).exists()
    assert "would create progress/2025.yaml" in r.stdout
    assert "+year: 2025" in r.stdout

    r = run("progress", "add", "HF1.M03", "-s", "in_umsetzung", "-d", "2025-02-03", plan=mini)
    assert r.exit_code == 0, r
    assert "created progress/2025.yaml" in r.stdout
    after = hashes(mini)
    assert set(after) == set(before) | {rel}
    assert {k: v for k, v in after.items() if k != rel} == before
    data = load_yaml_bytes((mini / rel).read_bytes())
    assert data == {"year": 2025, "updates": [{"measure": "HF1.M03", "date": dt.date(2025, 2, 3), "status": "in_umsetzung"}],
                    "values": []}
    check_ok(mini)
    # and a value into the fresh file is an insertion too
    snap = snapshot(mini)
    r = run("indicator", "set", "K-BEV", "41000", "-d", "2025-12-31", plan=mini)
    assert r.exit_code == 0, r
    assert_appended(mini, snap, "values", {"indicator": "K-BEV", "value": 41000, "date": dt.date(2025, 12, 31)}, rel=rel)


def test_missing_year_file_from_indicator_set(mini):
    rel = "progress/2026.yaml"
    r = run("indicator", "set", "K-BEV", "41000", "-d", "2026-12-31", plan=mini)
    assert r.exit_code == 0, r
    data = load_yaml_bytes((mini / rel).read_bytes())
    assert data == {"year": 2026, "updates": [], "values": [{"indicator": "K-BEV", "value": 41000,
                                                             "date": dt.date(2026, 12, 31)}]}
    check_ok(mini)


# ---------------------------------------------------------------------------
# 4. Concurrency: many OS processes append at once
# ---------------------------------------------------------------------------

def _spawn(cmd: list[str]) -> subprocess.Popen:
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            env=child_env(), text=True)


def _wait_all(procs: list[subprocess.Popen], timeout: float = 120) -> list[tuple[int, str, str]]:
    out = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=timeout)
        out.append((p.returncode, stdout, stderr))
    return out


def _cli(plan: Path, *args: str, module: bool = False) -> list[str]:
    head = [PYTHON, "-m", "isek_cli"] if module else [ISEK]
    return head + ["--plan", str(plan), *args]


N_WRITERS = 20


def test_concurrent_progress_adds_lose_nothing(mini):
    before = snapshot(mini)
    procs = [_spawn(_cli(mini, "progress", "add", "HF1.M03", "-s", "in_umsetzung", "-p", str(i),
                         "-n", f"writer-{i:02d}", "-d", f"2024-07-{i % 28 + 1:02d}", module=i % 2 == 1))
             for i in range(N_WRITERS)]
    results = _wait_all(procs)
    assert all(rc == 0 for rc, _, _ in results), [r for r in results if r[0]]
    new = (mini / Y24).read_bytes()
    added_lines(before[Y24], new)  # still only insertions, after 24 racing writes
    notes = Counter(u.get("note") for u in lists(new)["updates"])
    lost = [f"writer-{i:02d}" for i in range(N_WRITERS) if notes[f"writer-{i:02d}"] != 1]
    assert lost == [], f"entries lost or duplicated under contention: {lost}"
    assert len(lists(new)["updates"]) == len(lists(before[Y24])["updates"]) + N_WRITERS
    assert snapshot(mini).keys() - {Y24} == before.keys() - {Y24}
    assert not tmp_leftovers(mini)
    check_ok(mini)


def test_concurrent_mixed_writers_into_existing_and_new_year_files(mini):
    M = 6  # 3 * 6 + 1 = 19 processes at once
    before = snapshot(mini)
    cmds = []
    for i in range(M):
        cmds.append(_cli(mini, "progress", "add", "HF2.M01", "-s", "in_umsetzung", "-n", f"add24-{i}", "-d", "2024-08-01"))
        cmds.append(_cli(mini, "indicator", "set", "K-BEV", str(50000 + i), "-d", "2024-12-31", module=True))
        cmds.append(_cli(mini, "progress", "add", "HF1.M02", "-s", "in_umsetzung", "-n", f"add25-{i}", "-d", "2025-03-01",
                         module=i % 2 == 0))
    cmds.append(_cli(mini, "indicator", "set", "K-LEER", "20", "-d", "2025-10-01"))
    results = _wait_all([_spawn(c) for c in cmds])
    assert all(rc == 0 for rc, _, _ in results), [r for r in results if r[0]]
    d24 = lists((mini / Y24).read_bytes())
    d25 = lists((mini / "progress/2025.yaml").read_bytes())
    added_lines(before[Y24], (mini / Y24).read_bytes())
    notes24 = Counter(u.get("note") for u in d24["updates"])
    vals24 = Counter(v["value"] for v in d24["values"] if v["indicator"] == "K-BEV")
    notes25 = Counter(u.get("note") for u in d25["updates"])
    assert all(notes24[f"add24-{i}"] == 1 for i in range(M)), notes24
    assert all(vals24[50000 + i] == 1 for i in range(M)), vals24
    assert all(notes25[f"add25-{i}"] == 1 for i in range(M)), notes25
    assert len(d25["updates"]) == M and d25["values"] == [{"indicator": "K-LEER", "value": 20, "date": dt.date(2025, 10, 1)}]
    assert not tmp_leftovers(mini)
    check_ok(mini)


def test_writer_waits_for_a_held_lock(mini):
    from filelock import FileLock

    lock = FileLock(str(mini / ".isek.lock"))
    with lock:
        p = _spawn(_cli(mini, "progress", "add", "HF1.M03", "-s", "in_planung", "-n", "gewartet", "-d", "2024-09-09"))
        time.sleep(1.0)
        assert p.poll() is None, "the writer did not wait for the lock"
        assert b"gewartet" not in (mini / Y24).read_bytes()
    rc, _, err = _wait_all([p])[0]
    assert rc == 0, err
    assert lists((mini / Y24).read_bytes())["updates"][-1]["note"] == "gewartet"


def test_lock_timeout_refuses_and_changes_nothing(mini):
    from filelock import FileLock

    before = hashes(mini)
    with FileLock(str(mini / ".isek.lock")):
        p = subprocess.run(_cli(mini, "progress", "add", "HF1.M03", "-s", "in_planung", "-d", "2024-09-09"),
                           capture_output=True, text=True, timeout=60, env=child_env(ISEK_LOCK_TIMEOUT="0.5"))
    assert p.returncode == 1, p
    assert "lock" in p.stderr
    assert hashes(mini) == before


# ---------------------------------------------------------------------------
# 5. Kill safety
# ---------------------------------------------------------------------------

# A child isek whose atomic write of a plan file is slowed down (the temp file is written in small
# pieces) so that a SIGKILL can land in the middle of it, or paused just before os.replace. It
# touches MARKER when it starts writing the temp file (slow) or when the temp file is complete
# (pause). Other atomic writes (isek's load cache) run normally.
DRIVER = r'''
import os, sys, time
marker, mode = sys.argv[1], sys.argv[2]
real_fdopen, real_replace = os.fdopen, os.replace
active = [False]

class Slow:
    def __init__(self, fh): self.fh = fh
    def __enter__(self): return self
    def __exit__(self, *exc): return self.fh.__exit__(*exc)
    def write(self, data):
        if not active[0]:
            return self.fh.write(data)
        if mode == "slow":
            open(marker, "w").close()
        for i in range(0, len(data), 24):
            self.fh.write(data[i:i + 24]); self.fh.flush(); time.sleep(0.004)
        return len(data)
    def flush(self): self.fh.flush()
    def fileno(self): return self.fh.fileno()

def fdopen(fd, *a, **k):
    return Slow(real_fdopen(fd, *a, **k))

def replace(src, dst):
    if active[0] and mode == "pause":
        with open(marker, "w") as fh:
            fh.write(str(src))
        time.sleep(120)
    real_replace(src, dst)

import isek_cli.writing.append as writer
real_atomic_write = writer.atomic_write

def atomic_write(path, data):
    active[0] = str(path).endswith(".yaml")  # a plan file, not the cache
    try:
        return real_atomic_write(path, data)
    finally:
        active[0] = False

writer.atomic_write = atomic_write
writer.os.fdopen = fdopen
writer.os.replace = replace
from isek_cli.cli import run
sys.argv = ["isek"] + sys.argv[3:]
run()
'''


def _wait_for(path: Path, proc: subprocess.Popen, timeout: float = 30) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if path.exists():
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.002)
    return False


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.kill(proc.pid, signal.SIGKILL)  # only the child we started, by its pid
    except ProcessLookupError:
        pass
    proc.communicate(timeout=30)


def _paused_writer(driver: Path, marker: Path, plan: Path, note: str) -> subprocess.Popen:
    return subprocess.Popen([PYTHON, str(driver), str(marker), "pause", "--plan", str(plan), "progress", "add",
                             "HF1.M03", "-s", "in_umsetzung", "-n", note, "-d", "2024-06-01"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=child_env())


def test_sigkill_before_rename_leaves_target_unchanged(mini, tmp_path):
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER)
    marker = tmp_path / "paused"
    before = snapshot(mini)
    p = _paused_writer(driver, marker, mini, "nie geschrieben")
    try:
        assert _wait_for(marker, p), p.communicate(timeout=5)
        tmp = Path(marker.read_text())
        # the complete new content sits in the temp file next to the target, fsynced; the target is untouched
        assert tmp.parent == mini / "progress" and tmp.name.startswith(".2024.yaml.") and tmp.name.endswith(".tmp")
        assert b"nie geschrieben" in tmp.read_bytes()
        assert (mini / Y24).read_bytes() == before[Y24]
    finally:
        _kill(p)
    assert p.returncode == -signal.SIGKILL
    after = snapshot(mini)
    leftover = tmp.relative_to(mini).as_posix()
    assert after == {**before, leftover: after[leftover]}  # only the temp file is new
    assert b"nie geschrieben" in after[leftover]
    check_ok(mini)  # the leftover .2024.yaml.*.tmp does not break check
    r = run("progress", "add", "HF2.M03", "-s", "in_planung", "-d", "2024-06-02", plan=mini)
    assert r.exit_code == 0, r  # nor the next write
    check_ok(mini)


def test_killed_lock_holder_releases_the_lock(mini, tmp_path):
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER)
    marker = tmp_path / "paused"
    before = snapshot(mini)
    p = _paused_writer(driver, marker, mini, "nie geschrieben")
    try:
        assert _wait_for(marker, p), p.communicate(timeout=5)
        q = _spawn(_cli(mini, "progress", "add", "HF2.M03", "-s", "in_planung", "-n", "danach", "-d", "2024-06-02"))
        time.sleep(0.8)
        assert q.poll() is None, "the second writer did not wait for the lock held by the paused one"
    finally:
        _kill(p)
    rc, _, err = _wait_all([q])[0]  # the kernel released the dead writer's lock
    assert rc == 0, err
    new = (mini / Y24).read_bytes()
    assert len(added_lines(before[Y24], new)) == 1
    data = lists(new)
    assert data["updates"][-1] == {"measure": "HF2.M03", "date": dt.date(2024, 6, 2), "status": "in_planung",
                                   "note": "danach"}
    assert b"nie geschrieben" not in new
    check_ok(mini)


KILL_ROUNDS = 16


def test_random_sigkills_never_leave_a_partial_file(mini, tmp_path):
    """Writers are SIGKILLed at seeded random moments: half at a random time after start, half at a
    random time after they started writing the temp file. After every kill the progress file must be
    either exactly as before or exactly before + the whole new entry."""
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER)
    rng = random.Random(20240514)
    outcome = Counter()
    expected_notes: list[str] = []
    state = (mini / Y24).read_bytes()
    for i in range(KILL_ROUNDS):
        marker = tmp_path / f"m{i}"
        note = f"kill-{i:02d}"
        leftovers = set(tmp_leftovers(mini))
        p = subprocess.Popen([PYTHON, str(driver), str(marker), "slow", "--plan", str(mini), "progress", "add",
                              "HF1.M03", "-s", "in_umsetzung", "-p", str(i), "-n", note, "-d", "2024-06-01"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=child_env())
        if i % 2 == 0:  # any moment of the writer's life
            time.sleep(rng.uniform(0.05, 1.2))
        else:  # once it writes the temp file: soon (surely mid-write) or a little later (maybe done)
            assert _wait_for(marker, p), f"round {i}: writer ended before writing"
            time.sleep(rng.uniform(0.0, 0.05) if i % 4 == 1 else rng.uniform(0.05, 0.4))
        _kill(p)
        new = (mini / Y24).read_bytes()
        new_tmp = set(tmp_leftovers(mini)) - leftovers
        if new == state:
            outcome["killed_mid_write" if new_tmp else "killed_before_write"] += 1
        else:
            added = added_lines(state, new)  # whole lines only
            assert lists(new)["updates"][:-1] == lists(state)["updates"]
            assert lists(new)["updates"][-1] == {"measure": "HF1.M03", "date": dt.date(2024, 6, 1),
                                                 "status": "in_umsetzung", "percent": i, "note": note}
            assert len(added) == 1
            expected_notes.append(note)
            outcome["completed"] += 1
        yaml.safe_load(new.decode("utf-8"))  # parses after every kill
        state = new
        for t in tmp_leftovers(mini):  # a leftover temp file is never a valid-looking partial target
            assert t.name.startswith(".") and t.name.endswith(".tmp")
    r = run("check", plan=mini)
    assert r.exit_code == 0, r
    notes = [u.get("note") for u in lists(state)["updates"] if (u.get("note") or "").startswith("kill-")]
    assert notes == expected_notes
    assert outcome["killed_mid_write"] >= 1, outcome  # the test did hit the write itself
    # report the measured numbers in the test output (-rP / -s)
    print(f"kills: {KILL_ROUNDS}, outcomes: {dict(outcome)}, files corrupted: 0, "
          f"leftover tmp files: {len(tmp_leftovers(mini))}")
    # after all that, a normal write still works (no stale lock)
    p = subprocess.run(_cli(mini, "progress", "add", "HF1.M03", "-s", "in_umsetzung", "-n", "am Ende", "-d", "2024-06-02"),
                       capture_output=True, text=True, timeout=60, env=child_env())
    assert p.returncode == 0, p.stderr
    check_ok(mini)


@pytest.mark.parametrize("spoil", [
    pytest.param(lambda t: t.replace("percent: 37", "percent: 38"), id="the new entry reads back otherwise"),
    pytest.param(lambda t: t.replace("note: Rohbau fertig.", "note: Rohbau fast fertig."), id="an old entry changed"),
    pytest.param(lambda t: t.replace("status: in_umsetzung, percent: 45", "status: in_umsetzung, percent: 46"),
                 id="an old number changed"),
])
def test_a_candidate_that_does_not_read_back_as_old_plus_new_is_refused(mini, monkeypatch, spoil):
    """The last guard of every write: the edited text, valid as it may be, must read back as exactly
    the old entries plus the new one. An edit that slipped (here: spoiled on purpose) writes nothing."""
    from isek_cli.writing import append as appending

    real = appending._insert
    monkeypatch.setattr(appending, "_insert", lambda text, lists, pf: spoil(real(text, lists, pf)))
    path = mini / "progress/2024.yaml"
    before = path.read_bytes()
    with pytest.raises(appending.Refused, match="would not read back as the old entries plus the new"):
        appending.append(mini, updates=[{"measure": "HF1.M01", "date": dt.date(2024, 9, 1), "status": "in_umsetzung",
                                         "percent": 37, "note": "Guard."}])
    assert path.read_bytes() == before
