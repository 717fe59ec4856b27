"""isek as a library: open a plan, ask it questions, render its report.

The command line is a thin layer over this module, the way sqlite-utils'
CLI is over ``Database``: every command opens a plan with :func:`open_plan`,
makes one call on the returned :class:`Plan` and prints the result. Analysts
do the same in Jupyter::

    import isek_cli
    plan = isek_cli.open_plan("plan")
    plan.status(2024)["total"]["by_status"]["abgeschlossen"]
    frames = plan.to_frames()          # pandas, with the optional extra isek-cli[pandas]

Everything returned is plain data (dicts, lists, numbers, text, dates), the
same data ``--format json`` prints. The module is long because it is the one
facade: every command's entry point is here, each a docstring and a call.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import BadFilter, IsekError, PlanInvalid, UnknownId
from .plan.diagnostics import Diagnostic, Validity
from .plan.index import PlanIndex
from .plan.loader import Loaded, find_plan_dir, load_plan
from .plan.model import STATUSES
from .plan.suggest import id_hint

if TYPE_CHECKING:  # for annotations; at run time __getattr__ imports it when first asked for (import time)
    from .portfolio.core import Portfolio

__all__ = ["Plan", "Portfolio", "create_plan", "diff", "history", "import_catalogue", "import_progress", "open_plan",
           "open_portfolio", "record_progress", "schema", "textconv"]


def open_plan(path: str | os.PathLike | None = None, *, rev: str | None = None, strict: bool = True,
              use_cache: bool = True) -> "Plan":
    """Load and validate a plan folder, or the plan as it was at a git revision.

    Args:
        path: the plan folder. ``None``: ``./plan`` if it exists, else the current folder.
        rev: a git revision (``HEAD~1``, a tag, ``REV:path``); the working tree stays untouched.
        strict: raise :class:`~isek_cli.errors.PlanInvalid` when the plan has errors. With
            ``strict=False`` the plan is returned anyway; read ``.ok`` and ``.diagnostics``.
        use_cache: read an unchanged plan from isek's cache (working tree only).

    Returns:
        The :class:`Plan`, with every diagnostic (errors and warnings) in ``.diagnostics``.

    Raises:
        PlanInvalid: the plan has errors (only with ``strict=True``); ``.diagnostics`` lists them.
        GitError: ``rev`` names no revision, or the folder is not in a git repository.
    """
    root = find_plan_dir(path)
    if rev is None:
        loaded, commit = load_plan(root, use_cache=use_cache), None
    else:
        from .git.revision import load_at

        loaded, revision = load_at(rev, root)
        commit = revision.commit
    plan = Plan(loaded, commit)
    if strict and not plan.ok:
        n = len(plan.errors)
        raise PlanInvalid(f"the plan in {root} has {n} error(s); run 'isek check' for details", plan.diagnostics)
    return plan


def open_portfolio(path: str | os.PathLike | None = None, *, strict: bool = True, use_cache: bool = True,
                   jobs: int | None = None) -> "Portfolio":
    """portfolio.yaml (``path``: the file or its folder) and its plans, as :func:`.portfolio.core.open_portfolio`."""
    from .portfolio.core import open_portfolio as open_

    return open_(path, strict=strict, use_cache=use_cache, jobs=jobs)


def __getattr__(name: str):
    if name == "Portfolio":
        from .portfolio.core import Portfolio

        return Portfolio
    raise AttributeError(f"module 'isek_cli.api' has no attribute '{name}'")


class Plan(Validity):
    """A loaded plan: its content, its diagnostics, and the questions isek answers about it.

    Attributes:
        root: the plan folder.
        revision: the git commit the plan was read from; ``None`` for the working tree.
        diagnostics: every problem found, errors and warnings, in file order.
        index: the plan's content with indexes by id (:class:`isek_cli.plan.index.PlanIndex`).
    """

    def __init__(self, loaded: Loaded, revision: str | None = None) -> None:
        self._loaded = loaded
        self.root: Path = loaded.root
        self.revision = revision
        self.diagnostics: list[Diagnostic] = loaded.diagnostics
        self.index: PlanIndex = loaded.plan

    def __repr__(self) -> str:
        where = f" at {self.revision[:10]}" if self.revision else ""
        return f"<isek Plan {str(self.root)!r}{where}: {len(self.index.measure_index)} measures, " \
               f"{len(self.errors)} error(s)>"

    # --- the load (errors, warnings and ok come from Validity) ----------------------

    @property
    def loaded(self) -> Loaded:
        """The loader's result with the per-file data (used by writes and ``isek diff``)."""
        return self._loaded

    # --- content ----------------------------------------------------------------------

    @property
    def meta(self):
        """isek.yaml: city, title, horizon, vision, guiding goals (``None`` if it could not be read)."""
        return self.index.meta

    @property
    def fields(self):
        """The fields of action in plan order, each with its goals and measures."""
        return self.index.fields

    @property
    def indicators(self):
        return self.index.indicators

    @property
    def progress_years(self) -> list[int]:
        """The years that have a progress file, ascending."""
        return list(self.index.progress_years)

    def default_year(self) -> int:
        """The year a question means when none is given: the latest year with a progress file,
        else the horizon's first year."""
        from .query.status import default_year

        return default_year(self.index)

    def _year(self, year: int | None) -> int:
        return self.default_year() if year is None else year

    # --- questions --------------------------------------------------------------------

    def status(self, year: int | None = None, *, area: str | None = None) -> dict[str, Any]:
        """Top-level measures by status per field of action in ``year`` (default: the latest progress year).

        Exactly the data ``isek status --format json`` prints. ``area`` counts only measures
        in that area or an area inside it (raises :class:`UnknownId` for an unknown area).
        """
        from .query.status import status

        self._known(area=area)
        return status(self.index, self._year(year), area=area)

    def measures(self, *, year: int | None = None, field: str | None = None, status: str | None = None,
                 priority: int | None = None, lead: str | None = None, committee: str | None = None,
                 area: str | None = None, sdg: str | None = None, decision: str | None = None,
                 parts: bool = False) -> list[dict[str, Any]]:
        """Measures in plan order, filtered as ``isek measures`` filters them.

        ``lead`` matches every lead actor and the partners; ``status`` is one of the seven
        statuses (matching what a measure counts as) or a plan status; ``area`` includes the
        areas inside it; ``sdg`` a goal ("11") includes its targets. Top-level measures only,
        unless ``parts``. Raises :class:`UnknownId` for an id the plan does not have, and
        :class:`BadFilter` (a ``ValueError``) for a status, SDG code or priority that does not exist.
        """
        from .plan import sdgs as sdg_codes
        from .query.measures import measures

        if status is not None and status not in STATUSES and status not in self.index.plan_statuses:
            own = list(self.index.plan_statuses)
            raise BadFilter("status", f"'{status}' is not a status; one of: {', '.join(STATUSES + tuple(own))}")
        if sdg is not None and not sdg_codes.is_code(sdg):
            raise BadFilter("sdg", f"'{sdg}' is not an SDG goal (1 … 17) or target (e.g. 11.3)")
        scale = self.index.priority_values()
        if priority is not None and priority not in scale:
            raise BadFilter("priority", f"{priority} is not a priority of this plan; "
                                        f"its scale: {', '.join(map(str, scale))}")
        self._known(field=field, lead=lead, committee=committee, area=area, decision=decision)
        return measures(self.index, self._year(year), field=field, status=status, priority=priority, lead=lead,
                        committee=committee, area=area, sdg=sdg, decision=decision, parts=parts)

    def _known(self, **ids: str | None) -> None:
        """Raise UnknownId (with a did-you-mean hint) for a filter id the plan does not have."""
        indexes = {"field": (self.index.field_index, "field of action"), "lead": (self.index.actor_index, "actor"),
                   "committee": (self.index.committee_index, "committee"), "area": (self.index.area_index, "area"),
                   "decision": (self.index.decision_index, "decision")}
        for name, value in ids.items():
            index, kind = indexes[name]
            if value is not None and value not in index:
                raise UnknownId(value, kind, id_hint(value, index))

    def show(self, id: str, year: int | None = None) -> dict[str, Any]:
        """Everything about one measure (with its parts), goal, field, guiding goal, indicator, actor,
        committee, area, decision or plan status.

        Raises :class:`UnknownId` (with a did-you-mean hint) for an id the plan does not have.
        """
        from .query.show import show

        if self.index.kind_of(id) is None:
            raise UnknownId(id, hint=id_hint(id, self.index.locs.keys()))
        return show(self.index, id, self._year(year))

    def funding(self, year: int | None = None) -> dict[str, Any]:
        """Programmes with their grants, granted and drawn money up to ``year``, measures, and flags.

        Exactly the data ``isek funding --format json`` prints.
        """
        from .query.funding import funding

        return funding(self.index, self._year(year))

    def due(self, year: int | None = None) -> dict[str, Any]:
        """Measures lacking an update in ``year``, overdue, or behind schedule (``isek due``)."""
        from .query.due import due

        return due(self.index, self._year(year))

    def reminders(self, year: int | None = None, *, by: str = "lead") -> dict[str, Any]:
        """Per actor (``by="committee"``/``"field"``: per committee, field) the measures still without
        an entry in ``year``, also those :meth:`due` lists as overdue or behind schedule (each row's
        ``reason``): ``{"year", "by", "groups": [{"id", "name", "measures"}], "total"}`` (``isek due --by``)."""
        from .query.due import reminders

        return reminders(self.index, self._year(year), by)

    # --- the yearly survey ------------------------------------------------------------

    def requests(self, year: int | None = None, *, by: str = "lead", format: str = "xlsx", deadline=None,
                 contact: str | None = None) -> dict[str, bytes]:
        """The survey workbooks of ``isek progress request``: file name -> bytes, one per actor
        (committee, field) that answers for a measure; the same arguments give the same bytes."""
        from .data.survey import requests

        return requests(self.index, self._year(year), by=by, format=format, deadline=deadline, contact=contact)

    def write_requests(self, output: str | os.PathLike, *, force: bool = False, **options) -> list[Path]:
        """Write :meth:`requests` (same ``options``) into the folder ``output``; never into the plan
        folder, never over a file an earlier request did not write unless ``force``."""
        from .data.survey import write_requests

        return write_requests(self.requests(**options), Path(output), plan_root=self.root, force=force)

    def read_progress_files(self, paths, *, sheet: str | None = None, year: int | None = None):
        """Answered requests and plain progress sheets (.xlsx/.ods/.csv), read and checked, nothing
        written: an ``Answers`` with ``.entries``, ``.drawdowns``, ``.problems``, ``.skipped``."""
        from .data.survey import read_files

        return read_files([Path(p) for p in paths], self.index, sheet=sheet, year=year)

    # --- outputs ----------------------------------------------------------------------

    def report(self, year: int, *, format: str = "md", lang: str | None = None,
               templates: str | os.PathLike | None = None) -> str | bytes:
        """The monitoring report for ``year``: Markdown or HTML text, or PDF bytes.

        ``lang`` defaults to the plan's ``language``; ``templates`` is a folder whose
        templates override the built-in ones.
        """
        from .report import report_pdf, report_text

        language = lang or self.meta.language
        folder = Path(templates) if templates is not None else None
        if format == "pdf":
            return report_pdf(self.index, year, language, folder)
        if format not in ("md", "html"):
            raise ValueError(f"unknown report format '{format}'; md, html or pdf")
        return report_text(self.index, year, format, language, folder)

    def site(self, *, lang: str | None = None, templates: str | os.PathLike | None = None) -> dict[str, bytes]:
        """Every file of the static site (``isek site``), by relative path."""
        from .report.site import build_site

        return build_site(self.index, lang or self.meta.language, Path(templates) if templates else None)

    def tables(self, year: int | None = None) -> dict[str, list[dict[str, Any]]]:
        """The open-data tables of ``isek export`` (measures, updates, indicator_values, …) as rows."""
        from .data.export import tables

        return tables(self.index, self._year(year))

    def to_frames(self, year: int | None = None) -> dict[str, Any]:
        """The export tables as pandas DataFrames, by table name.

        Needs pandas (``pip install 'isek-cli[pandas]'``). Dates stay ``datetime.date``;
        list columns (goals, partners) hold Python lists.
        """
        try:
            import pandas as pd
        except ImportError:
            raise IsekError("to_frames() needs pandas: pip install 'isek-cli[pandas]'") from None
        from .data.export import BY_NAME

        return {name: pd.DataFrame(rows, columns=BY_NAME[name].names)
                for name, rows in self.tables(year).items()}

    def export(self, format: str, output: str | os.PathLike, *, year: int | None = None,
               force: bool = False) -> list[Path]:
        """Write the open-data export (csv folder, xlsx, json or sqlite); returns the paths written.

        Never writes into the plan folder; replaces only files an earlier export wrote, unless ``force``.
        """
        from .data.export import write

        return write(format, Path(output), self.index, self._year(year), plan_root=self.root, force=force)

    def write_report(self, year: int, output: str | os.PathLike, *, format: str = "md", lang: str | None = None,
                     templates: str | os.PathLike | None = None, force: bool = False) -> bytes:
        """Render the report and write it to ``output`` (never into the plan folder, never over a
        file isek did not generate unless ``force``). Returns the bytes written."""
        from .writing.outputs import MARKER, check_target, write_output

        output = Path(output)
        check_target(output, self.root, force, MARKER[format])
        body = self.report(year, format=format, lang=lang, templates=templates)
        data = body if isinstance(body, bytes) else body.encode("utf-8")
        write_output(output, data, plan_root=self.root, force=force, generated_marker=MARKER[format])
        return data

    def write_site(self, output: str | os.PathLike, *, lang: str | None = None,
                   templates: str | os.PathLike | None = None, force: bool = False) -> tuple[dict[str, bytes], list[str]]:
        """Build the static site into the folder ``output``; returns (files written, stale files removed)."""
        from .report.site import check_folder, write_site
        from .writing.outputs import OutputRefused, inside

        output = Path(output)
        if inside(output, self.root):
            raise OutputRefused(f"{output} lies inside the plan folder {self.root}; build the site elsewhere")
        check_folder(output, force)
        files = self.site(lang=lang, templates=templates)
        return files, write_site(output, files)

    def read_progress_sheet(self, path: str | os.PathLike, sheet: str | None = None):
        """Progress entries from a filled spreadsheet (.csv/.xlsx): (entries, problems, notes).

        Nothing is written; pass the entries to :func:`record_progress`.
        """
        from .data.progress_sheet import parse

        return parse(Path(path), self.index, sheet)

    def record(self, *, updates: list[dict] = (), values: list[dict] = (), drawdowns: list[dict] = (),
               dry_run: bool = False):
        """Append progress entries, indicator values and drawdowns to this plan's files
        (see :func:`record_progress`)."""
        return record_progress(self.root, updates=updates, values=values, drawdowns=drawdowns, dry_run=dry_run)


