"""Fuzzing the loader and validator: whatever the bytes, a plan or positioned diagnostics.

Mutations start from the valid fixture plan: keys deleted, entries duplicated,
values retyped, keys reordered, random bytes inserted, files truncated at every
offset. The loader must never raise; every diagnostic must carry a known code
and a real position. (A coverage-guided fuzzer for the same entry point lives
in tests/fuzz/; see its README.)
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, run
from isek_cli.plan import shape
from isek_cli.plan.diagnostics import CODES
from isek_cli.plan.loader import kind_of_rel, load_plan, validate_file
from isek_cli.plan.model import FILE_MODELS
from isek_cli.plan.source import decode, source_from_text

MINI = FIXTURES / "mini"
FILES = sorted(str(p.relative_to(MINI)) for p in MINI.rglob("*.yaml"))


def assert_well_formed(loaded, texts: dict[str, bytes]) -> None:
    for d in loaded.diagnostics:
        assert d.code in CODES, d
        assert d.severity in ("error", "warning")
        assert d.line >= 1 and d.col >= 1, d
        assert d.message
        if d.file in texts and texts[d.file]:
            lines = texts[d.file].split(b"\n")
            assert d.line <= max(len(lines), 1) + 1, (d, len(lines))
    if not any(d.severity == "error" for d in loaded.diagnostics):
        assert loaded.plan.meta is not None


def load_with(rel: str, data: bytes) -> None:
    """Load the mini plan with one file replaced by ``data`` (in memory: a snapshot)."""
    snapshot = {r: (MINI / r).read_bytes() for r in FILES}
    snapshot[rel] = data
    loaded = load_plan(MINI, snapshot=snapshot)
    assert_well_formed(loaded, snapshot)


def check_one_file(rel: str, data: bytes) -> None:
    """Parse and validate a single file's bytes the way the loader does (fast)."""
    text, problems = decode(data, rel)
    if text is None:
        assert problems and problems[0].line
        return
    pf = validate_file(source_from_text(text, rel), kind_of_rel(rel))
    for p in pf.source.problems:
        assert p.code in CODES


@pytest.mark.parametrize("rel", FILES)
def test_truncation_at_every_offset(rel):
    data = (MINI / rel).read_bytes()
    for cut in range(len(data) + 1):
        check_one_file(rel, data[:cut])


@pytest.mark.parametrize("rel", FILES)
def test_truncation_sample_through_the_whole_loader(rel):
    data = (MINI / rel).read_bytes()
    rng = random.Random(rel)
    for cut in sorted(rng.sample(range(len(data) + 1), min(12, len(data) + 1))):
        load_with(rel, data[:cut])


VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20), st.dates(min_value=dt.date(1, 1, 1)), st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))


def _parent(data, path):
    for seg in path[:-1]:
        data = data[seg]
    return data


@st.composite
def mutated(draw):
    rel = draw(st.sampled_from(FILES))
    data = yaml.safe_load((MINI / rel).read_text(encoding="utf-8"))
    for _ in range(draw(st.integers(1, 4))):
        paths = [p for p in _paths(data) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = _parent(data, path)
        key = path[-1]
        op = draw(st.sampled_from(["delete", "duplicate", "retype", "reorder", "rename"]))
        if op == "delete":
            del parent[key]
        elif op == "duplicate" and isinstance(parent, list):
            parent.insert(key, parent[key])
        elif op == "retype":
            parent[key] = draw(VALUES)
        elif op == "reorder" and isinstance(parent, dict):
            items = list(parent.items())
            draw(st.randoms()).shuffle(items)
            parent.clear()
            parent.update(items)
        elif op == "rename" and isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=8))] = parent.pop(key)
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False) if data is not None else ""
    return rel, text.encode("utf-8")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_plans_load_or_report(case):
    rel, data = case
    load_with(rel, data)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(FILES), st.binary(min_size=1, max_size=40), st.floats(0, 1))
def test_random_bytes_inserted(rel, junk, where):
    data = (MINI / rel).read_bytes()
    at = int(len(data) * where)
    load_with(rel, data[:at] + junk + data[at:])


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_as_any_file(data):
    for rel in ("isek.yaml", "fields/01-wohnen.yaml", "progress/2024.yaml"):
        check_one_file(rel, data)


def test_duplicate_key_text_mutation(mini):
    """A duplicated line (a duplicate key) is an error at the second line, never silently merged."""
    path = mini / "fields/02-innenstadt.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    i = next(n for n, ln in enumerate(lines) if ln.startswith("    priority:"))
    path.write_text("".join(lines[: i + 1] + [lines[i]] + lines[i + 1:]), encoding="utf-8")
    r = run("check", "--format", "json", plan=mini)
    assert r.exit_code == 1 and '"E104"' in r.stdout and f'"line": {i + 2}' in r.stdout


def test_every_model_field_retyped_gives_a_positioned_error():
    """Each key of each model, given a value of a wrong type, yields a positioned E2xx."""
    for rel in FILES:
        data = yaml.safe_load((MINI / rel).read_text(encoding="utf-8"))
        model = FILE_MODELS[kind_of_rel(rel)]
        for key in data:
            for wrong in ([1, 2], {"x": 1}, True):
                if isinstance(data[key], type(wrong)) and not isinstance(wrong, bool):
                    continue
                bad = dict(data, **{key: wrong})
                _, problems = shape.validate(model, bad, rel)
                assert problems, (rel, key, wrong)
                assert all(p.code.startswith("E2") for p in problems), (rel, key, [p.code for p in problems])


