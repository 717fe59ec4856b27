"""Reading the plan as it was at a git revision, without touching the working tree.

Git is driven through the ``git`` program: ``ls-tree`` lists the plan folder
at the revision and ``cat-file --batch`` reads every blob in one process.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from ..errors import IsekError


class GitError(IsekError):
    pass


@dataclass(frozen=True)
class Revision:
    spec: str  # as the user wrote it, e.g. HEAD~1 or rat-2019-12
    commit: str  # full sha
    plan_path: str  # the plan folder inside the repository ("" = repository root)


def _git(args: list[str], cwd: Path, input: bytes | None = None) -> bytes:
    if shutil.which("git") is None:
        raise GitError("git is not installed or not on PATH; install git to use revisions")
    proc = subprocess.run(["git", *args], cwd=cwd, input=input, capture_output=True)
    if proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(msg[-1] if msg else f"git {' '.join(args)} failed")
    return proc.stdout


def repo_root(path: Path) -> Path:
    start = path if path.is_dir() else path.parent
    if not start.exists():
        raise GitError(f"{path} does not exist")
    try:
        out = _git(["rev-parse", "--show-toplevel"], start)
    except GitError:
        raise GitError(f"{start} is not inside a git repository (run 'git init', or use a plan in a repository)") from None
    return Path(out.decode().strip())


def resolve(spec: str, plan_dir: Path) -> tuple[Path, Revision]:
    """Repository root and revision for ``REV`` or ``REV:path`` (path relative to the repository root)."""
    rev, _, path = spec.partition(":")
    if not rev:
        raise GitError(f"'{spec}' names no revision")
    root = repo_root(plan_dir)
    if path:
        plan_path = path.strip("/")
    else:
        real = Path(os.path.realpath(plan_dir))
        try:
            plan_path = real.relative_to(Path(os.path.realpath(root))).as_posix()
        except ValueError:
            raise GitError(f"the plan folder {plan_dir} is not inside the repository {root}") from None
        plan_path = "" if plan_path == "." else plan_path
    try:
        commit = _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], root).decode().strip()
    except GitError:
        raise GitError(f"unknown revision '{rev}' in {root}") from None
    return root, Revision(spec, commit, plan_path)


class Oversized:
    """Stands in for a blob larger than the file size limit: it is never fetched from git, and
    its length (all the loader looks at before reading) makes the loader report it (E107)."""

    def __init__(self, size: int) -> None:
        self.size = size

    def __len__(self) -> int:
        return self.size


def listing(root: Path, revision: Revision) -> tuple[dict[str, str], dict[str, "Oversized"]]:
    """({path relative to the plan folder: blob id}, {path: Oversized}) of every regular file of the
    plan at the revision, bounded: a revision is input like any other (the number and total size
    of files have a limit; blobs over the file size limit are never fetched)."""
    from ..plan.loader import MAX_FILES
    from ..plan.source import MAX_FILE_BYTES

    prefix = f"{revision.plan_path}/" if revision.plan_path else ""
    args = ["ls-tree", "-r", "-z", "-l", "--full-tree", revision.commit]
    if prefix:
        args += ["--", prefix]
    listed = _git(args, root)
    blobs: dict[str, str] = {}
    oversized: dict[str, Oversized] = {}
    total = 0
    for record in listed.split(b"\0"):
        if not record:
            continue
        meta, _, name = record.partition(b"\t")
        mode, kind, sha, size = meta.split()
        path = name.decode("utf-8", "surrogateescape")
        if kind != b"blob" or mode not in (b"100644", b"100755") or not path.startswith(prefix):
            continue  # symlinks and submodules are never followed
        if int(size) > MAX_FILE_BYTES:
            oversized[path[len(prefix):]] = Oversized(int(size))
            continue
        blobs[path[len(prefix):]] = sha.decode()
        total += int(size)
    if len(blobs) + len(oversized) > 3 * MAX_FILES or total > 4 * MAX_FILE_BYTES:
        raise GitError(f"the plan folder at {revision.spec} holds more than {3 * MAX_FILES:,} files or "
                       f"{4 * MAX_FILE_BYTES:,} bytes; that is not a plan (or raise ISEK_MAX_FILES / "
                       "ISEK_MAX_FILE_BYTES if it is)")
    return blobs, oversized


def fetch(root: Path, shas: list[str]) -> list[bytes]:
    """The content of each blob, in one ``git cat-file --batch``."""
    if not shas:
        return []
    out = _git(["cat-file", "--batch"], root, input="".join(f"{sha}\n" for sha in shas).encode())
    pos, found = 0, []
    for _ in shas:
        header_end = out.index(b"\n", pos)
        size = int(out[pos:header_end].split()[2])
        start = header_end + 1
        found.append(out[start:start + size])
        pos = start + size + 1
    return found


def snapshot(root: Path, revision: Revision) -> dict[str, bytes]:
    """{path relative to the plan folder: bytes} of every regular file of the plan at the revision
    (an oversized blob stands as :class:`Oversized`, never fetched)."""
    blobs, files = listing(root, revision)
    files = dict(files)  # type: ignore[arg-type]
    rels = list(blobs)
    for rel, data in zip(rels, fetch(root, [blobs[r] for r in rels])):
        files[rel] = data  # type: ignore[assignment]
    return files  # type: ignore[return-value]


def load_at(spec: str, plan_dir: Path, diagnose: bool = True):
    """The plan as loaded from a revision (``Loaded``), and the resolved revision (``diagnose=False``:
    without diagnostics, see ``load_plan``).

    A revision's load is cached under its plan folder's listing (every file's name, mode and blob
    id: its whole content) with isek's code and settings, so the revisions a reviewer compares
    again and again (``diff HEAD~1``, ``--rev``) are read, checked and positioned once."""
    from ..plan import cache
    from ..plan.loader import CACHE_SETTINGS, load_plan

    root, revision = resolve(spec, plan_dir)
    blobs, oversized = listing(root, revision)
    if "isek.yaml" not in blobs and "isek.yaml" not in oversized:
        where = revision.plan_path or "the repository root"
        raise GitError(f"no plan at {spec}: {where}/isek.yaml does not exist in {revision.commit[:10]}")
    key = _revision_key(plan_dir, blobs, oversized, diagnose, cache.code_stamp(CACHE_SETTINGS))
    path = cache.cache_dir() / "revisions" / (key.hex()[:40] + ".pickle")
    loaded = cache.read(plan_dir, key, path) if cache.enabled() else None
    if loaded is None:
        files: dict[str, bytes] = dict(oversized)  # type: ignore[arg-type]
        rels = list(blobs)
        files.update(zip(rels, fetch(root, [blobs[r] for r in rels])))
        loaded = load_plan(plan_dir, snapshot=files, diagnose=diagnose)
        if cache.enabled():
            cache.write(plan_dir, key, loaded, path)
            cache.prune(path.parent, REVISIONS_KEPT)
    loaded.plan.revision = revision.commit
    return loaded, revision


REVISIONS_KEPT = 64  # cached revision loads; the least recently used go first


def _revision_key(plan_dir: Path, blobs: dict[str, str], oversized: dict, diagnose: bool, stamp: str) -> bytes:
    import hashlib

    h = hashlib.blake2b(digest_size=32)
    h.update(f"revision|{stamp}|{os.path.realpath(plan_dir)}|{diagnose}".encode("utf-8", "surrogateescape"))
    for rel in sorted(blobs):
        h.update(f"\0{rel}\0{blobs[rel]}".encode("utf-8", "surrogateescape"))
    for rel in sorted(oversized):
        h.update(f"\0{rel}\0oversized {oversized[rel].size}".encode("utf-8", "surrogateescape"))
    return h.digest()


@dataclass(frozen=True)
class Commit:
    sha: str
    date: str  # ISO 8601, author date
    author: str
    subject: str


def log(plan_dir: Path, paths: list[str] | None = None, max_count: int | None = None) -> list[Commit]:
    """Commits that touched the plan folder (or given sub-paths), newest first."""
    root = repo_root(plan_dir)
    real = Path(os.path.realpath(plan_dir)).relative_to(Path(os.path.realpath(root))).as_posix()
    base = "" if real == "." else real
    specs = [f"{base}/{p}" if base else p for p in (paths or [""])]
    specs = [s.rstrip("/") or "." for s in specs]
    args = ["log", "--format=%H%x1f%aI%x1f%an%x1f%s%x1e", "--no-merges"]
    if max_count:
        args.append(f"--max-count={max_count}")
    out = _git(args + ["--", *specs], root).decode("utf-8", "replace")
    commits = []
    for rec in out.split("\x1e"):
        rec = rec.strip()
        if rec:
            sha, date, author, subject = rec.split("\x1f")
            commits.append(Commit(sha, date, author, subject))
    return commits
