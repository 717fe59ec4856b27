"""Scalars, tagged and untagged, as values and as keys: isek's loader next to PyYAML.

Generated scalars (YAML 1.1's numbers, booleans, nulls, dates and their near
misses, syntax characters, any text) in three styles, with or without an
explicit tag, are put into small documents as values and as keys. isek must
give PyYAML's data, or refuse where PyYAML refuses, or refuse by one of its
documented rules (tests/yaml_compare.py ``DOCUMENTED``) for a reason the
example shows. Then the same scalars go into a plan file, through the loader
and through ``isek check``: data or positioned diagnostics, never exit 3.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, run
from isek_cli.plan.diagnostics import CODES
from isek_cli.plan.loader import load_plan
from isek_cli.plan.source import parse
from test_yamlsrc_cache import EDGE_SCALARS
from yaml_compare import DOCUMENTED, REFERENCE_LOADER, non_decimal, nontext_keys, nontext_scalars, outcome, pyyaml

# Tags PyYAML's safe loader constructs; isek constructs the same except !!null on text.
STANDARD_TAGS = ("!!str", "!!int", "!!float", "!!bool", "!!null", "!!timestamp", "!!map", "!!seq", "!",
                 "!<tag:yaml.org,2002:int>")
OTHER_TAGS = ("!!binary", "!!set", "!!omap", "!!merge", "!!value", "!local", "!!python/none")

YAML11 = st.one_of(
    st.from_regex(r"[-+]?(0|[1-9][0-9_]{0,6})", fullmatch=True),
    st.from_regex(r"[-+]?0(b[01_]{0,5}|x[0-9a-fA-F_]{0,5}|[0-7_]{0,5})", fullmatch=True),
    st.from_regex(r"[-+]?[1-9][0-9_]{0,2}(:[0-5]?[0-9]){1,3}(\.[0-9_]{0,3})?", fullmatch=True),
    st.from_regex(r"[-+]?([0-9][0-9_]{0,3})?\.[0-9._]{0,4}([eE][-+]?[0-9]{1,3})?", fullmatch=True),
    st.from_regex(r"[-+]?\.(inf|Inf|INF|nan|NaN|NAN|in|nAn)", fullmatch=True),
    st.from_regex(r"(y|Y|n|N|yes|Yes|YES|yEs|no|No|NO|true|True|TRUE|tRue|false|False|FALSE|on|On|ON|off|Off|OFF"
                  r"|null|Null|NULL|nulL|~|=|<<)", fullmatch=True),
    st.from_regex(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt]|[ \t]+)?([0-9]{1,2}:[0-9]{2}:[0-9]{2}(\.[0-9]{0,7})?"
                  r"[ \t]*(Z|[-+][0-9]{1,2}(:[0-9]{2})?)?)?", fullmatch=True),
)
SYNTAX = st.text(alphabet=" -:#,[]{}&*!|>'\"%@`~.?0123456789+_eExX=<\\\t\u00a0\u3000\u0085", max_size=8)
ANY_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=10)
SCALARS = st.one_of(YAML11, st.sampled_from(EDGE_SCALARS), SYNTAX, ANY_TEXT)
TAGS = st.one_of(st.none(), st.sampled_from(STANDARD_TAGS + OTHER_TAGS))
STYLES = st.sampled_from(["plain", "single", "double"])


def node(value: str, style: str, tag: str | None) -> str:
    if style == "single":
        text = "'" + value.replace("'", "''") + "'"
    elif style == "double":
        text = json.dumps(value, ensure_ascii=False)  # JSON's escapes are YAML's too
    else:
        text = value
    return f"{tag} {text}" if tag else text


def documents(n1: str, n2: str) -> dict[str, str]:
    return {
        "value": f"k: {n1}\n",
        "flow value": f"k: [{n1}, {n2}]\n",
        "key": f"{n1}: v\n",
        "flow key": f"{{{n1}: v}}\n",
        "two keys": f"{n1}: 1\n{n2}: 2\n",
        "key next to text key": f"{n1}: 1\n'{n2.strip(chr(39))}': 2\n",
    }


def key_nodes(text: str) -> int:
    """How many key nodes the composed document has (PyYAML's dicts hold fewer if some repeat)."""
    stack, count = [yaml.compose(text, Loader=REFERENCE_LOADER)], 0
    while stack:
        n = stack.pop()
        if isinstance(n, yaml.MappingNode):
            count += len(n.value)
            stack.extend(v for _, v in n.value)
        elif isinstance(n, yaml.SequenceNode):
            stack.extend(n.value)
    return count


def dict_keys(data) -> int:
    if isinstance(data, dict):
        return len(data) + sum(dict_keys(v) for v in data.values())
    if isinstance(data, list):
        return sum(dict_keys(v) for v in data)
    return 0


def justified(code: str, text: str, tags: set[str]) -> bool:
    """Whether a refusal of a text PyYAML accepts follows from one of isek's documented rules."""
    ok, data = pyyaml(text)
    assert ok
    if code == "E116":
        return nontext_keys(data)
    if code == "E105":
        return bool(tags & (set(OTHER_TAGS) | {"!!null"})) or ("!" in tags and nontext_scalars(text))
    if code == "E104":
        return key_nodes(text) > dict_keys(data)
    if code == "E111":
        return "<<" in text or "!!merge" in tags
    if code == "E108":
        return data is None
    if code == "E204":  # else PyYAML must refuse too
        return non_decimal(text)
    return False  # the rest: PyYAML must refuse too


def check_agrees(text: str, tags: set[str]) -> str:
    got = outcome(text)
    assert got.kind in ("equal", "both refuse", "isek refuses"), f"{text!r}: {got.kind} {got.detail}"
    if got.kind == "isek refuses":
        unexplained = [c for c in got.codes if not (c in DOCUMENTED and justified(c, text, tags))]
        assert not unexplained, f"{text!r}: PyYAML accepts, isek refuses with {unexplained}: {got.detail}"
    return got.kind


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(v1=SCALARS, s1=STYLES, t1=TAGS, v2=SCALARS, s2=STYLES, t2=TAGS)
def test_generated_scalars_as_values_and_keys_agree_with_pyyaml(v1, s1, t1, v2, s2, t2):
    n1, n2 = node(v1, s1, t1), node(v2, s2, t2)
    tags = {t for t in (t1, t2) if t}
    for text in documents(n1, n2).values():
        check_agrees(text, tags)


@pytest.mark.parametrize("tag", (None,) + STANDARD_TAGS + OTHER_TAGS)
def test_every_edge_scalar_with_every_tag_agrees(tag):
    for value in EDGE_SCALARS + ["=", "<<", "\u00a0", "\u3000"]:
        for style in ("plain", "single", "double"):
            n = node(value, style, tag)
            for text in documents(n, n).values():
                check_agrees(text, {tag} if tag else set())


def test_untagged_scalars_give_pyyaml_data_as_values_and_text_keys_as_keys():
    """The common path: every untagged edge scalar is accepted as a value with PyYAML's data."""
    for value in EDGE_SCALARS:
        if value in ("=", "<<"):
            continue  # PyYAML refuses these as values (see the tag cases)
        for style in ("plain", "single", "double"):
            text = f"k: {node(value, style, None)}\n"
            assert outcome(text).kind == ("isek refuses" if non_decimal(text) else "equal"), text
            key = f"{node(value, style, None)}: v\n"
            ok, data = pyyaml(key)
            expected = "both refuse" if not ok else "equal" if isinstance(next(iter(data)), str) else "isek refuses"
            assert outcome(key).kind == expected, key


# --- the cases of issue 19, each with its diagnostic -------------------------------------

@pytest.mark.parametrize("value", ['!!int ""', "!!int +", "!!int _", '!!float ""', "!!bool foo", "!!timestamp foo",
                                   "!!timestamp ''", "!!int", "!!int 0b2", "!!float ."])
def test_a_tagged_value_its_constructor_cannot_read_is_e204(value):
    data, problems = parse(f"priority: {value}\n", "f.yaml")
    assert [(p.code, p.line, p.col) for p in problems] == [("E204", 1, 11)]
    assert "tag !!" in problems[0].message and "remove the tag" in problems[0].hint
    assert pyyaml(f"priority: {value}\n")[0] is False  # PyYAML raises on it too


@pytest.mark.parametrize("value", ["0x_", "0b_", "-0x__"])
def test_an_untagged_value_yaml_11_reads_as_a_number_it_cannot_be_is_e204(value):
    """YAML 1.1 resolves these to int, and PyYAML's int() then fails: no tag to blame."""
    data, problems = parse(f"priority: {value}\n", "f.yaml")
    assert [(p.code, p.line, p.col) for p in problems] == [("E204", 1, 11)]
    assert "tag" not in problems[0].message and "quote it" in problems[0].hint
    assert pyyaml(f"priority: {value}\n")[0] is False


@pytest.mark.parametrize("text, data", [
    ('k: !!int "12"', {"k": 12}), ("k: !!float 1e5", {"k": 100000.0}), ("k: !!str 2024", {"k": "2024"}),
    ("k: !!bool 'YES'", {"k": True}), ("k: !!null ''", {"k": None}), ("k: ! Zwölf", {"k": "Zwölf"}),
    ("!!str 1: a", {"1": "a"}), ("=: a", {"=": "a"}), ("'1': a", {"1": "a"}),
    ("k: !<tag:yaml.org,2002:int> 7", {"k": 7}), ("%TAG !e! tag:yaml.org,2002:\n---\nk: !e!int 7", {"k": 7}),
    ("\u00a0", "\u00a0"), ("\u3000\n", "\u3000"),
])
def test_standard_tags_and_text_keys_are_read_as_pyyaml_reads_them(text, data):
    assert parse(text, "f.yaml") == (data, [])
    assert pyyaml(text) == (True, data)


@pytest.mark.parametrize("text, expected", [
    ("1: a\n01: b\n", [("E116", 1, 1), ("E116", 2, 1)]),  # one key for PyYAML: refused, not a false pair
    ("1: a\n'1': b\n", [("E116", 1, 1)]),  # no false duplicate: only the number key is refused
    ("yes: a\ntrue: b\n", [("E116", 1, 1), ("E116", 2, 1)]),
    ("null: a\n~: b\n", [("E116", 1, 1), ("E116", 2, 1)]),
    ("2020-01-01: a\n", [("E116", 1, 1)]),
    ("{? : a}\n", [("E116", 1, 4)]),
    ("'1': a\n!!str 1: b\n", [("E104", 2, 1)]),  # the same text twice: a duplicate
    ("k: !!null foo\n", [("E105", 1, 4)]),
    ("k: !!str [a]\n", [("E105", 1, 4)]),
    ("k: !!map x\n", [("E105", 1, 4)]),
    ("k: =\n", [("E204", 1, 4)]),
    ("k: ! 12\n", [("E105", 1, 4)]),  # YAML: the text '12'; libyaml: the number 12 (issue 16)
    ("k: [! true, ! ~]\n", [("E105", 1, 5), ("E105", 1, 13)]),
    ("k: 0x1F\n", [("E204", 1, 4)]),  # decimal numbers only (issue 16)
    ("k: [017, 0b101, 1:30, 1:30.5, !!int 0x1F]\n", [("E204", 1, 5), ("E204", 1, 10), ("E204", 1, 17), ("E204", 1, 23),
                                                     ("E204", 1, 31)]),
    ("k: <<\n", [("E204", 1, 4)]),
    ("<<: {a: 1}\n", [("E111", 1, 1)]),
    ("k: a\u0001\n", [("E102", 1, 5)]),
    ("k: &x !!int ''\nl: [*x, *x]\n", [("E204", 1, 4)]),  # once, not once per alias
    ("---\n", [("E108", 1, 1)]),
    ("%YAML 1.1\n---\n", [("E108", 1, 1)]),
])
def test_what_isek_refuses_is_reported_where_it_is(text, expected):
    _, problems = parse(text, "f.yaml")
    assert [(p.code, p.line, p.col) for p in problems] == expected, [p.message for p in problems]


@pytest.mark.parametrize("text, first", [
    ("a: 1\nb: 2\na: 3\n", 1),
    ("yes: 1\n'yes': 2\n'yes': 3\n", 2),  # the refused key 'yes' (a yes/no value) is not the first
    ("k: x\n'k': y\n", 1),
])
def test_a_duplicate_key_names_the_line_of_the_first_key_read_as_text(text, first):
    _, problems = parse(text, "f.yaml")
    duplicate = [p for p in problems if p.code == "E104"]
    assert len(duplicate) == 1 and f"(first at line {first})" in duplicate[0].message, [p.message for p in problems]


def test_messages_name_no_tag_nobody_wrote():
    for text in ("=: a\n", "k: =\n", "1: a\n", "k: " + "1" * 5000 + "\n", "k: 2024-02-30\n"):
        _, problems = parse(text, "f.yaml")
        assert all("!!" not in p.message and "tag" not in p.message for p in problems), (text[:20], problems)
    _, problems = parse("1: a\n", "f.yaml")
    assert problems[0].hint.endswith('quote it: "1":')


# --- in a plan file ------------------------------------------------------------------

MINI = FIXTURES / "mini"
MINI_FILES = sorted(str(p.relative_to(MINI)) for p in MINI.rglob("*.yaml"))
FIELD = "fields/02-innenstadt.yaml"
ANCHOR = "    key_project: true\n"
PLACES = ("title: {n}", "priority: {n}", "start: {n}", "cost_eur: {n}", "key_project: {n}", "funding: [{n}]",
          "description: {n}", "{n}: 1")


def in_field(n: str, place: str) -> str:
    field = (MINI / FIELD).read_text(encoding="utf-8")
    line = "    " + place.format(n=n) + "\n"
    if place.startswith("key_project"):
        return field.replace(ANCHOR, line)
    return field.replace(ANCHOR, ANCHOR + line)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=SCALARS, style=STYLES, tag=TAGS, place=st.sampled_from(PLACES))