def test_atheris_target_runs(tmp_path):
    """The coverage-guided target runs (briefly here; long runs are documented in tests/fuzz/README.md)."""
    import subprocess
    import sys

    pytest.importorskip("atheris")
    target = Path(__file__).parent / "fuzz" / "fuzz_loader.py"
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i, rel in enumerate(FILES):
        (corpus / f"seed-{i}").write_bytes(bytes([i]) + (MINI / rel).read_bytes())
    proc = subprocess.run([sys.executable, str(target), "-atheris_runs=1500", "-rss_limit_mb=2048", str(corpus)],
                          capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Done 1500 in" in proc.stderr


# --- spreadsheet import and the template sandbox (issue 16) ----------------------------

CELLS = st.one_of(
    st.sampled_from(["HF1.M01", "HF9.X", "2024-03-01", "01.03.2024", "45292", "in_planung", "erledigt", "40", "40 %",
                     "1.000", "1,5 Mio. €", "1e400", "-1", "0x1F", "=cmd|' /C calc'!A0", "'=1+1", "", "k. A.", "laufend",
                     "2024–2026", "hoch", "x" * 40_000, "\x1b]0;t\x07", '"', ";", "\r\n"]),
    st.text(max_size=12),
)
SHEET_ROWS = st.lists(st.lists(CELLS, max_size=8), max_size=6)
HEADERS = st.sampled_from([["measure", "date", "status", "percent", "note", "spent_eur"],
                           ["Handlungsfeld", "Ziel", "Maßnahme", "Priorität", "Federführung", "Kosten", "Beginn"],
                           ["a", "b"], []])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(HEADERS, SHEET_ROWS, st.sampled_from([";", ",", "\t"]), st.booleans())
def test_random_csv_sheets_import_or_refuse(tmp_path_factory, header, rows, sep, as_catalogue):
    """Whatever the cells, both imports return their result or refuse with an IsekError."""
    from isek_cli.data import catalogue, progress_sheet
    from isek_cli.errors import IsekError

    path = tmp_path_factory.mktemp("sheet") / "s.csv"
    quote = lambda c: '"' + c.replace('"', '""') + '"' if any(x in c for x in '";,\t\r\n') else c  # noqa: E731
    path.write_text("\n".join(sep.join(quote(c) for c in row) for row in [header, *rows]) + "\n", encoding="utf-8")
    try:
        if as_catalogue:
            catalogue.parse(path, catalogue.Options(partial=True))
        else:
            progress_sheet.parse(path, load_plan(MINI, use_cache=False).plan)
    except IsekError:
        pass


SNIPPETS = st.sampled_from([
    "{{ plan.city }}", "{% for m in measures %}", "{% endfor %}", "{% if year %}", "{% endif %}", "{{ 'x' * 5 }}",
    "{{ 10 ** 20 }}", "{{ 'ab'|replace('a', 'aa') }}", "{{ lipsum(2) }}", "{{ range(5)|list }}", "{{ loop.index }}",
    "{% set ns = namespace(s='x') %}", "{% set ns.s = ns.s ~ ns.s %}", "{{ ns.s|length }}", "{{ m.title|mdcell }}",
    "{{ plan.vision|mdtext }}", "{{ '%05d' % 3 }}", "{{ '{:>5}'.format(1) }}", "{{ [1, 2]|sum }}", "{{ x }}",
    "{% macro f(n) %}{{ f(n) }}{% endmacro %}", "{{ f(1) }}", "{{ ''.__class__ }}", "{{ 1 / 0 }}", "{%", "}}",
    "{{ statuses|join(', ') }}", "{{ 'x'.ljust(3) }}", "text ", "\n",
])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(SNIPPETS, max_size=12))
def test_random_templates_render_or_refuse(parts):
    """Any template renders or fails with a TemplateProblem, never another exception."""
    from jinja2 import ChoiceLoader, DictLoader

    from isek_cli.report.context import build
    from isek_cli.report.render import TemplateProblem, environment, render_with

    env = environment("de", None, 200_000)
    env.loader = ChoiceLoader([DictLoader({"t.md.j2": "".join(parts)}), env.loader])
    try:
        render_with(env, build(load_plan(MINI, use_cache=False).plan, 2024, "de"), "md", "t.md.j2")
    except TemplateProblem:
        pass


@pytest.mark.parametrize("target", ["fuzz_sheets.py", "fuzz_templates.py"])
def test_new_atheris_targets_run(tmp_path, target):
    """The coverage-guided targets for spreadsheets and templates run (briefly; see tests/fuzz/README.md)."""
    import subprocess
    import sys

    pytest.importorskip("atheris")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    seeds = {"fuzz_sheets.py": [b"\x00measure;date;status\nHF1.M01;2024-03-01;in_planung\n",
                                b"\x02Handlungsfeld;Ziel;Ma\xc3\x9fnahme;Priorit\xc3\xa4t;Federf\xc3\xbchrung\nA;B;C;1;D\n"],
             "fuzz_templates.py": [b"{% for m in measures %}{{ m.title|mdcell }}{% endfor %}", b"{{ 2 ** 8 }}"]}[target]
    for i, seed in enumerate(seeds):
        (corpus / f"seed-{i}").write_bytes(seed)
    proc = subprocess.run([sys.executable, str(Path(__file__).parent / "fuzz" / target), "-atheris_runs=800",
                           "-rss_limit_mb=2048", "-timeout=60", str(corpus)],
                          capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Done 800 in" in proc.stderr
