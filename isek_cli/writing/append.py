"""Recording progress: validated, locked, atomic appends to progress files.

Every write follows the same steps, under one lock for the whole plan folder:
1. load the plan as it is now; refuse if it already has errors;
2. insert the new entries as text (``textedit``), never re-dumping YAML;
3. validate the whole plan with the new texts in place; refuse on any error,
   and refuse if the result does not read back as "old entries + new ones";
4. write each changed file to a temporary file in the same folder, fsync,
   and rename it over the old one.
"""

from __future__ import annotations

import codecs
import datetime as dt
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from . import textedit
from ..plan.checks_progress import entry_key, entry_key_of
from ..plan.diagnostics import Diagnostic
from ..plan import cache, filecache
from ..plan.loader import CACHE_SETTINGS, load_plan
from ..plan.model import NOT_STARTED
from .atomic import WriteFailed, atomic_write, temp_name_pattern
from ..errors import IsekError

LOCK_NAME = cache.LOCK_NAME
LOCK_TIMEOUT = float(os.environ.get("ISEK_LOCK_TIMEOUT", 60))


class Refused(IsekError):
    """A write that was not made; every file is as it was."""

    def __init__(self, message: str, diagnostics: list[Diagnostic] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.diagnostics = diagnostics or []


@dataclass
class Recorded:
    """One entry as recorded, with the status it replaced (for updates)."""

    list_key: str  # "updates" or "values"
    entry: dict[str, Any]
    rel: str
    previous_status: str | None = None
    previous_value: Any = None


@dataclass
class WriteResult:
    recorded: list[Recorded] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)  # rel -> new text (also in dry runs)
    old_texts: dict[str, str] = field(default_factory=dict)  # rel -> text before ("" for a new file)
    warnings: list[Diagnostic] = field(default_factory=list)
    dry_run: bool = False
    skipped: list[dict[str, Any]] = field(default_factory=list)  # updates already in the plan, not written again

    def diff(self) -> str:
        """The change as a unified diff (what `git diff` will show)."""
        import difflib

        out = []
        for rel, text in self.texts.items():
            old = self.old_texts.get(rel, "")
            out += difflib.unified_diff(old.splitlines(keepends=True), text.splitlines(keepends=True),
                                        fromfile=f"a/{rel}" if old else "/dev/null", tofile=f"b/{rel}", n=1)
        return "".join(out)


def progress_rel(year: int) -> str:
    return f"progress/{year}.yaml"


def lock_path(root: Path) -> Path:
    """Where writers to this plan lock: inside the git directory when the plan lives in a git work
    tree (so the lock never shows as an untracked file; one lock per plan folder), else
    ``.isek.lock`` in the plan folder (no git, nothing to show it; ``isek init`` also ignores it)."""
    import hashlib

    root = Path(os.path.realpath(root))
    for folder in (root, *root.parents):
        dot_git = folder / ".git"
        if dot_git.is_dir():
            git_dir = dot_git
        elif dot_git.is_file():  # a worktree or submodule: "gitdir: PATH"
            text = dot_git.read_text(encoding="utf-8", errors="replace").strip()
            if not text.startswith("gitdir:"):
                break
            git_dir = (folder / text[len("gitdir:"):].strip()).resolve()
        else:
            continue
        if not os.access(git_dir, os.W_OK):
            break
        key = hashlib.blake2b(str(root).encode("utf-8", "surrogateescape"), digest_size=8).hexdigest()
        return git_dir / f"isek-{key}.lock"
    return root / LOCK_NAME


def plan_lock(root: Path) -> FileLock:
    return FileLock(str(lock_path(root)), timeout=LOCK_TIMEOUT)


def append(root: str | os.PathLike, updates: list[dict] = (), values: list[dict] = (), *,
           drawdowns: list[dict] = (), dry_run: bool = False, skip_existing: bool = False) -> WriteResult:
    """Append progress entries (updates), indicator values and drawdowns; see the module doc.

    ``skip_existing``: leave out updates the plan already has (same measure, date, status,
    percent, note and money spent), so a spreadsheet imported twice does not double every entry.
    """
    root = Path(root)
    lists = {"updates": list(updates), "values": list(values), "drawdowns": list(drawdowns)}
    _check_lock_file(root)
    lock = plan_lock(root)
    try:
        lock.acquire()
    except Timeout:
        raise Refused(f"another isek write holds the lock {lock_path(root)} (waited {LOCK_TIMEOUT:g} s); "
                      "try again, or remove the lock file if no isek is running") from None
    except OSError as exc:
        raise Refused(f"cannot take the lock {lock_path(root)}: {exc.strerror or exc}") from None
    try:
        return _append_locked(root, lists, dry_run, skip_existing)
    finally:
        lock.release()


