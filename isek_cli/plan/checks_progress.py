"""Checks of the progress files: file years, dates, statuses, and each measure's history."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable

from .diagnostics import Loc, Problem
from .model import CLOSED, COMPLETED, STATUSES
from .suggest import Suggester

MAX_LISTED = 20  # a plan's own statuses named in one hint; 20,000 of them in 10,000 hints would be 2 GB


def check_progress(files, ref, in_horizon, start, end, statuses: dict[str, str],
                   measures: frozenset[str] = frozenset()) -> list[Problem]:
    """``statuses``: every status word the plan knows (the seven and its own), to what it counts as;
    ``measures``: the plan's measure ids (an entry naming one needs no look-up through ``ref``)."""
    out: list[Problem] = []
    # Updates in date order across files (ties: file order), for the history checks.
    # Locations are built only for problems: a state-wide plan has 100,000s of entries.
    history: dict[str, list[tuple[Any, str, int]]] = defaultdict(list)
    seen_values: dict[tuple, Loc] = {}
    seen_updates: set[tuple] = set()  # an import run twice doubles every entry: say so
    hints: list[_StatusHint] = []  # built for the first unknown status, then asked for every other
    for pf in sorted((p for p in files if p.kind == "progress"), key=lambda p: p.rel):
        rel = pf.rel
        name_year = int(rel.rsplit("/", 1)[-1][:4])
        year = pf.scalars.get("year")
        if isinstance(year, int) and not isinstance(year, bool) and year != name_year:
            out.append(Problem("E305", Loc(rel, ("year",)), f"year {year} differs from the file name {rel}",
                               f"write 'year: {name_year}' or rename the file to progress/{year}.yaml"))
        if not in_horizon(name_year):
            out.append(Problem("W402", Loc(rel, ("year",)), f"progress for {name_year} lies outside the horizon {start}–{end}",
                               "check the year, or widen the horizon in isek.yaml", severity="warning"))
        for i, u in pf.items.get("updates", []):
            if u.measure not in measures:
                ref(u.measure, ("measure",), lambda rel=rel, i=i: Loc(rel, ("updates", i, "measure")), "measure")
            if u.status not in statuses:
                hints = hints or [_StatusHint(statuses)]
                out.append(hints[0].problem(u.status, Loc(rel, ("updates", i, "status"))))
            if u.date.year != name_year:
                out.append(Problem("E306", Loc(rel, ("updates", i, "date")), f"date {u.date} lies outside the file's year {name_year}",
                                   f"record it in progress/{u.date.year}.yaml, or correct the date"))
            if u.percent == 100 and statuses.get(u.status, u.status) != COMPLETED:
                out.append(Problem("E307", Loc(rel, ("updates", i, "percent")), f"percent 100 with status '{u.status}' for '{u.measure}'",
                                   "a measure is 100 % done only when abgeschlossen; set the status or lower the percent"))
            same = entry_key(u)
            if same in seen_updates:
                out.append(Problem("W415", Loc(rel, ("updates", i)),
                                   f"the same entry for '{u.measure}' on {u.date} is recorded twice",
                                   "remove one of them (a spreadsheet imported twice?)", severity="warning"))
            seen_updates.add(same)
            history[u.measure].append((u, rel, i))
        for i, v in pf.items.get("values", []):
            ref(v.indicator, ("indicator",), lambda rel=rel, i=i: Loc(rel, ("values", i, "indicator")), "indicator")
            if v.area is not None:
                ref(v.area, ("area",), Loc(rel, ("values", i, "area")), "area")
            if v.date.year != name_year:
                out.append(Problem("E306", Loc(rel, ("values", i, "date")), f"date {v.date} lies outside the file's year {name_year}",
                                   f"record it in progress/{v.date.year}.yaml, or correct the date"))
            key = (v.indicator, v.date, v.area)
            if key in seen_values:
                out.append(Problem("W408", Loc(rel, ("values", i)), f"second value for '{v.indicator}' on {v.date}",
                                   "remove one of them; the later one in the file counts", severity="warning"))
            seen_values[key] = True
    for measure, entries in history.items():
        entries.sort(key=lambda e: e[0].date)  # stable: ties keep file order
        out += _check_history(measure, entries, statuses)
    return out


def entry_key(u) -> tuple:
    """What makes two progress entries the same one: measure, date, status, percent, note and money
    spent (an answer that corrects only the money spent is news, not a repeat)."""
    return (u.measure, u.date, u.status, u.percent, (u.note or "").strip(), u.spent_eur)


def entry_key_of(e: dict) -> tuple:
    """:func:`entry_key` of an entry not yet written (a dict of the write's fields)."""
    return (e["measure"], e["date"], e["status"], e.get("percent"), (e.get("note") or "").strip(), e.get("spent_eur"))


class _StatusHint:
    """The hint for an unknown status: a did-you-mean against every status word, and the words."""

    def __init__(self, statuses: dict[str, str]) -> None:
        self.suggest = Suggester(statuses)
        own = [s for s in statuses if s not in STATUSES]
        more = f" … and {len(own) - MAX_LISTED:,} more (isek.yaml, statuses)" if len(own) > MAX_LISTED else ""
        self.words = "the statuses are: " + ", ".join(STATUSES)
        if own:
            self.words += "; this plan's own: " + ", ".join(own[:MAX_LISTED]) + more

    def problem(self, status: str, loc: Loc) -> Problem:
        hint = self.suggest.hint(status)
        return Problem("E204", loc, f"'status': '{status}' is not allowed", (hint + " " if hint else "") + self.words)


def _check_history(measure: str, entries: Iterable[tuple[Any, str, int]], statuses: dict[str, str]) -> list[Problem]:
    out: list[Problem] = []
    best = None
    closed_by = None
    for u, rel, i in entries:
        counted = statuses.get(u.status, u.status)
        if closed_by is not None and counted != statuses.get(closed_by.status, closed_by.status):
            out.append(Problem("W406", Loc(rel, ("updates", i, "status")),
                               f"'{measure}' is '{u.status}' on {u.date} after it was '{closed_by.status}' on {closed_by.date}",
                               "if the measure was reopened, say so in the note; otherwise correct the entry", severity="warning"))
            closed_by = None
        if u.percent is not None:
            if best is not None and u.percent < best:
                out.append(Problem("W405", Loc(rel, ("updates", i, "percent")),
                                   f"percent of '{measure}' falls from {best} to {u.percent} on {u.date}",
                                   "if the scope grew, say so in the note; otherwise correct the value", severity="warning"))
            best = u.percent if best is None else max(best, u.percent)
        if counted in CLOSED:
            closed_by = u
    return out
