"""Shell completion of the plan's ids (``isek --install-completion``): measures, fields, actors,
indicators, grants and every id ``show`` knows, read from the plan the command line points at."""

from __future__ import annotations

import os

import typer


def _plan_index(ctx: typer.Context):
    """The plan's index, or None: completion must never print an error into the user's prompt."""
    from ..api import open_plan
    from ..plan.loader import find_plan_dir

    option = None
    c = ctx
    while c is not None:  # --plan before or after the command (parse_args moves it to the root)
        option = option or c.params.get("plan")
        c = c.parent
    try:
        return open_plan(find_plan_dir(option or os.environ.get("ISEK_PLAN")), strict=False).index
    except Exception:  # noqa: BLE001 - no plan, a broken plan: nothing to offer
        return None


class _Id(str):
    """An id offered for completion that also completes what was typed in another case.

    Typer's ``autocompletion`` wrapper keeps only candidates whose ``value.startswith(incomplete)``,
    which would drop ``HF2.M01`` for ``hf2.m0``; this id answers that question without regard to
    case, the way :func:`_matching` chose it. (The shell then puts the id as written in the plan.)
    """

    __slots__ = ()

    def startswith(self, prefix, *args) -> bool:  # type: ignore[override]
        if isinstance(prefix, str) and not args:
            return self.casefold().startswith(prefix.casefold())
        return super().startswith(prefix, *args)


def _matching(ids, incomplete: str) -> list[str]:
    prefix = incomplete.casefold()
    return [_Id(i) for i in sorted(i for i in ids if i.casefold().startswith(prefix))]


def _completer(attribute: str):
    def complete(ctx: typer.Context, incomplete: str) -> list[str]:
        index = _plan_index(ctx)
        if index is None:
            return []
        ids = index.locs.keys() if attribute == "locs" else getattr(index, attribute)
        return _matching(ids, incomplete)

    complete.__name__ = f"complete_{attribute}"
    return complete


measure_ids = _completer("measure_index")
field_ids = _completer("field_index")
actor_ids = _completer("actor_index")
indicator_ids = _completer("indicator_index")
grant_ids = _completer("grant_index")
any_ids = _completer("locs")
