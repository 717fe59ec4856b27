"""Loading a plan folder: find the files, read and validate each, check across
files, and turn every problem into a positioned diagnostic.

Data flows one way: files → :class:`PlanFile` (validated per file) →
``validate.cross_check`` → :class:`~isek_cli.plan.Plan`. Problems are
collected, never raised, so one run reports everything (like beancount).
"""

from __future__ import annotations

import dataclasses
import gc
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from . import shape
from .diagnostics import Diagnostic, Loc, Problem, sort_key
from .model import FILE_MODELS
from . import filecache
from .source import Locator, Source, blob_text, read_text, source_from_text

TOP_FILES = {"isek.yaml": "plan", "actors.yaml": "actors", "indicators.yaml": "indicators", "areas.yaml": "areas",
             "funding.yaml": "funding"}
# Files a v1 plan has; the others (format v2) are optional and not missed when absent.
EXPECTED_FILES = ("actors.yaml", "indicators.yaml")
YEAR_FILE = re.compile(r"^(\d{4})\.yaml$")


class Indexed:
    """``(index, item)`` pairs of a list, without materialising them (plans have 100,000s)."""

    __slots__ = ("items",)

    def __init__(self, items: list) -> None:
        self.items = items

    def __iter__(self):
        return enumerate(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)


@dataclass
class PlanFile:
    """One plan file after per-file validation.

    ``model`` is the validated model, or None when the file has problems. Even
    then ``items`` keeps every list entry that is valid on its own, with its
    index in the file, so the cross-file checks still see them.
    """

    rel: str
    kind: str
    source: Source
    model: BaseModel | None = None
    items: dict[str, list[tuple[int, Any]]] = field(default_factory=dict)
    scalars: dict[str, Any] = field(default_factory=dict)
    digest: bytes = b""  # filecache.digest of the text validated (b"" when unreadable)


@dataclass
class Loaded:
    """What a load found: the per-file results, every diagnostic, and the assembled plan."""

    root: Path
    files: list[PlanFile]
    diagnostics: list[Diagnostic]
    plan: Any  # isek_cli.plan.index.PlanIndex
    parsed: dict[str, bytes] = field(default_factory=dict)  # rel -> digest of the text read (the cache's key)
    # Files read beyond the plan files (area outlines): path -> blake2b of the bytes read
    # (b"" when unreadable), so the cache can tell when one of them changed.
    extra_files: dict[str, bytes] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(d.severity == "error" for d in self.diagnostics)


def find_plan_dir(option: str | os.PathLike | None = None, cwd: Path | None = None) -> Path:
    """The given folder; else the current folder if it holds isek.yaml, else ./plan, else the nearest
    folder above with isek.yaml (as git finds its repository: isek works inside ``plan/fields``).

    ``$ISEK_PLAN`` is the command line's business (``--plan`` reads it), never the library's.
    """
    if option:
        return Path(option)
    cwd = cwd or Path.cwd()
    if (cwd / "isek.yaml").is_file() or not (cwd / "plan").is_dir():
        return next((f for f in (cwd, *cwd.parents) if (f / "isek.yaml").is_file()), cwd)
    return cwd / "plan"


def discover(root: Path, listdir=None) -> tuple[list[tuple[str, str]], list[Problem]]:
    """(relative path, kind) of every plan file, in a stable order; plus layout problems.

    ``listdir(sub)`` lists the names in a sub-folder of the plan ("" for the
    plan folder itself); by default the file system, for a git revision its tree.
    """
    listdir = _guarded(listdir or (lambda sub: _listdir(root / sub if sub else root)))
    found: list[tuple[str, str]] = []
    problems: list[Problem] = []
    names = listdir("", problems)
    if "isek.yaml" not in names:
        problems.append(Problem("E109", Loc("isek.yaml"), f"no isek.yaml in the plan folder {root}",
                                "run 'isek init DIR' for a new plan, or point --plan at the plan folder", line=1, col=1))
    for name, kind in TOP_FILES.items():
        if name in names:
            found.append((name, kind))
        elif name in EXPECTED_FILES and "isek.yaml" in names:  # no isek.yaml: not a plan folder at all
            problems.append(Problem("W403", Loc(name), f"{name} is missing; treated as empty",
                                    f"create {name} (see 'isek init')", severity="warning", line=1, col=1))
    for name in names:
        if name.endswith((".yaml", ".yml")) and name not in TOP_FILES:
            problems.append(_ignored(name, "not a plan file name"))
    for sub, kind in (("fields", "field"), ("progress", "progress")):
        for name in listdir(sub, problems):
            rel = f"{sub}/{name}"
            if kind == "progress" and name.endswith(".yaml") and not YEAR_FILE.match(name):
                problems.append(Problem("E115", Loc(rel), f"progress file '{name}' is not named after a year",
                                        "name progress files YYYY.yaml, e.g. progress/2024.yaml", line=1, col=1))
            elif name.endswith(".yaml"):
                found.append((rel, kind))
            elif name.endswith(".yml"):
                problems.append(_ignored(rel, "plan files end in .yaml"))
    return found, problems


