"""The package's layering, read from the source: no import circles, no upward imports.

Layers, lowest first (docs/architecture.md draws them):

    base      version, errors, resources, i18n, terminal   (import nothing of isek but each other)
    plan      model, YAML source, loader, checks, cache, the assembled index
    query     status, measures, show, due
    writing   text insertion, atomic writes, progress appends, outputs, scaffold
    git, data revisions and semantic diff | spreadsheets, catalogue import, export
    report    context, charts, templates, site
    portfolio several plans as one (portfolio.yaml): summaries, status, funding, export, site
    api       the Python API (open_plan, Plan, open_portfolio)
    cli       the commands

A module may import its own layer and lower ones. ``git`` and ``data`` are
siblings and must not import each other. Every import counts, also the lazy
ones inside functions: a lazy upward import is still an upward dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parent.parent / "isek_cli"

LAYERS = {
    "version": 0, "errors": 0, "resources": 0, "i18n": 0, "terminal": 0,
    "plan": 1,
    "query": 2,
    "writing": 3,
    "git": 4, "data": 4,
    "report": 5,
    "portfolio": 6,
    "api": 7, "__init__": 7,
    "cli": 8, "__main__": 8,
}
SIBLINGS_APART = {("git", "data"), ("data", "git")}


def module_name(path: Path) -> str:
    rel = path.relative_to(PKG).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(["isek_cli", *parts])


def imports_of(path: Path) -> set[str]:
    """Every isek_cli module this file imports, top-level or inside functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("isek_cli")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("isek_cli"):
                continue
            for alias in node.names:  # 'from . import x' may name a module
                candidate = f"{target}.{alias.name}"
                found.add(candidate if candidate in MODULES else target)
    return {_known(m) for m in found}


def _known(name: str) -> str:
    while name not in MODULES and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


MODULES = {module_name(p): p for p in PKG.rglob("*.py")}


def layer_of(module: str) -> tuple[str, int]:
    top = module.split(".")[1] if module != "isek_cli" else "__init__"
    return top, LAYERS[top]


def graph() -> dict[str, set[str]]:
    return {m: imports_of(p) - {m} for m, p in MODULES.items()}


def test_every_module_has_a_layer():
    for m in MODULES:
        assert layer_of(m), m


def test_no_upward_imports():
    wrong = []
    for m, deps in graph().items():
        top, level = layer_of(m)
        for d in deps:
            dtop, dlevel = layer_of(d)
            if m == "isek_cli" and d == "isek_cli.version":
                continue
            if dlevel > level or (top, dtop) in SIBLINGS_APART:
                wrong.append(f"{m} ({top}) imports {d} ({dtop})")
    assert not wrong, "imports against the layering:\n" + "\n".join(sorted(wrong))


def find_cycle(g: dict[str, set[str]]) -> list[str] | None:
    """A shortest-found import circle, as a list of modules, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> list[str] | None:
        state[n] = 1
        stack.append(n)
        for d in sorted(g.get(n, ())):
            if d in ("isek_cli",):  # the package's lazy public names
                continue
            if state.get(d) == 1:
                return stack[stack.index(d):] + [d]
            if d not in state:
                found = visit(d)
                if found:
                    return found
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(g):
        if n not in state:
            found = visit(n)
            if found:
                return found
    return None


def test_no_import_circles():
    cycle = find_cycle(graph())
    assert cycle is None, "import circle: " + " → ".join(cycle)


def test_the_checker_sees_a_circle_and_an_upward_import():
    """The test above can fail: a made-up graph with a circle is caught."""
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize("path", sorted(PKG.rglob("*.py")), ids=lambda p: str(p.relative_to(PKG)))
def test_modules_stay_small(path):
    """~400 lines per module; a longer one says why in its docstring ('long because')."""
    text = path.read_text(encoding="utf-8")
    lines = text.count("\n")
    assert lines <= 420 or "long because" in text[:2000], f"{path.name} has {lines} lines"


def test_at_most_eight_modules_at_the_top():
    top = [p.name for p in PKG.glob("*.py")]
    assert len(top) <= 8, top
