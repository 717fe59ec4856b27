"""Atomic file writes: a reader sees the old file or the new one, never half of either."""

from __future__ import annotations

import os
import re
import stat
import tempfile
from pathlib import Path

from ..errors import IsekError


class WriteFailed(IsekError, OSError):
    """The file system refused a write (read-only, full, no permission); the old file is unchanged.

    Also an ``OSError``, so callers that handle file-system errors keep working."""


def temp_name_pattern(name: str) -> re.Pattern:
    """The names :func:`atomic_write` gives its temporary files for the file ``name``
    (``tempfile.mkstemp``: prefix, 8 random characters, suffix)."""
    return re.compile(re.escape(f".{name}.") + r"[a-z0-9_]{8}" + re.escape(".tmp"))


def atomic_write(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same folder, fsync, rename: old or new, never half.

    Raises :class:`WriteFailed` (exit 1 on the command line) when the file system refuses.
    """
    try:
        _atomic_write(path, data)
    except WriteFailed:
        raise
    except OSError as exc:
        where = exc.filename if isinstance(exc.filename, str) and not exc.filename.endswith(".tmp") else path
        raise WriteFailed(f"cannot write {where}: {exc.strerror or exc}") from None


def _atomic_write(path: Path, data: bytes) -> None:
    path = Path(os.path.realpath(path)) if os.path.islink(path) else Path(path)
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)