def _guarded(listdir):
    """listdir that reports a folder with more entries than MAX_FILES instead of reading it,
    and a fields/ or progress/ that is not a folder (or cannot be read) instead of skipping it."""
    def guarded(sub: str, problems: list[Problem]) -> list[str]:
        try:
            names = listdir(sub)
        except _TooManyFiles:
            names = None
        except NotADirectoryError:
            if sub:
                problems.append(Problem("E117", Loc(sub), f"'{sub}' is a file, not a folder",
                                        f"plan files go into the folder {sub}/; rename or remove the file '{sub}'",
                                        line=1, col=1))
            return []
        except OSError as exc:
            if sub:
                problems.append(Problem("E114", Loc(f"{sub}/"), f"cannot read the folder {sub}/: {exc.strerror}",
                                        "check the folder's permissions", line=1, col=1))
            return []
        if names is None or len(names) > MAX_FILES:
            where = f"{sub}/" if sub else "the plan folder"
            problems.append(Problem("E107", Loc(f"{sub}/" if sub else "."), f"{where} has more than {MAX_FILES:,} entries",
                                    "keep plan files few and large, or raise ISEK_MAX_FILES if the plan is genuine",
                                    line=1, col=1))
            return []
        return names
    return guarded


def _ignored(rel: str, why: str) -> Problem:
    return Problem("W404", Loc(rel), f"ignored: {why}", "rename or move the file if it holds plan data",
                   severity="warning", line=1, col=1)


MAX_FILES = int(os.environ.get("ISEK_MAX_FILES", 20_000))
CACHE_SETTINGS = ("max_files", MAX_FILES)  # the loader's own settings that change a result: in the cache key


def _listdir(path: Path) -> list[str]:
    """The names in a folder; none if it does not exist (NotADirectoryError and other OSErrors pass)."""
    try:
        with os.scandir(path) as it:
            names = []
            for entry in it:
                names.append(entry.name)
                if len(names) > MAX_FILES:
                    raise _TooManyFiles(path)
        return sorted(names)
    except FileNotFoundError:
        return []


class _TooManyFiles(Exception):
    pass


def _inside(root: Path, rel: str) -> Problem | None:
    """A plan file must stay inside the plan folder, also through symlinks."""
    path = root / rel
    if os.path.islink(path) or os.path.islink(path.parent):
        real = os.path.realpath(path)
        base = os.path.realpath(root)
        if os.path.commonpath([real, base]) != base:
            return Problem("E113", Loc(rel), f"symlink leads outside the plan folder (to {real})",
                           "copy the file into the plan folder instead of linking to it", line=1, col=1)
    return None


def kind_of_rel(rel: str) -> str | None:
    if rel in TOP_FILES:
        return TOP_FILES[rel]
    if rel.startswith("fields/") and rel.endswith(".yaml") and rel.count("/") == 1:
        return "field"
    if rel.startswith("progress/") and YEAR_FILE.match(rel[len("progress/"):]):
        return "progress"
    return None


def snapshot_listdir(snapshot: dict[str, bytes]):
    """A listdir over a {relative path: bytes} snapshot (e.g. a git tree)."""
    def listdir(sub: str) -> list[str]:
        if sub in snapshot:  # a file where the folder belongs
            raise NotADirectoryError(sub)
        prefix = f"{sub}/" if sub else ""
        return sorted({rel[len(prefix):].split("/", 1)[0] for rel in snapshot if rel.startswith(prefix)})
    return listdir


