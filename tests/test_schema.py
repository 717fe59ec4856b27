"""`isek schema`: every key of every file kind is described (English — German) for editors.

The texts live in ``isek_cli/plan/descriptions.yaml``; these tests fail when a key
of the model has no text there, or when a text names a key the model lacks.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run
from isek_cli.plan.model import FILE_MODELS
from isek_cli.plan.schema import descriptions


def properties(node, where: str = ""):
    """Every (path, property schema) in a schema, inline objects and $defs included."""
    if isinstance(node, list):
        for i, x in enumerate(node):
            yield from properties(x, where)
    elif isinstance(node, dict):
        for key, sub in (node.get("properties") or {}).items():
            yield f"{where}.{key}", sub
            yield from properties(sub, f"{where}.{key}")
        for k, v in node.items():
            if k == "$defs":
                for name, d in v.items():
                    yield from properties(d, name)
            elif k != "properties":
                yield from properties(v, where)


def bilingual(text) -> bool:
    english, sep, german = (text or "").partition(" — ")
    return bool(sep and english.strip() and german.strip() and english != german)


@pytest.mark.parametrize("kind", list(FILE_MODELS))
def test_every_property_of_every_kind_has_an_english_and_german_description(kind):
    r = run("schema", "--kind", kind)
    assert r.exit_code == 0, r
    schema = json.loads(r.stdout)
    found = list(properties(schema, FILE_MODELS[kind].__name__))
    assert found, kind
    missing = [path for path, sub in found if not bilingual(sub.get("description"))]
    assert not missing, f"{kind}: no 'English — Deutsch' description for {missing}"
    # every object (the file itself and each list item) says what it is too
    for name, d in [(FILE_MODELS[kind].__name__, schema), *schema.get("$defs", {}).items()]:
        assert bilingual(d.get("description")), name


def test_the_bundle_of_all_kinds_is_described_too():
    schema = json.loads(run("schema").stdout)
    found = list(properties(schema))
    assert len(found) > 100
    assert [p for p, sub in found if not bilingual(sub.get("description"))] == []


def test_no_description_names_a_key_the_model_lacks():
    schema = json.loads(run("schema").stdout)
    defs = schema["$defs"]
    texts = descriptions()
    assert set(texts["models"]) == set(defs), "descriptions.yaml 'models' must match the models"
    known = {p for p, _ in properties(schema)}
    stale = [f"{m}.{k}" for m, keys in texts["properties"].items() for k in keys if f"{m}.{k}" not in known]
    assert stale == []


def test_written_schema_files_carry_the_descriptions(tmp_path: Path):
    assert run("schema", "-o", tmp_path).exit_code == 0
    field = json.loads((tmp_path / "field.schema.json").read_text(encoding="utf-8"))
    parent = field["$defs"]["Measure"]["properties"]["parent"]["description"]
    assert parent.startswith("Optional: id of the measure this one is a part of") and "Bauabschnitt" in parent
    areas = json.loads((tmp_path / "areas.schema.json").read_text(encoding="utf-8"))
    assert "Fördergebiet" in areas["$defs"]["Area"]["properties"]["kind"]["description"]
