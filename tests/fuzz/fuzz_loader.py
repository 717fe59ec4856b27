"""Coverage-guided fuzz target for isek's loader and validator (atheris / libFuzzer).

    .venv/bin/pip install atheris
    .venv/bin/python tests/fuzz/fuzz_loader.py -atheris_runs=200000 tests/fuzz/corpus
    .venv/bin/python tests/fuzz/fuzz_loader.py -max_total_time=1800 tests/fuzz/corpus   # 30 minutes

The first bytes choose which plan file the input replaces; the rest is that
file's content. The whole fixture plan is then loaded from memory. Any
exception escaping the loader is a crash (a bug); diagnostics with unknown
codes or without a position are reported as crashes too.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

with atheris.instrument_imports():
    import isek_cli.plan.index  # noqa: F401  (imported lazily by the loader; instrument it too)
    import isek_cli.plan.checks  # noqa: F401
    from isek_cli.plan.diagnostics import CODES
    from isek_cli.plan.loader import load_plan

MINI = Path(__file__).resolve().parent.parent / "fixtures" / "mini"
FILES = sorted(str(p.relative_to(MINI)) for p in MINI.rglob("*.yaml"))
BASE = {rel: (MINI / rel).read_bytes() for rel in FILES}


def one_input(data: bytes) -> None:
    if not data:
        return
    rel = FILES[data[0] % len(FILES)]
    snapshot = dict(BASE)
    snapshot[rel] = data[1:]
    loaded = load_plan(MINI, snapshot=snapshot)
    for d in loaded.diagnostics:
        if d.code not in CODES or d.line < 1 or d.col < 1 or not d.message:
            raise AssertionError(f"malformed diagnostic {d}")


def main() -> None:
    corpus = Path(__file__).resolve().parent / "corpus"
    if not corpus.exists():  # seed the corpus with the fixture files
        corpus.mkdir()
        for i, rel in enumerate(FILES):
            (corpus / f"seed-{i:02d}").write_bytes(bytes([i]) + BASE[rel])
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
