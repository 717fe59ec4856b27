"""Helpers for the tests of writes (progress add/import, indicator set) and of `isek due`.

- snapshots and hashes of a whole plan folder, to prove that a refused write changed nothing;
- ``added_lines``: proof that a write only *inserted* lines (found with difflib), per the
  contract's "Writes insert, never rewrite";
- ``write_plan``: a tiny, valid plan folder built from Python dicts (for `isek due` cases);
- the paths of the installed CLI, for tests that start real OS processes.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import os
import re
import sys
from pathlib import Path
from typing import Any, Iterable

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = REPO / ".venv" / "bin"
ISEK = str(VENV_BIN / "isek")
PYTHON = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable
LOCK_NAME = ".isek.lock"


@pytest.fixture(autouse=True, scope="module")
def private_cache(tmp_path_factory):
    """Keep isek's load cache (ISEK_CACHE_DIR) out of the user's home, for this process and its children.

    Import this fixture into a test module to activate it there."""
    folder = tmp_path_factory.mktemp("isek-cache")
    mp = pytest.MonkeyPatch()
    mp.setenv("ISEK_CACHE_DIR", str(folder))
    yield folder
    mp.undo()


# --- snapshots -------------------------------------------------------------

def snapshot(root: Path, *, ignore: Iterable[str] = (LOCK_NAME,)) -> dict[str, bytes]:
    """Every file below ``root`` (relative posix path -> bytes), except the lock file."""
    out: dict[str, bytes] = {}
    ignore = set(ignore)
    for path in sorted(Path(root).rglob("*")):
        if path.is_file() and path.name not in ignore:
            out[path.relative_to(root).as_posix()] = path.read_bytes()
    return out


def hashes(root: Path) -> dict[str, str]:
    """sha256 of every file in the plan folder (the lock file excluded: filelock may create it)."""
    return {rel: hashlib.sha256(data).hexdigest() for rel, data in snapshot(root).items()}


def tmp_leftovers(root: Path) -> list[Path]:
    """Temporary files an interrupted atomic write may leave behind (``.NAME.XXXX.tmp``)."""
    return sorted(p for p in Path(root).rglob(".*.tmp"))


# --- "only lines were added" ---------------------------------------------------

_EMPTY_FLOW = re.compile(rb"^(?P<key>[ \t]*(?:updates|values):)[ \t]*\[[ \t]*\](?P<rest>.*)$", re.S)


def _eol(line: bytes) -> bytes:
    if line.endswith(b"\r\n"):
        return b"\r\n"
    if line.endswith(b"\n"):
        return b"\n"
    return b""


def added_lines(old: bytes, new: bytes, *, allow_empty_flow: bool = False) -> list[bytes]:
    """The lines ``new`` has in addition to ``old``; fails unless ``new`` is ``old`` with lines inserted.

    Removing the returned lines from ``new`` gives back ``old`` byte for byte. Two
    exceptions, both named by the contract or forced by it:

    * ``allow_empty_flow``: one line ``updates: []`` / ``values: []`` (with whatever follows,
      e.g. a comment) may lose its ``[]`` (the empty flow list becomes a block list);
    * if ``old`` does not end with a line break, its last line may gain one (a line can only
      be added after it that way).
    """
    a = old.splitlines(keepends=True)
    b = new.splitlines(keepends=True)
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    kept: list[bytes] = []
    added: list[bytes] = []
    problems: list[str] = []
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            kept += a[i1:i2]
        elif tag == "insert":
            added += b[j1:j2]
        elif tag == "replace" and i2 - i1 == 1:
            line = a[i1]
            m = _EMPTY_FLOW.match(line)
            last_without_eol = i1 == len(a) - 1 and not _eol(line)
            if allow_empty_flow and m and (b[j1] == m["key"] + m["rest"]
                                           or last_without_eol and b[j1].rstrip(b"\r\n") == m["key"] + m["rest"]):
                kept.append(line)  # the permitted rewrite; stands for the old line
                added += b[j1 + 1:j2]
            elif last_without_eol and b[j1][: len(line)] == line and not b[j1][len(line):].strip():
                kept.append(line)  # the last line gained a line break
                added += b[j1 + 1:j2]
            else:
                problems.append(f"changed {a[i1:i2]!r} -> {b[j1:j2]!r}")
        else:
            problems.append(f"{tag} {a[i1:i2]!r} -> {b[j1:j2]!r}")
    if problems or b"".join(kept) != old:
        diff = "".join(difflib.unified_diff([x.decode("utf-8", "replace") for x in a],
                                            [x.decode("utf-8", "replace") for x in b], "old", "new"))
        raise AssertionError("the write did not only insert lines:\n" + "\n".join(problems) + "\n" + diff)
    return added


def load_yaml_bytes(data: bytes) -> Any:
    return yaml.safe_load(data.decode("utf-8-sig"))


# --- plans from dicts ----------------------------------------------------------

def dump(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def write_plan(root: Path, measures: list[dict], progress: dict[int, list[dict]] | None = None, *,
               horizon: tuple[int, int] = (2020, 2030), indicators: list[dict] | None = None) -> Path:
    """A small valid plan: one field HF1 with goal HF1.Z1, actor AMT, the given measures.

    ``measures``: dicts with at least ``id`` (plus e.g. start, end); ``progress``: year ->
    list of update dicts (measure, date, status, optional percent ...).
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    dump(root / "isek.yaml", {
        "city": "Teststadt", "title": "ISEK Teststadt",
        "adopted": {"body": "Rat der Stadt", "date": dt.date(horizon[0] - 1, 11, 1)},
        "horizon": {"start": horizon[0], "end": horizon[1]},
        "owner": "Amt für Stadtentwicklung", "language": "de", "vision": "Eine Vision.",
        "guiding_goals": [{"id": "L1", "title": "Leitziel"}],
    })
    dump(root / "actors.yaml", {"actors": [{"id": "AMT", "name": "Amt", "kind": "administration"}],
                                "committees": [{"id": "BAU", "name": "Bauausschuss"}]})
    full = []
    for m in measures:
        d = {"id": m["id"], "title": m.get("title", f"Maßnahme {m['id']}"), "goals": ["HF1.Z1"],
             "priority": m.get("priority", 1), "lead": "AMT"}
        d.update({k: v for k, v in m.items() if k not in d})
        full.append(d)
    dump(root / "fields" / "01-feld.yaml", {"id": "HF1", "title": "Handlungsfeld", "goals": [
        {"id": "HF1.Z1", "title": "Ziel"}], "measures": full})
    dump(root / "indicators.yaml", {"indicators": indicators or []})
    (root / "progress").mkdir(exist_ok=True)
    for year, updates in (progress or {}).items():
        dump(root / "progress" / f"{year}.yaml", {"year": year, "updates": list(updates), "values": []})
    return root


def upd(measure: str, date: str, status: str, percent: int | None = None, **extra: Any) -> dict:
    d = {"measure": measure, "date": dt.date.fromisoformat(date), "status": status}
    if percent is not None:
        d["percent"] = percent
    d.update(extra)
    return d


def child_env(**extra: str) -> dict[str, str]:
    """Environment for child isek processes: no plan from the environment, the repo importable."""
    env = {k: v for k, v in os.environ.items() if k not in ("ISEK_PLAN",)}
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("ISEK_LOCK_TIMEOUT", "120")
    env.update(extra)
    return env