def record_progress(path: str | os.PathLike, *, updates: list[dict] = (), values: list[dict] = (),
                    drawdowns: list[dict] = (), dry_run: bool = False, skip_existing: bool = False):
    """Append progress entries (``updates``), indicator values (``values``) and money drawn from
    grants (``drawdowns``) to the plan's progress files.

    Each update is ``{"measure", "date", "status", "percent"?, "note"?, "spent_eur"?}``, each value
    ``{"indicator", "value", "date", "area"?}``, each drawdown ``{"grant", "date", "eur"}`` (one
    payment). The plan is re-read under a lock, the entries are inserted as text, and the whole
    plan is validated before anything is written, atomically. ``skip_existing`` leaves out updates
    the plan already has (same measure, date, status, percent, note and money spent; listed in ``.skipped``).

    Returns:
        A ``WriteResult`` (``.recorded``, ``.created``, ``.warnings``, ``.diff()``).

    Raises:
        Refused: the plan has errors, or the entries would make it invalid; nothing was written.
    """
    from .writing.append import append

    return append(find_plan_dir(path), updates=list(updates), values=list(values), drawdowns=list(drawdowns),
                  dry_run=dry_run, skip_existing=skip_existing)


def import_progress(path: str | os.PathLike | None, files, *, sheet: str | None = None, year: int | None = None,
                    partial: bool = False, dry_run: bool = False, skip_existing: bool = False):
    """Read answered requests and progress sheets (``isek progress import FILE...``) and record them.

    Returns ``(answers, result)``: what was read, and the ``WriteResult`` (``None`` when there was
    nothing to record). Raises ``ImportRefused`` (with ``.answers``) when any file has a problem,
    unless ``partial``: then the valid entries are recorded and the problems returned.
    ``skip_existing`` as in :func:`record_progress` (answered requests skip repeats of the last entry
    in any case: ``answers.skipped``).
    """
    from .data.survey import ImportRefused

    found = open_plan(path).read_progress_files(files, sheet=sheet, year=year)
    if found.problems and not partial:
        raise ImportRefused(f"{len(found.problems)} problem(s) in {len(found.workbooks)} file(s); nothing was "
                            "written (fix them, or use --partial to import the valid entries)", found)
    if not found.entries and not found.drawdowns:
        return found, None
    return found, record_progress(path, updates=found.entries, drawdowns=found.drawdowns, dry_run=dry_run,
                                  skip_existing=skip_existing)


