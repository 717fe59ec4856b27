"""`isek init` offers format v2 commented out: areas.yaml, the new keys of isek.yaml, a measure's part
with every new measure key, an indicator's SDGs and decimals. As written the plan passes
`isek check --strict`; with the offers uncommented, as its comments say, it passes too."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import run

# A commented-out line of YAML: "# " before a key, a list item or an indented continuation.
# Explanations in comments start with a capital or have no colon right after their first word.
YAML_LINE = re.compile(r"^(\s*)# ((?:[a-z_]+:|- |\s{2,}\S).*)$")


def uncomment(path: Path) -> None:
    """Do what the file's 'Format 2' comment says: uncomment the lines after it."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if "# Format 2 (optional)" in line)
    out = lines[:start]
    for line in lines[start:]:
        m = YAML_LINE.match(line)
        out.append(m[1] + m[2] + "\n" if m else line)
    text = "".join(out)
    if path.name == "areas.yaml":
        text = text.replace("areas: []\n", "", 1)  # as the comment says
    path.write_text(text, encoding="utf-8")


def strict_check(plan: Path) -> list[dict]:
    r = run("check", "--format", "json", "--strict", plan=plan)
    diags = json.loads(r.stdout)["diagnostics"]
    assert r.exit_code == 0 and diags == [], diags
    return diags


@pytest.fixture
def fresh(tmp_path: Path) -> Path:
    target = tmp_path / "neu"
    assert run("init", target, "--city", "Beispielstadt", "--start", "2026", "--end", "2036").exit_code == 0
    return target


def test_init_writes_areas_yaml_and_offers_v2_commented_out(fresh):
    assert (fresh / "areas.yaml").is_file()
    assert (fresh / "areas.yaml").read_text(encoding="utf-8").startswith(
        "# yaml-language-server: $schema=.schema/areas.schema.json\n")
    assert (fresh / ".schema/areas.schema.json").is_file()
    strict_check(fresh)
    meta = (fresh / "isek.yaml").read_text(encoding="utf-8")
    for key in ("license", "report", "mandate", "foreword", "decisions", "statuses", "priorities"):
        assert re.search(rf"^#\s+{key}:", meta, re.M), key
    field = (fresh / "fields/01-wohnen.yaml").read_text(encoding="utf-8")
    for key in ("parent", "lead", "start", "cost_eur", "costs", "areas", "sdgs", "links", "decided_by"):
        assert re.search(rf"^  #   {key}:", field, re.M), key
    assert "  #   start: 2026-04" in field
    status = json.loads(run("status", "--format", "json", plan=fresh).stdout)
    assert status["total"]["measures"] == 1 and status["by_plan_status"] == {}


def test_every_offer_uncommented_is_a_valid_plan(fresh):
    for rel in ("isek.yaml", "areas.yaml", "fields/01-wohnen.yaml", "indicators.yaml"):
        uncomment(fresh / rel)
    strict_check(fresh)
    show = json.loads(run("show", "HF1.M01.1", "--format", "json", plan=fresh).stdout)
    assert show["parent"]["id"] == "HF1.M01" and [a["id"] for a in show["areas"]] == ["INNENSTADT"]
    assert [s["code"] for s in show["sdgs"]] == ["11", "11.3"] and show["cost_eur"] == {"min": 20000, "max": 30000}
    status = json.loads(run("status", "--format", "json", plan=fresh).stdout)
    assert status["total"]["measures"] == 1  # the part is not counted
    assert status["by_plan_status"] == {"verzoegert": 0}
    r = run("progress", "add", "HF1.M01.1", "--status", "verzoegert", "--date", "2026-05-02", plan=fresh)
    assert r.exit_code == 0, r
    strict_check(fresh)


@pytest.mark.parametrize("rel", ["isek.yaml", "areas.yaml", "indicators.yaml"])
def test_each_file_on_its_own_uncommented_stays_valid(fresh, rel):
    uncomment(fresh / rel)
    strict_check(fresh)


def test_the_area_offer_names_the_city(tmp_path):
    target = tmp_path / "neu"
    city = 'Bad "Quelle": Stadt, #1'
    assert run("init", target, "--city", city).exit_code == 0
    uncomment(target / "areas.yaml")
    strict_check(target)
    show = json.loads(run("show", "GESAMTSTADT", "--format", "json", plan=target).stdout)
    assert show["title"] == city
