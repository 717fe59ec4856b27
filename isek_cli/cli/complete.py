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


def _matching(ids, incomplete: str) -> list[str]:
    prefix = incomplete.casefold()
    return sorted(i for i in ids if i.casefold().startswith(prefix))


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
