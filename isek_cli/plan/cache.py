"""A cache of the loaded plan, so that an unchanged plan loads in a blink.

The key covers everything a load depends on: isek's and pydantic's versions,
the size limit, and for every entry of the plan folder (top level, fields/,
progress/) its name, type, size, mtime and, for plan files, a hash of the
content. The value is the whole load result, diagnostics included, so a
cached load reports exactly what a fresh load reports.

The cache lives outside the plan folder (``$ISEK_CACHE_DIR``, else
``$XDG_CACHE_HOME/isek``, else ``~/.cache/isek``), one file per plan folder.
A missing, stale, corrupt or unwritable cache is silently rebuilt or skipped;
``--no-cache`` or ``ISEK_NO_CACHE=1`` bypasses it. The cache is trusted
local data of the operator (it is a pickle): do not point ``ISEK_CACHE_DIR``
at a folder others can write to.
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
SUBFOLDERS = ("", "fields", "progress")


def enabled() -> bool:
    return os.environ.get("ISEK_NO_CACHE", "") in ("", "0")


def cache_dir() -> Path:
    if os.environ.get("ISEK_CACHE_DIR"):
        return Path(os.environ["ISEK_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "isek"


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


def code_stamp() -> str:
    """Everything besides the files that a load's result depends on: versions, limits, isek's code."""
    import pydantic

    from . import source as yamlsrc

    return (f"{FORMAT}|{__version__}|{pydantic.VERSION}|{sys.version_info[:2]}|{yamlsrc.MAX_FILE_BYTES}|"
            f"{yamlsrc.MAX_FILE_VALUES}|{yamlsrc.WITH_LIBYAML}|{_code_stamp()}")


def fingerprint(root: Path) -> bytes:
    """A digest of everything in the plan folder that a load reads or looks at."""
    from . import source as yamlsrc

    h = hashlib.blake2b(digest_size=32)
    h.update(f"{code_stamp()}|{os.path.realpath(root)}".encode())
    for sub in SUBFOLDERS:
        folder = root / sub if sub else root
        try:
            names = sorted(os.listdir(folder))
        except OSError as exc:
            h.update(f"\0{sub}:unlistable:{exc.errno}".encode())
            continue
        for name in names:
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
                try:
                    with open(path, "rb") as fh:
                        h.update(hashlib.blake2b(fh.read(), digest_size=32).digest())
                except OSError as exc:
                    h.update(f"unreadable:{exc.errno}".encode())
    return h.digest()


def read(root: Path, key: bytes):
    """The cached load for this key, or None."""
    enabled = gc.isenabled()
    gc.disable()  # unpickling creates 100,000s of acyclic objects: no collector passes needed
    try:
        with open(cache_file(root), "rb") as fh:
            if fh.read(len(key)) != key:
                return None
            return pickle.load(fh)
    except Exception:  # missing, truncated, corrupt, from another version: rebuild
        return None
    finally:
        if enabled:
            gc.enable()


def write(root: Path, key: bytes, loaded) -> None:
    """Stream the load into a temporary file next to the cache file, then rename it."""
    path = cache_file(root)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(key)
            pickle.dump(loaded, fh, protocol=pickle.HIGHEST_PROTOCOL)
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


def extra_unchanged(root: Path, loaded) -> bool:
    """Files a load read beyond the plan files (area outlines) still hold what they held."""
    for rel, digest in getattr(loaded, "extra_files", {}).items():
        try:
            with open(root / rel, "rb") as fh:
                if hashlib.blake2b(fh.read(), digest_size=16).digest() != digest:
                    return False
        except OSError:
            if digest != b"":
                return False
    return True


def load(root: Path, fresh, key: bytes | None = None):
    """``fresh()`` through the cache; ``key``: the plan's fingerprint if the caller has it already."""
    root = Path(root)
    if not enabled():
        return fresh()
    try:
        key = key or fingerprint(root)
    except Exception:
        return fresh()
    cached = read(root, key)
    if cached is not None and extra_unchanged(root, cached):
        return cached
    loaded = fresh()
    write(root, key, loaded)
    return loaded
