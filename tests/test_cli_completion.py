"""Shell completion of the plan's ids: measures, fields, actors, indicators, grants, any id."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from types import SimpleNamespace

import pytest

from isek_cli.cli import complete


def fake_ctx(plan) -> SimpleNamespace:
    """What a completion function reads of click's context: the parameters, up to the root."""
    root = SimpleNamespace(params={"plan": str(plan)}, parent=None)
    return SimpleNamespace(params={}, parent=root)


@pytest.mark.parametrize("function, incomplete, expected", [
    (complete.measure_ids, "HF2", ["HF2.M01", "HF2.M02", "HF2.M03"]),
    (complete.measure_ids, "hf1.m0", ["HF1.M01", "HF1.M02", "HF1.M03", "HF1.M04"]),
    (complete.field_ids, "", ["HF1", "HF2"]),
    (complete.actor_ids, "AMT", ["AMT-PLANUNG", "AMT-WIRTSCHAFT"]),
    (complete.indicator_ids, "K-", ["K-ALT", "K-BEV", "K-LEER"]),
    (complete.any_ids, "HF1.Z", ["HF1.Z1", "HF1.Z2"]),
])
def test_completion_functions_offer_the_plans_ids(mini, function, incomplete, expected):
    assert function(fake_ctx(mini), incomplete) == expected


def test_completion_of_a_broken_or_missing_plan_offers_nothing(tmp_path):
    assert complete.measure_ids(fake_ctx(tmp_path / "nowhere"), "") == []


def _bash_complete(words: str, cword: int, cwd) -> list[str]:
    env = dict(os.environ, _ISEK_COMPLETE="complete_bash", COMP_WORDS=words, COMP_CWORD=str(cword))
    env.pop("ISEK_PLAN", None)
    p = subprocess.run([sys.executable, "-m", "isek_cli"], env=env, cwd=cwd, capture_output=True, text=True,
                       timeout=60, check=False)
    assert p.returncode == 0, p.stderr
    return p.stdout.split()


def test_bash_completes_ids_through_the_command_line(mini):
    assert _bash_complete("isek progress add HF2", 3, mini) == ["HF2.M01", "HF2.M02", "HF2.M03"]
    assert _bash_complete("isek measures --lead WO", 3, mini / "fields") == ["WOBAU"]  # plan found upwards
    assert _bash_complete(f"isek indicator set --plan {mini} K-B", 5, mini.parent.parent) == ["K-BEV"]


def test_show_completion_prints_a_script():
    p = subprocess.run([sys.executable, "-m", "isek_cli", "--show-completion", "bash"], capture_output=True, text=True,
                       timeout=60, env=dict(os.environ, SHELL="/bin/bash"), check=False)
    assert p.returncode == 0, p.stderr
    assert "_ISEK_COMPLETE=complete_bash" in p.stdout


def _complete(shell: str, line: str, cwd) -> str:
    """What typer's completion script for ``shell`` gets back for the command line typed so far."""
    words = line.split()
    env = dict(os.environ, _ISEK_COMPLETE=f"complete_{shell}", COMP_WORDS=line, COMP_CWORD=str(len(words) - 1),
               _TYPER_COMPLETE_ARGS=line, _TYPER_COMPLETE_FISH_ACTION="get-args")
    env.pop("ISEK_PLAN", None)
    p = subprocess.run([sys.executable, "-m", "isek_cli"], env=env, cwd=cwd, capture_output=True, text=True,
                       timeout=60, check=False)
    assert p.returncode == 0, p.stderr
    return p.stdout


def test_ids_complete_whatever_the_case_typed(mini):
    """Typer keeps only candidates that start with the text as typed; ids are matched without case."""
    assert _complete("bash", "isek show hf2.m0", mini).split() == ["HF2.M01", "HF2.M02", "HF2.M03"]
    assert _complete("bash", "isek progress add hf1.m04", mini).split() == ["HF1.M04"]
    assert _complete("bash", "isek measures --field hf", mini).split() == ["HF1", "HF2"]
    assert _complete("bash", "isek measures --lead wob", mini).split() == ["WOBAU"]
    assert _complete("bash", "isek indicator set k-l", mini).split() == ["K-LEER"]
    assert _complete("fish", "isek show amt-p", mini).split() == ["AMT-PLANUNG"]
    assert '"K-BEV"' in _complete("zsh", "isek indicator set k-b", mini)
    assert _complete("bash", "isek show hf9", mini).split() == []  # still only ids that start so


def test_the_offered_ids_are_plain_text_as_in_the_plan(mini):
    (offered,) = complete.measure_ids(fake_ctx(mini), "hf1.m01")
    assert offered == "HF1.M01" and str(offered) == "HF1.M01" and type(str(offered)) is str
    assert offered.startswith("hf1") and not offered.startswith("hf1", 1)  # other uses of startswith as str's


@pytest.mark.skipif(not shutil.which("bash") or sys.platform == "win32", reason="needs bash and a pty")
def test_real_bash_replaces_the_typed_case_with_the_ids(mini, tmp_path):
    """Through bash's own completion (readline): 'hf2.m0<TAB>' becomes the ids' common start 'HF2.M0'."""
    import pty
    import select
    import time

    script = subprocess.run([sys.executable, "-m", "isek_cli", "--show-completion", "bash"], capture_output=True,
                            text=True, timeout=60, env=dict(os.environ, SHELL="/bin/bash"), check=True).stdout
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "isek").write_text(f"#!/bin/sh\nexec {sys.executable} -m isek_cli \"$@\"\n")
    (bindir / "isek").chmod(0o755)
    (tmp_path / "completion.bash").write_text(script + "\n")
    pid, fd = pty.fork()
    if pid == 0:  # the child: an interactive bash without the user's settings
        env = {k: v for k, v in os.environ.items() if k != "ISEK_PLAN"}
        env.update(PATH=f"{bindir}:{os.environ['PATH']}", PS1="$ ", INPUTRC="/dev/null", TERM="dumb")
        os.chdir(mini)
        os.execvpe("bash", ["bash", "--norc", "--noprofile", "-i"], env)
    out = b""

    def until(marker: bytes, seconds: float = 60) -> None:
        nonlocal out
        end = time.monotonic() + seconds
        while marker not in out and time.monotonic() < end:
            if select.select([fd], [], [], 0.2)[0]:
                try:
                    out += os.read(fd, 65536)
                except OSError:
                    break

    try:
        os.write(fd, f"source {tmp_path / 'completion.bash'}; echo READY\n".encode())
        until(b"READY\r\n")
        os.write(fd, b"isek show hf2.m0\t")
        until(b"HF2.M0")
        os.write(fd, b"\x01printf '[%s]' \n")  # to the line's start: print the words as completed
        until(b"]$ ", 30)  # printf's words, then the next prompt
    finally:
        os.write(fd, b"exit\n")
        os.waitpid(pid, 0)
        os.close(fd)
    assert b"[isek][show][HF2.M0]" in out, out