def test_generated_scalars_in_a_plan_file_load_or_are_diagnosed(value, style, tag, place):
    snapshot = {rel: (MINI / rel).read_bytes() for rel in MINI_FILES}
    snapshot[FIELD] = in_field(node(value, style, tag), place).encode("utf-8")
    loaded = load_plan(MINI, snapshot=snapshot)  # an exception fails the test
    for d in loaded.diagnostics:
        assert d.code in CODES and d.line >= 1 and d.col >= 1 and d.message, d


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(value=SCALARS, style=STYLES, tag=TAGS, place=st.sampled_from(PLACES))
def test_isek_check_on_generated_scalars_never_exits_3(tmp_path_factory, value, style, tag, place):
    plan = tmp_path_factory.mktemp("plan") / "plan"
    shutil.copytree(MINI, plan)
    (plan / FIELD).write_text(in_field(node(value, style, tag), place), encoding="utf-8")
    for fmt in ("json", "text"):
        r = run("check", "--format", fmt, plan=plan, env={"ISEK_NO_CACHE": "1"})
        assert r.exit_code in (0, 1), r
        if fmt == "json":
            report = json.loads(r.stdout)
            assert all(d["line"] >= 1 and d["col"] >= 1 for d in report["diagnostics"])


@pytest.mark.parametrize("value", ['!!int ""', "!!int +", "!!int _", '!!float ""', "!!bool foo", "!!timestamp foo",
                                   "!!timestamp ''"])
def test_isek_check_on_the_tags_of_issue_19(mini: Path, value):
    path = mini / FIELD
    path.write_text(path.read_text(encoding="utf-8").replace("    priority: 3\n", f"    priority: {value}\n", 1),
                    encoding="utf-8")
    r = run("check", "--format", "json", plan=mini, env={"ISEK_NO_CACHE": "1"})
    assert r.exit_code == 1, r
    found = [d for d in json.loads(r.stdout)["diagnostics"] if d["code"] == "E204" and d["file"] == FIELD]
    assert found and found[0]["col"] == len("    priority: ") + 1, r.stdout
