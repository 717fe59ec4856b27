"""The one family of errors isek raises on purpose.

Every error a user can cause (an invalid plan, an unknown id, a refused write,
a template that does not render, a git revision that does not exist) derives
from :class:`IsekError`. The command line maps the family to exit code 1 in one
place; Python callers catch ``IsekError`` and read ``.diagnostics`` where the
error has them. Anything else escaping isek is a bug (exit code 3).
"""

from __future__ import annotations

from typing import Any, Sequence


class IsekError(Exception):
    """An error of the user's input or environment, with what to do about it.

    ``message`` is one line for people; ``diagnostics`` the positioned problems
    (:class:`isek_cli.plan.diagnostics.Diagnostic`) behind it, if any.
    """

    def __init__(self, message: str, diagnostics: Sequence[Any] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.diagnostics = list(diagnostics)

    def __str__(self) -> str:
        return self.message


class PlanInvalid(IsekError):
    """The plan has errors; ``diagnostics`` lists all of them (and its warnings)."""

    @property
    def errors(self) -> list[Any]:
        return [d for d in self.diagnostics if d.severity == "error"]


class UnknownId(IsekError, LookupError):
    """An id that names nothing in the plan (or nothing of the kind asked for)."""

    def __init__(self, id_: str, kind: str | None = None, hint: str = "", where: str = "the plan") -> None:
        what = f"no {kind} '{id_}'" if kind else f"no '{id_}'"
        super().__init__(f"{what} in {where}" + (f"; {hint}" if hint else ""))
        self.id = id_
        self.kind = kind
        self.hint = hint


class BadFilter(IsekError, ValueError):
    """A filter value that cannot match anything (a status or SDG code that does not exist,
    a priority off the plan's scale); ``option`` names the filter (status, sdg, priority)."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(message)
        self.option = option
