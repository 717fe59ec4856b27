"""JSON Schema of the plan files, generated from the models (one source of truth)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

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


def kind_schema(kind: str) -> dict[str, Any]:
    model = FILE_MODELS[kind]
    schema = model.model_json_schema(mode="validation")
    schema = {"$schema": DIALECT, "$id": f"urn:isek:schema:{kind}", **schema}
    schema["title"] = f"isek {kind} file ({GLOBS[kind]})"
    return schema


def plan_schema(kind: str | None = None) -> dict[str, Any]:
    """One kind's schema, or a bundle that accepts any plan file (oneOf the kinds)."""
    if kind is not None:
        return kind_schema(kind)
    _, top = models_json_schema([(m, "validation") for m in FILE_MODELS.values()], ref_template="#/$defs/{model}")
    defs = top.get("$defs", {})
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
