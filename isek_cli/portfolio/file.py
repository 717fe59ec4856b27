"""portfolio.yaml: which plans a portfolio holds, read strictly, every problem positioned.

::

    title: ISEK-Monitoring Landkreis Beispiel
    root: .                                        # optional: the portfolio folder ('.', '..', '../..')
    plans:
      - {id: DEL, path: delmenhorst/plan}          # a folder, relative to this file
      - {id: WOLLEPARK, path: gebiete/wollepark}
      - {id: OST, path: orte/ost/plan, rev: bericht-2024}   # as committed at a git revision

The file is read like a plan file (safe YAML, size limits, duplicate keys refused)
and validated against :class:`PortfolioModel`. A broken entry never hides the
others: each valid entry is kept, each problem becomes a diagnostic at its line.
Plans must lie inside the portfolio folder (also through symlinks), so a
portfolio folder is self-contained and a portfolio file cannot reach elsewhere.
The portfolio folder is the file's folder unless ``root`` names one of its
ancestors (``..``): a portfolio file kept in a subfolder of a repository (like
isek's own examples/portfolio.yaml) may then list plans elsewhere in it.
"""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal, Optional

from pydantic import AfterValidator, StringConstraints

from ..plan import shape
from ..plan.base import Strict
from ..plan.diagnostics import Diagnostic, Loc, Problem
from ..plan.loader import PlanFile, resolve
from ..plan.source import load_source
from ..plan.types import ID_PATTERN, fail

DEFAULT_NAME = "portfolio.yaml"
_LIMIT = os.environ.get("ISEK_MAX_PLANS", "")
MAX_PLANS = int(_LIMIT) if _LIMIT.isdigit() and int(_LIMIT) > 0 else 5_000  # a bad value: the default

# The portfolio's own codes (docs/portfolio.md); problems of its YAML use the plan codes
# (E1xx file, E2xx shape) and a duplicate plan id is E301, as in a plan.
CODES: dict[str, str] = {
    "E501": "plan folder of a portfolio missing",
    "E502": "plan path outside the portfolio folder",
    "E503": "plan at a git revision cannot be read",
    "E504": "more plans than the limit",
    "W501": "the same plan (path and revision) listed twice",
}


def _revision(value: str) -> str:
    if ":" in value or any(c.isspace() for c in value) or value.startswith("-"):
        fail(f"'{value}' is not a git revision name",
             "name a tag, branch or commit (e.g. bericht-2024); the plan's folder goes into 'path'")
    return value


def _root(value: str) -> str:
    norm = posixpath.normpath(value.replace("\\", "/"))
    if norm != "." and any(part != ".." for part in norm.split("/")):
        fail(f"root '{value}' is not this file's folder or one above it",
             "write '.' (the default), '..' or '../..': the folder that holds every plan of the portfolio")
    return norm


class PlanRef(Strict):
    """One plan of the portfolio: an id, its folder relative to the portfolio file, and optionally a revision."""

    id: Annotated[str, StringConstraints(pattern=ID_PATTERN)]
    path: Annotated[str, StringConstraints(min_length=1, max_length=1000)]
    rev: Optional[Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(_revision)]] = None


class PortfolioModel(Strict):
    """portfolio.yaml: a title, an optional language for the portfolio's own pages, and the plans."""

    title: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    language: Optional[Literal["de", "en"]] = None
    root: Annotated[str, StringConstraints(min_length=1, max_length=100), AfterValidator(_root)] = "."
    plans: list[PlanRef]


@dataclass(frozen=True)
class Entry:
    """A plan of the portfolio as listed: ``path`` as written (normalised, '/'-separated),
    ``root`` the folder it names, ``problem`` the reason it cannot be read (or None)."""

    id: str
    path: str
    rev: str | None
    root: Path
    position: int  # index in the file's plans list
    problem: Diagnostic | None = None


@dataclass
class PortfolioSource:
    """What portfolio.yaml says: its title and language, the plans, and every problem with it."""

    file: Path
    folder: Path  # the file's folder: every path is written and reported relative to it
    root: Path  # the portfolio folder, which holds every plan: ``folder`` or one of its ancestors
    title: str | None
    language: str | None
    entries: list[Entry]
    diagnostics: list[Diagnostic]


def find_file(path: str | os.PathLike | None) -> Path:
    """The portfolio file: ``path`` itself, ``path/portfolio.yaml`` for a folder, else ./portfolio.yaml."""
    p = Path(path) if path else Path(DEFAULT_NAME)
    return p / DEFAULT_NAME if p.is_dir() else p


