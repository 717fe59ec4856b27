"""Diagnostics: what the loader and the validator report, and the stable codes.

A diagnostic is born as a :class:`Problem` that knows *where* in the data it
belongs (file + path of keys/indices). Line and column are filled in only for
files that have problems, by re-reading that file's node tree (see
``yamlsrc.Locator``), so the fast path never pays for positions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]

# Stable codes. The number never changes meaning; new codes are appended.
# E1xx: the file itself, E2xx: shape and types, E3xx: references and logic,
# W4xx: suspicious but legal.
CODES: dict[str, str] = {
    "E101": "file is not valid UTF-8",
    "E102": "YAML syntax error",
    "E103": "tab character where YAML needs spaces",
    "E104": "duplicate key in a mapping",
    "E105": "YAML tag not allowed (plan files never construct objects)",
    "E106": "too many alias expansions (anchor/alias bomb)",
    "E107": "file larger than the size limit",
    "E108": "file is empty",
    "E109": "required file missing",
    "E110": "nesting too deep",
    "E111": "mapping key that is not plain text (complex or merge key)",
    "E112": "more than one YAML document in a file",
    "E113": "not a regular file inside the plan folder (symlink leading outside, FIFO, directory)",
    "E114": "file cannot be read",
    "E115": "progress file name is not a year",
    "E116": "mapping key that YAML reads as a number, yes/no, null or date instead of text",
    "E117": "fields or progress is a file, not a folder",
    "E201": "unknown key",
    "E202": "missing required key",
    "E203": "wrong type",
    "E204": "invalid value",
    "E205": "wrong structure (a list where a mapping belongs, or the reverse)",
    "E301": "duplicate id",
    "E302": "reference does not resolve",
    "E303": "measure goal belongs to another field of action",
    "E304": "end year before start year",
    "E305": "progress file year differs from its file name",
    "E306": "date outside the progress file's year",
    "E307": "percent 100 without status abgeschlossen",
    "E308": "horizon end before horizon start",
    "W401": "year outside the plan horizon",
    "W402": "progress file for a year outside the horizon",
    "W403": "plan file missing, treated as empty",
    "W404": "file in the plan folder that isek ignores",
    "W405": "percent lower than in an earlier update",
    "W406": "update for a measure after it was completed or dropped",
    "W407": "field of action without measures",
    "W408": "two values for the same indicator and date",
    "W409": "guiding goal no field of action refers to",
    "W410": "indicator target not in the direction the indicator should move",
    # format v2
    "E309": "parts or areas form a cycle (a measure or area inside itself)",
    "E310": "plan status named like one of the seven statuses",
    "E311": "area geometry that cannot be used (missing, outside the plan folder, not GeoJSON, not WGS84)",
    "E312": "the same value twice on the plan's priority scale",
    "W411": "number that looks like a German thousands separator (57.800)",
    # money
    "E313": "drawdown before its grant's programme year",
    "E314": "drawdowns above the amount granted",
    "W412": "yearly costs above the estimated cost (or a year listed twice)",
    "W413": "funding that names no programme of funding.yaml",
    "W414": "grant above its eligible cost",
    # everyday use
    "W415": "the same progress entry twice (measure, date, status, percent, note and money spent alike)",
    # editors
    "W420": "the plan's .schema/ was written by an older isek",
}


@dataclass(frozen=True, slots=True)
class Loc:
    """Where a value lives: a plan-relative file and a path of keys/indices.

    ``key`` points at the mapping key instead of its value (unknown keys,
    duplicate keys). A path that runs past the data resolves to the deepest
    node that exists, which is the parent mapping for a missing key.
    """

    file: str
    path: tuple[str | int, ...] = ()
    key: bool = False

    def child(self, *more: str | int, key: bool = False) -> "Loc":
        return Loc(self.file, self.path + tuple(more), key)


@dataclass(slots=True)
class Problem:
    code: str
    loc: Loc
    message: str
    hint: str = ""
    severity: Severity = "error"
    # Known position (from a YAML error mark or the walker); else resolved later.
    line: int | None = None
    col: int | None = None


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    severity: Severity
    file: str
    line: int
    col: int
    message: str
    hint: str = ""
    excerpt: tuple[str, ...] = field(default=(), compare=False)

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "severity": self.severity,
            "file": self.file,
            "line": self.line,
            "col": self.col,
            "message": self.message,
            "hint": self.hint,
        }


def sort_key(d: Diagnostic) -> tuple:
    # Files in a stable order (isek.yaml first, then as named), then position.
    return (d.file != "isek.yaml", d.file, d.line, d.col, d.code, d.message)


def has_errors(diags: list[Diagnostic]) -> bool:
    return any(d.severity == "error" for d in diags)


def failing(diags: list[Diagnostic], strict: bool) -> bool:
    """Whether these diagnostics fail a run: errors always, warnings with --strict."""
    return bool(diags) and (strict or has_errors(diags))


class Validity:
    """``errors``, ``warnings`` and ``ok`` of anything that has ``diagnostics`` (a plan, a
    portfolio, a portfolio's plan), so each answers them the same way."""

    diagnostics: list[Diagnostic]

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "warning"]

    @property
    def ok(self) -> bool:
        """True when there are no errors (warnings allowed)."""
        return not self.errors
