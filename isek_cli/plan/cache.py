"""A cache of the loaded plan, so that an unchanged plan loads in a blink.

The key covers everything a load depends on: isek's code, pydantic's and
PyYAML's versions, every limit (file size, values, files per folder), and for
every entry of the plan folder (top level, fields/, progress/) its name, type,
size, mtime and, for plan files, a hash of the content. The value is the whole
load result, diagnostics included, so a cached load reports exactly what a
fresh load reports. A load is cached only if the key computed from the texts
it actually parsed equals the key computed before: a file that changed during
the load is never cached under its old content's key.

The cache lives outside the plan folder, one file per plan folder: in
``$ISEK_CACHE_DIR``, else where the platform keeps caches (platformdirs:
``$XDG_CACHE_HOME/isek`` or ``~/.cache/isek`` on Linux, ``~/Library/Caches/isek``
on macOS, ``%LOCALAPPDATA%\\isek\\Cache`` on Windows).
A missing, stale, corrupt or unwritable cache is silently rebuilt or skipped;
``--no-cache`` or ``ISEK_NO_CACHE=1`` bypasses it. The cache is a pickle, so
unpickling it could run code: a cache folder or file that is not the current
user's own, that others can write to, or a link, is neither read nor written
(the folder is created private, 0700).
"""

from __future__ import annotations

import functools
import gc
import hashlib
import os
import pickle
import stat
import sys
import tempfile
from pathlib import Path

from ..version import __version__

FORMAT = 1
# The lock that serialises writes, in the plan folder when there is no git: no load reads it, and
# creating it (the first write) must not make the plan look changed.
LOCK_NAME = ".isek.lock"
SUBFOLDERS = ("", "fields", "progress")


def enabled() -> bool:
    return os.environ.get("ISEK_NO_CACHE", "") in ("", "0")


def cache_dir() -> Path:
    if os.environ.get("ISEK_CACHE_DIR"):
        return Path(os.environ["ISEK_CACHE_DIR"])
    import platformdirs  # only when asked: --no-cache and $ISEK_CACHE_DIR never import it

    # appauthor=False: no "isek\isek" on Windows (the author folder would repeat the name).
    return Path(platformdirs.user_cache_dir("isek", appauthor=False))


def cache_file(root: Path) -> Path:
    real = os.path.realpath(root)
    return cache_dir() / (hashlib.blake2b(real.encode("utf-8", "surrogateescape"), digest_size=12).hexdigest() + ".pickle")


@functools.lru_cache(maxsize=1)
def _code_stamp() -> str:
    """isek's own code as installed (each module's size and mtime): an edited checkout
    between releases must not read caches written by other code. Computed once per
    process: a portfolio fingerprints hundreds of plans, and the code does not change
    while it runs."""
    package = Path(__file__).resolve().parent.parent
    parts = []
    for path in sorted(package.rglob("*.py")):
        st = path.stat()
        parts.append(f"{path.relative_to(package)}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.blake2b("|".join(parts).encode(), digest_size=16).hexdigest()


def content_digest(text: str) -> bytes:
    """What the key holds of a plan file: its text as decoded (a byte-order mark is no content)."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=32).digest()


def _file_digest(path: Path) -> bytes:
    with open(path, "rb") as fh:
        raw = fh.read()
    return hashlib.blake2b(raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw, digest_size=32).digest()


def code_stamp(settings: tuple = ()) -> str:
    """Everything besides the files that a load's result depends on: versions, limits (the
    source's, and the loader's own ``settings`` such as ``ISEK_MAX_FILES``), isek's code."""
    import pydantic
    import yaml

    from . import source as yamlsrc

    return (f"{FORMAT}|{__version__}|{pydantic.VERSION}|{yaml.__version__}|{sys.version_info[:2]}|"
            f"{yamlsrc.MAX_FILE_BYTES}|{yamlsrc.MAX_FILE_VALUES}|{yamlsrc.MAX_DEPTH}|{yamlsrc.MAX_ALIAS_NODES}|"
            f"{settings}|{yamlsrc.WITH_LIBYAML}|{_code_stamp()}")


def fingerprint(root: Path, parsed: dict[str, bytes] | None = None, settings: tuple = ()) -> bytes:
    """A digest of everything in the plan folder that a load reads or looks at.

    ``parsed`` (relative path -> :func:`content_digest`) stands in for the files a load read:
    the key of what was parsed, not of what is on disk now.
    """
    from . import source as yamlsrc

    h = hashlib.blake2b(digest_size=32)
    h.update(f"{code_stamp(settings)}|{os.path.realpath(root)}".encode())
    for sub in SUBFOLDERS:
        folder = root / sub if sub else root
        try:
            names = sorted(os.listdir(folder))
        except OSError as exc:
            h.update(f"\0{sub}:unlistable:{exc.errno}".encode())
            continue
        for name in names:
            if not sub and name == LOCK_NAME:
                continue
            path = folder / name
            rel = f"{sub}/{name}" if sub else name
            try:
                st = os.lstat(path)
            except OSError:
                h.update(f"\0{rel}:gone".encode())
                continue
            h.update(f"\0{rel}|{st.st_mode}|{st.st_size}|{st.st_mtime_ns}".encode("utf-8", "surrogateescape"))
            if stat.S_ISLNK(st.st_mode):
                h.update(os.path.realpath(path).encode("utf-8", "surrogateescape"))
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                h.update(f"|{st.st_mode}|{st.st_size}|{st.st_mtime_ns}".encode())
            if stat.S_ISREG(st.st_mode) and name.endswith((".yaml", ".yml")) and st.st_size <= yamlsrc.MAX_FILE_BYTES:
                if parsed is not None and rel in parsed:
                    h.update(parsed[rel])
                    continue
                try:
                    h.update(_file_digest(path))
                except OSError as exc:
                    h.update(f"unreadable:{exc.errno}".encode())
    return h.digest()


