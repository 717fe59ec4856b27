"""Generated plans and portfolios for the portfolio tests: small, valid, varied.

A plan gets its own horizon, progress years that may end early (its report for
the portfolio's year is then missing) or have gaps, measures with and without
updates, parts (whose parent takes its status from them), and a plan status of
its own (counted as in_umsetzung). Deterministic for a seed.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

STATUSES = ["nicht_begonnen", "in_planung", "in_umsetzung", "abgeschlossen", "daueraufgabe", "zurueckgestellt",
            "entfallen", "verzoegert"]


def q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def write_plan(root: Path, rng: random.Random, city: str) -> list[int]:
    """A random valid plan in ``root``; returns its progress years."""
    start = rng.randint(2012, 2020)
    end = start + rng.randint(3, 10)
    (root / "fields").mkdir(parents=True)
    (root / "progress").mkdir()
    (root / "isek.yaml").write_text(
        f"city: {q(city)}\ntitle: {q('ISEK ' + city)}\nadopted: {{body: Rat, date: {start - 1}-12-01}}\n"
        f"horizon: {{start: {start}, end: {end}}}\nowner: Stadtplanung\nlanguage: de\nvision: Eine Vision.\n"
        "guiding_goals:\n  - {id: L1, title: Leitziel}\n"
        "statuses:\n  - {id: verzoegert, title: verzögert, counts_as: in_umsetzung}\n", encoding="utf-8")
    (root / "actors.yaml").write_text("actors:\n  - {id: AMT, name: Amt, kind: administration}\ncommittees: []\n",
                                      encoding="utf-8")
    (root / "indicators.yaml").write_text("indicators: []\n", encoding="utf-8")
    measures: list[str] = []
    for n in range(1, rng.randint(1, 3) + 1):
        fid = f"HF{n}"
        lines = [f"id: {fid}", f"title: Feld {n}", "goals:", f"  - {{id: {fid}.Z1, title: Ziel}}", "measures:"]
        for k in range(1, rng.randint(1, 6) + 1):
            mid = f"{fid}.M{k}"
            lines += [f"  - id: {mid}", f"    title: Maßnahme {mid}", f"    goals: [{fid}.Z1]", "    priority: 1",
                      "    lead: AMT"]
            if measures and rng.random() < 0.25:  # a part of an earlier measure
                lines.append(f"    parent: {rng.choice(measures)}")
            measures.append(mid)
        (root / "fields" / f"{n:02d}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    last = rng.randint(start, end)
    years = [y for y in range(start, last + 1) if y == last or rng.random() < 0.8] if rng.random() < 0.9 else []
    for y in years:
        lines = [f"year: {y}", "updates:"]
        for mid in measures:
            if rng.random() < 0.6:
                lines.append(f"  - {{measure: {mid}, date: {y}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}, "
                             f"status: {rng.choice(STATUSES)}}}")
        if len(lines) == 2:
            lines[1] = "updates: []"
        lines.append("values: []")
        (root / "progress" / f"{y}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return years


def write_portfolio(folder: Path, seed: int, n_plans: int | None = None) -> dict[str, Path]:
    """A portfolio.yaml over generated plans in ``folder``; returns plan id -> plan folder."""
    rng = random.Random(seed)
    plans = {}
    lines = [f"title: Portfolio {seed}", "plans:"]
    for n in range(n_plans or rng.randint(2, 5)):
        pid = f"P{n}"
        rel = f"orte/ort-{n}/plan" if n % 2 else f"ort-{n}"
        write_plan(folder / rel, rng, f"Ort {n}")
        plans[pid] = folder / rel
        lines.append(f"  - {{id: {pid}, path: {rel}}}")
    (folder / "portfolio.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return plans
