"""Properties over generated plans.

Hypothesis builds random valid plans (fields, goals, measures, progress files
with updates whose dates lie in the file's year), writes them to a temporary
folder, and checks that

* ``isek check`` finds no errors, and
* ``isek status --format json --year Y`` (and each measure's status in
  ``isek measures --format json``) agrees with the contract's status rule,
  implemented here independently: a measure's status in Y is its latest update
  by date up to the end of Y; equal dates: the later in the file; no update:
  nicht_begonnen.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import run

STATUSES = ["nicht_begonnen", "in_planung", "in_umsetzung", "abgeschlossen", "daueraufgabe", "zurueckgestellt",
            "entfallen"]
LEAD = "A.LEAD"  # ids with a dot cannot collide with generated field ids
COMMITTEE = "C.BAU"
GUIDING_GOAL = "L.1"


def q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML); avoids every YAML 1.1 surprise."""
    return json.dumps(text, ensure_ascii=False)


# --- the generated plan ------------------------------------------------------------

@dataclass
class Field:
    id: str
    title: str
    goals: list[str]
    measures: list[dict]


@dataclass
class Update:
    measure: str
    date: dt.date
    status: str
    percent: int | None


@dataclass
class GeneratedPlan:
    start: int
    end: int
    fields: list[Field]
    progress: dict[int, list[Update]] = field(default_factory=dict)  # year -> updates in file order

    @property
    def measure_ids(self) -> list[str]:
        return [m["id"] for f in self.fields for m in f.measures]

    def write(self, root: Path) -> None:
        (root / "fields").mkdir(parents=True)
        (root / "progress").mkdir()
        (root / "isek.yaml").write_text(
            f"city: Teststadt\ntitle: ISEK Teststadt\nadopted: {{body: Rat, date: {self.start - 1}-12-01}}\n"
            f"horizon: {{start: {self.start}, end: {self.end}}}\nowner: Stadtplanung\nlanguage: de\n"
            f"vision: Eine Vision.\nguiding_goals:\n  - {{id: {q(GUIDING_GOAL)}, title: Leitziel}}\n",
            encoding="utf-8")
        (root / "actors.yaml").write_text(
            f"actors:\n  - {{id: {q(LEAD)}, name: Amt, kind: administration}}\n"
            f"committees:\n  - {{id: {q(COMMITTEE)}, name: Ausschuss}}\n", encoding="utf-8")
        (root / "indicators.yaml").write_text("indicators: []\n", encoding="utf-8")
        for n, f in enumerate(self.fields, 1):
            lines = [f"id: {q(f.id)}", f"title: {q(f.title)}", f"guiding_goals: [{q(GUIDING_GOAL)}]", "goals:"]
            lines += [f"  - {{id: {q(g)}, title: {q('Ziel ' + g)}}}" for g in f.goals]
            lines.append("measures:" if f.measures else "measures: []")
            for m in f.measures:
                lines.append(f"  - id: {q(m['id'])}")
                lines.append(f"    title: {q(m['title'])}")
                lines.append(f"    goals: [{q(m['goal'])}]")
                lines.append(f"    priority: {m['priority']}")
                lines.append(f"    lead: {q(LEAD)}")
                if m["committee"]:
                    lines.append(f"    committee: {q(COMMITTEE)}")
                if m["years"]:
                    lines.append(f"    start: {m['years'][0]}")
                    lines.append(f"    end: {m['years'][1]}")
            (root / "fields" / f"{n:02d}-feld.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        for year, updates in self.progress.items():
            lines = [f"year: {year}", "updates:" if updates else "updates: []"]
            for u in updates:
                pct = f", percent: {u.percent}" if u.percent is not None else ""
                lines.append(f"  - {{measure: {q(u.measure)}, date: {u.date.isoformat()}, status: {u.status}{pct}}}")
            lines.append("values: []")
            (root / "progress" / f"{year}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


# --- strategies ----------------------------------------------------------------------

field_ids = st.from_regex(r"[A-Za-z][A-Za-z0-9_-]{0,8}", fullmatch=True)
titles = st.text(st.characters(categories=["L", "N", "P", "Zs"]), min_size=1, max_size=30)


@st.composite
def measures_of(draw, fid: str, goals: list[str], start: int, end: int) -> list[dict]:
    out = []
    for k in range(draw(st.integers(0, 4))):
        years = None
        if draw(st.booleans()):
            a = draw(st.integers(start, end))
            years = (a, draw(st.integers(a, end)))
        out.append({
            "id": f"{fid}.M{k + 1:02d}",
            "title": draw(titles),
            "goal": draw(st.sampled_from(goals)),
            "priority": draw(st.integers(1, 3)),
            "committee": draw(st.booleans()),
            "years": years,
        })
    return out


@st.composite
def updates_in(draw, year: int, measure_ids: list[str]) -> list[Update]:
    if not measure_ids:
        return []
    # A few fixed days (one on 31 December) so that equal dates happen often.
    days = [dt.date(year, 1, 15), dt.date(year, 6, 30), dt.date(year, 6, 30), dt.date(year, 12, 31)]
    out = []
    for _ in range(draw(st.integers(0, 8))):
        status = draw(st.sampled_from(STATUSES))
        percent = draw(st.none() | st.integers(0, 100 if status == "abgeschlossen" else 99))
        day = draw(st.sampled_from(days) | st.dates(dt.date(year, 1, 1), dt.date(year, 12, 31)))
        out.append(Update(draw(st.sampled_from(measure_ids)), day, status, percent))
    # Same-day corrections further down the file: equal dates, where file order decides.
    if out:
        for i, status in draw(st.lists(st.tuples(st.integers(0, len(out) - 1), st.sampled_from(STATUSES)),
                                       max_size=3)):
            out.append(Update(out[i].measure, out[i].date, status, None))
    return out


@st.composite
def plans(draw) -> GeneratedPlan:
    start = draw(st.integers(2000, 2030))
    end = start + draw(st.integers(0, 5))
    fields = []
    for fid in draw(st.lists(field_ids, min_size=1, max_size=3, unique=True)):
        goals = [f"{fid}.Z{j}" for j in range(1, draw(st.integers(1, 2)) + 1)]
        fields.append(Field(fid, draw(titles), goals, draw(measures_of(fid, goals, start, end))))
    plan = GeneratedPlan(start, end, fields)
    years = draw(st.lists(st.integers(start, end), max_size=3, unique=True))
    for year in sorted(years):
        plan.progress[year] = draw(updates_in(year, plan.measure_ids))
    return plan


# --- the contract's status rule, independently -----------------------------------------

def expected_status(plan: GeneratedPlan, measure: str, year: int) -> str:
    """Latest update by date up to the end of ``year``; equal dates: later in the file."""
    candidates = [
        ((u.date, file_year, index), u.status)
        for file_year, updates in plan.progress.items()
        for index, u in enumerate(updates)
        if u.measure == measure and u.date <= dt.date(year, 12, 31)
    ]
    return max(candidates)[1] if candidates else "nicht_begonnen"


def expected_counts(plan: GeneratedPlan, measure_ids: list[str], year: int) -> dict[str, int]:
    c = Counter(expected_status(plan, m, year) for m in measure_ids)
    return {s: c[s] for s in STATUSES}


# --- the properties ------------------------------------------------------------------------

def json_of(*args: str, plan: Path) -> dict:
    r = run(*args, "--format", "json", plan=plan)
    assert r.exit_code == 0, r
    return json.loads(r.stdout)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=plans(), data=st.data())
def test_generated_plans_are_valid_and_status_follows_the_rule(plan: GeneratedPlan, data):
    year = data.draw(st.integers(plan.start - 1, plan.end + 1), label="year")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "plan"
        plan.write(root)

        r = run("check", "--format", "json", plan=root)
        report = json.loads(r.stdout)
        errors = [d for d in report["diagnostics"] if d["severity"] == "error"]
        assert errors == [], errors
        assert r.exit_code == 0 and report["valid"] is True

        status = json_of("status", "--year", str(year), plan=root)
        assert status["year"] == year
        by_id = {f["id"]: f for f in status["fields"]}
        assert sorted(by_id) == sorted(f.id for f in plan.fields)
        for f in plan.fields:
            ids = [m["id"] for m in f.measures]
            assert by_id[f.id]["title"] == f.title
            assert by_id[f.id]["measures"] == len(ids)
            assert by_id[f.id]["by_status"] == expected_counts(plan, ids, year)
        assert status["total"]["measures"] == len(plan.measure_ids)
        assert status["total"]["by_status"] == expected_counts(plan, plan.measure_ids, year)

        listed = json_of("measures", "--year", str(year), plan=root)["measures"]
        assert [m["id"] for m in listed] == plan.measure_ids
        assert {m["id"]: m["status"] for m in listed} == {
            m: expected_status(plan, m, year) for m in plan.measure_ids}


@settings(max_examples=20, deadline=None)
@given(plan=plans())
def test_default_status_year_is_the_latest_progress_year(plan: GeneratedPlan):
    assume(plan.progress)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "plan"
        plan.write(root)
        status = json_of("status", plan=root)
        assert status["year"] == max(plan.progress)
