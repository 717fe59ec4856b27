"""Git-native review: semantic diff, --rev, textconv, history, and the schema in editors."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import FIXTURES, SHIPPED_PLAN, run

GIT = shutil.which("git")
pytestmark = pytest.mark.skipif(GIT is None, reason="git is not installed")


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path: Path, monkeypatch) -> Path:
    """A scratch repository whose first commit holds the shipped plan under plan/."""
    for k, v in {"GIT_AUTHOR_NAME": "Planerin", "GIT_AUTHOR_EMAIL": "p@example.org",
                 "GIT_COMMITTER_NAME": "Planerin", "GIT_COMMITTER_EMAIL": "p@example.org",
                 "GIT_AUTHOR_DATE": "2025-03-01T10:00:00+01:00", "GIT_COMMITTER_DATE": "2025-03-01T10:00:00+01:00"}.items():
        monkeypatch.setenv(k, v)
    r = tmp_path / "repo"
    r.mkdir()
    git(r, "init", "-q", "-b", "main")
    shutil.copytree(SHIPPED_PLAN, r / "plan")
    git(r, "add", "-A")
    git(r, "commit", "-qm", "ISEK as adopted")
    return r


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= 1, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def measure_block(text: str, mid: str) -> str:
    """The lines of one measure in a field file (from '  - id: X' to the next item)."""
    m = re.search(rf"(?ms)^  - id: {re.escape(mid)}\n.*?(?=^  - id: |\Z)", text)
    assert m, mid
    return m.group(0)


@pytest.fixture
def second_commit(repo: Path) -> Path:
    """One of each kind of change, committed as HEAD on top of the shipped plan."""
    f2 = repo / "plan/fields/02-innenstadt.yaml"
    block = measure_block(f2.read_text(encoding="utf-8"), "HF2.M05")
    # field change: priority and funding of HF2.M05
    new_block = re.sub(r"priority: \d", "priority: 1", block)
    new_block = re.sub(r"\n    funding: .*", "", new_block)
    edit(f2, block, new_block)
    # rename: HF2.M13 keeps its content under a new id
    edit(f2, "  - id: HF2.M13\n", "  - id: HF2.M14\n")
    # remove HF3.M12 (its progress entries go too, or the plan would not resolve)
    f3 = repo / "plan/fields/03-wirtschaft.yaml"
    edit(f3, measure_block(f3.read_text(encoding="utf-8"), "HF3.M12"), "")
    for p in (repo / "plan/progress").glob("*.yaml"):
        text = p.read_text(encoding="utf-8")
        text = re.sub(r"(?m)^  - measure: HF3\.M12\n(    .*\n)+", "", text)
        text = re.sub(r"(?m)^  - \{measure: HF3\.M12.*\n", "", text)
        text = text.replace("measure: HF2.M13\n", "measure: HF2.M14\n").replace("measure: HF2.M13,", "measure: HF2.M14,")
        p.write_text(text, encoding="utf-8")
    edit(repo / "plan/funding.yaml", "HF2.M13]", "HF2.M14]")  # a grant names the renamed measure
    # add a measure at the end of HF1
    f1 = repo / "plan/fields/01-wohnen.yaml"
    f1.write_text(f1.read_text(encoding="utf-8") + (
        "  - id: HF1.M99\n    title: Neue Maßnahme aus dem Fachausschuss\n    goals: [HF1.Z1]\n"
        "    priority: 3\n    lead: FD-STADTPLANUNG\n    start: 2024\n    end: 2025\n"), encoding="utf-8")
    # status change through a new progress entry
    r = run("progress", "add", "HF1.M04", "--status", "abgeschlossen", "--percent", "100", "--date", "2024-11-30",
            plan=repo / "plan")
    assert r.exit_code == 0, r
    assert run("check", plan=repo / "plan").exit_code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "Fachausschuss: Prioritäten und Sachstand")
    return repo


def test_diff_shows_exactly_the_semantic_changes(second_commit: Path):
    r = run("diff", "HEAD~1", "HEAD", "--format", "json", plan=second_commit / "plan")
    assert r.exit_code == 0, r
    d = json.loads(r.stdout)
    assert d["from"]["valid"] and d["to"]["valid"]
    by = {(c["kind"], c["id"]): c for c in d["changes"]}
    m04 = by[("measure", "HF2.M05")]
    assert m04["change"] == "changed"
    fields = {f["field"]: (f["old"], f["new"]) for f in m04["fields"]}
    assert fields["priority"][1] == 1 and fields["priority"][0] != 1
    assert fields["funding"][0] and fields["funding"][1] is None
    assert by[("measure", "HF2.M14")]["change"] == "renamed"
    assert by[("measure", "HF2.M14")]["old_id"] == "HF2.M13"
    assert by[("measure", "HF3.M12")]["change"] == "removed"
    assert by[("measure", "HF1.M99")]["change"] == "added"
    assert len([c for c in d["changes"] if c["kind"] == "measure"]) == 4
    status = {p["measure"]: p for p in d["progress"]}
    assert status["HF1.M04"]["status"]["new"] == "abgeschlossen"
    assert status["HF1.M04"]["entries_added"] == 1
    assert d["summary"]["status_changes"] >= 1
    assert d["differs"] is True


def test_diff_text_and_markdown(second_commit: Path):
    text = run("diff", "HEAD~1", "HEAD", plan=second_commit / "plan").stdout
    assert "~ HF2.M05" in text and "priority:" in text and "→ 1" in text
    assert "→ HF2.M13 → HF2.M14" in text
    assert "- HF3.M12" in text and "+ HF1.M99" in text
    assert re.search(r"HF1\.M04 .*→ abgeschlossen", text)
    md = run("diff", "HEAD~1", "HEAD", "--format", "markdown", plan=second_commit / "plan").stdout
    assert md.startswith("### isek diff:")
    assert "- **changed** `HF2.M05`" in md and "- **renamed** `HF2.M13` → `HF2.M14`" in md
    assert "| `HF1.M04`" in md and "**abgeschlossen**" in md


def test_diff_exit_code_and_working_tree(second_commit: Path):
    plan = second_commit / "plan"
    assert run("diff", "HEAD", "--exit-code", plan=plan).exit_code == 0  # clean working tree
    assert run("diff", "HEAD~1", "HEAD", "--exit-code", plan=plan).exit_code == 1
    edit(plan / "isek.yaml", "owner: ", "owner: Neu: ")
    edit(plan / "isek.yaml", "owner: Neu: ", "owner: Neuer ")
    r = run("diff", "HEAD", "--format", "json", plan=plan)
    d = json.loads(r.stdout)
    assert d["to"]["rev"] == "working tree"
    assert [c["fields"][0]["field"] for c in d["changes"]] == ["owner"]


def test_diff_against_an_invalid_revision_says_which_side(second_commit: Path):
    plan = second_commit / "plan"
    edit(plan / "fields/01-wohnen.yaml", "  - id: HF1.M99\n    title: Neue", "  - id: HF1.M99\n    titel: Neue")
    r = run("diff", "HEAD", "--format", "json", plan=plan)
    assert r.exit_code == 0
    d = json.loads(r.stdout)
    assert d["from"]["valid"] is True and d["to"]["valid"] is False and d["to"]["errors"] >= 1
    text = run("diff", "HEAD", plan=plan).stdout
    assert "INVALID" in text.splitlines()[1]


def test_diff_rev_path_form_for_a_moved_plan(second_commit: Path):
    git(second_commit, "mv", "plan", "isek-plan")
    git(second_commit, "commit", "-qm", "move")
    r = run("diff", "HEAD~2:plan", "HEAD", "--format", "json", plan=second_commit / "isek-plan")
    assert r.exit_code == 0, r
    assert json.loads(r.stdout)["differs"]


def test_git_errors_are_clear(tmp_path: Path, mini: Path):
    r = run("diff", "HEAD", plan=mini)
    assert r.exit_code == 1 and "not inside a git repository" in r.stderr
    r = run("check", "--rev", "HEAD", plan=mini)
    assert r.exit_code == 1 and "git repository" in r.stderr


def test_unknown_revision(repo: Path):
    r = run("report", "2024", "--rev", "nope-123", plan=repo / "plan")
    assert r.exit_code == 1 and "unknown revision" in r.stderr


def test_report_at_a_revision_is_byte_identical_to_a_checkout(second_commit: Path, tmp_path: Path):
    plan = second_commit / "plan"
    git(second_commit, "tag", "rat-2024-12", "HEAD~1")
    (plan / "isek.yaml").write_text((plan / "isek.yaml").read_text(encoding="utf-8").replace(
        "owner: ", "owner: Geändert "), encoding="utf-8")  # a dirty working tree must not leak in
    by_rev = tmp_path / "rev.html"
    assert run("report", "2024", "--rev", "rat-2024-12", "-f", "html", "-o", by_rev, plan=plan).exit_code == 0
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(second_commit), str(clone))
    git(clone, "checkout", "-q", "rat-2024-12")
    by_checkout = tmp_path / "co.html"
    assert run("report", "2024", "-f", "html", "-o", by_checkout, plan=clone / "plan").exit_code == 0
    assert by_rev.read_bytes() == by_checkout.read_bytes()
    assert "Geändert" not in by_rev.read_text(encoding="utf-8")
    for cmd in (("check",), ("status", "--format", "json")):
        assert run(*cmd, "--rev", "rat-2024-12", plan=plan).exit_code == 0


def test_textconv_is_canonical_and_drives_git_diff(second_commit: Path):
    plan = second_commit / "plan"
    out = run("textconv", plan / "fields/02-innenstadt.yaml").stdout
    assert "measures[HF2.M05].priority: 1" in out
    progress = run("textconv", plan / "progress/2024.yaml").stdout
    assert re.search(r"^update HF1\.M04 2024-11-30: abgeschlossen · 100 %$", progress, re.M)
    # reordering entities changes nothing in the canonical view
    f = plan / "fields/01-wohnen.yaml"
    before = run("textconv", f).stdout
    text = f.read_text(encoding="utf-8")
    m01, m02 = measure_block(text, "HF1.M01"), measure_block(text, "HF1.M02")
    f.write_text(text.replace(m01 + m02, m02 + m01), encoding="utf-8")
    assert run("textconv", f).stdout == before
    # broken YAML is shown as written, never an error for git
    bad = plan / "broken.yaml"
    bad.write_text("a: [unclosed\n", encoding="utf-8")
    r = run("textconv", bad)
    assert r.exit_code == 0 and r.stdout.startswith("# isek textconv: not readable") and "a: [unclosed" in r.stdout
    # git uses it through .gitattributes + diff.isek.textconv
    isek = shutil.which("isek") or str(Path(sys.executable).parent / "isek")
    (second_commit / ".gitattributes").write_text("*.yaml diff=isek\n", encoding="utf-8")
    git(second_commit, "config", "diff.isek.textconv", f"{isek} textconv")
    out = git(second_commit, "diff", "HEAD~1", "HEAD", "--", "plan/fields/02-innenstadt.yaml")
    assert re.search(r"^-measures\[HF2\.M05\]\.priority: \d$", out, re.M)
    assert re.search(r"^\+measures\[HF2\.M05\]\.priority: 1$", out, re.M)


def test_history_lists_the_commits_that_changed_an_entity(second_commit: Path):
    plan = second_commit / "plan"
    r = run("history", "HF2.M05", "--format", "json", plan=plan)
    assert r.exit_code == 0, r
    commits = json.loads(r.stdout)["commits"]
    assert [c["subject"] for c in commits] == ["Fachausschuss: Prioritäten und Sachstand", "ISEK as adopted"]
    assert commits[0]["author"] == "Planerin" and commits[0]["date"].startswith("2025-03-01")
    assert commits[0]["changes"][0]["change"] == "changed"
    assert commits[1]["changes"][0]["change"] == "added"
    text = run("history", "HF1.M04", plan=plan).stdout
    assert "Fachausschuss" in text and "→ abgeschlossen" in text
    assert "no commit changed" in run("history", "NOPE", plan=plan).stdout


def _load_like_an_editor(path: Path):
    """YAML as yaml-language-server sees it: unquoted dates stay strings (YAML 1.2)."""
    class Loader(yaml.SafeLoader):
        pass
    Loader.yaml_implicit_resolvers = {k: [r for r in v if r[0] != "tag:yaml.org,2002:timestamp"]
                                      for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
    return yaml.load(path.read_text(encoding="utf-8"), Loader=Loader)


def _plan_files(root: Path) -> list[tuple[Path, str]]:
    """Every plan file of a folder with its kind (the kinds of `isek schema`)."""
    kinds = {"isek.yaml": "plan", "actors.yaml": "actors", "indicators.yaml": "indicators", "areas.yaml": "areas",
             "funding.yaml": "funding"}
    return [(p, kinds.get(p.name) or ("field" if p.parent.name == "fields" else "progress"))
            for p in sorted(root.rglob("*.yaml"))]


@pytest.mark.parametrize("root", [SHIPPED_PLAN, FIXTURES / "v2"], ids=["shipped", "v2"])
def test_schema_validates_the_shipped_plan_with_a_standard_validator(tmp_path: Path, root: Path):
    jsonschema = pytest.importorskip("jsonschema")
    out = tmp_path / "schema"
    assert run("schema", "-o", out).exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"{k}.schema.json" for k in ("plan", "actors", "areas", "funding", "field", "indicators", "progress"))
    files = _plan_files(root)
    assert len(files) >= (20 if root == SHIPPED_PLAN else 8)
    if root != SHIPPED_PLAN:  # the v2 fixture has every file kind, areas.yaml included
        assert {k for _, k in files} == {"plan", "actors", "areas", "field", "indicators", "progress"}
    for path, kind in files:
        schema = json.loads((out / f"{kind}.schema.json").read_text(encoding="utf-8"))
        validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
        errors = list(validator.iter_errors(_load_like_an_editor(path)))
        assert not errors, (path, [e.message for e in errors[:3]])
    # a broken field file fails it: unknown key, wrong type, bad id
    schema = json.loads((out / "field.schema.json").read_text(encoding="utf-8"))
    broken = _load_like_an_editor(SHIPPED_PLAN / "fields/01-wohnen.yaml")
    broken["measures"][0]["prority"] = 1
    broken["measures"][1]["priority"] = "hoch"
    broken["measures"][2]["id"] = "1-bad id"
    messages = [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(broken)]
    assert any("prority" in m for m in messages)
    assert any("'hoch'" in m for m in messages)
    assert any("1-bad id" in m for m in messages)


def test_schema_refuses_broken_v2_keys_like_an_editor_would():
    jsonschema = pytest.importorskip("jsonschema")
    field = json.loads(run("schema", "--kind", "field").stdout)
    broken = _load_like_an_editor(FIXTURES / "v2/fields/01-innenstadt.yaml")
    m = broken["measures"][0]
    m["sdgs"] = ["18"]
    m["cost_eur"] = {"min": 3000000}
    m["lead"] = []
    m["links"] = [{"title": "Vorlage", "url": "ftp://ratsinfo.example/x"}]
    m["start"] = "2021-13"
    m["areas"] = "ALTSTADT"
    errors = list(jsonschema.Draft202012Validator(field).iter_errors(broken))
    where = {tuple(e.absolute_path)[2:3] for e in errors}
    assert where == {("sdgs",), ("cost_eur",), ("lead",), ("links",), ("start",), ("areas",)}, [e.message for e in errors]
    areas = json.loads(run("schema", "--kind", "areas").stdout)
    bad = _load_like_an_editor(FIXTURES / "v2/areas.yaml")
    bad["areas"][0]["kind"] = "bezirk"
    bad["areas"][1]["parnt"] = "KERNSTADT"
    messages = [e.message for e in jsonschema.Draft202012Validator(areas).iter_errors(bad)]
    assert any("'bezirk'" in x for x in messages) and any("parnt" in x for x in messages)
    progress = json.loads(run("schema", "--kind", "progress").stdout)
    year = _load_like_an_editor(FIXTURES / "v2/progress/2022.yaml")
    year["values"][1]["area"] = "not an id"
    assert list(jsonschema.Draft202012Validator(progress).iter_errors(year))


def test_init_writes_editor_modelines(tmp_path: Path):
    d = tmp_path / "neu"
    assert run("init", d).exit_code == 0
    first = (d / "fields/01-wohnen.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../.schema/field.schema.json"
    assert (d / ".schema/field.schema.json").is_file()
    assert run("check", plan=d).exit_code == 0


@pytest.mark.skipif(os.environ.get("ISEK_SKIP_PRECOMMIT") == "1", reason="pre-commit test disabled")
def test_pre_commit_hook_fails_on_a_broken_plan(repo: Path, tmp_path: Path):
    """The real pre-commit tool installs isek's hook from this repository and runs it."""
    pre_commit = shutil.which("pre-commit") or str(Path(sys.executable).parent / "pre-commit")
    if not Path(pre_commit).exists():
        pytest.skip("pre-commit is not installed (pip install pre-commit)")
    project = Path(__file__).resolve().parent.parent
    if not (project / ".git").exists():
        pytest.skip("the isek checkout is not a git repository")
    env = dict(os.environ, PRE_COMMIT_HOME=str(tmp_path / "pc-home"))
    env.pop("ISEK_PLAN", None)

    def try_repo() -> subprocess.CompletedProcess:
        return subprocess.run([pre_commit, "try-repo", str(project), "isek-check", "--all-files"],
                              cwd=repo, env=env, capture_output=True, text=True, timeout=600)

    ok = try_repo()
    assert ok.returncode == 0, ok.stdout + ok.stderr
    edit(repo / "plan/fields/01-wohnen.yaml", "    priority: 1\n", "    priority: 7\n")
    bad = try_repo()
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "fields/01-wohnen.yaml:" in bad.stdout and "E204" in bad.stdout


def test_show_at_a_revision_names_no_working_tree_line(second_commit: Path):
    r = run("show", "HF2.M05", "--rev", "HEAD~1", "--format", "json", plan=second_commit / "plan")
    d = json.loads(r.stdout)
    assert d["file"] == "fields/02-innenstadt.yaml" and d["line"] is None
    assert d["priority"] != 1  # as it was before the committee's change
