"""JSON Schema of the plan files, generated from the models (one source of truth).

What each key means (English — German) lives in ``descriptions.yaml`` next to
this module and is put into the generated schema here, so that editors show it
on hover without the model carrying a paragraph per field.
"""

from __future__ import annotations

import json
import re
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic.json_schema import models_json_schema

from ..version import __version__
from .diagnostics import Diagnostic
from .model import FILE_MODELS

KINDS = tuple(FILE_MODELS)
# Which files each kind's schema applies to, relative to the plan folder.
GLOBS = {
    "plan": "isek.yaml",
    "actors": "actors.yaml",
    "areas": "areas.yaml",
    "funding": "funding.yaml",
    "field": "fields/*.yaml",
    "indicators": "indicators.yaml",
    "progress": "progress/*.yaml",
}
DIALECT = "https://json-schema.org/draft/2020-12/schema"
# Where `isek init` and `isek schema -o` put one schema per kind, inside the plan folder.
SCHEMA_FOLDER = ".schema"
# Which isek wrote a schema file: read back by `check` to warn about a .schema/ older than isek.
STAMP = "written by isek {version}; refresh with: isek schema -o .schema"
DESCRIPTIONS = Path(__file__).with_name("descriptions.yaml")


@lru_cache(maxsize=1)
def descriptions() -> dict[str, dict]:
    """{"models": {Model: text}, "properties": {Model: {key or dotted.key: text}}}."""
    with open(DESCRIPTIONS, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _describe(name: str, node: dict[str, Any]) -> None:
    """Put the descriptions of model ``name`` into its schema ``node`` (and inline objects below it)."""
    texts = descriptions()
    if name in texts["models"]:
        node["description"] = texts["models"][name]
    own = texts["properties"].get(name, {})

    def walk(prefix: str, n: Any) -> None:
        if isinstance(n, list):
            for x in n:
                walk(prefix, x)
        elif isinstance(n, dict):
            for key, sub in (n.get("properties") or {}).items():
                path = f"{prefix}{key}"
                if path in own:
                    sub["description"] = own[path]
                walk(path + ".", sub)
            for k, v in n.items():
                if k not in ("properties", "$defs"):
                    walk(prefix, v)

    walk("", node)


def _describe_all(schema: dict[str, Any], top: str | None) -> dict[str, Any]:
    for name, node in schema.get("$defs", {}).items():
        _describe(name, node)
    if top is not None:
        _describe(top, schema)
    return schema


def kind_schema(kind: str) -> dict[str, Any]:
    model = FILE_MODELS[kind]
    schema = _describe_all(model.model_json_schema(mode="validation"), model.__name__)
    schema = {"$schema": DIALECT, "$id": f"urn:isek:schema:{kind}",
              "$comment": STAMP.format(version=__version__), **schema}
    schema["title"] = f"isek {kind} file ({GLOBS[kind]})"
    return schema


def plan_schema(kind: str | None = None) -> dict[str, Any]:
    """One kind's schema, or a bundle that accepts any plan file (oneOf the kinds)."""
    if kind is not None:
        return kind_schema(kind)
    _, top = models_json_schema([(m, "validation") for m in FILE_MODELS.values()], ref_template="#/$defs/{model}")
    defs = _describe_all({"$defs": top.get("$defs", {})}, None)["$defs"]
    return {
        "$schema": DIALECT,
        "$id": "urn:isek:schema:plan-files",
        "title": "isek plan files",
        "description": "Any one plan file. Use --kind for the schema of one kind: " + ", ".join(
            f"{k} ({g})" for k, g in GLOBS.items()),
        "oneOf": [{"$ref": f"#/$defs/{m.__name__}"} for m in FILE_MODELS.values()],
        "$defs": defs,
    }


@cache
def schema_text(kind: str) -> str:
    return json.dumps(kind_schema(kind), ensure_ascii=False, indent=2) + "\n"


def write_schemas(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in KINDS:
        path = folder / f"{kind}.schema.json"
        text = schema_text(kind)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def modeline(rel: str) -> str:
    """The yaml-language-server line for the plan file ``rel`` (e.g. "fields/01-wohnen.yaml"), or ""."""
    kind = next((k for k, glob in GLOBS.items() if _matches(rel, glob)), None)
    if kind is None:
        return ""
    up = "../" * rel.count("/")
    return f"# yaml-language-server: $schema={up}{SCHEMA_FOLDER}/{kind}.schema.json\n"


def _matches(rel: str, glob: str) -> bool:
    folder, _, name = glob.rpartition("/")
    if name == "*.yaml":
        return rel.startswith(folder + "/") and rel.endswith(".yaml") and rel.count("/") == 1
    return rel == glob


def with_modeline(rel: str, text: str) -> str:
    """``text`` with the modeline on top, unless it already has one."""
    if text.startswith("# yaml-language-server:"):
        return text
    return modeline(rel) + text


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", text)[:3])


def stale_schemas(root: Path) -> tuple[list[str], list[str | None]]:
    """The schema files in ``root/.schema`` that differ from what this isek writes, and the isek
    versions that wrote them (None: no stamp, an isek older than the stamp). Files written by
    a newer isek are not stale: this isek is the old one then."""
    folder = Path(root) / SCHEMA_FOLDER
    stale: list[str] = []
    versions: list[str | None] = []
    for kind in KINDS:
        path = folder / f"{kind}.schema.json"
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if text == schema_text(kind):
            continue
        try:
            stamp = json.loads(text).get("$comment")
        except (ValueError, AttributeError):
            stamp = None
        m = re.match(r"written by isek (\S+);", stamp) if isinstance(stamp, str) else None
        if m and _version(m[1]) > _version(__version__):
            continue
        stale.append(f"{SCHEMA_FOLDER}/{kind}.schema.json")
        versions.append(m[1] if m else None)
    return stale, versions


def stale_warning(root: Path) -> Diagnostic | None:
    """W420 when the plan's .schema/ was written by an older isek (None without a .schema/ folder)."""
    if not (Path(root) / SCHEMA_FOLDER).is_dir():
        return None
    stale, versions = stale_schemas(root)
    if not stale:
        return None
    known = sorted({v for v in versions if v is not None})
    by = f"isek {', '.join(known)}" if known and None not in versions else "an older isek"
    more = f" and {len(stale) - 1} more" if len(stale) > 1 else ""
    return Diagnostic("W420", "warning", stale[0], 1, 1,
                      f"the plan's editor schemas ({stale[0]}{more}) were written by {by}, older than "
                      f"this isek {__version__}: editors check the plan against outdated keys",
                      f"refresh them: isek --plan {root} schema -o {Path(root) / SCHEMA_FOLDER}", ())
