"""The official YAML test suite through isek's loader: PyYAML's data, or a positioned diagnostic.

Every input document of yaml-test-suite (vendored in tests/data/yaml-test-suite,
MIT) is loaded by isek and by PyYAML's safe loader. Each must be

- equal: isek accepts it and its data equals PyYAML's (types included), or
- both refuse: PyYAML raises and isek reports diagnostics with positions, or
- refused by one of isek's documented rules (docs/plan-format.md, "What the
  YAML loader accepts, exactly"): the documents are listed by rule in
  ``REFUSED_BY_RULE`` below, so any new difference fails a test.

Then every document is placed into a plan file, as a whole file and nested as
a value, and the whole plan is loaded (validation included); a sample goes
through ``isek check`` itself. Nothing may end in an exception or exit code 3.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, run
from isek_cli.plan.diagnostics import CODES
from isek_cli.plan.loader import load_plan
from isek_cli.plan.source import decode
from yaml_compare import DOCUMENTED, outcome

SUITE = Path(__file__).parent / "data" / "yaml-test-suite"
DOCS = sorted(p.parent.relative_to(SUITE).as_posix() for p in SUITE.rglob("in.yaml"))
MINI = FIXTURES / "mini"
MINI_FILES = sorted(str(p.relative_to(MINI)) for p in MINI.rglob("*.yaml"))

# Documents PyYAML accepts and isek refuses, by the rule that refuses them: (code, documents).
REFUSED_BY_RULE = {
    "tags isek does not construct: !!set, !!omap, !!binary": ("E105", {"2XXW", "J7PZ", "565N"}),
    "files without content: only comments, nothing, or directives and '---' alone":
        ("E108", {"8G76", "98YD", "AVM7", "DK95/07", "MUS6/00", "MUS6/02", "MUS6/03", "MUS6/04"}),
    "keys that are not text: empty keys, which YAML reads as null": ("E116", {"DFF7", "FH7J"}),
    "the non-specific tag '!' on a number, which YAML reads as text and PyYAML as a number": ("E105", {"S4JQ"}),
}
EXPECTED = {doc: (rule, code) for rule, (code, docs) in REFUSED_BY_RULE.items() for doc in docs}


def suite_text(doc: str) -> str:
    text, problems = decode((SUITE / doc / "in.yaml").read_bytes(), "in.yaml")
    assert text is not None, problems  # every suite document is UTF-8
    return text


def test_the_suite_is_all_there():
    assert len(DOCS) == 402
    assert (SUITE / "License").read_text(encoding="utf-8").startswith("MIT License")
    assert set(EXPECTED) <= set(DOCS)
    assert all(code in DOCUMENTED for code, _ in REFUSED_BY_RULE.values())


@pytest.mark.parametrize("doc", DOCS)
def test_suite_document_against_pyyaml(doc):
    text = suite_text(doc)
    got = outcome(text)
    if doc in EXPECTED:
        rule, code = EXPECTED[doc]
        assert (got.kind, got.codes) == ("isek refuses", (code,)), f"{doc} should be refused by rule '{rule}':\n{text}"
    else:
        assert got.kind in ("equal", "both refuse"), f"{doc}: {got.kind} {got.codes} {got.detail}\n{text}"


def test_suite_outcomes_add_up():
    """The tallies, so a reader sees the whole picture (and a silent shift shows)."""
    kinds: dict[str, int] = {}
    for doc in DOCS:
        kind = outcome(suite_text(doc)).kind
        kinds[kind] = kinds.get(kind, 0) + 1
    assert kinds.get("isek refuses", 0) == len(EXPECTED)
    assert kinds["equal"] + kinds["both refuse"] + len(EXPECTED) == len(DOCS)
    assert kinds["equal"] >= 200  # most of the suite is ordinary YAML both read alike


# --- placed into a plan ------------------------------------------------------------

def indented(text: str, by: int) -> str:
    pad = " " * by
    return "".join(pad + line if line.strip() else line for line in text.splitlines(keepends=True))


def load_with(replacements: dict[str, str]):
    snapshot = {rel: (MINI / rel).read_bytes() for rel in MINI_FILES}
    snapshot.update({rel: text.encode("utf-8") for rel, text in replacements.items()})
    loaded = load_plan(MINI, snapshot=snapshot)  # an exception here fails the test
    for d in loaded.diagnostics:
        assert d.code in CODES and d.line >= 1 and d.col >= 1 and d.message, d
    return loaded


def nested(text: str) -> str:
    """The mini plan's second field of action with ``text`` as a measure's description."""
    field = (MINI / "fields/02-innenstadt.yaml").read_text(encoding="utf-8")
    anchor = "    key_project: true\n"
    assert field.count(anchor) == 1
    body = text if text.endswith("\n") or not text else text + "\n"
    return field.replace(anchor, anchor + "    description:\n" + indented(body, 6))


@pytest.mark.parametrize("chunk", range(4))
def test_every_suite_document_in_a_plan_file_loads_or_is_diagnosed(chunk):
    for i, doc in enumerate(DOCS[chunk::4]):
        text = suite_text(doc)
        rel = MINI_FILES[(i * 4 + chunk) % len(MINI_FILES)]  # each kind of plan file gets its share
        whole = load_with({rel: text})
        if outcome(text).kind != "equal":
            assert any(d.file == rel and d.severity == "error" for d in whole.diagnostics), (doc, rel)
        load_with({"fields/02-innenstadt.yaml": nested(text)})


# Every 8th document, the ones refused by a rule, and every 4th with a tag ('!') or an anchor ('&').
TAGGED = [doc for doc in DOCS if any(c in (SUITE / doc / "in.yaml").read_text(encoding="utf-8") for c in "!&")]
CLI_SAMPLE = sorted(set(DOCS[::8]) | set(EXPECTED) | set(TAGGED[::4]))


@pytest.mark.parametrize("doc", CLI_SAMPLE)
def test_isek_check_on_a_suite_document_in_a_plan_file(tmp_path, doc):
    plan = tmp_path / "plan"
    shutil.copytree(MINI, plan)
    (plan / "fields" / "03-suite.yaml").write_bytes((SUITE / doc / "in.yaml").read_bytes())
    env = {"ISEK_NO_CACHE": "1"}
    r = run("check", "--format", "json", plan=plan, env=env)
    assert r.exit_code in (0, 1), r
    report = json.loads(r.stdout)
    assert all(d["line"] >= 1 and d["col"] >= 1 and d["code"] in CODES for d in report["diagnostics"])
    # A suite document is never a valid field of action, so the check fails, with a diagnostic in the file.
    assert r.exit_code == 1 and any(d["file"] == "fields/03-suite.yaml" for d in report["diagnostics"]), r
    text_run = run("check", plan=plan, env=env)
    assert text_run.exit_code == 1 and "fields/03-suite.yaml:" in text_run.stdout + text_run.stderr, text_run
