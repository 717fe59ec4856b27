"""Generate a synthetic, valid plan of N measures with 12 years of updates.

Used by the benchmark (and by tests of scale). The plan is deterministic for
a given N and seed: measures are spread over fields of action of about 500
measures each, every measure gets about one update per year, every indicator
a value per year. Text is German-looking filler; the point is size and shape.

    python benchmarks/genplan.py 10000 /tmp/plan-10k
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

START, END = 2014, 2025
YEARS = list(range(START, START + 12))  # 12 monitoring years
STATUS_PATH = ["in_planung", "in_umsetzung", "in_umsetzung", "abgeschlossen"]
WORDS = ("Quartier Innenstadt Radweg Schule Kita Spielplatz Grünfläche Bahnhof Markt Wohnen Klima "
         "Sanierung Konzept Beteiligung Förderung Umbau Neubau Pflege Netzwerk Beratung").split()


def _title(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 6)))


def generate(n: int, out: Path, seed: int = 1) -> Path:
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    (out / "fields").mkdir(exist_ok=True)
    (out / "progress").mkdir(exist_ok=True)
    n_fields = max(1, n // 500)
    n_actors = max(5, min(400, n // 25))
    (out / "isek.yaml").write_text(
        f"city: Musterland\ntitle: Synthetischer Plan mit {n} Maßnahmen\n"
        f"adopted: {{body: Landtag, date: 2013-12-18}}\nhorizon: {{start: {START}, end: {END}}}\n"
        "owner: Ministerium für Stadtentwicklung\nlanguage: de\nvision: |\n  Ein synthetischer Plan für Messungen.\n"
        "guiding_goals:\n  - {id: L1, title: Leitziel eins}\n  - {id: L2, title: Leitziel zwei}\n",
        encoding="utf-8")
    actors = [f"A{i:04d}" for i in range(n_actors)]
    (out / "actors.yaml").write_text(
        "actors:\n" + "".join(f"  - {{id: {a}, name: Akteur {a}, kind: administration}}\n" for a in actors)
        + "committees:\n  - {id: BAU, name: Bauausschuss}\n", encoding="utf-8")
    n_ind = 12
    inds = [f"K{i:02d}" for i in range(n_ind)]
    (out / "indicators.yaml").write_text("indicators:\n" + "".join(
        f"  - id: {k}\n    title: Kennzahl {k}\n    unit: Personen\n    source: Statistik\n    direction: up\n"
        f"    baseline: {{year: 2013, value: {1000 + i}}}\n    target: {{year: 2025, value: {1500 + i}}}\n"
        for i, k in enumerate(inds)), encoding="utf-8")
    per_field = -(-n // n_fields)
    measures: list[tuple[str, int, int]] = []
    for f in range(n_fields):
        fid = f"HF{f + 1}"
        lines = [f"id: {fid}\ntitle: Handlungsfeld {f + 1}\nguiding_goals: [L1, L2]\ngoals:\n",
                 f"  - {{id: {fid}.Z1, title: Ziel eins}}\n  - {{id: {fid}.Z2, title: Ziel zwei}}\nmeasures:\n"]
        for j in range(min(per_field, n - f * per_field)):
            mid = f"{fid}.M{j + 1:04d}"
            start = rng.randint(START, START + 6)
            end = start + rng.randint(1, 5)
            measures.append((mid, start, end))
            lines.append(
                f"  - id: {mid}\n    title: {_title(rng)}\n    description: >-\n"
                f"      {_title(rng)} {_title(rng)}.\n    goals: [{fid}.Z{rng.randint(1, 2)}]\n"
                f"    priority: {rng.randint(1, 3)}\n    lead: {rng.choice(actors)}\n"
                f"    partners: [{rng.choice(actors)}]\n    start: {start}\n    end: {end}\n"
                f"    cost_eur: {rng.randint(1, 900) * 1000}\n    funding: [Städtebauförderung]\n")
        (out / "fields" / f"{f + 1:03d}.yaml").write_text("".join(lines), encoding="utf-8")
    for y in YEARS:
        lines = [f"year: {y}\nupdates:\n"]
        for mid, start, end in measures:
            if y < start - 1:
                continue
            step = min(len(STATUS_PATH) - 1, max(0, (y - start + 1) * len(STATUS_PATH) // (end - start + 2)))
            status = STATUS_PATH[step]
            pct = 100 if status == "abgeschlossen" else min(95, max(0, (y - start + 1) * 100 // (end - start + 2)))
            lines.append(f"  - measure: {mid}\n    date: {y}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}\n"
                         f"    status: {status}\n    percent: {pct}\n    note: {_title(rng)}.\n")
        lines.append("values:\n" + "".join(
            f"  - {{indicator: {k}, value: {1000 + (y - START) * 10 + i}, date: {y}-12-31}}\n"
            for i, k in enumerate(inds)))
        (out / "progress" / f"{y}.yaml").write_text("".join(lines), encoding="utf-8")
    return out


def break_references(plan: Path, bad: int) -> Path:
    """Make ``bad`` progress entries of a generated plan name measures that do not exist, each a
    different near miss (HF1.M0001 → HF1.N0001), so that every one needs its own did-you-mean hint."""
    left = bad
    for path in sorted((plan / "progress").glob("*.yaml"), reverse=True):
        lines = path.read_text(encoding="utf-8").split("\n")
        for i, line in enumerate(lines):
            if left and line.startswith("  - measure: "):
                lines[i] = line.replace(".M", ".N", 1)
                left -= 1
        path.write_text("\n".join(lines), encoding="utf-8")
    return plan


def unknown_keys(plan: Path, n: int) -> Path:
    """Put ``n`` unknown keys into one mapping of a generated plan (a file full of typos)."""
    path = plan / "isek.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "".join(f"unknown_{i}: {i}\n" for i in range(n)),
                    encoding="utf-8")
    return plan


if __name__ == "__main__":
    generate(int(sys.argv[1]), Path(sys.argv[2]))
