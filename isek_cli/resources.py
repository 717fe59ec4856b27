"""Where the shipped templates and example plan live.

In a wheel they are inside the package (``isek_cli/templates``,
``isek_cli/example_plan``); in a source checkout or editable install they are
the repository's top-level ``templates/`` and ``plan/``.
"""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent
_REPO = _PKG.parent


def _first(*candidates: Path) -> Path:
    for c in candidates:
        if c.is_dir():
            return c
    return candidates[0]


def templates_dir() -> Path:
    return _first(_PKG / "templates", _REPO / "templates")


def example_plan_dir() -> Path:
    return _first(_PKG / "example_plan", _REPO / "plan")


def skeleton_dir() -> Path:
    return _PKG / "skeleton"


def messages_dir() -> Path:
    return _PKG / "messages"


def fonts_dir() -> Path:
    """The report font (Isek Sans, from Source Sans 3 under the SIL Open Font License)."""
    return _PKG / "fonts"
