"""isek's benchmark: times against a reference measured in the same run, as ratios.

    .venv/bin/python benchmarks/run.py                 # 1k, 10k, 40k measures (a few minutes)
    .venv/bin/python benchmarks/run.py --sizes 1000    # quick look
    .venv/bin/python benchmarks/run.py --sizes 1000 --worst 20000 --reps 2   # issue 16's worst cases
    .venv/bin/python benchmarks/run.py --json out.json
    .venv/bin/python benchmarks/run.py --portfolio --sizes ''   # only the portfolio row (400 plans; ~30 min)

Every timing is a separate process (what a planner or CI runs), repeated, and
the median is reported. The reference for a plan is a bare PyYAML
``CSafeLoader`` load of the same files in a fresh interpreter. Besides wall
time, CPU time (user + system, from the kernel's accounting of the child) is
reported, which is steadier on a shared machine. The table prints ratios
against the reference and the targets of issue 6; the JSON has everything.
``--portfolio`` adds the portfolio row of issue 17 (benchmarks/portfolio_bench.py).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from genplan import break_references, generate, unknown_keys  # noqa: E402
from portfolio_bench import bench_portfolio  # noqa: E402
from portfolio_bench import lines as portfolio_lines  # noqa: E402
from portfolio_bench import verdicts as portfolio_verdicts  # noqa: E402

PY = sys.executable
ISEK = [PY, "-m", "isek_cli"]
BARE = ("import glob, sys, yaml\n"
        "root = sys.argv[1]\n"
        "for p in sorted(glob.glob(root + '/*.yaml') + glob.glob(root + '/*/*.yaml')):\n"
        "    with open(p, encoding='utf-8') as fh:\n"
        "        yaml.load(fh.read(), Loader=yaml.CSafeLoader)\n")


def measure(cmd: list[str], env: dict, reps: int, prepare=None) -> dict:
    """Median wall and CPU seconds of ``reps`` runs, and the peak RSS."""
    walls, cpus, rss = [], [], 0
    for _ in range(reps):
        if prepare:
            prepare()
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        walls.append(time.perf_counter() - start)
        proc.returncode = os.waitstatus_to_exitcode(status)
        err = proc.stderr.read().decode(errors="replace")
        proc.stderr.close()
        if proc.returncode not in (0, 1):
            raise SystemExit(f"benchmark command failed ({proc.returncode}): {' '.join(cmd)}\n{err}")
        cpus.append(usage.ru_utime + usage.ru_stime)
        rss = max(rss, usage.ru_maxrss * 1024)
    return {"wall": statistics.median(walls), "cpu": statistics.median(cpus), "rss": rss, "runs": reps}


def plan_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*.yaml"))


def git_two_revisions(plan: Path, work: Path) -> Path:
    """A repository with the plan committed twice (second commit: edits and new entries)."""
    repo = work / "repo"
    shutil.rmtree(repo, ignore_errors=True)  # a --work folder may hold one from an earlier run
    shutil.copytree(plan, repo / "plan")
    env = dict(os.environ, GIT_AUTHOR_NAME="b", GIT_AUTHOR_EMAIL="b@x", GIT_COMMITTER_NAME="b",
               GIT_COMMITTER_EMAIL="b@x")
    run = lambda *a: subprocess.run(["git", *a], cwd=repo, env=env, check=True, capture_output=True)  # noqa: E731
    run("init", "-q")
    run("add", "-A")
    run("commit", "-qm", "one")
    field = sorted((repo / "plan/fields").glob("*.yaml"))[0]
    text = field.read_text(encoding="utf-8")
    field.write_text(text.replace("priority: 1", "priority: 2", 50), encoding="utf-8")
    run("commit", "-qam", "two")
    return repo


def bench_size(n: int, work: Path, reps: int, full: bool) -> dict:
    plan = work / f"plan-{n}"
    if not plan.exists():
        generate(n, plan)
    size = plan_bytes(plan)
    cache_dir = work / f"cache-{n}"
    env = dict(os.environ, ISEK_CACHE_DIR=str(cache_dir), PYTHONHASHSEED="0")
    env.pop("ISEK_NO_CACHE", None)
    clear = lambda: shutil.rmtree(cache_dir, ignore_errors=True)  # noqa: E731
    year = "2025"
    r: dict = {"measures": n, "plan_bytes": size}
    r["reference"] = measure([PY, "-c", BARE, str(plan)], env, reps)
    r["check_cold"] = measure([*ISEK, "--plan", str(plan), "check"], env, reps, prepare=clear)
    if full:
        measure([*ISEK, "--plan", str(plan), "check"], env, 1)  # fill the cache
        r["check_warm"] = measure([*ISEK, "--plan", str(plan), "check"], env, reps)
        r["status_warm"] = measure([*ISEK, "--plan", str(plan), "status"], env, reps)
        out = work / f"report-{n}.html"
        r["report_html"] = measure([*ISEK, "--plan", str(plan), "report", year, "--format", "html", "-o", str(out),
                                    "--force"], env, reps)
        repo = git_two_revisions(plan, work / f"git-{n}")
        r["diff"] = measure([*ISEK, "--plan", str(repo / "plan"), "diff", "HEAD~1", "HEAD"], env, reps)
    return r


def worst_cases(n: int, work: Path, reps: int) -> dict:
    """Issue 16's worst cases against a clean plan of the same size, cold checks (no cache):
    ``n`` measures with n/2 references to measures that do not exist (each needs a did-you-mean
    hint), and the same plan with 5·n unknown keys in one mapping (each needs a position)."""
    import shutil as sh

    clean = work / f"worst-clean-{n}"
    if not clean.exists():
        generate(n, clean)
    bad_refs, keys = work / f"worst-refs-{n}", work / f"worst-keys-{n}"
    for target in (bad_refs, keys):
        sh.rmtree(target, ignore_errors=True)
        sh.copytree(clean, target)
    break_references(bad_refs, n // 2)
    unknown_keys(keys, 5 * n)
    env = dict(os.environ, ISEK_NO_CACHE="1", PYTHONHASHSEED="0")
    check = lambda plan: measure([*ISEK, "--plan", str(plan), "check", "--format", "json"], env, reps)  # noqa: E731
    return {"measures": n, "bad_references": n // 2, "unknown_keys": 5 * n,
            "clean": check(clean), "bad_references_check": check(bad_refs), "unknown_keys_check": check(keys)}


def worst_lines(w: dict) -> list[str]:
    out = [f"worst cases, {w['measures']} measures, cold check (no cache):"]
    for basis in ("wall", "cpu"):
        clean = w["clean"][basis]
        for key, what in (("bad_references_check", f"{w['bad_references']} bad references"),
                          ("unknown_keys_check", f"{w['unknown_keys']} unknown keys in one mapping")):
            ratio = w[key][basis] / clean
            out.append(f"  {what} / clean ({basis}): {w[key][basis]:.2f}s / {clean:.2f}s = {ratio:.2f}  "
                       f"target ≤ 3 (same order)  {'OK' if ratio <= 3 else 'MISSED'}")
    return out


def startup(reps: int) -> dict:
    env = dict(os.environ)
    return {"python": measure([PY, "-c", "pass"], env, reps),
            "isek_version": measure([PY, "-m", "isek_cli", "--version"], env, reps),
            "isek_script": measure([str(Path(PY).parent / "isek"), "--version"], env, reps)
            if (Path(PY).parent / "isek").exists() else None}


TARGETS = [  # (name, numerator, size, limit, what)
    ("check cold / reference", "check_cold", 10000, 1.5, "≤ 1.5"),
    ("check warm / reference", "check_warm", 10000, 0.2, "≤ 0.2"),
    ("status warm / reference", "status_warm", 10000, 0.2, "≤ 0.2"),
    ("report html / reference", "report_html", 10000, 2.0, "≤ 2"),
]


def table(results: dict, basis: str) -> list[str]:
    lines = [f"{'':34} " + " ".join(f"{str(r['measures']) + ' meas.':>12}" for r in results["sizes"]), ]
    rows = ["reference", "check_cold", "check_warm", "status_warm", "report_html", "diff"]
    for key in rows:
        cells = []
        for r in results["sizes"]:
            if key not in r:
                cells.append(f"{'–':>12}")
                continue
            t = r[key][basis]
            ratio = t / r["reference"][basis]
            cells.append(f"{t:7.2f}s {ratio:4.2f}x" if key != "reference" else f"{t:7.2f}s  1x ")
        lines.append(f"{key + ' (' + basis + ')':34} " + " ".join(f"{c:>12}" for c in cells))
    return lines


def verdicts(results: dict) -> list[str]:
    out = portfolio_verdicts(results["portfolio"]) if "portfolio" in results else []
    by_n = {r["measures"]: r for r in results["sizes"]}
    for name, key, n, limit, what in TARGETS:
        r = by_n.get(n)
        if not r or key not in r:
            continue
        for basis in ("wall", "cpu"):
            ratio = r[key][basis] / r["reference"][basis]
            out.append(f"{name} ({basis}, {n}): {ratio:.3f}  target {what}  {'OK' if ratio <= limit else 'MISSED'}")
    s = results["startup"]
    extra = s["isek_version"]["wall"] - s["python"]["wall"]
    out.append(f"isek --version - python -c pass (wall): {extra * 1000:.0f} ms  target ≤ 150 ms  "
               f"{'OK' if extra <= 0.15 else 'MISSED'}")
    if s.get("isek_script"):
        extra = s["isek_script"]["wall"] - s["python"]["wall"]
        out.append(f"isek console script --version - python -c pass (wall): {extra * 1000:.0f} ms")
    if 10000 in by_n and 40000 in by_n:
        for basis in ("wall", "cpu"):
            ratio = by_n[40000]["check_cold"][basis] / by_n[10000]["check_cold"][basis]
            out.append(f"check cold 40k / 10k ({basis}): {ratio:.2f}  target ≤ 4.5  {'OK' if ratio <= 4.5 else 'MISSED'}")
    for r in results["sizes"]:
        mem = r["check_cold"]["rss"] / r["plan_bytes"]
        # The target is for 10k measures; for small plans the interpreter itself dominates.
        verdict = ("target ≤ 10  " + ("OK" if mem <= 10 else "MISSED")) if r["measures"] == 10000 else "(for information)"
        out.append(f"peak memory of check cold / plan size on disk ({r['measures']}): {mem:.1f}  "
                   f"({r['check_cold']['rss'] / 2**20:.0f} MiB for {r['plan_bytes'] / 2**20:.1f} MiB)  {verdict}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000,40000", help="comma-separated numbers of measures ('' for none)")
    ap.add_argument("--portfolio", action="store_true", help="also the portfolio row: 400 plans x 150 measures")
    ap.add_argument("--portfolio-plans", type=int, default=400, help="plans in the portfolio row")
    ap.add_argument("--reps", type=int, default=3, help="repetitions per timing (the largest size runs twice)")
    ap.add_argument("--json", default=None, help="where to write the results (default: results.json, or "
                                                  "results-portfolio.json for the portfolio row alone)")
    ap.add_argument("--work", default=None, help="folder for generated plans (default: a temporary folder)")
    ap.add_argument("--worst", type=int, default=20000,
                    help="measures of the worst-case plans (bad references, unknown keys); 0 skips them")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.json is None:
        args.json = str(HERE / ("results.json" if sizes else "results-portfolio.json"))
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="isek-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    results = {"python": sys.version.split()[0], "cpus": os.cpu_count(), "sizes": [],
               "startup": startup(max(args.reps, 5))}
    for n in sizes:
        largest = n == max(sizes) and len(sizes) > 1
        print(f"… {n} measures", file=sys.stderr, flush=True)
        # The largest plan only answers "is it linear?": two runs of the reference and of a cold check.
        results["sizes"].append(bench_size(n, work, min(2, args.reps) if largest else args.reps, full=not largest))
    if args.worst:
        print(f"… worst cases, {args.worst} measures", file=sys.stderr, flush=True)
        results["worst"] = worst_cases(args.worst, work, args.reps)
    if args.portfolio:
        print(f"… portfolio of {args.portfolio_plans} plans", file=sys.stderr, flush=True)
        results["portfolio"] = bench_portfolio(ISEK, PY, work, args.reps, plans=args.portfolio_plans)
    lines = (table(results, "wall") + [""] + table(results, "cpu") + [""] if sizes else [])
    lines += (portfolio_lines(results["portfolio"]) + [""] if args.portfolio else []) + verdicts(results)
    if args.worst:
        lines += [""] + worst_lines(results["worst"])
    print("\n".join(lines))
    results["verdicts"] = verdicts(results)
    Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten: {args.json}", file=sys.stderr)
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
