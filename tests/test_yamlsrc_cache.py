"""The fast YAML resolver resolves exactly like PyYAML's, and the plan cache is honest."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import run
from isek_cli.plan import cache
from isek_cli.query import measures as measure_queries
from isek_cli.query import status as queries
from isek_cli.plan.loader import load_plan
from isek_cli.plan.source import Loader

EDGE_SCALARS = [
    "", "~", "null", "Null", "NULL", "nULL", "yes", "Yes", "YES", "no", "No", "on", "On", "OFF", "off", "y", "Y",
    "n", "N", "true", "True", "FALSE", "0x1F", "0o17", "017", "0b101", "1_000", "1:20", "190:20:30", "1.5", ".5",
    "5.", ".inf", "-.Inf", "+.INF", ".NaN", ".nan", "1e5", "1.0e+5", "1.0e5", "-1.5E-3", "2024-05-14", "2024-5-4",
    "2024-05-14T10:00:00Z", "2024-05-14 10:00:00.5 +01:00", "2024-05-14t10:00:00", "=", "<<", "abc", "Äpfel",
    "+1", "-0", "0", "00", "1,000", "25.000", "1.10", "HF1.M01", "in_umsetzung", "0.", "._", "+", "-x",
]


def tags(loader, value: str, style: str = "") -> list[str]:
    text = f"k: {style}{value}{style}\nl: [{style}{value}{style}]\n" if value or style else "k:\nl: []\n"
    node = yaml.compose(text, Loader=loader)
    return [node.value[0][1].tag] + [n.tag for n in node.value[1][1].value]


@pytest.mark.parametrize("value", EDGE_SCALARS)
@pytest.mark.parametrize("style", ["", "'", '"'])
def test_fast_resolver_matches_pyyaml(value, style):
    stock = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    assert tags(Loader, value, style) == tags(stock, value, style)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12))
def test_fast_resolver_matches_pyyaml_on_generated_text(value):
    stock = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    text = "k: " + json.dumps(value, ensure_ascii=False)[1:-1].replace("\\\\", "\\")  # plain if it parses so
    try:
        expected = yaml.compose(text, Loader=stock)
    except yaml.YAMLError:
        return
    got = yaml.compose(text, Loader=Loader)
    if expected is None:
        assert got is None
        return
    assert [(k.tag, v.tag) for k, v in got.value] == [(k.tag, v.tag) for k, v in expected.value]


# --- the cache -------------------------------------------------------------

def summary(loaded) -> dict:
    """Everything a command can see of a load, in comparable form."""
    plan = loaded.plan
    years = range(2021, 2026)
    return {
        "diagnostics": [d.as_dict() for d in loaded.diagnostics],
        "status": [queries.status(plan, y) for y in years] if plan.meta else None,
        "measures": measure_queries.measures(plan, 2024) if plan.meta else None,
        "history": {m: [u.model_dump(mode="json") for u in us] for m, us in plan.history.items()},
        "series": {k: [(v.date.isoformat(), v.value) for v, _ in vs] for k, vs in plan.series.items()},
        "files": [(pf.rel, pf.kind, pf.model is None) for pf in loaded.files],
    }


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Path:
    d = tmp_path / "cache"
    monkeypatch.setenv("ISEK_CACHE_DIR", str(d))
    monkeypatch.delenv("ISEK_NO_CACHE", raising=False)
    return d


def assert_cache_honest(plan: Path) -> None:
    fresh = summary(load_plan(plan, use_cache=False))
    first = summary(load_plan(plan))   # builds or uses the cache
    second = summary(load_plan(plan))  # certainly from the cache now
    assert first == fresh
    assert second == fresh


def test_cache_is_used_and_lives_outside_the_plan(mini, cache_dir):
    before = sorted(p.relative_to(mini) for p in mini.rglob("*"))
    load_plan(mini)
    assert len(list(cache_dir.glob("*.pickle"))) == 1
    assert sorted(p.relative_to(mini) for p in mini.rglob("*")) == before
    calls = []
    import isek_cli.plan.loader as loader_module
    real = loader_module._load
    loader_module._load = lambda *a: calls.append(a) or real(*a)
    try:
        load_plan(mini)
        assert calls == []  # served from the cache
    finally:
        loader_module._load = real


def edit(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")


EDITS = {
    "content": lambda p: edit(p / "fields/01-wohnen.yaml", "priority: 3", "priority: 2"),
    "introduce-error": lambda p: edit(p / "fields/01-wohnen.yaml", "priority: 3", "prority: 3"),
    "warning": lambda p: edit(p / "fields/02-innenstadt.yaml", "end: 2027", "end: 2031"),
    "add-progress-file": lambda p: (p / "progress/2025.yaml").write_text(
        "year: 2025\nupdates:\n  - {measure: HF1.M02, date: 2025-02-01, status: abgeschlossen, percent: 100}\n"
        "values: []\n", encoding="utf-8"),
    "remove-file": lambda p: (p / "progress/2024.yaml").unlink(),
    "add-field-file": lambda p: shutil.copyfile(p / "fields/02-innenstadt.yaml", p / "fields/03-copy.yaml"),
    "ignored-file": lambda p: (p / "notes.yml").write_text("x: 1\n", encoding="utf-8"),
    "remove-isek-yaml": lambda p: (p / "isek.yaml").unlink(),
}


@pytest.mark.parametrize("name", list(EDITS))
def test_cached_equals_fresh_after_any_edit(mini, cache_dir, name):
    assert_cache_honest(mini)
    EDITS[name](mini)
    assert_cache_honest(mini)


def test_same_size_same_mtime_edit_is_noticed(mini, cache_dir):
    """An edit that keeps the file's size and mtime is caught by the content hash."""
    path = mini / "fields/01-wohnen.yaml"
    assert_cache_honest(mini)
    st = os.stat(path)
    edit(path, "priority: 3", "priority: 2")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert os.stat(path).st_size == st.st_size and os.stat(path).st_mtime_ns == st.st_mtime_ns
    assert_cache_honest(mini)
    assert summary(load_plan(mini))["measures"][3]["priority"] == 2


def test_corrupt_or_foreign_cache_is_rebuilt(mini, cache_dir):
    load_plan(mini)
    cache_file = cache.cache_file(mini)
    for garbage in (b"", b"\x00" * 10, cache_file.read_bytes()[:50], b"x" * 32 + b"not a pickle"):
        cache_file.write_bytes(garbage)
        assert_cache_honest(mini)


def test_no_cache_bypasses_and_unwritable_cache_is_harmless(mini, tmp_path, monkeypatch):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file, not a folder")
    monkeypatch.setenv("ISEK_CACHE_DIR", str(blocked / "sub"))
    assert run("check", plan=mini).exit_code == 0
    monkeypatch.setenv("ISEK_CACHE_DIR", str(tmp_path / "c2"))
    assert run("check", "--no-cache", plan=mini).exit_code == 0
    assert not (tmp_path / "c2").exists()
    monkeypatch.setenv("ISEK_NO_CACHE", "1")
    assert run("status", plan=mini).exit_code == 0
    assert not (tmp_path / "c2").exists()
