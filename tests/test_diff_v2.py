"""`isek diff`, `isek history` and textconv on format-v2 plans, and indicator values compared right.

Each test commits the v2 fixture (`tests/fixtures/v2`) to a scratch repository,
changes the working tree and reads `isek diff HEAD --format json` (or text).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import FIXTURES, run

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def v2repo(tmp_path: Path, monkeypatch) -> Path:
    """A repository whose one commit holds the v2 fixture under plan/; returns the plan folder."""
    for k in ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME"):
        monkeypatch.setenv(k, "Planerin")
    for k in ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"):
        monkeypatch.setenv(k, "p@example.org")
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    shutil.copytree(FIXTURES / "v2", repo / "plan")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "ISEK Innenstadt")
    return repo / "plan"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, (old, path)
    path.write_text(text.replace(old, new), encoding="utf-8")


def diff(plan: Path) -> dict:
    r = run("diff", "HEAD", "--format", "json", plan=plan)
    assert r.exit_code == 0, r
    return json.loads(r.stdout)


# --- indicator values: per indicator, area and date, several on one date -------------

CITY_2022 = "  - {indicator: K-LEER, value: 13.5, date: 2022-12-31}\n"
AREA_2022 = "  - {indicator: K-LEER, value: 18.2, date: 2022-12-31, area: ALTSTADT}\n"


def test_a_changed_city_value_is_reported_when_an_area_value_shares_its_date(v2repo):
    edit(v2repo / "progress/2022.yaml", "value: 13.5,", "value: 14.0,")
    d = diff(v2repo)
    assert d["values"] == [{"indicator": "K-LEER", "area": None, "date": "2022-12-31", "change": "changed",
                            "old": 13.5, "new": 14.0}]
    assert d["differs"] is True and d["summary"]["values_changed"] == 1


def test_a_changed_area_value_names_its_area(v2repo):
    edit(v2repo / "progress/2022.yaml", "value: 18.2,", "value: 19.0,")
    assert diff(v2repo)["values"] == [{"indicator": "K-LEER", "area": "ALTSTADT", "date": "2022-12-31",
                                       "change": "changed", "old": 18.2, "new": 19.0}]
    text = run("diff", "HEAD", plan=v2repo).stdout
    assert "~ K-LEER ALTSTADT 2022-12-31: 18.2 → 19" in text


def test_an_area_value_added_on_a_city_values_date_is_an_addition(v2repo):
    path = v2repo / "progress/2024.yaml"
    path.write_text(path.read_text(encoding="utf-8") +
                    "  - {indicator: K-LEER, value: 15.1, date: 2024-12-31, area: ALTSTADT}\n", encoding="utf-8")
    assert diff(v2repo)["values"] == [{"indicator": "K-LEER", "area": "ALTSTADT", "date": "2024-12-31",
                                       "change": "added", "old": None, "new": 15.1}]


def test_reordering_values_of_one_date_is_no_change(v2repo):
    edit(v2repo / "progress/2022.yaml", CITY_2022 + AREA_2022, AREA_2022 + CITY_2022)
    d = diff(v2repo)
    assert d["values"] == [] and d["differs"] is False


def test_a_second_value_on_the_same_date_is_added_not_a_change(v2repo):
    """Two values for one indicator, area and date (W408): the second is new, the first unchanged."""
    path = v2repo / "progress/2024.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "  - {indicator: K-LEER, value: 11.9, date: 2024-12-31}\n",
                    encoding="utf-8")
    assert diff(v2repo)["values"] == [{"indicator": "K-LEER", "area": None, "date": "2024-12-31",
                                       "change": "added", "old": None, "new": 11.9}]
    # and removing the first of two equal-date values again is one removal, of the right value
    git(v2repo.parent, "commit", "-qam", "second value")
    edit(path, "  - {indicator: K-LEER, value: 11.8, date: 2024-12-31}\n", "")
    assert diff(v2repo)["values"] == [{"indicator": "K-LEER", "area": None, "date": "2024-12-31",
                                       "change": "removed", "old": 11.8, "new": None}]


def test_a_value_moved_to_another_file_without_changing_is_no_change(v2repo):
    """Moved from progress/2024.yaml into a new progress/2023.yaml (and re-dated there) it is one
    removal and one addition; moved back with its date it is nothing."""
    edit(v2repo / "progress/2024.yaml", "  - {indicator: K-LEER, value: 11.8, date: 2024-12-31}\n", "")
    edit(v2repo / "progress/2024.yaml", "values:\n", "values: []\n")
    (v2repo / "progress/2023.yaml").write_text(
        "year: 2023\nupdates: []\nvalues:\n  - {indicator: K-LEER, value: 11.8, date: 2023-12-31}\n", encoding="utf-8")
    values = diff(v2repo)["values"]
    assert [(v["date"], v["change"]) for v in values] == [("2023-12-31", "added"), ("2024-12-31", "removed")]
