"""A cache of validated plan files, keyed by their content, shared by every load.

A plan file's per-file result (:class:`~isek_cli.plan.loader.PlanFile`: model, items,
diagnostics without positions) depends only on its name, its kind, its text and isek's
settings. So it is cached under a digest of exactly those, whichever way the text came:
from the plan folder, from a write's candidate, or from a git blob (the text of a blob is
its content). A write then validates only the file it changes; ``diff``, ``history`` and
``--rev`` parse only the blobs no load has seen before. Positions are not cached: they
are found from the text when a diagnostic is shown, as in a fresh load.

Only files without errors are cached (the cross-file checks read the raw data of a file
with errors, which the cache does not keep; such files are rare and are re-read). Entries
live in ``files/`` of the cache folder, one file each, written atomically; at most
:data:`MAX_ENTRIES` are kept (the least recently used go). ``ISEK_NO_CACHE`` turns this
cache off too; a missing, corrupt or foreign entry is a miss.
"""

from __future__ import annotations

import dataclasses
import hashlib
import sys
from functools import lru_cache
from pathlib import Path

from . import cache

MAX_ENTRIES = 4096


@lru_cache(maxsize=None)
def _stamp() -> bytes:
    """Everything besides the text that a file's validation depends on."""
    import pydantic
    import yaml

    from . import source as yamlsrc
    from ..version import __version__

    limits = tuple(getattr(yamlsrc, name, None) for name in
                   ("MAX_FILE_BYTES", "MAX_FILE_VALUES", "MAX_DEPTH", "MAX_ALIAS_NODES", "WITH_LIBYAML"))
    return (f"{cache.FORMAT}|{__version__}|{pydantic.VERSION}|{yaml.__version__}|{sys.version_info[:2]}|"
            f"{limits}|{cache._code_stamp()}").encode()


digest = cache.content_digest  # a file's content as every key holds it


def key(rel: str, kind: str, content: bytes) -> bytes:
    """The key of a file named ``rel`` of ``kind`` whose text has the :func:`digest` ``content``."""
    h = hashlib.blake2b(_stamp(), digest_size=32)
    h.update(f"\0{rel}\0{kind}\0".encode("utf-8", "surrogateescape"))
    h.update(content)
    return h.digest()


# Files validated or restored by this process (a write's candidate shares all but one file with
# the plan before it; history walks commits that share most of their files).
# Bounded: a long-running process (isek serve) must not keep every version it ever loaded.
_MEMO: dict[bytes, object] = {}
MEMO_ENTRIES = 128


def _memo(k: bytes, pf) -> None:
    _MEMO.pop(k, None)
    _MEMO[k] = pf
    while len(_MEMO) > MEMO_ENTRIES:
        del _MEMO[next(iter(_MEMO))]


def remember(files) -> None:
    """Make these validated files (of a load this process holds) available to later loads."""
    if cache.enabled():
        for pf in files:
            if pf.model is not None and pf.digest:
                _memo(key(pf.rel, pf.kind, pf.digest), pf)


def _folder() -> Path:
    return cache.cache_dir() / "files"


def _folder_ok(folder: Path) -> bool:
    """The cache folder and its files/ are the user's own and private (see ``cache``)."""
    return cache._folder_ok(folder.parent) and cache._folder_ok(folder)


def get(k: bytes):
    """The cached PlanFile for key ``k``, or None (read with the plan cache's care: see ``cache.read``)."""
    folder = _folder()
    if not _folder_ok(folder):
        return None
    return cache.read(folder, k, folder / (k.hex() + ".pickle"))


def put(k: bytes, pf) -> None:
    """Store a validated file (its text, raw data and nodes are not stored: the key stands for the text)."""
    folder = _folder()
    text, data, node = pf.source.text, pf.source.data, pf.source.node
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _folder_ok(folder):
            return
        pf.source.text = pf.source.data = pf.source.node = None
        cache.write(folder, k, pf, folder / (k.hex() + ".pickle"))
        cache.prune(folder, MAX_ENTRIES)
    except OSError:  # an unwritable cache must never fail a command
        pass
    finally:
        pf.source.text, pf.source.data, pf.source.node = text, data, node


def validated(rel: str, kind: str, text: str, fresh, cached: bool = True):
    """``fresh()`` (a PlanFile validated from ``text``) through the cache (unless not ``cached``)."""
    content = digest(text)
    if not (cached and cache.enabled()):
        pf = fresh()
        pf.digest = content
        return pf
    k = key(rel, kind, content)
    pf = _MEMO.get(k) or get(k)
    if pf is not None and pf.rel == rel and pf.kind == kind:
        pf.source.text = text  # positions of its diagnostics are found from the text, as in a fresh load
        _memo(k, pf)
        return pf
    pf = fresh()
    pf.digest = content
    if pf.model is not None:
        put(k, pf)
        _memo(k, pf)
    return pf


def refresh(root: Path, loaded, settings: tuple) -> None:
    """After a write: store ``loaded`` (the candidate that validated the texts just written) as the
    plan cache of ``root``, keyed by what it parsed (so a file changed by someone else since
    keeps the next load from using it). ``settings``: the loader's (``loader.CACHE_SETTINGS``)."""
    if not cache.enabled() or not all(pf.digest for pf in loaded.files):
        return  # an unreadable file: leave it to a fresh load
    parsed = {pf.rel: pf.digest for pf in loaded.files}
    try:
        key = cache.fingerprint(root, parsed, settings)
    except Exception:
        return
    cache.write(root, key, dataclasses.replace(loaded, parsed=parsed))