def read(file: Path) -> PortfolioSource:
    """Read and check portfolio.yaml and where its plans are; never raises for bad content."""
    folder = file.parent
    rel = file.name
    source = load_source(str(file), rel)
    problems: list[Problem] = list(source.problems)
    model, found = (None, []) if source.data is None else shape.validate(PortfolioModel, source.data, rel)
    problems += found
    refs: list[tuple[int, PlanRef]] = []
    title = language = None
    root = "."
    if model is not None:
        title, language, root = model.title, model.language, model.root
        refs = list(enumerate(model.plans))
    elif isinstance(source.data, dict):  # keep every entry that is valid on its own
        title = source.data.get("title") if isinstance(source.data.get("title"), str) else None
        language = source.data.get("language") if source.data.get("language") in ("de", "en") else None
        try:
            root = _root(source.data["root"]) if isinstance(source.data.get("root"), str) else "."
        except Exception:  # noqa: BLE001 - reported by the validation of the whole file
            pass
        plans = source.data.get("plans")
        for i, item in enumerate(plans if isinstance(plans, list) else []):
            try:
                refs.append((i, PlanRef.model_validate(item)))
            except Exception:  # noqa: BLE001 - reported by the validation of the whole file
                pass
    if len(refs) > MAX_PLANS:
        problems.append(Problem("E504", Loc(rel, ("plans", refs[MAX_PLANS][0])),
                                f"the portfolio lists {len(refs):,} plans, more than the limit of {MAX_PLANS:,}",
                                "split it into several portfolios, or raise ISEK_MAX_PLANS if it is genuine"))
        refs = refs[:MAX_PLANS]
    entries, entry_problems, bad = _entries(folder, root, rel, refs)
    problems += entry_problems
    pf = PlanFile(rel, "portfolio", source)
    diagnostics = resolve(problems, [pf])
    entries = [Entry(e.id, e.path, e.rev, e.root, e.position, resolve([bad[n]], [pf])[0]) if n in bad else e
               for n, e in enumerate(entries)]
    return PortfolioSource(file, folder, folder / root, title, language, entries, diagnostics)


def _entries(folder: Path, root: str, rel: str, refs: list[tuple[int, PlanRef]]
             ) -> tuple[list[Entry], list[Problem], dict[int, Problem]]:
    """Every listed plan with where it lives; duplicates dropped, unreadable ones marked."""
    entries: list[Entry] = []
    problems: list[Problem] = []
    bad: dict[int, Problem] = {}  # entry number -> why it cannot be read
    seen_ids: dict[str, str] = {}
    seen_plans: dict[tuple[str, str | None], str] = {}
    base = os.path.realpath(folder / root)
    # where the file's folder lies inside the portfolio folder: 'examples' for root '..'
    parts = Path(os.path.abspath(folder)).parts
    inner = "" if root == "." else "/".join(parts[len(parts) - len(root.split("/")):])
    for i, ref in refs:
        loc = Loc(rel, ("plans", i))
        first = seen_ids.get(ref.id.casefold())
        if first is not None:  # case too: plan ids become folder names of the site
            same = "" if first == ref.id else f" (as '{first}'; plan ids must differ in more than case)"
            problems.append(Problem("E301", loc.child("id"), f"plan id '{ref.id}' is listed twice{same}",
                                    "give each plan its own id; this entry is left out"))
            continue
        seen_ids[ref.id.casefold()] = ref.id
        path = _normal(ref.path, inner)
        problem: Problem | None = None
        where = folder / (path or ".")
        if path is None:
            problem = Problem("E502", loc.child("path"), f"plan path '{ref.path}' is not a folder inside the "
                              "portfolio folder", "write the path relative to the portfolio file, e.g. "
                              "gebiete/wollepark/plan; if the plans lie above the file, set 'root: ..' or move it up")
        else:
            real = os.path.realpath(where)
            if os.path.commonpath([real, base]) != base:
                problem = Problem("E502", loc.child("path"), f"plan path '{ref.path}' leads outside the portfolio "
                                  f"folder (to {real})", "keep the plans inside the portfolio's folder (copy or "
                                  "clone them there) instead of linking to them")
            elif ref.rev is None and not os.path.isdir(where):
                what = "is not a folder" if os.path.exists(where) else "does not exist"
                problem = Problem("E501", loc.child("path"), f"plan folder '{path}' {what}",
                                  f"check the path (relative to {rel}), or remove the entry")
        if problem is None:
            key = (real, ref.rev)
            if key in seen_plans:
                problems.append(Problem("W501", loc.child("path"), f"plan '{ref.id}' is the same plan as "
                                        f"'{seen_plans[key]}'; its measures count twice", "list each plan once",
                                        severity="warning"))
            seen_plans.setdefault(key, ref.id)
        else:
            problems.append(problem)
            bad[len(entries)] = problem
        entries.append(Entry(ref.id, path or ref.path, ref.rev, where, i))
    return entries, problems, bad


def _normal(path: str, inner: str = "") -> str | None:
    """The path '/'-separated and normalised, or None when it is absolute or climbs out of the
    portfolio folder (``inner``: the file's folder relative to the portfolio folder)."""
    if "\0" in path:
        return None
    text = path.replace("\\", "/")
    if text.startswith("/") or (len(text) > 1 and text[1] == ":"):
        return None
    norm = posixpath.normpath(text)
    inside = posixpath.normpath(posixpath.join(inner, norm)) if inner else norm
    if inside == ".." or inside.startswith("../"):
        return None
    return norm
