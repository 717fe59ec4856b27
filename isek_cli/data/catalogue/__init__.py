"""`isek import catalogue`: a new plan folder from a measure catalogue (.xlsx, .ods or .csv).

One row per measure. Every cell is converted and checked before anything is
written; one bad cell refuses the whole file (or, with ``partial``, only its
row), and every problem names file, sheet, row and column. Fields of action,
goals and actors are created from the rows; ids the sheet does not give are
derived deterministically. The plan is rendered as text (``plan_files``),
validated and read back in memory, and only then written, file by file,
through the atomic writer.

Modules: ``values`` (one cell's value: periods, costs, priorities, names) and
``cells`` (columns, draft, ids and kinds from names) ← ``resolve`` (ids, parts,
areas, the priority scale) ← ``read`` (the sheet); ``plan_files`` (YAML text)
uses ``cells``; this module runs them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import sheets
from . import plan_files as cy
from .cells import COLUMNS, CatalogueRefused, Options, actor_kind, slug
from .read import Parsed, parse
from .values import to_priority

__all__ = ["COLUMNS", "CatalogueRefused", "Imported", "Options", "Parsed", "actor_kind", "import_catalogue",
           "parse", "slug", "to_priority"]


@dataclass
class Imported:
    files: dict[str, str]  # rel -> text, as written (or as it would be, in a dry run)
    written: list[Path]
    parsed: Parsed
    warnings: list[Any]  # diagnostics of the new plan (e.g. a year outside the horizon)


def import_catalogue(path: Path, into: Path, options: Options, dry_run: bool = False) -> Imported:
    """Parse, render, validate and read back in memory; then write every file, or none."""
    why = cy.existing_plan(into)
    if why:
        raise CatalogueRefused(f"{why}; import into a new or empty folder")
    try:
        parsed = parse(path, options)
    except sheets.SheetError as exc:
        raise CatalogueRefused(str(exc)) from None
    except OSError as exc:
        raise CatalogueRefused(f"cannot read {path}: {exc.strerror or exc}") from None
    if parsed.problems and not options.partial:
        raise CatalogueRefused(f"{len(parsed.problems)} problem(s) in {path.name}; fix them (or use --partial to "
                               "import only the valid rows)", parsed.problems, parsed.notes)
    if parsed.draft is None:
        raise CatalogueRefused(f"{path.name} has no measure rows to import", parsed.problems, parsed.notes)
    try:
        files = cy.render(parsed.draft)
        loaded = cy.verify(into, files, parsed.draft)
    except cy.ReadBackError as exc:
        raise CatalogueRefused(f"cannot write a valid plan: {exc} (please report this with the file)",
                               notes=parsed.notes) from None
    written: list[Path] = []
    if not dry_run:
        why = cy.existing_plan(into)
        if why:
            raise CatalogueRefused(f"{why}; import into a new or empty folder")
        try:
            written = cy.write(into, files)
        except OSError as exc:
            raise CatalogueRefused(f"cannot write into {into}: {exc}") from None
    warnings = [d for d in loaded.diagnostics if d.severity == "warning"]
    return Imported(files, written, parsed, warnings)
