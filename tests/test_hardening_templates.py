"""The template sandbox bounds the work, not each operation (issue 16): nested loops, towers of
powers, lipsum(n=10**7), replace or concatenation growing a string, exponential macros. Each ends
in a clear error naming the template, in a real process with capped memory; the subprocess timeout
only guards against a hang. The built-in reports stay far below every limit."""

from __future__ import annotations

import os
import resource
import subprocess
import sys

import pytest

from conftest import run

MEMORY = 1536 * 2**20

ATTACKS = {
    "nested-range": "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    "nested-range-output": "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
    "nested-data-loops": "{% for a in measures %}{% for b in range(100000) %}{% for c in range(100000) %}"
                         "{% endfor %}{% endfor %}{% endfor %}",
    "power-tower": "{{ ((10 ** 100) ** 100) ** 100 }}",
    "power-tower-2": "{% set x = 99 ** 99 %}{% set y = x ** 99 %}{{ (y ** 99) ** 99 }}",
    "int-multiplication": "{% set ns = namespace(x=10 ** 100) %}{% for i in range(40) %}"
                          "{% set ns.x = ns.x * ns.x %}{% endfor %}{{ ns.x }}",
    "lipsum": "{{ lipsum(n=10**7) }}",
    "lipsum-words": "{{ lipsum(n=10, min=10**7, max=10**7) }}",
    "replace-growing": "{% set ns = namespace(s='xxxxxxxxxx') %}{% for i in range(60) %}"
                       "{% set ns.s = ns.s.replace('x', 'xx') %}{% endfor %}{{ ns.s|length }}",
    "replace-filter-growing": "{% set ns = namespace(s='xxxxxxxxxx') %}{% for i in range(60) %}"
                              "{% set ns.s = ns.s|replace('x', 'xx') %}{% endfor %}{{ ns.s|length }}",
    "replace-once-huge": "{% set s = 'x' * 10000000 %}{{ s.replace('x', s)|length }}",
    "concat-growing": "{% set ns = namespace(s='ab') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}"
                      "{% endfor %}{{ ns.s|length }}",
    "plus-growing": "{% set ns = namespace(s='ab') %}{% for i in range(60) %}{% set ns.s = ns.s + ns.s %}"
                    "{% endfor %}{{ ns.s|length }}",
    "list-growing": "{% set ns = namespace(l=[1]) %}{% for i in range(60) %}{% set ns.l = ns.l + ns.l %}"
                    "{% endfor %}{{ ns.l|length }}",
    "join-huge": "{% set s = 'x' * 10000000 %}{{ ([s] * 10000000)|join|length }}",
    "join-method-huge": "{% set s = 'x' * 10000000 %}{{ s.join([s] * 1000)|length }}",
    "sum-lists": "{% set l = [0] * 10000000 %}{{ ([l] * 10000000)|sum(start=[])|length }}",
    "ljust-method": "{{ 'x'.ljust(999999999)|length }}",
    "center-method": "{{ 'x'.center(999999999)|length }}",
    "expandtabs": "{% set s = '\\t' * 10000000 %}{{ s.expandtabs(10000)|length }}",
    "indent-huge": "{% set s = '\\n' * 10000000 %}{{ s|indent(10000)|length }}",
    "percent-format": "{{ ('%s' * 1000000) % ((('x' * 10000000),) * 1000000) }}",
    "percent-width": "{{ '%0999999999d' % 1 }}",
    "exponential-macro": "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(60) }}",
    "output-flood": "{% set s = 'x' * 10000000 %}{% for i in range(100000) %}{{ s }}{% endfor %}",
    "recursive-loop": "{% for x in [[1] * 1000] * 1000 recursive %}{{ loop(range(10000)) }}{% endfor %}",
}


def isek_capped(*args, timeout: int = 60) -> subprocess.CompletedProcess:
    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))

    return subprocess.run([sys.executable, "-m", "isek_cli", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, preexec_fn=cap, env=dict(os.environ, ISEK_NO_CACHE="1"))


@pytest.mark.parametrize("name", list(ATTACKS))
def test_template_work_is_bounded(mini, tmp_path, name):
    tpl = tmp_path / "tpl"
    tpl.mkdir()
    (tpl / "report.md.j2").write_text(ATTACKS[name], encoding="utf-8")
    r = isek_capped("--plan", mini, "report", "2024", "--templates", tpl)
    assert r.returncode == 1, (r.returncode, r.stdout[-500:], r.stderr[-2000:])
    assert "report.md.j2" in r.stderr, r.stderr[-2000:]
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr, r.stderr[-2000:]


@pytest.mark.parametrize("source, expected", [
    ("{{ 2 ** 10 }} {{ 10 ** 100 > 0 }} {{ 'ab' * 3 }} {{ 'x'.ljust(5) }}|", "1024 True ababab x    |"),
    ("{{ 'a-b'.replace('-', '+') }} {{ ['a', 'b']|join(',') }} {{ [[1], [2]]|sum(start=[]) }}", "a+b a,b [1, 2]"),
    ("{% for i in range(3) %}{{ loop.index }}/{{ loop.length }} {% endfor %}", "1/3 2/3 3/3 "),
    ("{{ 'x\\ny'|indent(2) }} {{ 'hallo welt'|wordwrap(5) }} {{ '%05d' % 42 }}", "x\n  y hallo\nwelt 00042"),
    ("{% for x in [] %}a{% else %}leer{% endfor %} {{ lipsum(1, false, 5, 6)|wordcount }}", "leer 5"),
    # A dict's items by attribute, except where dict has the attribute (the sandbox's fast path for dicts)
    ("{% set d = {'title': 'T', 'items': 'I', 1: 'one'} %}{{ d.title }} {{ d.items is callable }} {{ d['items'] }} "
     "{{ d.missing is undefined }} {{ d.__class__ is undefined }} {{ d[1] }}", "T True I True True one"),
])
def test_ordinary_template_code_still_works(mini, tmp_path, source, expected):
    tpl = tmp_path / "tpl"
    tpl.mkdir()
    (tpl / "report.md.j2").write_text(source, encoding="utf-8")
    r = run("report", "2024", "--templates", tpl, plan=mini)
    assert r.exit_code == 0, r
    assert r.stdout == expected


def test_the_built_in_reports_use_a_small_part_of_the_budget(shipped):
    """The example plan's reports (every format, language and year) render; the budget is not close."""
    import importlib

    from isek_cli.api import open_plan

    render_module = importlib.import_module("isek_cli.report.render")

    plan = open_plan(shipped)
    used = []
    real = render_module.environment

    def spy(*args, **kwargs):
        env = real(*args, **kwargs)
        used.append(env)
        return env

    render_module.environment = spy
    try:
        for fmt in ("md", "html"):
            for lang in ("de", "en"):
                plan.report(2017, format=fmt, lang=lang)
    finally:
        render_module.environment = real
    assert used and all(env.budget.steps < env.budget.max_steps / 10 for env in used), \
        [(env.budget.steps, env.budget.max_steps) for env in used]