def read_files(root: Path, overrides: dict[str, str] | None = None, snapshot: dict[str, bytes] | None = None,
               cached: bool = True) -> tuple[list[PlanFile], list[Problem]]:
    """Read and validate every plan file.

    ``overrides`` gives texts to use instead of the files on disk (a write
    validates its result this way before writing); ``snapshot`` replaces the
    file system entirely (a plan read from a git revision).
    """
    candidates = set(overrides or ())  # a write's new texts: their nodes are kept for positions
    if snapshot is not None:
        entries, problems = discover(root, snapshot_listdir(snapshot))
        overrides = dict(overrides or {})
        for rel, _ in entries:
            if rel not in overrides and rel in snapshot:
                overrides[rel] = blob_text(rel, snapshot[rel])
    else:
        entries, problems = discover(root)
    overrides = overrides or {}
    known = {rel for rel, _ in entries}
    entries += [(rel, kind_of_rel(rel)) for rel in sorted(overrides) if rel not in known and kind_of_rel(rel)]
    entries.sort(key=lambda e: (e[1] != "plan", e[0]))
    files: list[PlanFile] = []
    for rel, kind in entries:
        if rel in overrides:
            given = overrides[rel]
        else:
            outside = _inside(root, rel)
            if outside:
                problems.append(outside)
                continue
            text, found = read_text(str(root / rel), rel)
            given = text if text is not None else found
        files.append(validated(rel, kind, given, cached, keep_node=rel in candidates))
    return files, problems


def validated(rel: str, kind: str, given: str | list[Problem], cached: bool = True,
              keep_node: bool = False) -> PlanFile:
    """One plan file validated from its text, or unreadable with ``given`` problems. Through the
    per-file cache: a file whose text was validated before is not parsed again."""
    if not isinstance(given, str):
        return validate_file(Source(rel, None, None, given), kind)
    return filecache.validated(
        rel, kind, given, lambda: validate_file(source_from_text(given, rel, keep_node=keep_node), kind), cached)


# Lists whose entries are salvaged one by one when the whole file is invalid.
_ITEM_LISTS = {
    "plan": {"guiding_goals", "decisions", "statuses", "priorities"},
    "actors": {"actors", "committees"},
    "areas": {"areas"},
    "funding": {"programmes", "grants"},
    "field": {"goals", "measures"},
    "indicators": {"indicators"},
    "progress": {"updates", "values", "drawdowns"},
}


def validate_file(source: Source, kind: str) -> PlanFile:
    pf = PlanFile(source.rel, kind, source)
    if source.data is None and source.problems:
        return pf  # unreadable or unparseable: already reported
    model_cls = FILE_MODELS[kind]
    model, problems = shape.validate(model_cls, source.data, source.rel)
    if source.problems and problems:
        # A value the walker already refused (bad tag, bad date) would be reported twice; and
        # a walker warning (57.800) is moot where the value is wrong anyway: its error says more.
        locator = Locator(source.text or "", source.recovery, source.node)
        refused = {(p.line, p.col) for p in source.problems if p.severity == "error"}
        at = [(p, locator.position(p.loc.path, p.loc.key)) for p in problems]
        problems = [p for p, spot in at if spot not in refused]
        wrong = {spot for p, spot in at if p.severity == "error"}
        source.problems[:] = [p for p in source.problems if p.severity == "error" or (p.line, p.col) not in wrong]
    source.problems.extend(problems)
    if not problems and any(p.severity == "error" for p in source.problems):
        model = None  # walker errors make the data untrustworthy (warnings do not)
    pf.model = model
    if model is not None:
        source.data = None  # the model holds everything now; free the raw data early
        for name in _ITEM_LISTS[kind]:
            pf.items[name] = Indexed(getattr(model, name) or [])
        pf.scalars = {k: getattr(model, k) for k in model_cls.model_fields if k not in _ITEM_LISTS[kind]}
    else:
        _salvage(pf, model_cls, source.data)
    return pf


def _salvage(pf: PlanFile, model_cls: type[BaseModel], data: Any) -> None:
    if not isinstance(data, dict):
        return
    for name in _ITEM_LISTS[pf.kind]:
        raw = data.get(name)
        item_cls = shape._inner_model(shape.fields_of(model_cls)[name].annotation)
        keep: list[tuple[int, Any]] = []
        if isinstance(raw, list):
            for i, item in enumerate(raw):
                try:
                    keep.append((i, item_cls.model_validate(item)))
                except Exception:  # already reported by the whole-file validation
                    pass
        pf.items[name] = keep
    for k, f in model_cls.model_fields.items():
        if k in _ITEM_LISTS[pf.kind] or k not in data:
            continue
        pf.scalars[k] = data[k]


