"""Hardening of writes (issue 16): every write stays inside the plan folder after links are
resolved, and a write that the file system refuses ends in a clean error (exit 1), never an
internal error; a temporary file left by a killed writer is cleaned up by the next write."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from conftest import run
from helpers_writes import hashes, private_cache, snapshot, tmp_leftovers  # noqa: F401  (fixture)
from test_money import add_money


@pytest.fixture
def money(mini: Path) -> Path:
    """The mini plan with funding.yaml and drawdowns (test_money's)."""
    return add_money(mini)


ADD = ("progress", "add", "HF1.M01", "--status", "in_planung", "--date")


def _no_traceback(r) -> None:
    assert "internal error" not in r.stderr and "Traceback" not in r.stderr, r


# --- writes stay inside the plan folder --------------------------------------------

def test_progress_folder_linked_outside_is_refused(mini, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    for p in (mini / "progress").iterdir():
        p.unlink()
    (mini / "progress").rmdir()
    (mini / "progress").symlink_to(outside, target_is_directory=True)
    before = hashes(mini)
    r = run(*ADD, "2024-03-01", plan=mini)
    assert r.exit_code == 1, r
    _no_traceback(r)
    assert "outside the plan folder" in r.stderr
    assert list(outside.iterdir()) == []
    assert hashes(mini) == before


def test_progress_folder_linked_inside_the_plan_is_fine(mini):
    """A link that stays inside the plan folder is not an escape."""
    (mini / "progress").rename(mini / "years")
    (mini / "progress").symlink_to("years", target_is_directory=True)
    r = run(*ADD, "2024-03-01", plan=mini)
    assert r.exit_code == 0, r
    assert "HF1.M01" in (mini / "years/2024.yaml").read_text(encoding="utf-8")


def test_year_file_linked_outside_is_never_written_through(mini, tmp_path):
    """A dangling link named like the new year file must not create a file outside."""
    target = tmp_path / "elsewhere.yaml"
    (mini / "progress/2025.yaml").symlink_to(target)
    r = run(*ADD, "2025-03-01", plan=mini)
    assert r.exit_code == 1, r
    _no_traceback(r)
    assert not target.exists()


def test_lock_file_linked_elsewhere_is_refused(mini, tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("precious\n", encoding="utf-8")
    (mini / ".isek.lock").symlink_to(victim)
    r = run(*ADD, "2024-03-01", plan=mini)
    assert r.exit_code == 1, r
    _no_traceback(r)
    assert ".isek.lock" in r.stderr
    assert victim.read_text(encoding="utf-8") == "precious\n"


def test_lock_file_that_is_a_folder_is_a_clean_error(mini):
    (mini / ".isek.lock").mkdir()
    before = hashes(mini)
    r = run(*ADD, "2024-03-01", plan=mini)
    assert r.exit_code == 1, r
    _no_traceback(r)
    assert ".isek.lock" in r.stderr and "folder" in r.stderr
    assert hashes(mini) == before


# --- the file system says no -------------------------------------------------------

@pytest.mark.parametrize("err", [errno.EROFS, errno.ENOSPC, errno.EACCES])
def test_file_system_refusal_is_a_clean_error(mini, monkeypatch, err):
    import isek_cli.writing.atomic as atomic

    def refuse(*args, **kwargs):
        raise OSError(err, os.strerror(err))

    monkeypatch.setattr(atomic.os, "fsync", refuse)
    before = hashes(mini)
    r = run(*ADD, "2024-03-01", plan=mini)
    monkeypatch.undo()
    assert r.exit_code == 1, r
    _no_traceback(r)
    assert os.strerror(err) in r.stderr and "progress/2024.yaml" in r.stderr
    assert hashes(mini) == before
    assert tmp_leftovers(mini) == []


def test_read_only_folder_for_a_new_year_file(mini, monkeypatch):
    import isek_cli.writing.atomic as atomic

    def refuse(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(atomic.tempfile, "mkstemp", refuse)
    r = run(*ADD, "2025-03-01", plan=mini)
    monkeypatch.undo()
    assert r.exit_code == 1, r
    _no_traceback(r)
    assert "Read-only file system" in r.stderr
    assert not (mini / "progress/2025.yaml").exists()


def test_failed_second_file_rolls_back_the_first(mini, monkeypatch, tmp_path):
    """An import spanning two years is all or nothing, also when the disk fills up half-way."""
    import isek_cli.writing.atomic as atomic

    sheet = tmp_path / "p.csv"
    sheet.write_text("measure;date;status\nHF1.M01;2023-03-01;in_planung\nHF1.M01;2024-03-01;in_umsetzung\n",
                     encoding="utf-8")
    real_replace = os.replace
    calls = []

    def second_fails(src, dst):
        if not str(dst).endswith(".yaml"):  # isek's caches (os.replace is patched for everyone)
            return real_replace(src, dst)
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_replace(src, dst)

    before = snapshot(mini)
    monkeypatch.setattr(atomic.os, "replace", second_fails)
    r = run("progress", "import", sheet, plan=mini)
    monkeypatch.undo()
    assert r.exit_code == 1, r
    _no_traceback(r)
    assert snapshot(mini) == before
    assert tmp_leftovers(mini) == []


def test_stray_temporary_file_of_a_killed_writer_is_cleaned(mini):
    stray = mini / "progress/.2024.yaml.k1ll3d_x.tmp"
    stray.write_text("year: 2024\nupdates: [half", encoding="utf-8")
    assert run("check", plan=mini).exit_code == 0  # ignored by readers
    r = run(*ADD, "2024-03-01", plan=mini)
    assert r.exit_code == 0, r
    assert not stray.exists()
    foreign = mini / "progress/.notes.tmp"  # not a name isek's writer makes: left alone
    foreign.write_text("mine\n", encoding="utf-8")
    assert run(*ADD, "2024-03-02", plan=mini).exit_code == 0
    assert foreign.exists()


# --- drawdowns (format v2) take the same way -----------------------------------------

def _drawdown_writes(money, tmp_path):
    """The two ways a drawdown is written: 'isek grant draw' and a drawdown sheet."""
    sheet = tmp_path / "abrufe.csv"
    sheet.write_text("Zuwendung;Datum;Betrag\nG-2022-LZ;2025-05-02;1000\n", encoding="utf-8")
    return {"grant draw": ("grant", "draw", "G-2022-LZ", "1000", "--date", "2025-05-02"),
            "drawdown sheet": ("progress", "import", sheet)}


@pytest.mark.parametrize("way", ["grant draw", "drawdown sheet"])
def test_drawdowns_into_a_progress_folder_linked_outside_are_refused(money, tmp_path, way):
    """An empty progress/ linked elsewhere (committable in git): the plan is valid, so only the
    writer's own check stands between the drawdown and a new year file outside the plan."""
    outside = tmp_path / "outside"
    outside.mkdir()
    for p in (money / "progress").iterdir():
        p.unlink()
    (money / "progress").rmdir()
    (money / "progress").symlink_to(outside, target_is_directory=True)
    assert run("check", "--no-cache", plan=money).exit_code == 0
    r = run(*_drawdown_writes(money, tmp_path)[way], plan=money)
    assert r.exit_code == 1, r
    _no_traceback(r)
    assert "outside the plan folder" in r.stderr
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize("way", ["grant draw", "drawdown sheet"])
def test_drawdowns_never_write_through_a_dangling_year_file_link(money, tmp_path, way):
    target = tmp_path / "elsewhere.yaml"
    (money / "progress/2025.yaml").symlink_to(target)
    r = run(*_drawdown_writes(money, tmp_path)[way], plan=money)
    assert r.exit_code == 1, r
    _no_traceback(r)
    assert not target.exists()


@pytest.mark.parametrize("way", ["grant draw", "drawdown sheet"])
def test_drawdowns_refuse_a_linked_lock(money, tmp_path, way):
    victim = tmp_path / "victim"
    victim.write_text("precious\n", encoding="utf-8")
    (money / ".isek.lock").symlink_to(victim)
    r = run(*_drawdown_writes(money, tmp_path)[way], plan=money)
    assert r.exit_code == 1, r
    _no_traceback(r)
    assert ".isek.lock" in r.stderr and victim.read_text(encoding="utf-8") == "precious\n"


@pytest.mark.parametrize("way", ["grant draw", "drawdown sheet"])
def test_drawdowns_on_a_full_disk_are_a_clean_error(money, tmp_path, monkeypatch, way):
    import isek_cli.writing.atomic as atomic

    def refuse(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(atomic.os, "fsync", refuse)
    before = hashes(money)
    r = run(*_drawdown_writes(money, tmp_path)[way], plan=money)
    monkeypatch.undo()
    assert r.exit_code == 1, r
    _no_traceback(r)
    assert os.strerror(errno.ENOSPC) in r.stderr
    assert hashes(money) == before and tmp_leftovers(money) == []