def _check_lock_file(root: Path) -> None:
    """The lock must be a plain file: never a link (whose target would be opened and
    truncated) nor a folder."""
    path = lock_path(root)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise Refused(f"cannot use the lock {path}: {exc.strerror}") from None
    what = ("a symbolic link" if stat.S_ISLNK(st.st_mode) else "a folder" if stat.S_ISDIR(st.st_mode)
            else None if stat.S_ISREG(st.st_mode) else "not a regular file")
    if what:
        raise Refused(f"the lock {path} is {what}; remove it (isek creates it as an empty file)")


def confined(root: Path, rel: str) -> Path:
    """``root / rel`` after resolving every link; refused unless it lies inside the plan folder."""
    base = os.path.realpath(root)
    real = os.path.realpath(root / rel)
    if os.path.commonpath([real, base]) != base:
        raise Refused(f"{rel} would be written outside the plan folder (to {real}); isek writes only inside "
                      f"{base}: replace the link by a folder or file of the plan")
    return Path(real)


def _remove_stray_temporaries(real: Path) -> None:
    """Temporary files of an earlier writer that was killed before its rename (we hold the lock,
    so no other isek writer is using them)."""
    pattern = temp_name_pattern(real.name)
    try:
        names = os.listdir(real.parent)
    except OSError:
        return
    for name in names:
        if pattern.fullmatch(name):
            try:
                os.unlink(real.parent / name)
            except OSError:
                pass


LISTS = ("updates", "values", "drawdowns")  # the lists of a progress file, in the order writes fill them


def _append_locked(root: Path, new: dict[str, list[dict]], dry_run: bool, skip_existing: bool) -> WriteResult:
    # Under the lock. Through the plan cache: its key is the content of every file as it is now,
    # so a cached load is the load of the files themselves. Its files serve the candidate below,
    # which then validates only the files the write changes, plus the cross-file checks.
    before = load_plan(root)
    filecache.remember(before.files)
    errors = [d for d in before.diagnostics if d.severity == "error"]
    if errors:
        raise Refused(f"the plan already has {len(errors)} error(s); fix them first (isek check)", errors)
    skipped: list[dict] = []
    if skip_existing:
        known = {entry_key(u) for entries in before.plan.history.values() for u in entries}
        fresh = []
        for e in new["updates"]:
            (skipped if entry_key_of(e) in known else fresh).append(e)
        new = dict(new, updates=fresh)
        if not any(new.values()):
            return WriteResult(dry_run=dry_run, skipped=skipped)
    meta = before.plan.meta
    by_year: dict[int, dict[str, list[dict]]] = {}
    for list_key, entries in new.items():
        for e in entries:
            year = e["date"].year
            if not meta.horizon.start <= year <= meta.horizon.end:
                raise Refused(f"date {e['date']} lies outside the plan's horizon "
                              f"{meta.horizon.start}–{meta.horizon.end}")
            by_year.setdefault(year, {k: [] for k in LISTS})[list_key].append(e)

    result = WriteResult(dry_run=dry_run, skipped=skipped)
    known = {pf.rel: pf for pf in before.files}
    olds: dict[str, tuple[bytes, str | None]] = {}
    for year, lists in sorted(by_year.items()):
        rel = progress_rel(year)
        path = confined(root, rel)
        if path.exists():
            raw = path.read_bytes()
            bom = codecs.BOM_UTF8 if raw.startswith(codecs.BOM_UTF8) else b""
            old = raw[len(bom):].decode("utf-8")
        else:
            bom, old = b"", None
            result.created.append(rel)
        text = old if old is not None else textedit.new_progress_file(
            year, modeline=(root / ".schema").is_dir())
        try:
            text = _insert(text, lists, known.get(rel) if old is not None else None)
        except textedit.EditError as exc:
            raise Refused(f"{rel}: {exc}; cannot append safely") from None
        olds[rel] = (bom, old)
        result.texts[rel] = text
        result.old_texts[rel] = old or ""

    after = load_plan(root, overrides=result.texts)
    new_errors = [d for d in after.diagnostics if d.severity == "error"]
    if new_errors:
        raise Refused("the new entry would make the plan invalid; nothing was written", new_errors)
    _verify(before, after, by_year)
    old_warnings = {(d.code, d.file, d.message) for d in before.diagnostics}
    result.warnings = [d for d in after.diagnostics if (d.code, d.file, d.message) not in old_warnings]

    for year, lists in sorted(by_year.items()):
        rel = progress_rel(year)
        for u in lists["updates"]:
            prev = _status_before(before.plan, u["measure"], u["date"])
            result.recorded.append(Recorded("updates", u, rel, previous_status=prev))
        for v in lists["values"]:
            prev = before.plan.value_at(v["indicator"], year, v.get("area"))
            result.recorded.append(Recorded("values", v, rel, previous_value=prev.value if prev else None))
        for d in lists["drawdowns"]:
            result.recorded.append(Recorded("drawdowns", d, rel, previous_value=before.plan.drawn(d["grant"], year)))
    if not dry_run:
        _write_all(root, {rel: olds[rel][0] + text.encode("utf-8") for rel, text in result.texts.items()}, olds)
        filecache.refresh(root, after, CACHE_SETTINGS)  # the next command finds the plan as written in the cache
    return result


