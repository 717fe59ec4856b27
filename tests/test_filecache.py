"""The per-file cache (plan/filecache.py): a file is parsed once per content, and every load
through it equals a load that parses everything afresh - after edits of every file kind,
after progress writes, and for git revisions."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from isek_cli.plan import cache, filecache
from isek_cli.plan import loader as loader_module
from isek_cli.plan.loader import load_plan
from test_yamlsrc_cache import EDITS, edit, summary


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Path:
    d = tmp_path / "cache"
    monkeypatch.setenv("ISEK_CACHE_DIR", str(d))
    monkeypatch.delenv("ISEK_NO_CACHE", raising=False)
    filecache._MEMO.clear()
    yield d
    filecache._MEMO.clear()


@pytest.fixture
def parses(monkeypatch) -> list[str]:
    """The files parsed from text (not served from a cache), by relative path."""
    seen: list[str] = []
    real = loader_module.source_from_text
    monkeypatch.setattr(loader_module, "source_from_text", lambda text, rel, **kw: seen.append(rel) or real(text, rel, **kw))
    return seen


def fresh(plan: Path, monkeypatch, **kw):
    """A load with every cache off: the reference."""
    with monkeypatch.context() as m:
        m.setenv("ISEK_NO_CACHE", "1")
        return load_plan(plan, **kw)


def test_each_file_is_parsed_once_per_content(mini, cache_dir, parses):
    load_plan(mini)
    assert len(parses) == len(list(mini.rglob("*.yaml")))
    assert len(list((cache_dir / "files").glob("*.pickle"))) == len(parses)
    parses.clear()
    load_plan(mini, use_cache=False)  # --no-cache: every file parsed, nothing taken from a cache
    assert len(parses) == len(list(mini.rglob("*.yaml")))
    parses.clear()
    filecache._MEMO.clear()  # as in a new process
    cache.cache_file(mini).unlink()
    load_plan(mini)  # no whole-plan cache: assembled from the per-file cache, nothing parsed
    assert parses == []
    edit(mini / "fields/01-wohnen.yaml", "priority: 3", "priority: 2")
    filecache._MEMO.clear()  # as in a new process
    load_plan(mini)
    assert parses == ["fields/01-wohnen.yaml"]


@pytest.mark.parametrize("name", list(EDITS) + ["actors", "indicators", "isek", "progress-warning"])
def test_cached_equals_fresh_after_any_edit(mini, cache_dir, monkeypatch, name):
    more = {
        "actors": lambda p: edit(p / "actors.yaml", "name:", "name: Neu"),
        "indicators": lambda p: edit(p / "indicators.yaml", "unit:", "unit: x"),
        "isek": lambda p: edit(p / "isek.yaml", "title:", "title: Neu"),
        "progress-warning": lambda p: edit(p / "progress/2024.yaml", "percent: ", "percent: 1"),
    }
    load_plan(mini)
    (EDITS | more)[name](mini)
    expected = summary(fresh(mini, monkeypatch))
    assert summary(load_plan(mini)) == expected  # per-file entries of the unchanged files
    assert summary(load_plan(mini)) == expected  # whole-plan cache
    filecache._MEMO.clear()
    cache.cache_file(mini).unlink(missing_ok=True)
    assert summary(load_plan(mini)) == expected  # per-file entries from disk only


def test_same_text_under_another_name_is_not_confused(mini, cache_dir, monkeypatch):
    shutil.copyfile(mini / "fields/02-innenstadt.yaml", mini / "fields/03-copy.yaml")  # duplicate ids
    got = summary(load_plan(mini))
    assert got == summary(fresh(mini, monkeypatch))
    assert any(d["file"] == "fields/03-copy.yaml" for d in got["diagnostics"])


def test_a_corrupt_or_foreign_entry_is_a_miss(mini, cache_dir, monkeypatch, parses):
    load_plan(mini)
    cache.cache_file(mini).unlink()
    filecache._MEMO.clear()
    entries = sorted((cache_dir / "files").glob("*.pickle"))
    entries[0].write_bytes(b"garbage")
    entries[1].chmod(0o666)  # writable by others: never unpickled
    parses.clear()
    got = summary(load_plan(mini))
    assert len(parses) == 2  # the two bad entries were parsed afresh, the others were not
    assert got == summary(fresh(mini, monkeypatch))


def test_a_progress_write_validates_one_file_and_refreshes_the_plan_cache(mini, cache_dir, monkeypatch, parses):
    from isek_cli.api import record_progress

    load_plan(mini)
    parses.clear()
    record_progress(mini, updates=[{"measure": "HF1.M02", "date": __import__("datetime").date(2024, 6, 1),
                                    "status": "in_umsetzung", "percent": 40, "note": "Weiter."}])
    assert parses == ["progress/2024.yaml"]  # only the file the write changed
    calls = []
    real = loader_module._load
    monkeypatch.setattr(loader_module, "_load", lambda *a, **k: calls.append(a) or real(*a, **k))
    after = summary(load_plan(mini))
    assert calls == []  # the whole-plan cache was refreshed by the write
    assert after == summary(fresh(mini, monkeypatch))
    assert any(u["note"] == "Weiter." for u in after["history"]["HF1.M02"])


def git(repo: Path, *args: str) -> None:
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@x", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@x")
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def test_diff_parses_only_blobs_not_seen_and_equals_a_fresh_diff(tmp_path, mini, cache_dir, monkeypatch, parses):
    from isek_cli.api import diff

    repo = mini.parent
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "one")
    edit(mini / "fields/01-wohnen.yaml", "priority: 3", "priority: 2")
    edit(mini / "progress/2024.yaml", "Rohbau fertig.", "Rohbau und Dach fertig.")
    git(repo, "commit", "-qam", "two")
    load_plan(mini)  # the working tree (= HEAD) was loaded before, as in daily use
    filecache._MEMO.clear()
    parses.clear()
    got = diff(mini, "HEAD~1", "HEAD")
    assert sorted(parses) == ["fields/01-wohnen.yaml", "progress/2024.yaml"]  # HEAD~1's two blobs
    with monkeypatch.context() as m:
        m.setenv("ISEK_NO_CACHE", "1")
        assert got == diff(mini, "HEAD~1", "HEAD")
    assert got["differs"]


def test_a_revision_is_loaded_once_and_its_cached_load_equals_a_fresh_one(mini, cache_dir, monkeypatch):
    from isek_cli.git import revision

    repo = mini.parent
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "one")
    edit(mini / "fields/01-wohnen.yaml", "priority: 3", "priority: 9")  # an error: diagnostics are cached too
    git(repo, "commit", "-qam", "two")
    loads: list[int] = []
    real = loader_module.load_plan
    monkeypatch.setattr(loader_module, "load_plan", lambda *a, **kw: loads.append(1) or real(*a, **kw))
    first, _ = revision.load_at("HEAD", mini)
    again, rev = revision.load_at("HEAD", mini)
    assert len(loads) == 1 and rev.commit == again.plan.revision
    assert len(list((cache_dir / "revisions").glob("*.pickle"))) == 1
    with monkeypatch.context() as m:
        m.setenv("ISEK_NO_CACHE", "1")
        reference, _ = revision.load_at("HEAD", mini)
    assert again.diagnostics == reference.diagnostics and any(d.severity == "error" for d in again.diagnostics)
    assert summary(again) == summary(reference)
    # another revision, or the same one without diagnostics, is another entry
    revision.load_at("HEAD~1", mini)
    revision.load_at("HEAD", mini, diagnose=False)
    assert len(loads) == 3 + 1  # + the reference's uncached load


def test_a_write_positions_its_warnings_from_the_candidate_it_parsed(mini, cache_dir, monkeypatch):
    """The candidate's composed document is kept to position its diagnostics (no second compose)
    and never reaches a cache; positions equal a fresh check's, in the written file too."""
    import datetime as dt

    from isek_cli.api import record_progress
    from isek_cli.plan import source

    load_plan(mini)
    composed = []
    real = source._compose_quietly
    monkeypatch.setattr(source, "_compose_quietly", lambda text: composed.append(1) or real(text))
    # two entries that fall back (W405, W406) before entries already in the file
    result = record_progress(mini, updates=[
        {"measure": "HF1.M02", "date": dt.date(2024, 1, 2), "status": "abgeschlossen", "percent": 100},
        {"measure": "HF1.M02", "date": dt.date(2024, 1, 3), "status": "in_umsetzung", "percent": 10}])
    assert {d.code for d in result.warnings} >= {"W405"}
    assert composed == []  # positioned from the kept document
    cached = load_plan(mini)
    assert [d.as_dict() for d in cached.diagnostics] == [d.as_dict() for d in fresh(mini, monkeypatch).diagnostics]
    assert all(pf.source.node is None for pf in cached.files)
    assert b"ScalarNode" not in (cache.cache_file(mini)).read_bytes()
    assert all(b"ScalarNode" not in p.read_bytes() for p in (cache_dir / "files").glob("*.pickle"))


def test_the_first_write_in_a_folder_without_git_finds_the_plan_cached(mini, cache_dir, monkeypatch):
    """The write lock (.isek.lock in the plan folder without git) is created by the first write;
    it is no plan file, so the plan a command cached before is still the plan."""
    import datetime as dt

    from isek_cli.api import record_progress

    assert not (mini / ".isek.lock").exists() and not (mini.parent / ".git").exists()
    load_plan(mini)
    calls = []
    real = loader_module._load
    monkeypatch.setattr(loader_module, "_load", lambda *a, **k: calls.append(a[1:3]) or real(*a, **k))
    record_progress(mini, updates=[{"measure": "HF1.M02", "date": dt.date(2024, 6, 1), "status": "in_umsetzung"}])
    assert (mini / ".isek.lock").exists()
    assert all(overrides is not None for overrides, _ in calls)  # only the candidate, no fresh load before it
