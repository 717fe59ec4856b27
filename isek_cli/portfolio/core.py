"""A portfolio: several plans read as one, each plan still its own.

:func:`open_portfolio` reads portfolio.yaml and a :class:`~.summary.Summary` of
every plan (from the summary cache where nothing changed, else by loading the
plan, in worker processes when many plans need it). Questions that need whole
plans (funding, export, site) load them again one at a time, through the plan
cache, so memory holds one plan at a time, not the portfolio.

Every diagnostic's path is relative to the portfolio file's folder: a plan's
``fields/01.yaml`` becomes ``gebiete/wollepark/fields/01.yaml``.
"""

from __future__ import annotations

import dataclasses
import os
import posixpath
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import IsekError
from ..plan.diagnostics import Diagnostic, Validity, sort_key
from ..plan.loader import Loaded, PlanFile, resolve
from . import file as pfile
from .summary import Summary, cached_summary, failure_problem, fresh_summary, load_entry

# Cold loads of at least this many plans go to worker processes (when jobs > 1).
POOL_FROM = 8


class PortfolioInvalid(IsekError):
    """The portfolio file or one of its plans has errors; ``diagnostics`` lists every problem."""

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]


@dataclass
class PortfolioPlan(Validity):
    """One plan of the portfolio: where it is, and its summary (None when it could not be read).

    ``diagnostics`` are the plan's own and those of its entry in portfolio.yaml, with paths
    relative to the portfolio folder.
    """

    id: str
    path: str
    rev: str | None
    root: Path
    summary: Summary | None = None
    entry_diagnostics: list[Diagnostic] = field(default_factory=list)  # of its entry in portfolio.yaml
    own_diagnostics: list[Diagnostic] = field(default_factory=list)  # of the plan's files

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return self.entry_diagnostics + self.own_diagnostics

    @property
    def ok(self) -> bool:
        """True when the plan was read and has no errors."""
        return self.summary is not None and self.summary.ok and not self.errors

    @property
    def city(self) -> str | None:
        return self.summary.city if self.summary else None

    @property
    def title(self) -> str | None:
        return self.summary.title if self.summary else None

    @property
    def commit(self) -> str | None:
        return self.summary.commit if self.summary else None

    @property
    def progress_years(self) -> list[int]:
        return list(self.summary.progress_years) if self.summary else []

    @property
    def latest_year(self) -> int | None:
        """The plan's last year with a progress file (None: none, or the plan could not be read)."""
        return self.summary.latest_year if self.summary else None


def open_portfolio(path: str | os.PathLike | None = None, *, strict: bool = True, use_cache: bool = True,
                   jobs: int | None = None) -> Portfolio:
    """Read portfolio.yaml and every plan it lists; see :class:`Portfolio`.

    Args:
        path: the portfolio file, or a folder holding ``portfolio.yaml`` (None: ``./portfolio.yaml``).
        strict: raise :class:`PortfolioInvalid` when the file or any plan has errors. With
            ``strict=False`` the portfolio is returned anyway; read ``.ok`` and ``.diagnostics``.
        use_cache: read unchanged plans from isek's cache.
        jobs: worker processes for plans that must be read afresh (None: :func:`default_jobs`).

    Raises:
        IsekError: the portfolio file does not exist.
        PortfolioInvalid: something has errors (only with ``strict=True``).
    """
    file = pfile.find_file(path)
    if not file.is_file():
        where = "folder" if file.parent.is_dir() else "path"
        raise IsekError(f"no portfolio file {file}; name the file (isek portfolio status FILE) or create "
                        f"{pfile.DEFAULT_NAME} in this {where} (see docs/portfolio.md)")
    source = pfile.read(file)
    portfolio = Portfolio(source, use_cache=use_cache, jobs=jobs)
    if strict and not portfolio.ok:
        bad = [p.id for p in portfolio.plans if not p.ok]
        what = f"plan(s) with errors: {', '.join(bad)}" if bad else "errors in the portfolio file"
        raise PortfolioInvalid(f"the portfolio {file} has {what}; run 'isek portfolio check' for details",
                               portfolio.diagnostics)
    return portfolio


