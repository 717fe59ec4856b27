"""Area outlines (format v2) are input like any plan file (issue 16's rules for what main added):
a GeoJSON file is read only inside the plan folder, as a regular file, within a bound per file
and for all outlines of a plan together, and never through a link or FIFO, not even by the
cache when it checks whether an outline changed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, run
from helpers_writes import private_cache  # noqa: F401  (fixture)
from isek_cli.plan import geometry

RING = "[[8.620, 53.050], [8.632, 53.050], [8.634, 53.057], [8.620, 53.050]]"


@pytest.fixture
def v2(tmp_path: Path) -> Path:
    target = tmp_path / "plan"
    shutil.copytree(FIXTURES / "v2", target)
    return target


def check(plan: Path, *env: str) -> tuple[int, list[dict]]:
    r = run("check", "--no-cache", "--format", "json", plan=plan)
    return r.exit_code, json.loads(r.stdout)["diagnostics"]


def e311(diags: list[dict]) -> list[dict]:
    assert all(d["code"] == "E311" for d in diags if d["severity"] == "error"), diags
    return [d for d in diags if d["code"] == "E311"]


def isek(plan: Path, cache: Path, *args: str) -> subprocess.CompletedProcess:
    """isek in its own process (a hang must not take the test runner with it), with the cache on."""
    env = dict(os.environ, ISEK_CACHE_DIR=str(cache))
    env.pop("ISEK_NO_CACHE", None)
    return subprocess.run([sys.executable, "-m", "isek_cli", "--plan", str(plan), *args], capture_output=True,
                          text=True, timeout=60, env=env)


@pytest.mark.parametrize("where", ["outside", "inside"])
def test_the_cache_never_reads_an_outline_swapped_for_a_fifo(v2, tmp_path, where):
    """The cache checked a cached load's outlines by opening them as they are now: an outline
    replaced by a link to a FIFO (or a FIFO itself) blocked isek forever, /dev/zero ate memory.
    (An outline one folder down, so that the plan folder's own entries, which the cache key
    covers, do not change.)"""
    cache = tmp_path / "cache"
    outline = deeper(v2)
    assert isek(v2, cache, "check").returncode == 0  # cached, with the outline's digest
    fifo = (tmp_path / "pipe") if where == "outside" else (outline.parent / "pipe")
    os.mkfifo(fifo)
    outline.unlink()
    outline.symlink_to(fifo)
    r = isek(v2, cache, "check")
    assert r.returncode == 1 and "E311" in r.stdout and "internal error" not in r.stderr, r


def deeper(plan: Path) -> Path:
    """The v2 plan's outline moved to areas/altstadt/; its new path."""
    (plan / "areas/altstadt").mkdir()
    outline = (plan / "areas/altstadt.geojson").rename(plan / "areas/altstadt/altstadt.geojson")
    path = plan / "areas.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("areas/altstadt.geojson",
                                                             "areas/altstadt/altstadt.geojson"), encoding="utf-8")
    return outline


def test_the_cache_never_follows_an_outline_link_out_of_the_plan(v2, tmp_path):
    cache = tmp_path / "cache"
    outline = deeper(v2)
    assert isek(v2, cache, "check").returncode == 0
    outside = tmp_path / "outside.geojson"
    shutil.copy(outline, outside)
    outline.unlink()
    outline.symlink_to(outside)  # the same content, but outside the plan folder
    r = isek(v2, cache, "check", "--format", "json")
    assert r.returncode == 1, r
    assert "leads outside the plan folder" in json.dumps(json.loads(r.stdout)["diagnostics"])


def test_a_number_of_thousands_of_digits_is_a_diagnostic(v2):
    (v2 / "areas/altstadt.geojson").write_text(
        '{"type": "Polygon", "coordinates": [[[8.620, 53.050], [' + "1" * 5000 + ', 53.050], [8.634, 53.057], '
        '[8.620, 53.050]]]}', encoding="utf-8")
    code, diags = check(v2)
    assert code == 1
    found = e311(diags)
    assert len(found) == 1 and found[0]["file"] == "areas.yaml" and "digits" in found[0]["message"], found
    r = run("report", "2024", plan=v2)
    assert r.exit_code == 1 and "internal error" not in r.stderr, r


def many_areas(plan: Path, n: int, outline: str) -> int:
    """Add n areas with the same outline; the line of the first in areas.yaml."""
    (plan / "areas/big.geojson").write_text(outline, encoding="utf-8")
    path = plan / "areas.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "".join(f"  - {{id: A{i}, title: A{i}, kind: quartier, geometry: areas/big.geojson}}\n"
                                   for i in range(n)), encoding="utf-8")
    return text.count("\n") + 1


def test_all_outlines_together_have_a_size_bound(v2):
    """Each file is within its own bound, and 17 areas name it: more than the plan's total."""
    padding = " " * (geometry.MAX_GEOMETRY_BYTES - 200)
    line = many_areas(v2, 17, '{"type": "Polygon", ' + padding + '"coordinates": [' + RING + "]}")
    code, diags = check(v2)
    assert code == 1
    found = e311(diags)
    read = geometry.MAX_GEOMETRY_TOTAL // geometry.MAX_GEOMETRY_BYTES  # 16 new areas fit (with the plan's own)
    assert [d["line"] for d in found] == list(range(line + read, line + 17)), found
    assert all("together" in d["message"] for d in found), found


def test_all_outlines_together_have_a_bound_on_positions(v2):
    per_file = geometry.MAX_POSITIONS - 10
    ring = "[[8.62, 53.05], " + "[8.63, 53.05], " * (per_file - 2) + "[8.62, 53.05]]"
    line = many_areas(v2, 6, '{"type": "Polygon", "coordinates": [' + ring + "]}")
    code, diags = check(v2)
    assert code == 1
    found = e311(diags)
    assert [d["line"] for d in found] == [line + geometry.MAX_POSITIONS_TOTAL // per_file], found
    assert "positions" in found[0]["message"] and "together" in found[0]["message"], found


def test_outlines_within_the_bounds_are_read(v2):
    many_areas(v2, 3, '{"type": "Polygon", "coordinates": [' + RING + "]}")
    assert check(v2) == (0, [])
