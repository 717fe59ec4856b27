"""The portfolio row of the benchmark: 400 generated plans of 150 measures and 12 years each.

Targets (issue 17), each a ratio to a bare ``CSafeLoader`` load of every plan file of the portfolio
in one fresh interpreter, measured in the same run:

* warm ``isek portfolio status`` (every plan unchanged, its summary cached) ≤ 0.1×;
* cold ``isek portfolio status`` (empty cache: every plan read, checked and summarised) ≤ 0.7×;
* peak memory of the cold run ≤ 10× the size of the plan files.

Cold runs read plans in worker processes (``--jobs``, default one per core), so peak memory is the
sum of the resident memory of the whole process tree, sampled every 20 ms (it counts pages that forked
workers share with their parent twice: an upper bound). The largest single process (from the
kernel's accounting) is reported too. A serial cold run (``--jobs 1``) shows whether the workers pay,
and a run after changing one town shows that only that town is read again.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import threading
import time
from pathlib import Path

from genplan import generate

BARE_MANY = ("import glob, sys, yaml\n"
             "for root in sorted(glob.glob(sys.argv[1] + '/plans/*')):\n"
             "    for p in sorted(glob.glob(root + '/*.yaml') + glob.glob(root + '/*/*.yaml')):\n"
             "        with open(p, encoding='utf-8') as fh:\n"
             "            yaml.load(fh.read(), Loader=yaml.CSafeLoader)\n")

TARGETS = [("warm", 0.1), ("cold", 0.7)]
MEMORY_TARGET = 10


def _children(pid: int) -> list[int]:
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                out += [int(c) for c in fh.read().split()]
    except OSError:
        pass
    return out


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0


def tree_rss(pid: int) -> int:
    """Resident memory of a process and all its descendants, now."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += _rss(p)
        todo += _children(p)
    return total


def _sample(pid: int, peak: list[int], done: threading.Event) -> None:
    while not done.is_set():
        peak[0] = max(peak[0], tree_rss(pid))
        done.wait(0.02)


def measure_tree(cmd: list[str], env: dict, reps: int, prepare=None) -> dict:
    """Median wall and CPU seconds (the process and its workers), the peak RSS of the whole process
    tree (sampled) and of the largest single process (kernel)."""
    walls, cpus, tree, single = [], [], 0, 0
    for _ in range(reps):
        if prepare:
            prepare()
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        peak = [0]
        done = threading.Event()
        sampler = threading.Thread(target=_sample, args=(proc.pid, peak, done), daemon=True)
        sampler.start()
        err = proc.stderr.read().decode(errors="replace")  # until the child closes it, i.e. ends
        _, status, usage = os.wait4(proc.pid, 0)
        walls.append(time.perf_counter() - start)
        done.set()
        sampler.join()
        proc.stderr.close()
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            raise SystemExit(f"benchmark command failed ({code}): {' '.join(cmd)}\n{err}")
        cpus.append(usage.ru_utime + usage.ru_stime)
        tree, single = max(tree, peak[0]), max(single, usage.ru_maxrss * 1024)
    return {"wall": statistics.median(walls), "cpu": statistics.median(cpus), "rss": tree,
            "rss_single": single, "runs": reps}


def make_portfolio(folder: Path, plans: int, measures: int) -> Path:
    """``plans`` generated plans (each its own seed) under folder/plans, and folder/portfolio.yaml."""
    file = folder / "portfolio.yaml"
    if file.exists():
        return file
    lines = ["title: Benchmark-Portfolio", "plans:"]
    for i in range(plans):
        generate(measures, folder / "plans" / f"p{i:04d}", seed=i + 1)
        lines.append(f"  - {{id: P{i:04d}, path: plans/p{i:04d}}}")
    file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return file


def bench_portfolio(isek: list[str], py: str, work: Path, reps: int, plans: int = 400, measures: int = 150) -> dict:
    folder = work / f"portfolio-{plans}x{measures}"
    file = make_portfolio(folder, plans, measures)
    size = sum(p.stat().st_size for p in (folder / "plans").rglob("*.yaml"))
    cache_dir = work / "cache-portfolio"
    env = dict(os.environ, ISEK_CACHE_DIR=str(cache_dir), PYTHONHASHSEED="0")
    env.pop("ISEK_NO_CACHE", None)
    env.pop("ISEK_JOBS", None)
    clear = lambda: shutil.rmtree(cache_dir, ignore_errors=True)  # noqa: E731
    status = [*isek, "portfolio", "status", str(file), "--format", "json"]
    r: dict = {"plans": plans, "measures_per_plan": measures, "files_bytes": size, "jobs": os.cpu_count()}
    r["reference"] = measure_tree([py, "-c", BARE_MANY, str(folder)], env, reps)
    r["cold"] = measure_tree(status, env, reps, prepare=clear)
    r["cold_serial"] = measure_tree([*status, "--jobs", "1"], env, max(1, reps - 1), prepare=clear)
    measure_tree(status, env, 1)  # fill the cache
    r["warm"] = measure_tree(status, env, reps)
    progress = folder / "plans" / f"p{min(7, plans - 1):04d}" / "progress" / "2025.yaml"
    original = progress.read_text(encoding="utf-8")

    def change_one() -> None:  # a new note in one town's last report
        text = progress.read_text(encoding="utf-8")
        progress.write_text(text.replace("    note: ", "    note: Neu. ", 1), encoding="utf-8")

    try:
        r["one_changed"] = measure_tree(status, env, reps, prepare=change_one)
    finally:
        progress.write_text(original, encoding="utf-8")
    return r


def lines(r: dict) -> list[str]:
    out = [f"portfolio: {r['plans']} plans x {r['measures_per_plan']} measures x 12 years, "
           f"{r['files_bytes'] / 2**20:.0f} MiB of plan files, {r['jobs']} cores"]
    for key in ("reference", "cold", "cold_serial", "warm", "one_changed"):
        m = r[key]
        out.append(f"  {key:12} wall {m['wall']:7.2f}s {m['wall'] / r['reference']['wall']:5.3f}x   "
                   f"cpu {m['cpu']:7.2f}s {m['cpu'] / r['reference']['cpu']:5.3f}x   "
                   f"peak {m['rss'] / 2**20:5.0f} MiB (largest process {m['rss_single'] / 2**20:.0f} MiB)")
    return out


def verdicts(r: dict) -> list[str]:
    out = []
    for key, limit in TARGETS:
        for basis in ("wall", "cpu"):
            ratio = r[key][basis] / r["reference"][basis]
            out.append(f"portfolio status {key} / reference ({basis}): {ratio:.3f}  target ≤ {limit}  "
                       f"{'OK' if ratio <= limit else 'MISSED'}"
                       + ("  (cpu counts the workers too)" if key == "cold" and basis == "cpu" else ""))
    mem = r["cold"]["rss"] / r["files_bytes"]
    out.append(f"portfolio status cold: peak memory (process tree) / plan files: {mem:.2f}  "
               f"target ≤ {MEMORY_TARGET}  {'OK' if mem <= MEMORY_TARGET else 'MISSED'}")
    serial = r["cold_serial"]["wall"] / r["cold"]["wall"]
    out.append(f"portfolio status cold, serial / with workers (wall): {serial:.2f}  (> 1: the workers pay)")
    return out
