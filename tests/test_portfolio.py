"""`isek portfolio status|check|funding`: each plan counted as `isek status --year Y` counts it.

Done when: the totals of `portfolio status --format json` equal the sum of each
plan's `isek status --year Y` on generated portfolios. Plus: bad input (a
missing folder, a duplicate id, a path outside, a plan with errors) gives a
positioned diagnostic each while the other plans are still reported, and the
per-plan cache re-reads only the plan that changed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import REPO, SHIPPED_PLAN, run
from portfolio_gen import write_portfolio

STATUSES = ["nicht_begonnen", "in_planung", "in_umsetzung", "abgeschlossen", "daueraufgabe", "zurueckgestellt",
            "entfallen"]


def portfolio_json(*args: str, cwd: Path | None = None) -> tuple[int, dict]:
    r = run("portfolio", *args, "--format", "json")
    assert r.exit_code in (0, 1), r
    return r.exit_code, json.loads(r.stdout)


def plan_total(root: Path, year: int) -> dict:
    r = run("status", "--year", str(year), "--format", "json", plan=root)
    assert r.exit_code == 0, r
    return json.loads(r.stdout)["total"]


def plan_years(root: Path) -> list[int]:
    return sorted(int(p.stem) for p in (root / "progress").glob("*.yaml"))


# --- done when -----------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(10))
def test_totals_are_the_sum_of_each_plans_isek_status(tmp_path: Path, seed: int):
    plans = write_portfolio(tmp_path, seed)
    file = str(tmp_path / "portfolio.yaml")
    code, default = portfolio_json("status", file)
    assert code == 0, default
    years = [y for root in plans.values() for y in plan_years(root)]
    starts = [int((root / "isek.yaml").read_text().split("horizon: {start: ")[1][:4]) for root in plans.values()]
    assert default["year"] == (max(years) if years else max(starts))
    y0 = default["year"]
    for year in sorted({y0, y0 - 3, y0 + 2, min(starts) - 1}):
        _, data = portfolio_json("status", file, "--year", str(year))
        assert data["year"] == year
        by_status = dict.fromkeys(STATUSES, 0)
        measures = 0
        for row in data["plans"]:
            expected = plan_total(plans[row["id"]], year)
            assert (row["measures"], row["by_status"]) == (expected["measures"], expected["by_status"]), row["id"]
            assert row["completed_share"] == expected["completed_share"]
            last = (plan_years(plans[row["id"]]) or [None])[-1]
            assert row["last_year"] == last
            assert row["report_missing"] is (last is None or last < year)
            measures += expected["measures"]
            by_status = {s: by_status[s] + expected["by_status"][s] for s in STATUSES}
        assert data["total"]["measures"] == measures
        assert data["total"]["by_status"] == by_status
        assert data["total"]["report_missing"] == sum(r["report_missing"] for r in data["plans"])


def test_the_comparison_can_fail(tmp_path: Path):
    """A new update moves one plan's count and the portfolio's with it: no stale numbers."""
    plans = write_portfolio(tmp_path, 3)
    file = str(tmp_path / "portfolio.yaml")
    _, before = portfolio_json("status", file)
    year = before["year"]
    pid, root = next((pid, r) for pid, r in plans.items() if plan_years(r) and plan_years(r)[-1] == year)
    r = run("measures", "--year", str(year), "--format", "json", plan=root)
    now = next(m["status"] for m in json.loads(r.stdout)["measures"] if m["id"] == "HF1.M1")
    new = "entfallen" if now != "entfallen" else "abgeschlossen"
    progress = root / "progress" / f"{year}.yaml"
    lines = progress.read_text(encoding="utf-8").split("\n")
    lines[1] = "updates:"
    lines.insert(lines.index("values: []"), f"  - {{measure: HF1.M1, date: {year}-12-31, status: {new}}}")
    progress.write_text("\n".join(lines), encoding="utf-8")
    _, after = portfolio_json("status", file, "--year", str(year))
    row = next(p for p in after["plans"] if p["id"] == pid)
    assert row["by_status"][new] == next(p for p in before["plans"] if p["id"] == pid)["by_status"][new] + 1
    assert after["total"]["by_status"][new] == before["total"]["by_status"][new] + 1
    assert row["by_status"] == plan_total(root, year)["by_status"]


def test_table_and_csv_show_every_plan_and_the_missing_report(tmp_path: Path):
    plans = write_portfolio(tmp_path, 5, n_plans=3)
    file = str(tmp_path / "portfolio.yaml")
    _, data = portfolio_json("status", file)
    r = run("portfolio", "status", file)
    assert r.exit_code == 0, r
    for pid in plans:
        assert f"\n{pid} " in r.stdout
    missing = [p for p in data["plans"] if p["report_missing"]]
    assert ("Bericht fehlt" in r.stdout) == bool(missing)
    r = run("portfolio", "status", file, "--format", "csv")
    lines = r.stdout.strip().split("\n")
    assert lines[0].startswith("id,city,title,path,rev,valid,measures,nicht_begonnen")
    assert len(lines) == 1 + len(plans) + 1 and lines[-1].startswith("total,")


# --- bad input: a diagnostic each, the other plans still reported ---------------------

def make(tmp_path: Path, body: str, plans: int = 2) -> Path:
    """Plans P0 … in ort-0, orte/ort-1/plan …; portfolio.yaml with ``body`` as its text."""
    write_portfolio(tmp_path, 11, n_plans=plans)
    (tmp_path / "portfolio.yaml").write_text(body, encoding="utf-8")
    return tmp_path / "portfolio.yaml"


GOOD = "title: T\nplans:\n  - {id: P0, path: ort-0}\n  - {id: P1, path: orte/ort-1/plan}\n"


def diag(data: dict, code: str) -> dict:
    found = [d for d in data["diagnostics"] if d["code"] == code]
    assert found, data["diagnostics"]
    return found[0]


@pytest.mark.parametrize("entry, code, line, col, message", [
    ("  - {id: X, path: nirgends}\n", "E501", 5, 19, "plan folder 'nirgends' does not exist"),
    ("  - {id: X, path: ../draussen}\n", "E502", 5, 19, "not a folder inside the portfolio folder"),
    ("  - {id: X, path: /etc}\n", "E502", 5, 19, "not a folder inside the portfolio folder"),
    ("  - {id: P0, path: ort-0}\n", "E301", 5, 10, "plan id 'P0' is listed twice"),
    ("  - {id: p1, path: orte/ort-1/plan}\n", "E301", 5, 10, "ids must differ in more than case"),
    ("  - {id: X, path: ort-0}\n", "W501", 5, 19, "same plan as 'P0'"),
    ("  - {id: X, path: ort-0, rev: 'a:b'}\n", "E204", 5, 31, "is not a git revision name"),
    ("  - {id: X, path: ort-0, rev: nirgends}\n", "E503", 5, 31, "plan cannot be read"),
    ("  - {id: 9X, path: ort-0}\n", "E204", 5, 10, "invalid id"),
    ("  - {id: X, pfad: ort-0}\n", "E201", 5, 13, "unknown key 'pfad'"),
])
def test_bad_entry_gets_a_diagnostic_and_the_others_are_reported(tmp_path, entry, code, line, col, message):
    file = make(tmp_path, GOOD + entry)
    exit_code, data = portfolio_json("check", str(file))
    d = diag(data, code)
    assert (d["file"], d["line"], d["col"]) == ("portfolio.yaml", line, col), d
    assert message in d["message"] and d["hint"]
    warning = code.startswith("W")
    assert exit_code == (0 if warning else 1) and data["valid"] is warning
    if warning:
        assert run("portfolio", "check", str(file), "--strict").exit_code == 1
    status = run("portfolio", "status", str(file), "--format", "json")
    assert status.exit_code == exit_code, status
    rows = {r["id"]: r for r in json.loads(status.stdout)["plans"]}
    assert rows["P0"]["valid"] and rows["P1"]["valid"] and rows["P0"]["measures"] is not None


def test_a_symlink_leading_outside_is_outside(tmp_path):
    outside = tmp_path / "outside"
    write_portfolio(outside, 1, n_plans=1)
    inner = tmp_path / "pf"
    file = make(inner, GOOD + "  - {id: X, path: link}\n")
    (inner / "link").symlink_to(outside / "ort-0")
    _, data = portfolio_json("check", str(file))
    d = diag(data, "E502")
    assert d["line"] == 5 and "leads outside the portfolio folder" in d["message"]


def test_root_makes_the_folder_above_the_portfolio_folder(tmp_path):
    """A portfolio file in a subfolder (like examples/portfolio.yaml) may name plans beside it with
    'root: ..'; '..' beyond the root, and a root that is not an ancestor, stay errors."""
    make(tmp_path, GOOD)
    sub = tmp_path / "portfolios"
    sub.mkdir()
    file = sub / "portfolio.yaml"
    file.write_text("title: T\nroot: ..\nplans:\n  - {id: P0, path: ../ort-0}\n"
                    "  - {id: P1, path: ./../orte/ort-1/plan}\n", encoding="utf-8")
    code, data = portfolio_json("status", str(file))
    assert code == 0 and [r["path"] for r in data["plans"]] == ["../ort-0", "../orte/ort-1/plan"]
    (tmp_path / "portfolio.yaml").write_text(GOOD, encoding="utf-8")
    _, direct = portfolio_json("status", str(tmp_path / "portfolio.yaml"))
    assert data["total"] == direct["total"]
    # without root, the same file is refused; with it, climbing above the root still is
    file.write_text(file.read_text().replace("root: ..\n", ""), encoding="utf-8")
    code, data = portfolio_json("check", str(file))
    assert code == 1 and diag(data, "E502")["line"] == 3 and "root: .." in diag(data, "E502")["hint"]
    file.write_text("title: T\nroot: ..\nplans:\n  - {id: P0, path: ../ort-0}\n  - {id: X, path: ../../x}\n",
                    encoding="utf-8")
    code, data = portfolio_json("check", str(file))
    assert code == 1 and diag(data, "E502")["line"] == 5
    assert [p["valid"] for p in data["plans"]] == [True, False]
    file.write_text("title: T\nroot: ../elsewhere\nplans:\n  - {id: P0, path: ../ort-0}\n", encoding="utf-8")
    code, data = portfolio_json("check", str(file))
    d = diag(data, "E204")
    assert code == 1 and (d["line"], d["col"]) == (2, 7) and "one above it" in d["message"]


def test_a_plan_with_errors_is_left_out_with_its_positions_relative_to_the_portfolio(tmp_path, monkeypatch):
    file = make(tmp_path, GOOD)
    field = tmp_path / "orte/ort-1/plan/fields/01.yaml"
    field.write_text(field.read_text(encoding="utf-8").replace("priority: 1", "priority: 7", 1), encoding="utf-8")
    code, data = portfolio_json("check", str(file))
    assert code == 1 and not data["valid"]
    d = diag(data, "E204")
    assert d["file"] == "orte/ort-1/plan/fields/01.yaml" and d["plan"] == "P1" and d["line"] > 1
    assert [p["valid"] for p in data["plans"]] == [True, False]
    monkeypatch.chdir(tmp_path)
    text = run("portfolio", "check")
    assert text.exit_code == 1
    assert f"orte/ort-1/plan/fields/01.yaml:{d['line']}:{d['col']}: error[E204]" in text.stdout
    github = run("portfolio", "check", "--format", "github")
    assert f"::error file=orte/ort-1/plan/fields/01.yaml,line={d['line']},col={d['col']}" in github.stdout
    status = run("portfolio", "status", "--format", "json")
    assert status.exit_code == 1
    data = json.loads(status.stdout)
    p0, p1 = data["plans"]
    assert p0["valid"] and p0["measures"] == data["total"]["measures"]
    assert (p1["valid"], p1["measures"], p1["by_status"], p1["errors"]) == (False, None, None, 1)
    assert "plan P1 (orte/ort-1/plan) has 1 error(s); left out" in status.stderr


def test_a_broken_portfolio_file_and_a_missing_one(tmp_path, monkeypatch):
    file = make(tmp_path, "title: T\nplans:\n  - {id: P0, path: ort-0\n")
    code, data = portfolio_json("check", str(file))
    assert code == 1 and diag(data, "E102")["line"] == 4
    monkeypatch.chdir(tmp_path / "ort-0")
    r = run("portfolio", "status")
    assert r.exit_code == 1 and "no portfolio file portfolio.yaml" in r.stderr and "Traceback" not in r.output


def test_too_many_plans(tmp_path, monkeypatch):
    from isek_cli.portfolio import file as pfile

    monkeypatch.setattr(pfile, "MAX_PLANS", 1)
    file = make(tmp_path, GOOD)
    code, data = portfolio_json("check", str(file))
    assert code == 1 and diag(data, "E504")["line"] == 4
    assert [p["id"] for p in data["plans"]] == ["P0"]


def test_every_portfolio_code_has_a_case_here():
    from isek_cli.portfolio.file import CODES

    text = Path(__file__).read_text(encoding="utf-8")
    assert [c for c in CODES if f'"{c}"' not in text] == []
    doc = (REPO / "docs/portfolio.md").read_text(encoding="utf-8")
    assert [c for c in CODES if f"| {c} |" not in doc] == []


# --- plans at git revisions ---------------------------------------------------------

def git(repo: Path, *args: str) -> str:
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@x", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@x")
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True).stdout


def test_a_plan_at_a_tag_counts_as_isek_status_at_that_tag(tmp_path):
    plans = write_portfolio(tmp_path, 7, n_plans=2)
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "one")
    git(tmp_path, "tag", "bericht")
    root = plans["P1"]
    shutil.rmtree(root / "progress")  # the working tree moves on; the tag keeps the reported state
    (root / "progress").mkdir()
    (tmp_path / "portfolio.yaml").write_text(
        "title: T\nplans:\n  - {id: NOW, path: orte/ort-1/plan}\n  - {id: THEN, path: orte/ort-1/plan, rev: bericht}\n",
        encoding="utf-8")
    code, data = portfolio_json("status", str(tmp_path / "portfolio.yaml"), "--year", "2030")
    assert code == 0, data
    now, then = data["plans"]
    assert now["last_year"] is None and now["report_missing"] is True
    r = run("status", "--year", "2030", "--format", "json", "--rev", "bericht", plan=root)
    assert then["by_status"] == json.loads(r.stdout)["total"]["by_status"]
    assert then["by_status"] != now["by_status"] or then["by_status"]["nicht_begonnen"] == then["measures"]
    _, checked = portfolio_json("check", str(tmp_path / "portfolio.yaml"))
    assert checked["plans"][1]["commit"] == git(tmp_path, "rev-parse", "bericht").strip()


# --- the cache: only the plan that changed is read again ------------------------------

def test_changing_one_town_rereads_only_that_town(tmp_path, monkeypatch):
    import isek_cli
    from isek_cli.plan import loader

    monkeypatch.setenv("ISEK_CACHE_DIR", str(tmp_path / "cache"))
    plans = write_portfolio(tmp_path, 2, n_plans=4)
    read: list[Path] = []
    real = loader._load_all

    def counting(root, *args):
        read.append(Path(root))
        return real(root, *args)

    monkeypatch.setattr(loader, "_load_all", counting)
    first = isek_cli.open_portfolio(tmp_path, jobs=1).status()
    assert sorted(read) == sorted(plans.values())
    read.clear()
    assert isek_cli.open_portfolio(tmp_path, jobs=1).status() == first
    assert read == []
    field = plans["P2"] / "fields" / "01.yaml"
    field.write_text(field.read_text(encoding="utf-8") + "# geändert\n", encoding="utf-8")
    isek_cli.open_portfolio(tmp_path, jobs=1)
    assert read == [plans["P2"]]


def test_worker_processes_give_the_same_answers(tmp_path, monkeypatch):
    import isek_cli
    from isek_cli.portfolio import core

    monkeypatch.setattr(core, "POOL_FROM", 2)
    write_portfolio(tmp_path, 4, n_plans=5)
    monkeypatch.setenv("ISEK_CACHE_DIR", str(tmp_path / "cache-a"))
    pooled = isek_cli.open_portfolio(tmp_path, jobs=2)
    monkeypatch.setenv("ISEK_CACHE_DIR", str(tmp_path / "cache-b"))
    single = isek_cli.open_portfolio(tmp_path, jobs=1)
    assert pooled.status() == single.status()
    assert pooled.funding() == single.funding()
    assert pooled.check() == single.check()


# --- funding: each plan as `isek funding --year Y` -----------------------------------

def test_funding_adds_up_each_plans_isek_funding(tmp_path):
    for name in ("del", "zwei"):
        shutil.copytree(SHIPPED_PLAN, tmp_path / name)
    (tmp_path / "portfolio.yaml").write_text(
        "title: T\nplans:\n  - {id: DEL, path: del}\n  - {id: ZWEI, path: zwei}\n", encoding="utf-8")
    for year in ("2019", "2024"):
        _, data = portfolio_json("funding", str(tmp_path / "portfolio.yaml"), "--year", year)
        single = json.loads(run("funding", "--year", year, "--format", "json", plan=tmp_path / "del").stdout)
        for key in ("granted_eur", "drawn_eur", "grants", "measures"):
            assert data["total"][key] == 2 * single["total"][key]
        by_id = {p["id"]: p for p in single["programmes"]}
        for p in data["programmes"]:
            assert p["plans"] == ["DEL", "ZWEI"]
            assert p["granted_eur"] == 2 * by_id[p["id"]]["granted_eur"]
            assert sum(y["granted_eur"] for y in p["by_year"]) == p["granted_eur"]
            assert sum(y["drawn_eur"] for y in p["by_year"]) == p["drawn_eur"]
        cells = data["by_plan_and_year"]
        assert sum(c["granted_eur"] for c in cells) == data["total"]["granted_eur"]
        assert {c["plan"] for c in cells} == {"DEL", "ZWEI"}
    assert [f["grant"] for f in data["flags"]["undrawn"]] == \
        [f"{pid}:{f['grant']}" for pid in ("DEL", "ZWEI") for f in single["flags"]["undrawn"]]
    r = run("portfolio", "funding", str(tmp_path / "portfolio.yaml"), "--format", "csv")
    assert r.stdout.startswith("plan,programme,title,year,grants,granted_eur,drawn_eur\n")
    r = run("portfolio", "funding", str(tmp_path / "portfolio.yaml"))
    assert r.exit_code == 0 and "By programme year" in r.stdout


def test_show_names_a_plan_and_an_id(tmp_path):
    import isek_cli

    plans = write_portfolio(tmp_path, 5, n_plans=2)
    pf = isek_cli.open_portfolio(tmp_path)
    shown = pf.show("P1:HF1.M1")
    assert shown["plan"] == "P1" and shown["id"] == "HF1.M1"
    with pytest.raises(isek_cli.UnknownId):
        pf.show("P9:HF1.M1")
    with pytest.raises(isek_cli.UnknownId):
        pf.show("P1:HF9.M9")
    with pytest.raises(ValueError):
        pf.show("HF1.M1")
    # the CLI: as 'isek show' in that plan, with the plan named and files relative to the portfolio
    single = json.loads(run("show", "HF1.M1", "--format", "json", plan=plans["P1"]).stdout)
    r = run("portfolio", "show", "P1:HF1.M1", str(tmp_path), "--format", "json")
    assert r.exit_code == 0, r
    shown = json.loads(r.stdout)
    assert shown.pop("plan") == "P1" and shown["file"] == "orte/ort-1/plan/" + single.pop("file")
    assert [h.pop("file") for h in shown["history"]] == ["orte/ort-1/plan/" + h.pop("file") for h in single["history"]]
    shown.pop("file")
    assert shown == single
    r = run("portfolio", "show", "P1:HF1.M1", str(tmp_path))
    assert r.exit_code == 0 and r.stdout.startswith("P1: ") and "orte/ort-1/plan/fields/01.yaml" in r.stdout
    for ref, message in (("PX:HF1.M1", "no plan 'PX' in the portfolio"), ("P1:HF9", "no 'P1:HF9' in the plan"),
                         ("HF1.M1", "write PLAN:ID")):
        r = run("portfolio", "show", ref, str(tmp_path))
        assert r.exit_code == 1 and message in r.stderr and "Traceback" not in r.output, (ref, r.stderr)


# --- formats of main's isek check, and what lies outside the plan files -----------------

def test_check_speaks_sarif_and_gitlab_with_paths_from_the_reader(tmp_path, monkeypatch):
    file = make(tmp_path, GOOD + "  - {id: X, path: nirgends}\n")
    field = tmp_path / "orte/ort-1/plan/fields/01.yaml"
    field.write_text(field.read_text(encoding="utf-8").replace("priority: 1", "priority: 7", 1), encoding="utf-8")
    monkeypatch.chdir(tmp_path / "orte")  # paths as the reader resolves them: from the current folder
    r = run("portfolio", "check", str(file), "--format", "sarif")
    assert r.exit_code == 1
    run_ = json.loads(r.stdout)["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    found = {x["ruleId"]: x for x in run_["results"] if x["level"] == "error"}  # (the plans also have warnings)
    assert set(found) == {"E501", "E204"}
    for code, uri in (("E501", "../portfolio.yaml"), ("E204", "ort-1/plan/fields/01.yaml")):
        assert rules[found[code]["ruleIndex"]]["id"] == code
        assert found[code]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == uri
    assert rules[found["E501"]["ruleIndex"]]["shortDescription"]["text"] == "plan folder of a portfolio missing"
    r = run("portfolio", "check", str(file), "--format", "gitlab")
    issues = [i for i in json.loads(r.stdout) if i["severity"] == "major"]
    assert r.exit_code == 1 and {(i["check_name"], i["location"]["path"]) for i in issues} == \
        {("E501", "../portfolio.yaml"), ("E204", "ort-1/plan/fields/01.yaml")}
    assert len({i["fingerprint"] for i in issues}) == 2
    # JSON keeps the contract: relative to the portfolio file's folder
    _, data = portfolio_json("check", str(file))
    assert {d["file"] for d in data["diagnostics"] if d["severity"] == "error"} == \
        {"portfolio.yaml", "orte/ort-1/plan/fields/01.yaml"}


def test_an_editor_schema_refreshed_is_seen_by_a_warm_check(tmp_path):
    """W420 depends on .schema/, which is no plan file: a cached summary must not keep an old verdict."""
    file = make(tmp_path, GOOD)
    plan = tmp_path / "ort-0"
    assert run("schema", "-o", plan / ".schema").exit_code == 0
    path = plan / ".schema/progress.schema.json"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('"$comment"', '"$old"', 1), encoding="utf-8")  # no stamp: an older isek

    def w420() -> list[str]:
        _, data = portfolio_json("check", str(file))
        return [d["file"] for d in data["diagnostics"] if d["code"] == "W420"]

    assert w420() == ["ort-0/.schema/progress.schema.json"]
    assert w420() == ["ort-0/.schema/progress.schema.json"]  # warm: from the cached summary, still there
    path.write_text(text, encoding="utf-8")
    assert w420() == []
    path.write_text(text.replace('"$comment"', '"$old"', 1), encoding="utf-8")
    assert w420() == ["ort-0/.schema/progress.schema.json"]
