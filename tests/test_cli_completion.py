"""Shell completion of the plan's ids: measures, fields, actors, indicators, grants, any id."""

from __future__ import annotations

import os
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