def diff(path: str | os.PathLike | None, rev: str, rev2: str | None = None) -> dict[str, Any]:
    """What changed in meaning between two git revisions of the plan (``rev2=None``: the working tree).

    The data of ``isek diff --format json``. Raises ``GitError`` for an unknown revision.
    """
    from .git.semdiff import diff as semantic_diff

    root = find_plan_dir(path)
    old_plan = open_plan(root, rev=rev, strict=False)
    new_plan = open_plan(root, rev=rev2, strict=False)
    sides = {"from": _side(old_plan, rev), "to": _side(new_plan, rev2 or "working tree")}
    return sides | semantic_diff(old_plan.index, new_plan.index)


def _side(plan: Plan, rev: str) -> dict[str, Any]:
    return {"rev": rev, "commit": plan.revision, "valid": plan.ok, "errors": len(plan.errors)}


def history(path: str | os.PathLike | None, id: str, max_count: int | None = None) -> list[dict[str, Any]]:
    """Newest first: every commit whose semantic diff touches ``id`` (``isek history``)."""
    from .git.history import history as find

    return find(find_plan_dir(path), id, max_count)


def textconv(raw: bytes, name: str) -> str:
    """A canonical line-per-fact view of one plan file's bytes, for git's textconv."""
    from .git.textconv import convert

    return convert(raw, name)


