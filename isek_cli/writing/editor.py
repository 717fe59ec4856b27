"""Editor support: `.vscode/settings.json` for VS Code's YAML extension (yaml-language-server).

The plan files carry a ``# yaml-language-server: $schema=…`` line each (see ``plan.schema.modeline``);
the settings map the same schemas to file globs (for files without the line) and make the extension
read YAML 1.1 like isek does, so ``yes``, ``no`` and unquoted dates mean the same in both.
A settings.json the user already has is merged into, key by key; one isek cannot parse (VS Code
allows comments there) is left alone with an error that shows what to add by hand.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..errors import IsekError
from ..plan.schema import GLOBS, SCHEMA_FOLDER
from .atomic import atomic_write


class SettingsUnreadable(IsekError):
    pass


def workspace_for(plan: Path, cwd: Path | None = None) -> Path:
    """The folder VS Code opens: the current folder when the plan lies inside it, else the plan folder."""
    cwd = Path(cwd or os.getcwd()).resolve()
    plan = Path(plan).resolve()
    return cwd if plan == cwd or cwd in plan.parents else plan


def settings(plan: Path, workspace: Path) -> dict:
    """The keys isek sets: schema (relative to the workspace) → globs of the files it checks."""
    rel = Path(os.path.relpath(Path(plan).resolve(), workspace.resolve())).as_posix()
    prefix = "" if rel == "." else rel + "/"
    schemas = {f"./{prefix}{SCHEMA_FOLDER}/{kind}.schema.json": [f"{prefix}{glob}"] for kind, glob in GLOBS.items()}
    return {"yaml.schemas": schemas, "yaml.yamlVersion": "1.1"}


def write_vscode(plan: Path, workspace: Path | None = None) -> Path:
    """Write or merge ``WORKSPACE/.vscode/settings.json``; the user's own keys stay as they were."""
    workspace = workspace or workspace_for(plan)
    path = workspace / ".vscode" / "settings.json"
    ours = settings(plan, workspace)
    current: dict = {}
    if path.exists():
        text = path.read_text(encoding="utf-8")
        try:
            current = json.loads(text) if text.strip() else {}
        except ValueError as exc:
            raise SettingsUnreadable(
                f"{path}:{getattr(exc, 'lineno', 1)}:{getattr(exc, 'colno', 1)}: not plain JSON "
                f"(comments or trailing commas?); isek leaves it untouched. Add by hand:\n"
                + json.dumps(ours, indent=4)) from None
        if not isinstance(current, dict):
            raise SettingsUnreadable(f"{path}: not a JSON object; isek leaves it untouched")
    merged = dict(current)
    schemas = merged.get("yaml.schemas")
    merged["yaml.schemas"] = {**(schemas if isinstance(schemas, dict) else {}), **ours["yaml.schemas"]}
    merged["yaml.yamlVersion"] = ours["yaml.yamlVersion"]
    if merged != current or not path.exists():
        atomic_write(path, (json.dumps(merged, ensure_ascii=False, indent=4) + "\n").encode("utf-8"))
    return path