def _insert(text: str, lists: dict[str, list[dict]], pf) -> str:
    """``text`` with each list's new entries appended. Where the file was parsed before as exactly
    this text (``pf``), the anchors found then place them, last list first (so each insertion
    leaves the places before it unchanged); otherwise the text is composed to find them."""
    wanted = [k for k in LISTS if lists[k]]
    anchors = pf.source.anchors if pf is not None and pf.digest == filecache.digest(text) else None
    if anchors and all(k in anchors for k in wanted):
        for list_key in sorted(wanted, key=lambda k: -anchors[k].at):
            text = textedit.insert(text, list_key, lists[list_key], anchors[list_key])
        return text
    for list_key in LISTS:
        text = textedit.insert(text, list_key, lists[list_key])
    return text


def _write_all(root: Path, datas: dict[str, bytes], olds: dict[str, tuple[bytes, str | None]]) -> None:
    """Write every file, or (if the file system refuses one) put back the ones already written."""
    targets = {rel: confined(root, rel) for rel in datas}  # all checked before the first write
    done: list[str] = []
    try:
        for rel, data in datas.items():
            _remove_stray_temporaries(targets[rel])
            atomic_write(targets[rel], data)
            done.append(rel)
    except WriteFailed as exc:
        undone = _roll_back(targets, done, olds)
        tail = "nothing was written" if undone else "the files written before could not be restored: " + \
            ", ".join(done) + " (check them with git diff)"
        raise Refused(f"{exc}; {tail}") from None


def _roll_back(targets: dict[str, Path], done: list[str], olds) -> bool:
    try:
        for rel in reversed(done):
            bom, old = olds[rel]
            if old is None:
                os.unlink(targets[rel])
            else:
                atomic_write(targets[rel], bom + old.encode("utf-8"))
    except OSError:
        return False
    return True


def _status_before(plan, measure: str, date: dt.date) -> str:
    status = NOT_STARTED
    for u in plan.history.get(measure, []):
        if u.date <= date:
            status = u.status
    return status


def _verify(before, after, by_year) -> None:
    """The written file must read back as exactly the old entries plus the new ones."""
    from ..plan.base import field_values
    from ..plan.model import Drawdown, Update, Value

    records = {"updates": Update, "values": Value, "drawdowns": Drawdown}
    old_files = {pf.rel: pf for pf in before.files}
    for pf in after.files:
        if pf.kind != "progress" or pf.rel not in {progress_rel(y) for y in by_year}:
            continue
        year = int(pf.rel[-9:-5])
        old = old_files.get(pf.rel)
        for list_key in LISTS:
            # Entries are records: their field values compare as their dumps would, at C speed.
            values = field_values(records[list_key])
            old_items = [values(m) for _, m in old.items.get(list_key, [])] if old else []
            new_items = [values(m) for _, m in pf.items.get(list_key, [])]
            added = [values(records[list_key].model_validate(e)) for e in by_year[year][list_key]]
            if new_items != old_items + added:
                raise Refused(f"{pf.rel}: the edited file would not read back as the old entries plus the new "
                              "one; nothing was written (please report this with the file)")