def import_catalogue(path: str | os.PathLike, into: str | os.PathLike, options=None, *, dry_run: bool = False):
    """A new plan folder from a measure catalogue (.xlsx/.csv); all rows or, with
    ``options.partial``, the valid ones. Raises ``CatalogueRefused`` with every problem."""
    from .data.catalogue import Options
    from .data.catalogue import import_catalogue as run

    return run(Path(path), Path(into), options or Options(), dry_run=dry_run)


def create_plan(directory: str | os.PathLike, *, city: str = "Musterstadt", start: int = 2025, end: int = 2035,
                example: bool = False, editor: bool = True, vscode: bool = False) -> list[Path]:
    """A new, valid plan skeleton (or a copy of the example plan) in ``directory``; the files written.

    ``vscode``: also write (or merge into) ``.vscode/settings.json`` of the workspace (the current
    folder if the plan lies inside it, else the plan folder). Raises ``PlanExists`` when the folder
    already holds plan files.
    """
    from .writing.editor import write_vscode
    from .writing.scaffold import create

    written = create(Path(directory), city=city, start=start, end=end, example=example, editor=editor)
    if vscode:
        written.append(write_vscode(Path(directory)))
    return written


def schema(kind: str | None = None) -> dict[str, Any]:
    """The JSON Schema of the plan files (``kind``: plan, actors, field, indicators, progress; None: all)."""
    from .plan.schema import plan_schema

    return plan_schema(kind)
