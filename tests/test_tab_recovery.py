"""A tab in indentation must not hide the other problems of its file (issue 15).

E103 stays where the tab is; the file's other problems come from a copy with
spaces for the tab, at the user's lines and columns; the plan stays invalid.
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run

from isek_cli.plan import tabs
from isek_cli.plan.loader import load_plan

F1 = "fields/01-wohnen.yaml"


def edit(root: Path, rel: str, old: str, new: str, count: int = 1) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= count, old
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def found(plan: Path, *extra: str) -> tuple[int, list[tuple[str, int, int, str]]]:
    r = run("check", "--format", "json", *extra, plan=plan)
    doc = json.loads(r.stdout)
    assert doc["valid"] is False
    return r.exit_code, [(d["code"], d["line"], d["col"], d["message"]) for d in doc["diagnostics"]]


def test_the_issues_example_reports_every_problem_of_the_tabbed_file(shipped):
    """The reproduction from issue 15: a tab, a priority of 9, 'comittee' twice."""
    edit(shipped, F1, "    lead: FD-STADTPLANUNG", "\tlead: FD-STADTPLANUNG")       # line 23
    edit(shipped, F1, "    priority: 2\n    lead: FD-STADTPLANUNG", "    priority: 9\n    lead: FD-STADTPLANUNG")
    edit(shipped, F1, "    committee: BAU", "    comittee: BAU", count=2)         # lines 25 and 39
    before = (shipped / F1).read_bytes()
    code, diags = found(shipped)
    assert code == 1
    assert [d[:3] for d in diags] == [("E103", 23, 1), ("E201", 25, 5), ("E201", 39, 5), ("E204", 126, 15)]
    assert "'comittee'" in diags[1][3] and "9 is out of range" in diags[3][3]
    assert (shipped / F1).read_bytes() == before  # the recovered copy is never written


def test_a_problem_on_the_tabbed_line_points_at_the_users_column_and_cross_file_checks_see_it(shipped):
    edit(shipped, F1, "    lead: FD-STADTPLANUNG", "\tlead: FD-STADTPLANUNX")   # an unknown actor, after a tab
    edit(shipped, F1, "    priority: 2", "  \t  priority: 9")                  # tab between spaces (line 126)
    _, diags = found(shipped)
    assert ("E103", 23, 1) in [d[:3] for d in diags]
    (actor,) = [d for d in diags if d[0] == "E302"]
    assert actor[1:3] == (23, len("\tlead: ") + 1) and "FD-STADTPLANUNX" in actor[3]
    (prio,) = [d for d in diags if d[0] == "E204"]
    assert prio[1:3] == (126, len("  \t  priority: ") + 1)


def test_the_text_output_shows_the_users_line_and_a_caret_under_the_value(shipped):
    edit(shipped, F1, "    priority: 2", "\tpriority: 9")
    out = run("check", plan=shipped).stdout
    block = out[out.index(f"{F1}:126:12:"):].splitlines()
    assert block[0].endswith(f"{F1}:126:12: error[E204]: 'priority' in 'HF1.M05': 9 is out of range")
    assert block[1].rstrip().endswith("priority: 9")
    assert block[2].index("^") == block[1].index("9")


def test_a_tabbed_list_item_lands_under_the_other_items(shipped):
    edit(shipped, F1, "  - id: HF1.M02", "\t- id: HF1.M02")
    edit(shipped, F1, "    committee: BAU", "    comittee: BAU")
    _, diags = found(shipped)
    assert [d[:3] for d in diags] == [("E201", 25, 5), ("E103", 30, 1)]
    assert not any(d[0] in ("E202", "E205") for d in diags)  # HF1.M02 was read as a measure, whole


def test_when_the_copy_does_not_parse_e103_stands_alone(shipped):
    edit(shipped, F1, "    lead: FD-STADTPLANUNG", "\tlead: FD-STADTPLANUNG")
    edit(shipped, F1, "goals: [HF1.Z2]", "goals: [HF1.Z2")  # a syntax error no tab explains
    edit(shipped, F1, "    committee: BAU", "    comittee: BAU")
    _, diags = found(shipped)
    assert [d[:3] for d in diags if d[0].startswith(("E1", "E2"))] == [("E103", 23, 1)]


def test_the_hint_names_the_other_tabbed_lines(shipped):
    edit(shipped, F1, "    lead: FD-STADTPLANUNG", "\tlead: FD-STADTPLANUNG", count=3)
    r = run("check", "--format", "json", plan=shipped)
    (tab,) = [d for d in json.loads(r.stdout)["diagnostics"] if d["code"] == "E103"]
    assert (tab["line"], tab["col"]) == (23, 1)
    assert tab["hint"].endswith("(also on lines 53, 70)")


def test_cached_and_fresh_agree_on_a_tabbed_file(shipped):
    edit(shipped, F1, "    lead: FD-STADTPLANUNG", "\tlead: FD-STADTPLANUNG")
    edit(shipped, F1, "    committee: BAU", "    comittee: BAU")
    fresh = found(shipped, "--no-cache")
    assert found(shipped) == found(shipped) == fresh  # the first fills the cache, the second reads it
    edit(shipped, F1, "\tlead: FD-STADTPLANUNG", "    lead: FD-STADTPLANUNG")  # fixing the tab is noticed
    r = run("check", "--format", "json", plan=shipped)
    assert [d["code"] for d in json.loads(r.stdout)["diagnostics"]] == ["E201"]


def test_a_block_scalar_keeps_its_text_and_the_next_key_is_found(tmp_path):
    text = ("id: HF1\ntitle: Wohnen\ngoals:\n  - id: HF1.Z1\n    title: Ziel\n    description: >-\n"
            "      Text der Beschreibung\n\tpriority: x\n")
    (copy, *_) = tabs.candidates(text)
    assert copy.text.splitlines()[7] == "    priority: x"
    assert copy.changed == {8: (4, 1)}
    assert copy.column(8, 15) == 12 and copy.column(7, 9) == 9 and copy.column(8, 2) == 1


def test_recovery_goes_through_the_library_too(shipped):
    edit(shipped, F1, "    lead: FD-STADTPLANUNG", "\tlead: FD-STADTPLANUNG")
    edit(shipped, F1, "    committee: BAU", "    comittee: BAU")
    loaded = load_plan(shipped, use_cache=False)
    assert not loaded.ok
    assert [(d.code, d.line) for d in loaded.diagnostics] == [("E103", 23), ("E201", 25)]
