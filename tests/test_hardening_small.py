"""The smaller holes of issue 16: mixed line endings in a progress file, the non-specific tag
``!``, ``fields`` or ``progress`` that is not a folder, and `isek textconv` on files that are not
regular or too large."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import run
from helpers_writes import hashes, private_cache  # noqa: F401  (fixture)

ADD = ("progress", "add", "HF1.M01", "--status", "in_planung", "--date", "2025-02-01")


def check(plan) -> tuple[int, list[dict]]:
    r = run("check", "--no-cache", "--format", "json", plan=plan)
    return r.exit_code, json.loads(r.stdout)["diagnostics"]


# --- mixed line endings ------------------------------------------------------------

@pytest.mark.parametrize("breaks", [
    ("\r\n", "\n", "\r"),  # CRLF, LF and a lone CR (old Mac) in one file
    ("\n", "\n", "\u2028"),  # a Unicode line separator, which YAML reads as a line break
    ("\n", "\n", "\x85"),  # NEL, the same
])
def test_mixed_line_endings_get_a_clear_refusal(mini, breaks):
    a, b, c = breaks
    path = mini / "progress/2025.yaml"
    path.write_bytes(f"year: 2025{a}updates:{b}  - {{measure: HF1.M02, date: 2025-01-03, status: in_umsetzung}}{c}"
                     f"values: []\n".encode("utf-8"))
    assert check(mini)[0] == 0  # YAML reads it fine
    before = hashes(mini)
    r = run(*ADD, plan=mini)
    assert r.exit_code == 1, r
    assert "line ending" in r.stderr and "progress/2025.yaml" in r.stderr, r.stderr
    assert "syntax error" not in r.stderr
    assert hashes(mini) == before


def test_crlf_and_lf_mixed_still_get_a_correct_insert(mini):
    path = mini / "progress/2025.yaml"
    path.write_bytes(b"year: 2025\r\nupdates:\n  - {measure: HF1.M02, date: 2025-01-03, status: in_umsetzung}\r\n"
                     b"values: []\n")
    r = run(*ADD, plan=mini)
    assert r.exit_code == 0, r
    assert check(mini)[0] == 0
    assert path.read_bytes().startswith(b"year: 2025\r\nupdates:\n  - {measure: HF1.M02, date: 2025-01-03, "
                                        b"status: in_umsetzung}\r\n")


# --- the non-specific tag ------------------------------------------------------------

@pytest.mark.parametrize("value", ["! 2024", "!  2024"])
def test_non_specific_tag_makes_a_string(mini, value):
    path = mini / "progress/2024.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("year: 2024", f"year: {value}"), encoding="utf-8")
    code, diags = check(mini)
    assert code == 1
    errors = [d for d in diags if d["severity"] == "error"]
    assert len(errors) == 1 and (errors[0]["file"], errors[0]["line"]) == ("progress/2024.yaml", 2), errors
    assert "'!'" in errors[0]["message"] + errors[0]["hint"], errors


def test_non_specific_tag_on_text_is_just_text(mini):
    path = mini / "fields/01-wohnen.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("title: Wohnen und Quartiere",
                                                             "title: ! Wohnen und Quartiere"), encoding="utf-8")
    assert check(mini)[0] == 0


# --- fields/ or progress/ that is not a folder -----------------------------------------

@pytest.mark.parametrize("sub", ["fields", "progress"])
def test_a_sub_folder_that_is_a_file_has_its_own_diagnostic(mini, sub):
    for p in (mini / sub).iterdir():
        p.unlink()
    (mini / sub).rmdir()
    (mini / sub).write_text("oops\n", encoding="utf-8")
    code, diags = check(mini)
    assert code == 1
    found = [d for d in diags if d["file"] == sub]
    assert [d["code"] for d in found] == ["E117"], diags
    assert "folder" in found[0]["message"]


def test_a_sub_folder_that_is_a_file_in_a_git_revision(mini):
    env = dict(os.environ, GIT_AUTHOR_NAME="a", GIT_AUTHOR_EMAIL="a@x", GIT_COMMITTER_NAME="a",
               GIT_COMMITTER_EMAIL="a@x")
    for p in (mini / "fields").iterdir():
        p.unlink()
    (mini / "fields").rmdir()
    (mini / "fields").write_text("oops\n", encoding="utf-8")
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "x"]):
        subprocess.run(["git", *args], cwd=mini, env=env, check=True, capture_output=True)
    r = run("check", "--format", "json", plan=mini)
    assert "E117" in r.stdout
    r = run("status", "--rev", "HEAD", plan=mini)
    assert r.exit_code == 1 and "E117" in r.stderr, r


# --- textconv ---------------------------------------------------------------------------

def test_textconv_refuses_a_fifo(tmp_path):
    fifo = tmp_path / "x.yaml"
    os.mkfifo(fifo)
    r = subprocess.run([sys.executable, "-m", "isek_cli", "textconv", str(fifo)], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 1 and "regular file" in r.stderr, r.stderr


def test_textconv_refuses_a_device(tmp_path):
    r = subprocess.run([sys.executable, "-m", "isek_cli", "textconv", "/dev/zero"], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 1 and "regular file" in r.stderr, r.stderr


def test_textconv_reads_at_most_the_size_limit(tmp_path):
    big = tmp_path / "big.yaml"
    with open(big, "wb") as fh:
        fh.write(b"a: 1\n")
        fh.truncate(2000)
    env = dict(os.environ, ISEK_MAX_FILE_BYTES="1000")
    r = subprocess.run([sys.executable, "-m", "isek_cli", "textconv", str(big)], capture_output=True, text=True,
                       timeout=60, env=env)
    assert r.returncode == 0, r.stderr  # git needs text: a note, not the file
    assert "larger than" in r.stdout and len(r.stdout) < 300


# --- a git revision is an input too: bounded before it is read ----------------------------

def _commit_all(root) -> None:
    env = dict(os.environ, GIT_AUTHOR_NAME="a", GIT_AUTHOR_EMAIL="a@x", GIT_COMMITTER_NAME="a",
               GIT_COMMITTER_EMAIL="a@x")
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "x"]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


def test_an_oversized_file_in_a_revision_is_not_read(mini, monkeypatch):
    import isek_cli.git.revision as revision
    import isek_cli.plan.source as source
    from isek_cli.api import open_plan

    (mini / "fields/09-big.yaml").write_bytes(b"id: X\n" + b"# " + b"x" * 200_000 + b"\n")
    _commit_all(mini)
    monkeypatch.setattr(source, "MAX_FILE_BYTES", 100_000)
    fetched = []
    real = revision._git

    def spy(args, cwd, input=None):
        out = real(args, cwd, input)
        if args[:1] == ["cat-file"]:
            fetched.append(len(out))
        return out

    monkeypatch.setattr(revision, "_git", spy)
    plan = open_plan(mini, rev="HEAD", strict=False)
    assert ("fields/09-big.yaml", "E107") in {(d.file, d.code) for d in plan.diagnostics}
    assert fetched and max(fetched) < 100_000  # the big blob never left git


def test_a_revision_with_too_much_in_the_plan_folder_is_refused(mini, monkeypatch):
    import isek_cli.plan.loader as loader
    from isek_cli.api import open_plan
    from isek_cli.errors import IsekError

    for i in range(40):
        (mini / f"fields/zz{i:02d}.txt").write_text(str(i), encoding="utf-8")
    _commit_all(mini)
    monkeypatch.setattr(loader, "MAX_FILES", 10)
    with pytest.raises(IsekError, match="more than"):
        open_plan(mini, rev="HEAD", strict=False)
