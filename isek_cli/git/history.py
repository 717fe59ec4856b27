"""`isek history ID`: the commits that changed one entity, with the change in each."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import revision as gitsrc
from ..plan.index import PlanIndex
from .semdiff import diff


def _relevant(d: dict, id_: str) -> dict[str, Any]:
    return {
        "changes": [c for c in d["changes"] if c["id"] == id_ or c.get("old_id") == id_],
        "progress": [p for p in d["progress"] if p["measure"] == id_],
        "values": [v for v in d["values"] if v["indicator"] == id_ or v.get("area") == id_],
        "drawdowns": [x for x in d.get("drawdowns", []) if x["grant"] == id_],
    }


def history(plan_dir: Path, id_: str, max_count: int | None = None) -> list[dict[str, Any]]:
    """Newest first: every commit whose semantic diff touches ``id_``."""
    commits = gitsrc.log(plan_dir, max_count=max_count)
    results = []
    previous = PlanIndex(root=plan_dir, meta=None)
    for c in reversed(commits):
        try:
            loaded, _ = gitsrc.load_at(c.sha, plan_dir)
            current = loaded.plan
        except gitsrc.GitError:
            current = PlanIndex(root=plan_dir, meta=None)  # the plan did not exist at this commit
        found = _relevant(diff(previous, current), id_)
        if any(found.values()):
            results.append({"commit": c.sha, "date": c.date, "author": c.author, "subject": c.subject, **found})
        previous = current
    results.reverse()
    return results