def default_jobs() -> int:
    """Worker processes for cold loads: ``$ISEK_JOBS``, else one per core (at most 4)."""
    env = os.environ.get("ISEK_JOBS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    return max(1, min(4, os.cpu_count() or 1))


class Portfolio(Validity):
    """Several plans read as one (portfolio.yaml).

    Attributes:
        file: the portfolio file; ``folder``: its folder, to which every path is relative.
        title: the portfolio's title; ``language``: of its own pages (``de`` unless set).
        plans: every listed plan (:class:`PortfolioPlan`), in the file's order.
        diagnostics: the portfolio file's problems, then each plan's, paths relative to ``folder``.
    """

    def __init__(self, source: pfile.PortfolioSource, *, use_cache: bool = True, jobs: int | None = None) -> None:
        self.file = source.file
        self.folder = source.folder
        self.title = source.title or source.file.stem
        self.language = source.language or "de"
        self.use_cache = use_cache
        self.jobs = default_jobs() if jobs is None else max(1, jobs)
        self._source = source
        readable = [e for e in source.entries if e.problem is None]
        summaries = dict(zip((e.id for e in readable), self._summaries(readable)))
        self.plans: list[PortfolioPlan] = []
        self._file_diagnostics = list(source.diagnostics)
        for e in source.entries:
            plan = PortfolioPlan(e.id, e.path, e.rev, e.root, summaries.get(e.id))
            if e.problem is not None:
                plan.entry_diagnostics = [e.problem]
            elif plan.summary.failure is not None:
                plan.entry_diagnostics = [self._locate(failure_problem(self.file.name, e.position,
                                                                       plan.summary.failure))]
                self._file_diagnostics += plan.entry_diagnostics
                plan.summary = None
            else:
                plan.own_diagnostics = [relocate(d, e.path) for d in plan.summary.diagnostics]
            self.plans.append(plan)
        self._file_diagnostics.sort(key=sort_key)
        self._by_id = {p.id: p for p in self.plans}

    def __repr__(self) -> str:
        return f"<isek Portfolio {str(self.file)!r}: {len(self.plans)} plans, {len(self.errors)} error(s)>"

    def _locate(self, problem) -> Diagnostic:
        from ..plan.source import load_source

        return resolve([problem], [PlanFile(self.file.name, "portfolio", load_source(str(self.file), self.file.name))])[0]

    def _summaries(self, entries: list[pfile.Entry]) -> list[Summary]:
        found = [cached_summary(str(e.root), e.rev, self.use_cache) for e in entries]
        todo = [(n, str(e.root), e.rev, key) for n, (e, (s, key)) in enumerate(zip(entries, found)) if s is None]
        fresh = map_calls(fresh_summary, [(root, rev, key, self.use_cache) for _, root, rev, key in todo],
                          self.jobs if len(todo) >= POOL_FROM else 1)
        out = [s for s, _ in found]
        for (n, *_), s in zip(todo, fresh):
            out[n] = s
        return out

    # --- validity ---------------------------------------------------------------------

    @property
    def diagnostics(self) -> list[Diagnostic]:
        """Every problem: the portfolio file's, then each plan's (its entry's and its own)."""
        return self._file_diagnostics + [d for p in self.plans for d in p.own_diagnostics]

    def plan(self, id: str) -> PortfolioPlan:
        """The plan with this id; raises ``UnknownId`` (with a did-you-mean hint)."""
        from ..errors import UnknownId
        from ..plan.suggest import did_you_mean

        if id not in self._by_id:
            ids = list(self._by_id)
            hint = did_you_mean(id, ids) or f"its plans: {', '.join(ids[:10])}" + (" …" if len(ids) > 10 else "")
            raise UnknownId(id, "plan", hint, where=f"the portfolio {self.file}")
        return self._by_id[id]

    def default_year(self) -> int:
        """The latest year with a progress file in any plan; without any, the latest horizon start."""
        years = [p.latest_year for p in self.plans if p.latest_year is not None]
        if years:
            return max(years)
        starts = [p.summary.horizon[0] for p in self.plans if p.summary and p.summary.horizon]
        return max(starts) if starts else 0

    def _year(self, year: int | None) -> int:
        return self.default_year() if year is None else year

    # --- whole plans, one at a time ----------------------------------------------------

    def load(self, plan: PortfolioPlan) -> Loaded:
        """The whole plan (through the plan cache, or from its git revision)."""
        loaded, _ = load_entry(plan.root, plan.rev, use_cache=self.use_cache)
        return loaded

    def each(self) -> Iterator[tuple[PortfolioPlan, Loaded]]:
        """Every valid plan, loaded, one at a time in portfolio order."""
        for p in self.plans:
            if p.ok:
                yield p, self.load(p)

    def map_valid(self, func: Callable, *args: Any) -> list[tuple[PortfolioPlan, Any]]:
        """``func(loaded, *args)`` for every valid plan, in worker processes when there are many."""
        valid = [p for p in self.plans if p.ok]
        calls = [(str(p.root), p.rev, self.use_cache, func, args) for p in valid]
        return list(zip(valid, map_calls(_loaded_call, calls, self.jobs if len(calls) >= POOL_FROM else 1)))

    # --- questions (the data of the portfolio commands) ---------------------------------

    def status(self, year: int | None = None) -> dict[str, Any]:
        """Per plan: top-level measures by status in ``year``, the share completed, whether the year's
        report is missing; and the totals. Exactly ``isek portfolio status --format json``."""
        from .questions import status

        return status(self, self._year(year))

    def funding(self, year: int | None = None) -> dict[str, Any]:
        """Grants and drawdowns of all plans by programme and programme year (``isek portfolio funding``)."""
        from .questions import funding

        return funding(self, self._year(year))

    def check(self) -> dict[str, Any]:
        """Validity of the portfolio and of every plan, with every diagnostic (``portfolio check --format json``)."""
        from .questions import check

        return check(self)

    def show(self, ref: str, year: int | None = None) -> dict[str, Any]:
        """One entity of one plan, named ``PLAN:ID`` (e.g. ``DEL:HF1.M01``), as ``isek show`` gives it in
        that plan (``year`` None: the plan's latest progress year); files relative to the portfolio folder."""
        from .questions import show

        return show(self, ref, year)

    def tables(self, year: int | None = None) -> dict[str, list[dict[str, Any]]]:
        """All plans' open-data tables, each row with its plan (``plan`` column), plus the ``plans`` table.

        Holds every row in memory; for large portfolios write them with :meth:`export`.
        """
        from .export import tables

        return tables(self, self._year(year))

    def export(self, format: str, output: str | os.PathLike, *, year: int | None = None,
               force: bool = False) -> list[Path]:
        """Write all plans as one data set (csv folder, xlsx, json or sqlite); returns the paths written."""
        from .export import write

        return write(self, format, Path(output), self._year(year), force=force)

    def write_site(self, output: str | os.PathLike, *, lang: str | None = None,
                   templates: str | os.PathLike | None = None, force: bool = False) -> tuple[list[str], list[str]]:
        """An index over all plans with each plan's own site below it (``isek portfolio site``).

        Returns (files written, stale files removed), relative to ``output``.
        """
        from .site import write_site

        return write_site(self, Path(output), lang or self.language, Path(templates) if templates else None,
                          force=force)


def relocate(d: Diagnostic, prefix: str) -> Diagnostic:
    """A plan's diagnostic with its file relative to the portfolio folder."""
    return dataclasses.replace(d, file=posixpath.normpath(posixpath.join(prefix, d.file)))


def _loaded_call(root: str, rev: str | None, use_cache: bool, func: Callable, args: tuple) -> Any:
    loaded, _ = load_entry(Path(root), rev, use_cache=use_cache)
    return func(loaded, *args)


def _star(call: tuple) -> Any:
    func, args = call
    return func(*args)


def map_calls(func: Callable, calls: list[tuple], jobs: int) -> list[Any]:
    """``[func(*c) for c in calls]``, in ``jobs`` worker processes when ``jobs > 1`` (results in order)."""
    if jobs <= 1 or len(calls) < 2:
        return [func(*c) for c in calls]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # fork: workers start in milliseconds with isek already imported (Linux); elsewhere the platform default.
    context = multiprocessing.get_context("fork") if sys.platform == "linux" else None
    chunk = max(1, len(calls) // (jobs * 8))
    with ProcessPoolExecutor(max_workers=min(jobs, len(calls)), mp_context=context) as pool:
        return list(pool.map(_star, [(func, c) for c in calls], chunksize=chunk))
