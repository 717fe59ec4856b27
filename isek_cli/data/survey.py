"""The yearly survey end to end: request workbooks out (``isek progress request``), answers and
other progress sheets back in (``isek progress import FILE...``).

``requests`` renders the workbooks of :mod:`.request` in .xlsx or .ods; ``write_requests`` puts them
into a folder without clobbering anything isek did not write; ``read_files`` reads any mix of
answered requests (:mod:`.answers`) and plain progress sheets (:mod:`.progress_sheet`) into one
:class:`~isek_cli.data.answers.Answers`, checking everything before anything is written.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

from . import answers, progress_sheet, sheets
from .request import FORMATS, GENERATOR, build
from ..errors import IsekError
from ..plan.index import PlanIndex


class ImportRefused(IsekError):
    """Nothing was written: the files hold problems (``answers.problems``) and ``partial`` was not asked."""

    def __init__(self, message: str, found: answers.Answers) -> None:
        super().__init__(message)
        self.answers = found


def requests(plan: PlanIndex, year: int, *, by: str = "lead", format: str = "xlsx", deadline: dt.date | None = None,
             contact: str | None = None) -> dict[str, bytes]:
    """File name -> workbook bytes, one per recipient, in plan order."""
    if format not in FORMATS:
        raise ValueError(f"unknown format '{format}'; one of {', '.join(FORMATS)}")
    if format == "xlsx":
        from .request_xlsx import to_xlsx as render
    else:
        from .request_ods import to_ods as render
    return {f"{req.stem}.{format}": render(req) for req in build(plan, year, by, deadline=deadline, contact=contact)}


def own_request(path: Path) -> bool:
    """Whether ``path`` is a workbook an earlier ``isek progress request`` wrote (it may be replaced)."""
    try:
        with zipfile.ZipFile(path) as z:
            if path.suffix == ".ods":
                return f"<meta:initial-creator>{GENERATOR}</meta:initial-creator>".encode() in z.read("meta.xml")
            return f"<dc:creator>{GENERATOR}</dc:creator>".encode() in z.read("docProps/core.xml")
    except (OSError, KeyError, zipfile.BadZipFile):
        return False


def write_requests(files: dict[str, bytes], output: Path, *, plan_root: Path, force: bool = False) -> list[Path]:
    """Write the workbooks into the folder ``output`` (created if missing). Refuses a folder inside
    the plan and, unless ``force``, any existing file that is not an earlier request; checks every
    target before writing the first."""
    from ..writing.outputs import OutputRefused, check_target, inside, write_output

    if inside(output, plan_root):
        raise OutputRefused(f"{output} lies inside the plan folder {plan_root}; write the requests elsewhere")
    if output.exists() and not output.is_dir():
        raise OutputRefused(f"{output} exists and is not a folder; -o names the folder for the workbooks")
    for name in files:
        target = output / name
        check_target(target, plan_root, force or own_request(target))
    output.mkdir(parents=True, exist_ok=True)
    written = []
    for name, body in files.items():
        write_output(output / name, body, plan_root=plan_root, force=True)
        written.append(output / name)
    return written


def read_files(paths: list[Path], plan: PlanIndex, *, sheet: str | None = None, year: int | None = None) -> answers.Answers:
    """Every file's entries and problems: answered requests and plain progress sheets alike."""
    found = answers.Answers()
    requested, plain = [], []
    for path in paths:
        try:
            (requested if answers.is_request(path) else plain).append(path)
        except sheets.SheetError as exc:
            found.problems.append(progress_sheet.RowProblem(path.name, str(exc)))
            found.refused.append(path.name)
    if requested:
        read = answers.read(requested, plan, year)
        for name in ("answers", "problems", "skipped", "workbooks", "refused", "notes"):
            getattr(found, name).extend(getattr(read, name))
    for path in plain:
        found.workbooks.append(path.name)
        try:
            entries, problems, notes = progress_sheet.parse(path, plan, sheet)
        except sheets.SheetError as exc:
            found.problems.append(progress_sheet.RowProblem(path.name, str(exc)))
            found.refused.append(path.name)
            continue
        found.notes += notes
        found.problems += problems
        if not entries and not problems:
            found.problems.append(progress_sheet.RowProblem(path.name, "no rows to import"))
        for e in entries:
            (found.drawdowns if "grant" in e else found.answers).append(e if "grant" in e else (e, path.name))
    return found
