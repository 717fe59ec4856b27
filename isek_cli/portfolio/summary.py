"""One plan of a portfolio in brief: what ``portfolio status`` and ``portfolio check`` need.

A :class:`Summary` holds a plan's diagnostics, its name, its progress years and
its top-level measures by status for every year in which the count can change.
That is enough for any year: an update's date lies in its progress file's year
(E306 otherwise), so a valid plan's counts before its first progress year equal
those of the year before it, and after its last progress year those of that
year (``counts_in`` clamps). Counting uses ``query.status.count_statuses``, the
function ``isek status`` counts with.

Summaries are cached next to the plan cache, one small file per plan, keyed by
the plan folder's fingerprint (``plan/cache.py``) or, for a plan read at a git
revision, by the commit: a warm ``portfolio status`` hashes each plan's files
and reads a few hundred bytes per plan, and changing one town re-reads only
that town.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..plan import cache
from ..plan.diagnostics import Diagnostic, Loc, Problem
from ..plan.loader import CACHE_SETTINGS, Loaded, load_plan
from ..query.status import count_statuses

FORMAT = 1
_PREFIX = b"summary%d|" % FORMAT  # a summary's key: this, then the plan's own fingerprint


@dataclass
class Summary:
    """A plan in brief. ``failure`` is set (and nothing else) when the plan could not be read at all
    (a git revision that does not exist); its message becomes an E503 diagnostic."""

    ok: bool = False
    diagnostics: list[Diagnostic] = field(default_factory=list)  # paths relative to the plan folder
    city: str | None = None
    title: str | None = None
    horizon: tuple[int, int] | None = None
    progress_years: list[int] = field(default_factory=list)
    measures: int = 0
    counts: dict[int, tuple[int, ...]] = field(default_factory=dict)  # year -> the seven counts, STATUSES order
    commit: str | None = None
    failure: str | None = None
    extra_files: dict[str, bytes] = field(default_factory=dict)

    @property
    def latest_year(self) -> int | None:
        return self.progress_years[-1] if self.progress_years else None

    def counts_in(self, year: int) -> tuple[int, ...]:
        """The seven counts of top-level measures by status at the end of ``year``."""
        years = sorted(self.counts)
        return self.counts[min(max(year, years[0]), years[-1])]


def summarise(loaded: Loaded, commit: str | None = None) -> Summary:
    """The summary of a loaded plan."""
    plan = loaded.plan
    s = Summary(ok=loaded.ok, diagnostics=list(loaded.diagnostics), commit=commit,
                extra_files=dict(getattr(loaded, "extra_files", {})))
    meta = plan.meta
    if meta is not None:
        s.city, s.title, s.horizon = meta.city, meta.title, (meta.horizon.start, meta.horizon.end)
    s.progress_years = list(plan.progress_years)
    if not s.ok:
        return s  # an invalid plan's counts are never reported
    ids = [m.id for f in plan.fields for m in f.measures if m.parent is None]  # as query.status.status counts
    s.measures = len(ids)
    years = range(s.progress_years[0] - 1, s.progress_years[-1] + 1) if s.progress_years else (0,)
    s.counts = {y: tuple(count_statuses(plan, ids, y).values()) for y in years}
    return s


# --- reading one plan ---------------------------------------------------------------

def load_entry(root: Path, rev: str | None, *, use_cache: bool = True) -> tuple[Loaded, str | None]:
    """The whole plan (working tree through the plan cache, or at a git revision) and its commit."""
    if rev is None:
        return load_plan(root, use_cache=use_cache), None
    from ..git.revision import load_at

    if not root.exists():  # the folder may be gone from the working tree and still be in the revision
        return _load_gone(root, rev)
    loaded, revision = load_at(rev, root)
    return loaded, revision.commit


def _load_gone(root: Path, rev: str) -> tuple[Loaded, str]:
    from ..git.revision import load_at, repo_root

    existing = root
    while not existing.exists():
        existing = existing.parent
    repo = repo_root(existing)
    rel = Path(os.path.realpath(existing)).relative_to(os.path.realpath(repo)) / root.relative_to(existing)
    loaded, revision = load_at(f"{rev}:{rel.as_posix()}", existing)
    loaded.root = root
    return loaded, revision.commit


def cached_summary(root: str, rev: str | None, use_cache: bool = True) -> tuple[Summary | None, bytes | None]:
    """The cached summary of a plan if nothing changed, else None; and the cache key (None: not cacheable).

    A revision that does not exist gives a summary with ``failure`` set.
    """
    from ..git.revision import GitError

    path = Path(root)
    if not (use_cache and cache.enabled()):
        return None, None
    try:
        key = _key(path, rev)
    except GitError as exc:
        return Summary(failure=exc.message), None
    except Exception:  # noqa: BLE001 - an unreadable folder is the loader's to report, uncached
        return None, None
    if key is None:
        return None, None
    found = _read(path, rev, key)
    if found is not None and rev is None and cache.extra_unchanged(path, found):
        return _fresh_schema_warning(path, found), key
    if found is not None and rev is not None:
        return found, key
    return None, key


def _fresh_schema_warning(root: Path, s: Summary) -> Summary:
    """W420 (editor schemas older than isek) is decided outside the plan files, as load_plan does:
    refreshing .schema/ changes no plan file, so the cached summary's W420 is replaced by today's."""
    from ..plan.diagnostics import sort_key
    from ..plan.schema import stale_warning

    stale = stale_warning(root)
    if stale is None and all(d.code != "W420" for d in s.diagnostics):
        return s
    s.diagnostics = sorted([d for d in s.diagnostics if d.code != "W420"] + ([stale] if stale else []), key=sort_key)
    return s


def fresh_summary(root: str, rev: str | None, key: bytes | None, use_cache: bool = True) -> Summary:
    """Load the plan and summarise it; store the summary under ``key``. Runs in worker processes
    too: takes and returns plain, picklable data."""
    from ..git.revision import GitError

    path = Path(root)
    try:
        if rev is None:
            plan_key = key[len(_PREFIX):] if key else None  # the plan's own fingerprint, for its cache
            loaded, commit = load_plan(path, use_cache=use_cache, key=plan_key), None
        else:
            loaded, commit = load_entry(path, rev, use_cache=use_cache)
    except GitError as exc:
        return Summary(failure=exc.message)
    s = summarise(loaded, commit)
    if key is not None:
        _write(path, rev, key, s)
    return s


def summary_of(root: str, rev: str | None, use_cache: bool = True) -> Summary:
    """The summary of one plan, from the cache when nothing changed."""
    found, key = cached_summary(root, rev, use_cache)
    return found if found is not None else fresh_summary(root, rev, key, use_cache)


def _key(root: Path, rev: str | None) -> bytes | None:
    """The summary's cache key: the folder's fingerprint, or for a revision the commit (immutable)."""
    if rev is None:
        return _PREFIX + cache.fingerprint(root, settings=CACHE_SETTINGS)
    if not root.exists():
        return None  # a plan no longer in the working tree: rare, read afresh
    from ..git.revision import resolve

    repo, revision = resolve(rev, root)
    text = f"summary{FORMAT}|{cache.code_stamp(CACHE_SETTINGS)}|{os.path.realpath(repo)}|{revision.plan_path}|{revision.commit}"
    return hashlib.blake2b(text.encode("utf-8", "surrogateescape"), digest_size=32).digest()


def _file(root: Path, rev: str | None) -> Path:
    real = os.path.realpath(root) + ("\0" + rev if rev else "")
    name = hashlib.blake2b(real.encode("utf-8", "surrogateescape"), digest_size=12).hexdigest()
    return cache.cache_dir() / f"{name}.summary.pickle"


def _read(root: Path, rev: str | None, key: bytes) -> Summary | None:
    found = cache.read(root, key, _file(root, rev))  # the plan cache's ownership and link checks
    return found if isinstance(found, Summary) else None


def _write(root: Path, rev: str | None, key: bytes, summary: Summary) -> None:
    cache.write(root, key, summary, _file(root, rev))


def failure_problem(rel: str, position: int, message: str) -> Problem:
    """E503 at the plan's entry in portfolio.yaml: the plan could not be read at its revision."""
    return Problem("E503", Loc(rel, ("plans", position, "rev")), f"plan cannot be read: {message}",
                   "check the revision (git tag -l, git log) and that the plan folder lies in a git repository")
