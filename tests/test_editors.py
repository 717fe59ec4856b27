"""Editors: every file isek writes names its JSON Schema (yaml-language-server modeline), `init --vscode`
writes VS Code's settings without losing the user's, and `check` notices a .schema/ older than isek."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from conftest import run

from isek_cli.plan.schema import GLOBS

MODELINE = "# yaml-language-server: $schema="


def plan_yaml(plan: Path) -> list[tuple[str, Path]]:
    return sorted((kind, p) for kind, glob in GLOBS.items() for p in plan.glob(glob))


def assert_every_file_names_its_schema(plan: Path) -> int:
    """Each plan file's first line points at its kind's schema, and the file validates against it."""
    files = plan_yaml(plan)
    assert files
    for kind, path in files:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith(MODELINE), path
        schema_path = (path.parent / first[len(MODELINE):]).resolve()
        assert schema_path.is_file(), (path, schema_path)
        schema = json.loads(schema_path.read_text(encoding="utf-8"))
        assert schema["$id"] == f"urn:isek:schema:{kind}", path
        # as an editor sees it: dates are text in JSON
        data = json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str))
        jsonschema.validate(data, schema)
    return len(files)


def test_init_and_init_example_write_modelines_and_the_schemas(tmp_path: Path):
    assert run("init", tmp_path / "neu").exit_code == 0
    assert assert_every_file_names_its_schema(tmp_path / "neu") >= 6
    r = run("init", tmp_path / "bsp", "--example")
    assert r.exit_code == 0, r
    assert assert_every_file_names_its_schema(tmp_path / "bsp") > 15
    # the example stays a valid plan, area outlines included, and no stale-schema warning
    check = run("check", "--format", "json", plan=tmp_path / "bsp")
    assert check.exit_code == 0 and json.loads(check.stdout)["diagnostics"] == [], check
    # --no-editor: neither modelines nor schemas
    assert run("init", tmp_path / "plain", "--example", "--no-editor").exit_code == 0
    assert not (tmp_path / "plain/.schema").exists()
    assert not (tmp_path / "plain/isek.yaml").read_text(encoding="utf-8").startswith(MODELINE)


def test_a_new_progress_year_file_names_its_schema_when_the_plan_has_schemas(tmp_path: Path):
    plan = tmp_path / "neu"
    assert run("init", plan, "--start", "2025", "--end", "2030").exit_code == 0
    r = run("progress", "add", "HF1.M01", "--status", "in_umsetzung", "--date", "2027-03-01", plan=plan)
    assert r.exit_code == 0, r
    text = (plan / "progress/2027.yaml").read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../.schema/progress.schema.json\nyear: 2027\n")
    assert_every_file_names_its_schema(plan)
    # a plan without .schema/ gets no line pointing at a missing file
    bare = tmp_path / "bare"
    assert run("init", bare, "--no-editor", "--start", "2025", "--end", "2030").exit_code == 0
    assert run("progress", "add", "HF1.M01", "--status", "in_umsetzung", "--date", "2027-03-01", plan=bare).exit_code == 0
    assert (bare / "progress/2027.yaml").read_text(encoding="utf-8").startswith("year: 2027\n")


def test_init_vscode_writes_settings_with_schemas_and_yaml_1_1(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = run("init", "plan", "--vscode")
    assert r.exit_code == 0, r
    settings = json.loads((tmp_path / ".vscode/settings.json").read_text(encoding="utf-8"))
    assert settings["yaml.yamlVersion"] == "1.1"
    assert settings["yaml.schemas"]["./plan/.schema/field.schema.json"] == ["plan/fields/*.yaml"]
    assert settings["yaml.schemas"]["./plan/.schema/progress.schema.json"] == ["plan/progress/*.yaml"]
    for schema, globs in settings["yaml.schemas"].items():
        assert (tmp_path / schema).is_file(), schema
        assert any(tmp_path.glob(globs[0])) or globs == ["plan/funding.yaml"], globs  # init writes no funding


def test_init_vscode_merges_into_the_users_settings(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".vscode").mkdir()
    mine = {"editor.tabSize": 2, "yaml.schemas": {"https://example.org/ci.json": ".github/*.yml"},
            "files.exclude": {"**/.git": True}}
    (tmp_path / ".vscode/settings.json").write_text(json.dumps(mine), encoding="utf-8")
    assert run("init", "plan", "--vscode").exit_code == 0
    settings = json.loads((tmp_path / ".vscode/settings.json").read_text(encoding="utf-8"))
    assert settings["editor.tabSize"] == 2 and settings["files.exclude"] == {"**/.git": True}
    assert settings["yaml.schemas"]["https://example.org/ci.json"] == ".github/*.yml"
    assert "./plan/.schema/isek.schema.json" not in settings["yaml.schemas"]
    assert settings["yaml.schemas"]["./plan/.schema/plan.schema.json"] == ["plan/isek.yaml"]
    assert list(settings)[:3] == ["editor.tabSize", "yaml.schemas", "files.exclude"]  # the user's order kept


def test_init_vscode_leaves_settings_with_comments_alone(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".vscode").mkdir()
    jsonc = '{\n    // mine\n    "editor.tabSize": 2,\n}\n'
    (tmp_path / ".vscode/settings.json").write_text(jsonc, encoding="utf-8")
    r = run("init", "plan", "--vscode")
    assert r.exit_code == 1
    assert "settings.json:2:" in r.stderr and '"yaml.yamlVersion": "1.1"' in r.stderr and "Traceback" not in r.stderr
    assert (tmp_path / ".vscode/settings.json").read_text(encoding="utf-8") == jsonc


@pytest.mark.parametrize("stamp, warned", [("0.0.9", True), ("99.0", False), (None, True)])
def test_check_warns_when_the_schema_folder_is_older_than_isek(tmp_path: Path, stamp, warned):
    plan = tmp_path / "neu"
    assert run("init", plan).exit_code == 0
    path = plan / ".schema/progress.schema.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["title"] = "an older wording"
    if stamp is None:
        del data["$comment"]
    else:
        data["$comment"] = f"written by isek {stamp}; refresh with: isek schema -o .schema"
    path.write_text(json.dumps(data), encoding="utf-8")
    r = run("check", "--format", "json", plan=plan)
    found = [d for d in json.loads(r.stdout)["diagnostics"] if d["code"] == "W420"]
    assert r.exit_code == 0
    assert bool(found) is warned, found
    if warned:
        assert found[0]["file"] == ".schema/progress.schema.json" and found[0]["severity"] == "warning"
        assert ("isek 0.0.9" if stamp else "an older isek") in found[0]["message"]
        # the hint's command fixes it
        assert run("schema", "-o", plan / ".schema").exit_code == 0
        again = json.loads(run("check", "--format", "json", plan=plan).stdout)
        assert [d for d in again["diagnostics"] if d["code"] == "W420"] == []
