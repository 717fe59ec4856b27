"""JSON Schema of the plan files, generated from the models (one source of truth).

What each key means (English — German) lives in ``descriptions.yaml`` next to
this module and is put into the generated schema here, so that editors show it
on hover without the model carrying a paragraph per field.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic.json_schema import models_json_schema

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
    schema = {"$schema": DIALECT, "$id": f"urn:isek:schema:{kind}", **schema}
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


def write_schemas(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in KINDS:
        path = folder / f"{kind}.schema.json"
        text = json.dumps(kind_schema(kind), ensure_ascii=False, indent=2) + "\n"
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
