"""`isek history` reads each commit reduced to the one entity asked about (issue 18); it must
find exactly what comparing whole plans finds. Both routes run over one history holding every
kind of change, for every id that ever existed in it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import FIXTURES, SHIPPED_PLAN, run
from isek_cli.git.history import history
from isek_cli.git.semdiff import entities
from isek_cli.plan.loader import load_plan

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, (old, path)
    path.write_text(text.replace(old, new), encoding="utf-8")


def add_line(path: Path, before: str, line: str) -> None:
    edit(path, before, line + before)


@pytest.fixture
def env(monkeypatch, tmp_path: Path) -> None:
    for k in ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME"):
        monkeypatch.setenv(k, "Planerin")
    for k in ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"):
        monkeypatch.setenv(k, "p@example.org")
    monkeypatch.setenv("ISEK_CACHE_DIR", str(tmp_path / "cache"))


def ids_ever(repo: Path, plan: Path) -> set[str]:
    """Every id of every kind in any commit of the repository."""
    out = subprocess.run(["git", "rev-list", "HEAD"], cwd=repo, capture_output=True, text=True, check=True).stdout
    found: set[str] = set()
    for sha in out.split():
        git(repo, "checkout", "-q", sha)
        if (plan / "isek.yaml").exists():
            for kind in entities(load_plan(plan, use_cache=False).plan).values():
                found |= set(kind)
    git(repo, "checkout", "-q", "main")
    return found


def both_routes_agree(repo: Path, plan: Path) -> int:
    ids = ids_ever(repo, plan) | {"NOPE"}
    touched = 0
    for id_ in sorted(ids):
        whole = history(plan, id_, focused=False)
        assert history(plan, id_) == whole, id_
        touched += bool(whole)
    return touched


def test_every_id_of_a_v2_history_has_the_same_history_both_ways(env, tmp_path: Path):
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    shutil.copytree(FIXTURES / "v2", repo / "plan")
    plan = repo / "plan"
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "adopted")
    f1, p24, p22 = plan / "fields/01-innenstadt.yaml", plan / "progress/2024.yaml", plan / "progress/2022.yaml"
    steps = [
        # a part's entry changes its parent's status (derived from the parts)
        lambda: add_line(p24, "values:", "  - {measure: I-S1.1, date: 2024-05-01, status: abgeschlossen, percent: 100}\n"),
        # a part of a part: the grandparent's history follows it
        lambda: edit(f1, "  - id: I-S2\n", "  - id: I-S1.2.1\n    title: Pflaster\n    parent: I-S1.2\n    priority: 1\n"
                     "    lead: FB-PLANEN\n  - id: I-S2\n"),
        lambda: add_line(p24, "values:", "  - {measure: I-S1.2.1, date: 2024-06-01, status: abgeschlossen}\n"),
        # a part moves out of its parent
        lambda: edit(f1, "    title: Marktplatz, 1. Bauabschnitt\n    parent: I-S1\n",
                     "    title: Marktplatz, 1. Bauabschnitt\n"),
        # a measure renamed (same content, new id), then changed
        lambda: edit(f1, "  - id: I-S3\n", "  - id: I-S4\n"),
        lambda: edit(f1, "    priority: 3\n", "    priority: 2\n"),
        # values of an indicator, of an area; a plan status renamed; a goal and a field changed
        lambda: edit(p22, "value: 18.2,", "value: 19.0,"),
        lambda: p24.write_text(p24.read_text(encoding="utf-8") + "  - {indicator: K-LEER, value: 12.5, date: 2024-12-31, "
                               "area: ALTSTADT}\n", encoding="utf-8"),
        lambda: edit(plan / "isek.yaml", "{id: verzoegert, title: verzögert", "{id: verspaetet, title: verzögert"),
        lambda: edit(p24, "status: verzoegert", "status: verspaetet"),
        lambda: edit(f1, "{id: I.Z1, title: Leerstand abbauen}", "{id: I.Z1, title: Leerstand senken}"),
        lambda: edit(f1, "title: Innenstadt und Handel", "title: Innenstadt, Handel und Kultur"),
        # a measure removed, an entry removed, a whole file removed
        lambda: edit(f1, "  - id: I-S2\n    title: Leerstandsmanagement\n", "  - id: I-S2\n    title: Leerstand\n"),
        lambda: p22.unlink(),
    ]
    for i, step in enumerate(steps):
        step()
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", f"step {i}")
    # the plan gone for one commit, then back
    shutil.move(plan / "isek.yaml", repo / "isek.yaml.bak")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "no plan")
    shutil.move(repo / "isek.yaml.bak", plan / "isek.yaml")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "plan back")
    assert both_routes_agree(repo, plan) >= 10
    # and what the route finds is what a planner reads: the grandparent follows its part's part
    found = history(plan, "I-S1")
    assert any(p["measure"] == "I-S1" and p["status"] for c in found for p in c["progress"])
    renamed = [c for c in history(plan, "I-S3") if c["changes"] and c["changes"][0]["change"] == "renamed"]
    assert renamed and renamed[0]["changes"][0]["id"] == "I-S4"


def test_money_history_is_the_same_both_ways(env, tmp_path: Path):
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    shutil.copytree(SHIPPED_PLAN, repo / "plan")
    plan = repo / "plan"
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "adopted")
    for i, eur in enumerate((1000, 2000, 3000)):
        r = run("grant", "draw", "G-2016-SOZ", str(eur), "--date", f"2024-0{i + 1}-15", plan=plan)
        assert r.exit_code == 0, r
        git(repo, "commit", "-qam", f"draw {i}")
    r = run("progress", "add", "HF1.M04", "--status", "in_umsetzung", "--percent", "60", "--date", "2024-05-01",
            plan=plan)
    assert r.exit_code == 0, r
    git(repo, "commit", "-qam", "progress")
    for id_ in ("G-2014-SOZ", "G-2016-SOZ", "HF1.M04", "HF4.M02", "SBF-SOZ"):
        whole = history(plan, id_, focused=False)
        assert history(plan, id_) == whole, id_
    assert len(history(plan, "G-2016-SOZ")) == 4  # adopted, and three drawdowns
    assert history(plan, "G-2016-SOZ")[0]["drawdowns"] == [
        {"grant": "G-2016-SOZ", "date": "2024-03-15", "change": "added", "old": None, "new": 3000}]