def load_plan(root: str | os.PathLike, overrides: dict[str, str] | None = None,
              snapshot: dict[str, bytes] | None = None, *, use_cache: bool = True, diagnose: bool = True,
              key: bytes | None = None) -> Loaded:
    """Load, validate and assemble the plan in ``root``.

    A plain load of the folder goes through the cache (see ``cache``; ``key`` is the
    folder's fingerprint when the caller computed it already); loads with ``overrides``
    (a write's candidate) or from a git ``snapshot`` are assembled afresh, from files
    validated before where their text is the same (see ``filecache``). ``use_cache=False``
    reads every file afresh. ``diagnose=False`` (a snapshot only) skips the cross-file checks
    and positions: the plan without diagnostics, which is all ``history`` needs of each commit.
    """
    root = Path(root)
    if overrides is not None or snapshot is not None:
        return _load(root, overrides, snapshot, diagnose=diagnose or snapshot is None)
    from . import cache
    from .schema import stale_warning

    loaded = (cache.load(root, lambda: _load(root, None, None), CACHE_SETTINGS, key) if use_cache
              else _load(root, None, None, cached=False))
    # Outside the cache: .schema/ is no plan file, and a newer isek must notice it at once.
    stale = stale_warning(root)
    return loaded if stale is None else dataclasses.replace(
        loaded, diagnostics=sorted([*loaded.diagnostics, stale], key=sort_key))



def _load(root: Path, overrides, snapshot, cached: bool = True, diagnose: bool = True) -> Loaded:
    # A load allocates millions of small, acyclic objects; the cyclic garbage
    # collector would rescan them again and again (superlinear time for big plans).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _load_all(root, overrides, snapshot, cached, diagnose)
    finally:
        if enabled:
            gc.enable()


def _load_all(root: Path, overrides, snapshot, cached: bool = True, diagnose: bool = True) -> Loaded:
    from . import checks as validate
    from .geometry import read_all
    from .index import PlanIndex

    files, problems = read_files(root, overrides, snapshot, cached)
    if diagnose:
        for pf in files:
            problems.extend(pf.source.problems)
        problems.extend(validate.cross_check(files))
    plan = PlanIndex.build(root, files)
    extra = read_all(root, files, plan, problems, snapshot)
    diagnostics = resolve(problems, files) if diagnose else []
    # A load from the files: the cache keys what was read (filecache.digest = cache.content_digest).
    parsed = {pf.rel: pf.digest for pf in files if pf.digest} if overrides is None and snapshot is None else {}
    for pf in files:  # the raw text, data and nodes are no longer needed: free them
        pf.source.text = None
        pf.source.data = None
        pf.source.node = None
    return Loaded(root, files, diagnostics, plan, parsed, extra)


def resolve(problems: list[Problem], files: list[PlanFile]) -> list[Diagnostic]:
    """Give every problem its line, column, source excerpt and final hint."""
    by_rel = {pf.rel: pf for pf in files}
    locators: dict[str, Locator] = {}
    out: list[Diagnostic] = []
    for p in problems:
        pf = by_rel.get(p.loc.file)
        text = pf.source.text if pf else None
        hint = p.hint
        line, col = p.line, p.col
        loc = None
        if text is not None:
            loc = locators.get(p.loc.file)
            if loc is None:
                loc = locators[p.loc.file] = Locator(text, pf.source.recovery, pf.source.node)
            if line is None:
                node, exact = loc.node(p.loc.path, p.loc.key)
                if node is not None:
                    line, col = loc.spot(node)
                    if exact and p.code == "E203" and hasattr(node, "style") and isinstance(node.value, str):
                        hint = shape.yaml_hint(p, node.value, not node.style)  # libyaml: "", PyYAML: None
        line, col = line or 1, col or 1
        excerpt = (loc.excerpt(line),) if loc is not None else ()
        out.append(Diagnostic(p.code, p.severity, p.loc.file, line, col, p.message, hint, excerpt))
    out = list(dict.fromkeys(out))  # identical diagnostics from two routes count once
    out.sort(key=sort_key)
    return out
