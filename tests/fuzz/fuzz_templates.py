"""Coverage-guided fuzz target for the template sandbox (atheris / libFuzzer).

    .venv/bin/python tests/fuzz/fuzz_templates.py -atheris_runs=100000 tests/fuzz/corpus-templates
    .venv/bin/python tests/fuzz/fuzz_templates.py -max_total_time=1800 -rss_limit_mb=2048 tests/fuzz/corpus-templates

The input is a report template (UTF-8, invalid bytes replaced) rendered with the fixture plan's
report data in isek's sandbox, with a small work budget. It must render or fail with a
``TemplateProblem`` (a clear message naming the template); any other exception is a crash,
a render that runs past libFuzzer's -timeout is a hang, and -rss_limit_mb catches memory the
budget does not bound.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

with atheris.instrument_imports():
    import isek_cli.report.sandbox  # noqa: F401  (instrument it too)
    from isek_cli.plan.loader import load_plan
    from isek_cli.report.context import build
    from isek_cli.report.render import TemplateProblem, environment, render_with

MINI = Path(__file__).resolve().parent.parent / "fixtures" / "mini"
CONTEXT = build(load_plan(MINI, use_cache=False).plan, 2024, "de")
STEPS = 200_000  # small: a fuzzer's inputs should stop fast


def render(source: str) -> str:
    """isek's render of a template given as text (the same environment and error mapping)."""
    from jinja2 import ChoiceLoader, DictLoader

    env = environment("de", None, STEPS)
    env.loader = ChoiceLoader([DictLoader({"fuzz.md.j2": source}), env.loader])
    return render_with(env, CONTEXT, "md", "fuzz.md.j2")


def one_input(data: bytes) -> None:
    source = data.decode("utf-8", "replace")
    try:
        render(source)
    except TemplateProblem:
        pass


def main() -> None:
    corpus = Path(__file__).resolve().parent / "corpus-templates"
    if not corpus.exists():
        corpus.mkdir()
        templates = Path(__file__).resolve().parent.parent.parent / "templates"
        for i, p in enumerate(sorted(templates.glob("*.md.j2"))):
            (corpus / f"seed-{i}").write_bytes(p.read_bytes())
        (corpus / "seed-loops").write_bytes(b"{% for m in measures %}{{ m.title|mdcell }}{% endfor %}")
        (corpus / "seed-ops").write_bytes(b"{{ 'x' * 3 ~ 'y'|replace('y', 'z') }}{{ 2 ** 8 }}{{ lipsum(1) }}")
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