def _private(st: os.stat_result, kind) -> bool:
    """Of the kind asked for, the current user's own, and writable by nobody else."""
    if not hasattr(os, "getuid"):  # Windows: access is a matter of ACLs, not of these bits
        return kind(st.st_mode)
    return kind(st.st_mode) and st.st_uid == os.getuid() and not st.st_mode & 0o022


def _folder_ok(folder: Path) -> bool:
    try:
        return _private(os.lstat(folder), stat.S_ISDIR)
    except OSError:
        return False


def read(root: Path, key: bytes, path: Path | None = None):
    """The cached load for this key, or None. ``path``: another file of the cache folder (the
    portfolio's plan summaries), read with the same care."""
    path = path or cache_file(root)
    if not _folder_ok(path.parent):
        return None
    enabled = gc.isenabled()
    gc.disable()  # unpickling creates 100,000s of acyclic objects: no collector passes needed
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as fh:
            if not _private(os.fstat(fh.fileno()), stat.S_ISREG):
                return None  # someone else's file, or one others could have written: never unpickled
            if fh.read(len(key)) != key:
                return None
            loaded = pickle.load(fh)
        try:
            os.utime(path)  # recently used: kept when a folder of entries is pruned
        except OSError:
            pass
        # The restored plan lives as long as the command: move it to the permanent generation, so
        # that no later collection scans its 100,000s of objects again.
        gc.freeze()
        return loaded
    except Exception:  # missing, truncated, corrupt, from another version: rebuild
        return None
    finally:
        if enabled:
            gc.enable()


def write(root: Path, key: bytes, loaded, path: Path | None = None) -> None:
    """Stream the load into a temporary file next to the cache file, then rename it."""
    path = path or cache_file(root)
    tmp = None
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _folder_ok(path.parent):
            return
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)  # mode 0600
        with os.fdopen(fd, "wb") as fh:
            fh.write(key)
            enabled = gc.isenabled()
            gc.disable()  # pickling allocates a memo entry per object: no collector passes over them
            try:
                pickle.dump(loaded, fh, protocol=pickle.HIGHEST_PROTOCOL)
            finally:
                if enabled:
                    gc.enable()
        os.replace(tmp, path)
        tmp = None
    except Exception:  # an unwritable cache must never fail a command
        pass
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def prune(folder: Path, keep: int) -> None:
    """Keep the ``keep`` most recently used (read or written) entries of a cache folder."""
    try:
        with os.scandir(folder) as it:
            entries = [e for e in it if e.name.endswith(".pickle")]
        if len(entries) <= keep:
            return
        entries.sort(key=lambda e: e.stat().st_mtime_ns)
        for e in entries[:len(entries) - keep]:
            os.unlink(e.path)
    except OSError:
        pass


def extra_unchanged(root: Path, loaded) -> bool:
    """Files a load read beyond the plan files (area outlines) still hold what they held. They are
    read as the load reads them (inside the plan folder, regular, within the size limit): an outline
    swapped for a link to /dev/zero or a FIFO after a load is not read here, it makes the load fresh."""
    from . import geometry

    for rel, digest in getattr(loaded, "extra_files", {}).items():
        raw = geometry.file_bytes(str(root), rel)
        if (hashlib.blake2b(raw, digest_size=16).digest() if raw is not None else b"") != digest:
            return False
    return True


def load(root: Path, fresh, settings: tuple = (), key: bytes | None = None):
    """``fresh()`` through the cache; ``fresh()`` returns a ``Loaded`` whose ``parsed`` holds the
    :func:`content_digest` of every file it read; ``settings`` go into the key; ``key``: the plan's
    fingerprint (with the same settings) if the caller has it already."""
    root = Path(root)
    if not enabled():
        return fresh()
    try:
        key = key or fingerprint(root, settings=settings)
    except Exception:
        return fresh()
    cached = read(root, key)
    if cached is not None and extra_unchanged(root, cached):
        return cached
    loaded = fresh()
    try:
        unchanged = fingerprint(root, getattr(loaded, "parsed", None) or {}, settings) == key
    except Exception:
        unchanged = False
    if unchanged:  # else a file changed while it was read: what was parsed belongs to no key
        write(root, key, loaded)
    return loaded
