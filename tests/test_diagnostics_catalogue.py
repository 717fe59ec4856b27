"""A catalogue of bad plan inputs: at least one case per diagnostic code.

Every case starts from a fresh copy of the mini plan, breaks it in one place,
runs ``isek check --format json`` and asserts where the expected diagnostic is
reported (code, file relative to the plan folder, line, column), plus the exit
code. Line and column numbers were counted by hand in ``tests/fixtures/mini``.

``test_every_code_has_a_case`` fails when a code is added to
``isek_cli.plan.diagnostics.CODES`` without a case here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

import isek_cli.plan.source
from conftest import REPO, run
from isek_cli.plan.diagnostics import CODES

Edit = Callable[[Path], None]


# A funding.yaml for the mini plan: one programme, one grant of programme year 2024.
FUNDING = ("programmes:\n  - {id: LZ, title: Lebendige Zentren, level: bund_land}\n"
           "  - {id: SZ, title: Sozialer Zusammenhalt, level: bund_land}\n  - {id: EFRE, title: EFRE, level: eu}\n"
           "grants:\n  - {id: G-1, programme: LZ, year: 2024, measures: [HF2.M01], amount_eur: 1000}\n")


# --- edits: small, named changes to a plan folder ---------------------------

def replace(rel: str, old: str, new: str) -> Edit:
    """Replace text that occurs exactly once in a plan file."""

    def edit(root: Path) -> None:
        path = root / rel
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} must occur exactly once in {rel}"
        path.write_text(text.replace(old, new), encoding="utf-8")

    return edit


def replace_bytes(rel: str, old: bytes, new: bytes) -> Edit:
    def edit(root: Path) -> None:
        path = root / rel
        raw = path.read_bytes()
        assert raw.count(old) == 1, f"{old!r} must occur exactly once in {rel}"
        path.write_bytes(raw.replace(old, new))

    return edit


def drop_lines(rel: str, containing: str) -> Edit:
    """Remove every line that contains a text."""

    def edit(root: Path) -> None:
        path = root / rel
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        path.write_text("".join(ln for ln in lines if containing not in ln), encoding="utf-8")

    return edit


def without_values(rel: str) -> Edit:
    """Empty the values: list of a progress file."""
    drop = drop_lines(rel, "{indicator:")
    empty = replace(rel, "values:\n", "values: []\n")
    return lambda root: (drop(root), empty(root))


def append(rel: str, more: str) -> Edit:
    def edit(root: Path) -> None:
        path = root / rel
        path.write_text(path.read_text(encoding="utf-8") + more, encoding="utf-8")

    return edit


def write(rel: str, content: str | bytes) -> Edit:
    def edit(root: Path) -> None:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")

    return edit


def encode_as(rel: str, encoding: str) -> Edit:
    """Re-save a plan file in another encoding (as an old editor would)."""

    def edit(root: Path) -> None:
        path = root / rel
        path.write_bytes(path.read_text(encoding="utf-8").encode(encoding))

    return edit


def delete(rel: str) -> Edit:
    return lambda root: (root / rel).unlink()


def symlink(rel: str, target: Callable[[Path], Path]) -> Edit:
    """Make ``rel`` a symlink; ``target`` gets the plan folder and returns where it points."""

    def edit(root: Path) -> None:
        path = root / rel
        if path.exists() or path.is_symlink():
            path.unlink()
        path.symlink_to(target(root))

    return edit


def link_outside(rel: str) -> Edit:
    """Move a plan file out of the plan folder and leave a symlink to it behind."""

    def edit(root: Path) -> None:
        path = root / rel
        outside = root.parent / ("outside-" + path.name)
        path.rename(outside)
        path.symlink_to(outside)

    return edit


def link_folder_outside(sub: str) -> Edit:
    """Move a whole sub-folder out of the plan folder and symlink it back in."""

    def edit(root: Path) -> None:
        path = root / sub
        outside = root.parent / ("outside-" + sub)
        path.rename(outside)
        path.symlink_to(outside, target_is_directory=True)

    return edit


def mkfifo(rel: str) -> Edit:
    return lambda root: os.mkfifo(root / rel)


def mkdir(rel: str) -> Edit:
    return lambda root: (root / rel).mkdir()


def sparse_file(rel: str, size: int) -> Edit:
    """A file of ``size`` bytes that takes no disk space (its size is what matters)."""

    def edit(root: Path) -> None:
        with open(root / rel, "wb") as fh:
            fh.truncate(size)

    return edit


# --- the catalogue ------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    id: str
    edits: tuple[Edit, ...]
    code: str
    file: str
    line: int
    col: int | None = None  # None where the column carries no meaning
    hint: str | None = None  # a text the hint must contain
    message: str | None = None  # a text the message must contain
    isolated: bool = False  # run in a subprocess with a timeout (inputs that could hang)

    @property
    def is_warning(self) -> bool:
        return self.code.startswith("W")


def case(id: str, edits: Edit | tuple[Edit, ...], code: str, file: str, line: int, col: int | None = None,
         **kw) -> Case:
    return Case(id, edits if isinstance(edits, tuple) else (edits,), code, file, line, col, **kw)


F1 = "fields/01-wohnen.yaml"
F2 = "fields/02-innenstadt.yaml"
P24 = "progress/2024.yaml"

# Billion laughs in its wide form: 1,000 aliases of a 1,000-element list.
WIDE_ALIAS_BOMB = "a: &a [" + ", ".join(["x"] * 1000) + "]\nb: [" + ", ".join(["*a"] * 1000) + "]\n"

# Line 2 of actors.yaml up to its first non-ASCII character (the ü of "für").
LATIN1_PREFIX = "  - {id: AMT-PLANUNG, name: Amt f"
# In fields/02: "    key_project: " is 17 characters; nesting is reported where the
# walker reaches depth 64; the value of key_project sits at depth 3.
DEEP_COL = len("    key_project: ") + 1 + (64 - 3)

CASES: list[Case] = [
    # E1xx: the file itself
    case("E101-latin1-file", encode_as("actors.yaml", "latin-1"), "E101", "actors.yaml", 2, len(LATIN1_PREFIX) + 1,
         hint="UTF-8", message="0xfc"),
    case("E101-stray-byte-after-umlauts",  # the column counts characters, not bytes
         replace_bytes("actors.yaml", "förderung,".encode(), "förderung".encode() + b"\xff,"),
         "E101", "actors.yaml", 3, len("  - {id: AMT-WIRTSCHAFT, name: Amt für Wirtschaftsförderung") + 1),
    case("E102-unquoted-colon-in-text",
         replace("isek.yaml", "title: Integriertes Stadtentwicklungskonzept Beispielstadt 2030", "title: Ziel: mehr Grün"),
         "E102", "isek.yaml", 3, 12, hint="quoted"),
    case("E102-unclosed-flow-list", write("actors.yaml", "actors: [\n"), "E102", "actors.yaml", 2, 1),
    case("E103-tab-indentation", replace(F1, "    priority: 2", "\tpriority: 2"), "E103", F1, 37, 1,
         hint="spaces"),
    case("E103-tab-after-spaces", replace(F1, "    priority: 2", "  \t  priority: 2"), "E103", F1, 37, 3),
    case("E104-duplicate-key-in-measure", replace(F1, "    priority: 2", "    priority: 2\n    priority: 3"),
         "E104", F1, 38, 5, message="first at line 37"),
    case("E104-duplicate-top-level-key", replace("isek.yaml", "city: Beispielstadt", "city: Beispielstadt\ncity: Anders"),
         "E104", "isek.yaml", 3, 1, message="'city'"),
    case("E105-custom-tag", replace(F2, "title: Marktplatz neu gestalten", "title: !custom Marktplatz"),
         "E105", F2, 20, 12),
    case("E105-python-tag-at-top", replace("isek.yaml", "# A small", "!!python/object:os.system\n# A small"),
         "E105", "isek.yaml", 1, 1),
    case("E105-binary-tag", replace(F1, "title: Quartiersmanagement Nordstadt", "title: !!binary aGVsbG8="),
         "E105", F1, 35, 12),
    case("E106-wide-alias-bomb", write("indicators.yaml", WIDE_ALIAS_BOMB), "E106", "indicators.yaml", 1, 4),
    case("E107-file-over-size-limit", sparse_file(P24, isek_cli.plan.source.MAX_FILE_BYTES + 1), "E107", P24, 1, 1,
         hint="ISEK_MAX_FILE_BYTES"),
    case("E108-empty-file", write("indicators.yaml", b""), "E108", "indicators.yaml", 1, 1),
    case("E108-only-comments", write("indicators.yaml", "# nothing yet\n\n"), "E108", "indicators.yaml", 1, 1),
    case("E109-missing-isek-yaml", delete("isek.yaml"), "E109", "isek.yaml", 1, 1, hint="isek init"),
    case("E110-deep-nesting", replace(F2, "    key_project: true", "    key_project: " + "[" * 70 + "]" * 70),
         "E110", F2, 30, DEEP_COL),
    case("E110-very-deep-flow", append(F2, "x: " + "[" * 100_000 + "]" * 100_000 + "\n"), "E110", F2, 39),
    case("E111-complex-key", replace(F2, "    key_project: true", "    ? [a, b]\n    : true"), "E111", F2, 30, 7),
    case("E111-merge-key", (replace(F2, "  - id: HF2.M03", "  - <<: {priority: 3}\n    id: HF2.M03"),
                            replace(F2, "    priority: 3\n", "")),
         "E111", F2, 31, 5, message="merge"),
    case("E112-two-documents", append(P24, "---\nyear: 2024\n"), "E112", P24, 12, 1, hint="---"),
    case("E113-symlink-outside", link_outside(F2), "E113", F2, 1, 1, message="outside"),
    case("E113-symlinked-folder-outside", link_folder_outside("progress"), "E113", P24, 1, 1),
    case("E113-fifo", mkfifo("fields/x.yaml"), "E113", "fields/x.yaml", 1, 1, isolated=True),
    case("E113-directory", mkdir("fields/d.yaml"), "E113", "fields/d.yaml", 1, 1),
    case("E114-dangling-symlink", symlink("fields/03-x.yaml", lambda root: root / "fields" / "nowhere.yaml"),
         "E114", "fields/03-x.yaml", 1, 1),
    case("E114-symlink-loop", symlink("fields/03-x.yaml", lambda root: root / "fields" / "03-x.yaml"),
         "E114", "fields/03-x.yaml", 1, 1),
    case("E115-progress-name-not-a-year", write("progress/notes.yaml", "year: 2024\nupdates: []\nvalues: []\n"),
         "E115", "progress/notes.yaml", 1, 1, hint="YYYY.yaml"),
    case("E116-number-as-key", replace(F2, "    key_project: true", "    key_project: true\n    2024: begonnen"),
         "E116", F2, 31, 5, hint='"2024":'),
    case("E116-yes-as-key", replace("isek.yaml", "language: de", "language: de\nyes: ja"),
         "E116", "isek.yaml", 8, 1, message="yes/no"),
    case("E116-empty-key", replace(F2, "    key_project: true", "    key_project: true\n    ?\n    : leer"),
         "E116", F2, 31, 6, hint="before the ':'"),
    # E2xx: shape and types
    case("E201-unknown-key-did-you-mean", replace(F1, "    cost_eur: 90000", "    cost_euro: 90000"),
         "E201", F1, 40, 5, hint="did you mean 'cost_eur'?"),
    case("E201-unknown-top-level-key", replace("isek.yaml", "vision:", "visoin:"), "E201", "isek.yaml", 8, 1,
         hint="did you mean 'vision'?"),
    case("E201-comma-in-flow-mapping",
         replace("actors.yaml", '"Ausschuss für Planen, Bauen und Verkehr"', "Ausschuss für Planen, Bauen und Verkehr"),
         "E201", "actors.yaml", 7, 43, hint="quotes"),
    case("E202-missing-lead", replace(F1, "    lead: WOBAU\n", ""), "E202", F1, 21, 5, message="'lead'",
         hint="lead:"),
    case("E202-missing-top-level-key", replace("isek.yaml", "owner: Amt für Stadtentwicklung\n", ""),
         "E202", "isek.yaml", 2, 1, message="'owner'"),
    case("E203-yaml11-no-is-false",
         replace("isek.yaml", "title: Integriertes Stadtentwicklungskonzept Beispielstadt 2030", "title: no"),
         "E203", "isek.yaml", 3, 8, hint='quotes: "no"'),
    case("E203-yaml11-off-is-false", replace("actors.yaml", "name: Rat der Stadt", "name: Off"),
         "E203", "actors.yaml", 5, 21, hint='"Off"'),
    case("E203-yaml11-thousands-dot", replace(F1, "cost_eur: 20000", "cost_eur: 25.000"), "E203", F1, 19, 15,
         hint="write 25000"),
    case("E203-unquoted-date-as-text",
         replace(F1, "title: Quartiersmanagement Nordstadt", "title: 2024-05-14"), "E203", F1, 35, 12,
         hint='quotes: "2024-05-14"'),
    case("E203-number-as-id", replace(F1, "id: HF1.M04", "id: 1.10"), "E203", F1, 42, 9, hint='"1.10"'),
    case("E203-quoted-number", replace(F1, "cost_eur: 20000", 'cost_eur: "20000"'), "E203", F1, 19, 15,
         hint="remove the quotes"),
    case("E203-quoted-date", replace(P24, "date: 2024-04-02", 'date: "2024-04-02"'), "E203", P24, 4, 30,
         hint="remove the quotes"),
    case("E203-text-for-number", replace(F1, "priority: 2", "priority: eins"), "E203", F1, 37, 15),
    case("E203-datetime-for-date", replace(P24, "date: 2024-04-02", "date: 2024-04-02 10:00:00"), "E203", P24, 4, 30),
    case("E203-empty-text", replace(F1, "title: Quartiersmanagement Nordstadt", 'title: ""'), "E203", F1, 35, 12),
    case("E203-not-finite", replace("indicators.yaml", "value: 42000", "value: .inf"), "E203", "indicators.yaml", 8, 33),
    case("E204-status-typo", replace(P24, "status: zurueckgestellt", "status: zurückgestellt"), "E204", P24, 5, 50,
         hint="did you mean 'zurueckgestellt'?"),
    case("E204-priority-out-of-range", replace(F1, "priority: 3", "priority: 4"), "E204", F1, 45, 15,
         hint="1 (highest), 2 or 3"),
    case("E204-invalid-id", replace(F1, "HF1.Z2, title", "HF1 Z2, title"), "E204", F1, 8, 10, hint="ids start"),
    case("E204-id-too-long", replace(F1, "id: HF1.M04", "id: " + "A" * 41), "E204", F1, 42, 9),
    case("E204-impossible-date", replace(P24, "date: 2024-04-02", "date: 2024-02-30"), "E204", P24, 4, 30),
    case("E204-empty-goal-list", replace(F1, "goals: [HF1.Z2]\n    priority: 3", "goals: []\n    priority: 3"),
         "E204", F1, 44, 12),
    case("E204-language", replace("isek.yaml", "language: de", "language: fr"), "E204", "isek.yaml", 7, 11),
    case("E205-top-level-list", write("actors.yaml", "- actors: []\n  committees: []\n"), "E205", "actors.yaml", 1, 1,
         hint="leading '- '"),
    case("E205-nested-list-for-mapping",
         replace("isek.yaml", "horizon: {start: 2022, end: 2030}", "horizon:\n  - start: 2022\n    end: 2030"),
         "E205", "isek.yaml", 6, 3, hint="leading '- '"),
    case("E205-mapping-for-list", replace(F1, "funding: [Sozialer Zusammenhalt]", "funding: {Sozialer: Zusammenhalt}"),
         "E205", F1, 41, 14),
    case("E205-empty-list-value", replace(P24, "values:\n", "values:\nfoo:\n"), "E205", P24, 8, hint="values: []"),
    # E3xx: references and logic
    case("E301-duplicate-measure-id", replace(F2, "id: HF2.M03", "id: HF1.M01"), "E301", F2, 31, 9,
         message="fields/01-wohnen.yaml"),
    case("E301-same-id-for-two-kinds", replace("actors.yaml", "id: WIRT,", "id: L2,"), "E301", "actors.yaml", 8, 10,
         message="guiding goal"),
    case("E302-unknown-actor", replace(F1, "lead: WOBAU", "lead: WOBAO"), "E302", F1, 25, 11,
         hint="did you mean 'WOBAU'?"),
    case("E302-wrong-kind", replace(F1, "committee: BAU\n    start: 2022\n    end: 2026",
                                    "committee: RAT\n    start: 2022\n    end: 2026"),
         "E302", F1, 27, 16, message="not a committee"),
    case("E302-unknown-measure-in-progress", replace(P24, "measure: HF2.M02", "measure: HF2.M09"), "E302", P24, 7, 15),
    case("E303-goal-of-other-field", replace(F2, "goals: [HF2.Z1]\n    priority: 3", "goals: [HF1.Z1]\n    priority: 3"),
         "E303", F2, 33, 13),
    case("E304-end-before-start", replace(F1, "start: 2023\n    end: 2024", "start: 2024\n    end: 2023"),
         "E304", F1, 48, 10),
    case("E305-year-differs-from-name", replace(P24, "year: 2024", "year: 2025"), "E305", P24, 2, 7),
    case("E306-update-date-outside-year", replace(P24, "date: 2024-05-10", "date: 2023-05-10"), "E306", P24, 6, 30),
    case("E306-value-date-outside-year", replace(P24, "value: 26, date: 2024-10-01", "value: 26, date: 2025-10-01"),
         "E306", P24, 10, 42),
    case("E307-percent-100-not-completed",
         replace(P24, "status: in_umsetzung, percent: 60", "status: in_umsetzung, percent: 100"), "E307", P24, 6, 73),
    case("E308-horizon-end-before-start",
         replace("isek.yaml", "horizon: {start: 2022, end: 2030}", "horizon: {start: 2022, end: 2020}"),
         "E308", "isek.yaml", 5, 29),
    # W4xx: suspicious but legal
    case("W401-end-outside-horizon", replace(F2, "end: 2027", "end: 2031"), "W401", F2, 27, 10),
    case("W402-progress-year-outside-horizon", write("progress/2031.yaml", "year: 2031\nupdates: []\nvalues: []\n"),
         "W402", "progress/2031.yaml", 1, 7),
    case("W403-indicators-file-missing",
         (delete("indicators.yaml"), drop_lines(F1, "indicators:"), drop_lines(F2, "indicators:"),
          *(without_values(f"progress/{y}.yaml") for y in (2022, 2023, 2024))),
         "W403", "indicators.yaml", 1, 1, hint="isek init"),
    case("W404-unknown-top-level-file", write("notes.yaml", "a: 1\n"), "W404", "notes.yaml", 1, 1),
    case("W404-yml-extension", write("fields/03.yml", "a: 1\n"), "W404", "fields/03.yml", 1, 1, hint="rename"),
    case("W405-percent-falls", replace(P24, "percent: 60", "percent: 30"), "W405", P24, 6, 73),
    case("W406-update-after-completion",
         replace(P24, "updates:\n", "updates:\n  - {measure: HF1.M01, date: 2024-02-01, status: in_umsetzung}\n"),
         "W406", P24, 4, 50),
    case("W407-field-without-measures", write("fields/03-leer.yaml", "id: HF3\ntitle: Leer\ngoals: []\nmeasures: []\n"),
         "W407", "fields/03-leer.yaml", 4, 11),
    case("W408-two-values-same-date", append(P24, "  - {indicator: K-BEV, value: 40721, date: 2024-12-31}\n"),
         "W408", P24, 12, 5),
    case("W409-unused-guiding-goal", append("isek.yaml", "  - {id: L3, title: Neu}\n"), "W409", "isek.yaml", 16, 10),
    case("W410-target-against-direction",
         replace("indicators.yaml", "target: {year: 2030, value: 15}", "target: {year: 2030, value: 45}"),
         "W410", "indicators.yaml", 16, 33),
    # format v2
    case("E309-parts-cycle", (replace(F1, "    cost_eur: 20000\n", "    cost_eur: 20000\n    parent: HF1.M02\n"),
                              replace(F1, "    lead: WOBAU\n", "    lead: WOBAU\n    parent: HF1.M01\n")),
         "E309", F1, 20, 13, message="HF1.M01 → HF1.M02 → HF1.M01"),
    case("E309-area-cycle", write("areas.yaml", "areas:\n  - {id: A1, title: A, kind: quartier, parent: A2}\n"
                                                "  - {id: A2, title: B, kind: quartier, parent: A1}\n"),
         "E309", "areas.yaml", 2, 48, message="A1 → A2 → A1"),
    case("E310-plan-status-named-like-a-built-in-one",
         append("isek.yaml", "statuses:\n  - {id: entfallen, title: weg, counts_as: entfallen}\n"),
         "E310", "isek.yaml", 17, 10, hint="own id"),
    case("E311-geometry-missing", write("areas.yaml", "areas:\n  - id: A1\n    title: A\n    kind: quartier\n"
                                                      "    geometry: areas/a1.geojson\n"),
         "E311", "areas.yaml", 5, 15, message="does not exist"),
    case("E311-geometry-not-json", (write("areas.yaml", "areas:\n  - {id: A1, title: A, kind: quartier, "
                                                        "geometry: areas/a1.geojson}\n"),
                                    write("areas/a1.geojson", '{"type": "Polygon",\n "coordinates": [[[8, 53],]]}\n')),
         "E311", "areas/a1.geojson", 2, 27, message="not valid JSON"),
    case("E312-priority-twice-on-the-scale",
         append("isek.yaml", "priorities:\n  - {value: 1, title: I}\n  - {value: 1, title: II}\n"),
         "E312", "isek.yaml", 18, 13),
    # money
    case("E313-drawdown-before-the-programme-year",
         (write("funding.yaml", FUNDING), append("progress/2023.yaml", "drawdowns:\n  - {grant: G-1, date: 2023-05-02, eur: 10}\n")),
         "E313", "progress/2023.yaml", 19, 24, message="programme year 2024"),
    case("E314-drawn-above-granted",
         (write("funding.yaml", FUNDING), append(P24, "drawdowns:\n  - {grant: G-1, date: 2024-05-02, eur: 900}\n"
                                                      "  - {grant: G-1, date: 2024-06-02, eur: 200}\n")),
         "E314", P24, 14, 41, message="1,100 €"),
    case("W412-yearly-costs-above-the-estimate",
         replace(F1, "    cost_eur: 20000\n", "    cost_eur: 20000\n    costs: [{year: 2022, eur: 25000}]\n"),
         "W412", F1, 20, 12),
    case("W413-funding-names-no-programme", write("funding.yaml", FUNDING), "W413", F1, 31, 15,
         message="Soziale Wohnraumförderung"),
    case("W414-grant-above-its-eligible-cost",
         write("funding.yaml", FUNDING.replace("amount_eur: 1000}", "amount_eur: 1000, eligible_eur: 500}")),
         "W414", "funding.yaml", 6, 75),
    case("W415-same-progress-entry-twice",
         replace(P24, "  - {measure: HF2.M02, date: 2024-06-01, status: in_planung, percent: 10}\n",
                 "  - {measure: HF2.M02, date: 2024-06-01, status: in_planung, percent: 10}\n" * 2),
         "W415", P24, 8, 5),
    case("W420-schema-folder-older-than-isek",
         write(".schema/field.schema.json", '{"$comment": "written by isek 0.0.1; refresh with: isek schema -o .schema"}\n'),
         "W420", ".schema/field.schema.json", 1, 1, hint="schema -o", message="isek 0.0.1"),
    case("W411-german-thousands-separator", replace("indicators.yaml", "value: 42000", "value: 42.000"),
         "W411", "indicators.yaml", 8, 33, hint="did you mean 42000?"),
]


# --- running check --------------------------------------------------------------

def check_json(root: Path, *extra: str, isolated: bool = False, env: dict | None = None) -> tuple[int, dict]:
    """Run `isek --plan ROOT check --format json`; never an internal error, always valid JSON."""
    argv = ["--plan", str(root), "check", "--format", "json", *extra]
    if isolated:
        proc = subprocess.run([sys.executable, "-m", "isek_cli", *argv], capture_output=True, text=True,
                              timeout=60, cwd=REPO, env={**os.environ, **(env or {})})
        code, out, err = proc.returncode, proc.stdout, proc.stderr
    else:
        r = run(*argv[2:], plan=root, env=env)
        code, out, err = r.exit_code, r.stdout, r.stderr
    assert code != 3, f"internal error:\n{err}"
    assert "Traceback" not in out + err
    return code, json.loads(out)


def listing(report: dict) -> str:
    return "\n".join(f"  {d['code']} {d['file']}:{d['line']}:{d['col']} {d['message']}" for d in report["diagnostics"])


def matching(report: dict, code: str, file: str, line: int, col: int | None = None) -> list[dict]:
    return [d for d in report["diagnostics"]
            if (d["code"], d["file"], d["line"]) == (code, file, line) and (col is None or d["col"] == col)]


def apply(root: Path, c: Case) -> None:
    for edit in c.edits:
        edit(root)


# --- the catalogue as tests --------------------------------------------------------

def test_case_ids_are_unique():
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))


def test_every_code_has_a_case():
    covered = {c.code for c in CASES}
    assert sorted(set(CODES) - covered) == [], "codes without a catalogue case"
    assert sorted(covered - set(CODES)) == [], "cases for codes that do not exist"


def test_the_unbroken_fixture_is_clean(mini):
    code, report = check_json(mini)
    assert (code, report["valid"], report["diagnostics"]) == (0, True, [])


@pytest.mark.parametrize("c", CASES, ids=[c.id for c in CASES])
def test_catalogue_case(mini: Path, c: Case):
    apply(mini, c)
    code, report = check_json(mini, isolated=c.isolated)

    found = matching(report, c.code, c.file, c.line, c.col)
    assert found, f"expected {c.code} at {c.file}:{c.line}:{c.col}; got:\n{listing(report)}"
    d = found[0]
    assert d["severity"] == ("warning" if c.is_warning else "error")
    if c.hint is not None:
        assert c.hint in d["hint"]
    if c.message is not None:
        assert c.message in d["message"]

    if c.is_warning:
        assert report["valid"] is True and report["errors"] == 0, listing(report)
        assert code == 0
        strict_code, _ = check_json(mini, "--strict", isolated=c.isolated)
        assert strict_code == 1
    else:
        assert report["valid"] is False
        assert code == 1


# --- hostile inputs that need more than one assertion -------------------------------

@pytest.mark.parametrize("tag", [
    "!!python/object/apply:os.system",
    "!!python/object/new:os.system",
])
def test_python_tags_construct_nothing(mini: Path, tmp_path: Path, tag: str):
    marker = tmp_path / "tag-was-executed"
    replace(F2, "title: Marktplatz neu gestalten", f'title: {tag} ["touch {marker}"]')(mini)
    replace(F1, "title: Quartiersmanagement Nordstadt",
            f"title: !!python/object/apply:subprocess.check_call [[touch, {marker}]]")(mini)

    code, report = check_json(mini)

    assert not marker.exists(), "a YAML tag ran a command"
    assert code == 1
    assert matching(report, "E105", F2, 20, 12)
    assert matching(report, "E105", F1, 35, 12)


def test_python_name_tag_is_refused(mini: Path):
    replace(F1, "title: Quartiersmanagement Nordstadt", "title: !!python/name:os.system ''")(mini)
    code, report = check_json(mini)
    assert code == 1
    assert matching(report, "E105", F1, 35, 12)


def billion_laughs() -> str:
    """The classic bomb: nine levels of nine aliases, 9**9 strings when expanded."""
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    prev = "a"
    for name in "bcdefghi":
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
        prev = name
    return "\n".join(lines) + "\n"


def test_billion_laughs_finishes_quickly(mini: Path):
    write("indicators.yaml", billion_laughs())(mini)
    started = time.monotonic()
    code, report = check_json(mini, isolated=True)
    assert time.monotonic() - started < 20
    assert code == 1
    assert any(d["file"] == "indicators.yaml" for d in report["diagnostics"])


def test_billion_laughs_is_reported_as_alias_bomb(mini: Path):
    write("indicators.yaml", billion_laughs())(mini)
    _, report = check_json(mini)
    assert [d for d in report["diagnostics"] if d["code"] == "E106" and d["file"] == "indicators.yaml"]


def test_size_limit_from_the_environment(mini: Path):
    limit = 600
    code, report = check_json(mini, isolated=True, env={"ISEK_MAX_FILE_BYTES": str(limit)})
    too_big = sorted(p.relative_to(mini).as_posix() for p in mini.rglob("*.yaml") if p.stat().st_size > limit)
    assert too_big, "the limit must catch some fixture files"
    assert sorted(d["file"] for d in report["diagnostics"] if d["code"] == "E107") == too_big
    assert code == 1


def test_size_limit_boundary(mini: Path, monkeypatch):
    size = (mini / "actors.yaml").stat().st_size
    monkeypatch.setattr(isek_cli.plan.source, "MAX_FILE_BYTES", size)
    _, report = check_json(mini)
    assert not matching(report, "E107", "actors.yaml", 1), "a file exactly at the limit is fine"

    monkeypatch.setattr(isek_cli.plan.source, "MAX_FILE_BYTES", size - 1)
    code, report = check_json(mini)
    assert matching(report, "E107", "actors.yaml", 1, 1)
    assert code == 1


def test_symlink_inside_the_plan_folder_is_followed(mini: Path):
    (mini / F2).rename(mini / "innenstadt.txt")
    (mini / F2).symlink_to(mini / "innenstadt.txt")
    code, report = check_json(mini)
    assert (code, report["diagnostics"]) == (0, [])


def test_fifo_in_progress_folder_does_not_hang(mini: Path):
    os.mkfifo(mini / "progress" / "2025.yaml")
    code, report = check_json(mini, isolated=True)
    assert code == 1
    assert matching(report, "E113", "progress/2025.yaml", 1, 1)


def test_deep_block_nesting_does_not_crash(mini: Path):
    deep = "x:\n" + "".join(" " * i + "a:\n" for i in range(1, 3000))
    append(F2, deep)(mini)
    code, report = check_json(mini)
    assert code == 1
    assert [d for d in report["diagnostics"] if d["code"] == "E110" and d["file"] == F2]


def test_recursive_alias_does_not_hang(mini: Path):
    replace(F1, "    cost_eur: 90000", "    partners: &r [*r]")(mini)
    code, report = check_json(mini, isolated=True)
    assert code == 1
    assert [d for d in report["diagnostics"] if d["file"] == F1]


def test_utf8_bom_is_accepted(mini: Path):
    path = mini / "actors.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    code, report = check_json(mini)
    assert (code, report["diagnostics"]) == (0, [])


def test_non_utf8_byte_column_after_bom(mini: Path):
    write("actors.yaml", b"\xef\xbb\xbfactors: \xff\n")(mini)
    _, report = check_json(mini)
    assert matching(report, "E101", "actors.yaml", 1, len("actors: ") + 1)


@pytest.mark.parametrize("tag", ["!custom", "!!python/name:os.system"])
def test_tag_on_a_mapping_key_is_refused(mini: Path, tag: str):
    replace(F1, "    cost_eur: 90000", f"    {tag} cost_eur: 90000")(mini)
    code, report = check_json(mini)
    assert code == 1
    assert matching(report, "E105", F1, 40, 5)
