"""isek's benchmark (issue 18): every row of the performance targets, as paired ratios.

    .venv/bin/python benchmarks/run.py                         # every row, 10k measures (long)
    .venv/bin/python benchmarks/run.py --measures 1000 --reps 2  # quick look
    .venv/bin/python benchmarks/run.py --rows write,diff         # some rows only
    .venv/bin/python benchmarks/run.py --json out.json --markdown table.md
    .venv/bin/python benchmarks/run.py --rows '' --portfolio     # issue 17's portfolio row alone (~30 min)

Every timing is a separate process (what a planner or CI runs). isek and its reference run
alternately (paired: reference, isek, reference, isek …), so that a burst of load on a shared
machine hits both sides of a pair; each pair gives a ratio, and the table shows the minimum and
the median of those ratios, by CPU time (user + system of the child, from the kernel) and by
wall time. The reference is a bare PyYAML ``CSafeLoader`` load of the same files in a fresh
interpreter unless a row says otherwise. Targets and floors are those of issue 18; the exit code
is 1 only when a row is past its floor (judged on the median ratio of ``--basis``, CPU by
default: on a shared machine wall time also measures the neighbours). Results are written only
where ``--json`` / ``--markdown`` say (never to the tracked ``benchmarks/results.json`` unless
you name it). ``--portfolio`` adds the portfolio row of issue 17 (benchmarks/portfolio_bench.py).
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
EXAMPLE = HERE.parent / "plan"
BARE = ("import glob, sys, yaml\n"
        "root = sys.argv[1]\n"
        "for p in sorted(glob.glob(root + '/*.yaml') + glob.glob(root + '/*/*.yaml')):\n"
        "    with open(p, encoding='utf-8') as fh:\n"
        "        yaml.load(fh.read(), Loader=yaml.CSafeLoader)\n")
GIT_ENV = {"GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@x", "GIT_COMMITTER_NAME": "b",
           "GIT_COMMITTER_EMAIL": "b@x", "GIT_AUTHOR_DATE": "2025-01-01T00:00:00",
           "GIT_COMMITTER_DATE": "2025-01-01T00:00:00"}

# row: (what, kind, target, floor). kind "ratio": isek / reference; "diff": isek - reference, seconds.
ROWS = {
    "write": ("progress add / indicator set, warm cache", "ratio", 0.1, 0.25),
    "diff": ("diff of two revisions differing in one file", "ratio", 0.1, 0.25),
    "history": ("history MEASURE over 50 commits", "ratio", 1.0, 2.0),
    "xlsx": ("export --format xlsx", "ratio", 1.0, 1.5),
    "site": ("site over 12 years / one report", "ratio", 2.0, 3.0),
    "status": ("warm status", "ratio", 0.05, 0.1),
    "status_40k": ("warm status 40k / 10k", "ratio", 4.2, 4.5),
    "check": ("cold check", "ratio", 0.35, 0.45),
    "startup": ("warm status on the example plan - python -c pass", "diff", 0.15, 0.25),
    "worst_refs": ("bad references / clean check of the same size", "ratio", 2.0, 2.0),
    "worst_keys": ("unknown keys in one mapping / clean check", "ratio", 2.0, 2.0),
}
XLSX_MIB = (250, 350)  # peak memory of the xlsx export: target, floor


def run(cmd: list[str], env: dict, codes: tuple[int, ...] = (0,)) -> tuple[float, float, int]:
    """Wall and CPU seconds and peak RSS (bytes) of one process, which must exit with one of
    ``codes``: only the worst cases expect 1 ("the plan has problems"). Anything else stops the
    benchmark: a command that failed early (a template not found, exit 1) would time nothing."""
    start = time.perf_counter()
    # Not from the checkout's folder: ``python -m`` puts the current folder first on sys.path, which
    # would shadow the isek of the environment (or of PYTHONPATH, to compare two versions).
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tempfile.gettempdir())
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code not in codes:
        raise SystemExit(f"benchmark command failed ({code}): {' '.join(cmd)}\n{err}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024


def paired(isek, ref, reps: int, prepare=None, kind: str = "ratio", codes: tuple[int, ...] = (0,)) -> dict:
    """``reps`` pairs, the reference first in even pairs and second in odd ones. ``isek`` and
    ``ref`` are (cmd, env) or callables returning them (for rows whose command changes per run)."""
    pairs = []
    for i in range(reps):
        one = {}
        order = (("ref", ref), ("isek", isek)) if i % 2 == 0 else (("isek", isek), ("ref", ref))
        for side, spec in order:
            if side == "isek" and prepare:
                prepare(i)
            cmd, env = spec(i) if callable(spec) else spec
            one[side] = run(cmd, env, codes)
        pairs.append(one)
    out = {"runs": reps, "isek": [p["isek"][:2] for p in pairs], "reference": [p["ref"][:2] for p in pairs],
           "isek_peak_rss": max(p["isek"][2] for p in pairs)}
    for b, basis in enumerate(("wall", "cpu")):
        vals = [(p["isek"][b] / p["ref"][b]) if kind == "ratio" else (p["isek"][b] - p["ref"][b]) for p in pairs]
        out[basis] = {"min": min(vals), "median": statistics.median(vals)}
    return out


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, env=dict(os.environ, **GIT_ENV), check=True, capture_output=True)


class Bench:
    def __init__(self, n: int, work: Path, reps: int, large: int, worst: int) -> None:
        self.n, self.work, self.reps, self.large, self.worst = n, work, reps, large, worst
        self.cache = work / "cache"
        self.env = dict(os.environ, ISEK_CACHE_DIR=str(self.cache), PYTHONHASHSEED="0")
        self.env.pop("ISEK_NO_CACHE", None)
        # Measure isek as installed: with its modules compiled once (pip does that), not compiled
        # again in every process because the shell says PYTHONDONTWRITEBYTECODE.
        self.env.pop("PYTHONDONTWRITEBYTECODE", None)
        # The package the measured processes import (PYTHONPATH may select another copy than this checkout).
        package = subprocess.run([PY, "-c", "import isek_cli, os; print(os.path.dirname(isek_cli.__file__))"],
                                 env=self.env, cwd=tempfile.gettempdir(), capture_output=True, text=True,
                                 check=True).stdout.strip()
        subprocess.run([PY, "-m", "compileall", "-q", package], check=False, stdout=subprocess.DEVNULL)

    def plan(self, n: int, name: str = "") -> Path:
        path = self.work / f"plan-{n}{name}"
        if not path.exists():
            if name:
                shutil.copytree(self.plan(n), path)
            else:
                print(f"… generating {n} measures", file=sys.stderr, flush=True)
                generate(n, path)
        return path

    def isek(self, plan: Path, *args: str, env: dict | None = None):
        return [*ISEK, "--plan", str(plan), *args], env or self.env

    def bare(self, plan: Path):
        return [PY, "-c", BARE, str(plan)], self.env

    def warm(self, plan: Path) -> None:
        run(self.isek(plan, "status")[0], self.env)

    def write(self) -> dict:
        """One progress entry, then one indicator value, alternately, each on a warm cache."""
        plan = self.plan(self.n, "-write")
        self.warm(plan)

        def cmd(i: int):
            day = f"2025-{1 + i // 28 % 12:02d}-{1 + i % 28:02d}"
            if i % 2 == 0:
                return self.isek(plan, "progress", "add", "HF1.M0001", "--status", "in_umsetzung", "--percent", "50",
                                 "--date", day, "--note", f"Bench {i}.")
            return self.isek(plan, "indicator", "set", "K00", str(2000 + i), "--date", day)
        return paired(cmd, self.bare(plan), self.reps, prepare=lambda i: self.warm(plan))

    def repo(self, commits: int) -> Path:
        """A repository of the plan; the last ``commits`` commits each add one progress entry to
        progress/2025.yaml (as ``progress add`` + ``git commit`` does), the first changes priorities
        in one field file."""
        repo = self.work / f"repo-{commits}"
        if (repo / ".git").exists():
            return repo
        shutil.copytree(self.plan(self.n), repo / "plan")
        git(repo, "init", "-q")
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", "plan")
        field = sorted((repo / "plan/fields").glob("*.yaml"))[0]
        field.write_text(field.read_text(encoding="utf-8").replace("priority: 1", "priority: 2", 50), encoding="utf-8")
        git(repo, "commit", "-qam", "priorities")
        year = repo / "plan/progress/2025.yaml"
        text = year.read_text(encoding="utf-8")
        for i in range(commits - 1):
            text = text.replace("values:\n", f"  - measure: HF1.M0001\n    date: 2025-12-{1 + i % 28:02d}\n"
                                f"    status: in_umsetzung\n    percent: {i % 90}\n    note: Schritt {i}.\nvalues:\n", 1)
            year.write_text(text, encoding="utf-8")
            git(repo, "commit", "-qam", f"progress {i}")
        return repo

    def diff(self) -> dict:
        """`diff` of the two revisions before the progress commits: one field file differs. The
        working tree was loaded before (as it is in daily use), so blobs it holds may be known."""
        repo = self.repo(50)
        self.warm(repo / "plan")
        first = subprocess.run(["git", "rev-list", "--reverse", "HEAD"], cwd=repo, capture_output=True, text=True,
                               check=True).stdout.split()
        return paired(self.isek(repo / "plan", "diff", first[0], first[1]), self.bare(repo / "plan"), self.reps)

    def history(self) -> dict:
        """`history` over the 50 commits; one untimed run first (the cold first run is recorded)."""
        repo = self.repo(50)
        self.warm(repo / "plan")
        cmd = self.isek(repo / "plan", "history", "HF1.M0001")
        first = run(*cmd)
        out = paired(cmd, self.bare(repo / "plan"), self.reps)
        out["first_run"] = first[:2]
        return out

    def xlsx(self) -> dict:
        plan = self.plan(self.n)
        self.warm(plan)
        out = self.work / "export.xlsx"
        return paired(self.isek(plan, "export", "--format", "xlsx", "-o", str(out), "--force"), self.bare(plan),
                      self.reps)

    def site(self) -> dict:
        plan = self.plan(self.n)
        self.warm(plan)
        site = self.isek(plan, "site", "-o", str(self.work / "site"), "--force")
        report = self.isek(plan, "report", "2025", "--format", "html", "-o", str(self.work / "r.html"), "--force")
        out = paired(site, report, self.reps)
        out["report_over_reference"] = paired(report, self.bare(plan), 1)["cpu"]
        return out

    def status(self) -> dict:
        plan = self.plan(self.n)
        self.warm(plan)
        return paired(self.isek(plan, "status"), self.bare(plan), self.reps)

    def status_40k(self) -> dict:
        small, big = self.plan(self.n), self.plan(self.large)
        self.warm(small)
        self.warm(big)
        return paired(self.isek(big, "status"), self.isek(small, "status"), self.reps)

    def check(self) -> dict:
        plan = self.plan(self.n)
        return paired(self.isek(plan, "check"), self.bare(plan), self.reps,
                      prepare=lambda i: shutil.rmtree(self.cache, ignore_errors=True))

    def startup(self) -> dict:
        self.warm(EXAMPLE)
        return paired(self.isek(EXAMPLE, "status"), ([PY, "-c", "pass"], self.env), max(self.reps, 5), kind="diff")

    def _worst(self, name: str, spoil) -> dict:
        clean = self.plan(self.worst, "-clean")
        bad = self.work / f"plan-{self.worst}-{name}"
        if not bad.exists():
            shutil.copytree(clean, bad)
            spoil(bad)
        env = dict(self.env, ISEK_NO_CACHE="1")
        return paired(self.isek(bad, "check", "--format", "json", env=env),
                      self.isek(clean, "check", "--format", "json", env=env), self.reps, codes=(0, 1))

    def worst_refs(self) -> dict:
        return self._worst("refs", lambda p: break_references(p, self.worst // 2))

    def worst_keys(self) -> dict:
        return self._worst("keys", lambda p: unknown_keys(p, 5 * self.worst))


def lines(results: dict) -> tuple[list[str], list[str], bool]:
    """The text table, the Markdown table and whether every measured row holds its floor."""
    basis = results["basis"]
    text = [f"{'row':52} {'cpu min':>8} {'cpu med':>8} {'wall min':>9} {'wall med':>9} {'target':>8} "
            f"{'floor':>6}  verdict ({basis} median)"]
    md = ["| measure | CPU ratio (min / median) | wall ratio (min / median) | target | floor | |",
          "|---|---|---|---|---|---|"]
    ok = True
    for key, r in results["rows"].items():
        what, kind, target, floor = ROWS[key]
        unit = "s" if kind == "diff" else "×"
        value = r[basis]["median"]
        verdict = "target met" if value <= target else ("floor holds" if value <= floor else "PAST FLOOR")
        extra = ""
        if key == "xlsx":
            mib = r["isek_peak_rss"] / 2**20
            extra = f"; peak {mib:.0f} MiB (target {XLSX_MIB[0]}, floor {XLSX_MIB[1]})"
            if mib > XLSX_MIB[1]:
                verdict = "PAST FLOOR"
            elif mib > XLSX_MIB[0] and verdict == "target met":
                verdict = "floor holds"
        ok &= verdict != "PAST FLOOR"
        c, w = r["cpu"], r["wall"]
        text.append(f"{what[:52]:52} {c['min']:8.3f} {c['median']:8.3f} {w['min']:9.3f} {w['median']:9.3f} "
                    f"{target:>7}{unit} {floor:>5}{unit}  {verdict}{extra}")
        md.append(f"| {what} | {c['min']:.3f} / {c['median']:.3f}{unit} | {w['min']:.3f} / {w['median']:.3f}{unit} "
                  f"| ≤ {target}{unit} | {floor}{unit} | {verdict}{extra} |")
    return text, md, ok


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--measures", type=int, default=10000, help="size of the plan (default 10000)")
    ap.add_argument("--large", type=int, default=40000, help="the larger plan of the status_40k row")
    ap.add_argument("--worst", type=int, default=None, help="measures of the worst-case plans (default: --measures)")
    ap.add_argument("--reps", type=int, default=3, help="pairs per row (default 3)")
    ap.add_argument("--rows", default=",".join(ROWS), help="comma-separated rows: " + ", ".join(ROWS))
    ap.add_argument("--basis", choices=("cpu", "wall"), default="cpu", help="what the verdicts judge (default cpu)")
    ap.add_argument("--json", default=None, help="write the results to this file")
    ap.add_argument("--markdown", default=None, help="write the Markdown table to this file")
    ap.add_argument("--work", default=None, help="folder for generated plans, kept (default: a temporary folder)")
    ap.add_argument("--portfolio", action="store_true", help="also the portfolio row: 400 plans x 150 measures")
    ap.add_argument("--portfolio-plans", type=int, default=400, help="plans in the portfolio row")
    args = ap.parse_args()
    rows = [r.strip() for r in args.rows.split(",") if r.strip()]
    unknown = [r for r in rows if r not in ROWS]
    if unknown:
        ap.error(f"unknown rows: {', '.join(unknown)}")
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="isek-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    bench = Bench(args.measures, work, args.reps, args.large, args.worst or args.measures)
    results = {"python": sys.version.split()[0], "cpus": os.cpu_count(), "measures": args.measures,
               "basis": args.basis, "rows": {}}
    try:
        for row in rows:
            print(f"… {row}", file=sys.stderr, flush=True)
            results["rows"][row] = getattr(bench, row)()
        if args.portfolio:
            print(f"… portfolio of {args.portfolio_plans} plans", file=sys.stderr, flush=True)
            results["portfolio"] = bench_portfolio(ISEK, PY, work, args.reps, plans=args.portfolio_plans)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    text, md, ok = lines(results)
    print(f"{args.measures} measures, {args.reps} pairs per row; ratios isek / reference")
    print("\n".join(text))
    if args.portfolio:
        print("\n".join(["", *portfolio_lines(results["portfolio"]), *portfolio_verdicts(results["portfolio"])]))
    results["ok"] = ok
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    if args.markdown:
        Path(args.markdown).write_text("\n".join(md) + "\n", encoding="utf-8")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
