"""The plan cache can be neither fooled nor used against its owner (issue 16): every setting that
changes a load is part of its key, what is cached is what was parsed (a file changed during a
load is not cached under the old content's key), and a cache folder or file that someone else
owns or can write is never read (it is a pickle) nor written."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from isek_cli.plan import cache
from isek_cli.plan.loader import load_plan


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Path:
    d = tmp_path / "cache"
    monkeypatch.setenv("ISEK_CACHE_DIR", str(d))
    monkeypatch.delenv("ISEK_NO_CACHE", raising=False)
    return d


def isek_json(plan: Path, cache_dir: Path, **env) -> dict:
    r = subprocess.run([sys.executable, "-m", "isek_cli", "--plan", str(plan), "check", "--format", "json"],
                       capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, ISEK_CACHE_DIR=str(cache_dir), **env))
    return json.loads(r.stdout)


def test_max_files_is_part_of_the_key(mini, cache_dir):
    for i in range(60):
        (mini / f"fields/zz{i:03d}.txt").write_text("x", encoding="utf-8")
    assert isek_json(mini, cache_dir)["valid"] is True  # fills the cache
    limited = isek_json(mini, cache_dir, ISEK_MAX_FILES="50")
    assert [d["code"] for d in limited["diagnostics"] if d["file"] == "fields/"] == ["E107"]
    assert isek_json(mini, cache_dir)["valid"] is True


def test_a_file_changed_during_the_load_is_not_cached_under_the_old_key(mini, cache_dir, monkeypatch):
    import isek_cli.plan.loader as loader

    path = mini / "isek.yaml"
    original = path.read_bytes()
    stamp = os.stat(path)
    changed = original.replace(b"Beispielstadt", b"Andersstadt  ")  # same size
    assert len(changed) == len(original)
    real = loader.read_files

    def change_then_read(*args, **kwargs):
        path.write_bytes(changed)  # after the cache computed its key, before the files are read
        return real(*args, **kwargs)

    monkeypatch.setattr(loader, "read_files", change_then_read)
    during = load_plan(mini)
    monkeypatch.setattr(loader, "read_files", real)  # (not undo(): that would drop ISEK_CACHE_DIR too)
    assert during.plan.meta.city.strip() == "Andersstadt"  # what was read is what is returned
    path.write_bytes(original)  # back to the content the key was computed from, same size and time
    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert load_plan(mini).plan.meta.city == "Beispielstadt"


def key(mini: Path) -> bytes:
    """The key the loader gives this plan (with its own settings)."""
    from isek_cli.plan import loader

    return cache.fingerprint(mini, settings=("max_files", loader.MAX_FILES))


class Trap:
    """Unpickling this creates a file: proof that a cache file was read."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def plant(mini: Path, marker: Path) -> Path:
    """A cache file with the right key whose content runs code when unpickled."""
    path = cache.cache_file(mini)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(key(mini) + pickle.dumps(Trap(marker)))
    return path


def test_the_trap_works_in_a_safe_folder(mini, cache_dir, tmp_path):
    """The planted file is read when everything is in order (so the tests below can fail)."""
    marker = tmp_path / "pwned"
    cache_dir.mkdir(mode=0o700)
    plant(mini, marker).chmod(0o600)
    load_plan(mini)
    assert marker.exists()


@pytest.mark.parametrize("mode", [0o777, 0o775, 0o1777])
def test_a_cache_folder_others_can_write_is_not_used(mini, cache_dir, tmp_path, mode):
    marker = tmp_path / "pwned"
    cache_dir.mkdir()
    plant(mini, marker).chmod(0o600)
    cache_dir.chmod(mode)
    loaded = load_plan(mini)
    assert not marker.exists()
    assert loaded.plan.meta.city == "Beispielstadt"
    assert [p.name for p in cache_dir.iterdir()] == [cache.cache_file(mini).name]  # nothing written either


def test_a_cache_file_others_can_write_is_not_read(mini, cache_dir, tmp_path):
    marker = tmp_path / "pwned"
    cache_dir.mkdir(mode=0o700)
    plant(mini, marker).chmod(0o666)
    load_plan(mini)
    assert not marker.exists()


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="needs root to give a file away")
def test_a_cache_file_of_another_user_is_not_read(mini, cache_dir, tmp_path):
    marker = tmp_path / "pwned"
    cache_dir.mkdir(mode=0o700)
    path = plant(mini, marker)
    path.chmod(0o600)
    os.chown(path, 65534, 65534)
    load_plan(mini)
    assert not marker.exists()


def test_a_cache_file_that_is_a_link_is_not_read(mini, cache_dir, tmp_path):
    marker = tmp_path / "pwned"
    cache_dir.mkdir(mode=0o700)
    elsewhere = tmp_path / "elsewhere.pickle"
    elsewhere.write_bytes(key(mini) + pickle.dumps(Trap(marker)))
    elsewhere.chmod(0o600)
    cache.cache_file(mini).symlink_to(elsewhere)
    load_plan(mini)
    assert not marker.exists()


def test_the_cache_folder_is_made_private(mini, cache_dir):
    load_plan(mini)
    assert cache_dir.stat().st_mode & 0o077 == 0
    assert cache.cache_file(mini).stat().st_mode & 0o077 == 0


@pytest.fixture
def platform_cache(tmp_path, monkeypatch):
    """platformdirs answers with a folder of this test (and notes who asked); $ISEK_CACHE_DIR is not set."""
    import platformdirs

    folder = tmp_path / "platform-cache" / "isek"
    asked = []

    def user_cache_dir(appname=None, appauthor=None, *args, **kwargs):
        asked.append((appname, appauthor))
        return str(folder)

    monkeypatch.setattr(platformdirs, "user_cache_dir", user_cache_dir)
    monkeypatch.delenv("ISEK_CACHE_DIR", raising=False)
    monkeypatch.delenv("ISEK_NO_CACHE", raising=False)
    return SimpleNamespace(folder=folder, asked=asked)


def test_the_cache_lives_where_the_platform_keeps_caches(mini, platform_cache):
    load_plan(mini)
    assert platform_cache.asked and set(platform_cache.asked) == {("isek", False)}  # no "isek\\isek" on Windows
    assert cache.cache_file(mini).parent == platform_cache.folder and cache.cache_file(mini).is_file()
    assert platform_cache.folder.stat().st_mode & 0o077 == 0  # made private like any cache folder


def test_isek_cache_dir_overrides_the_platforms_folder(mini, platform_cache, tmp_path, monkeypatch):
    monkeypatch.setenv("ISEK_CACHE_DIR", str(tmp_path / "mine"))
    load_plan(mini)
    assert cache.cache_file(mini).parent == tmp_path / "mine" and cache.cache_file(mini).is_file()
    assert not platform_cache.folder.exists() and platform_cache.asked == []


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permission bits")
def test_a_platform_cache_folder_others_can_write_is_not_used(mini, platform_cache):
    platform_cache.folder.mkdir(parents=True)
    platform_cache.folder.chmod(0o777)
    load_plan(mini)
    assert list(platform_cache.folder.iterdir()) == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the XDG layout is Linux's")
def test_on_linux_the_platforms_folder_is_xdg_cache_home(monkeypatch, tmp_path):
    monkeypatch.delenv("ISEK_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_dir() == tmp_path / "xdg" / "isek"  # where isek kept it before platformdirs
