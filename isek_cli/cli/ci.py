"""Diagnostics for machines and CI: paths as terminals, editors and CI systems resolve them,
SARIF 2.1.0 (GitHub code scanning, IDEs), GitLab Code Quality JSON, and the Markdown status
table GitHub Actions shows on a run's summary page ($GITHUB_STEP_SUMMARY)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import typer

from ..plan.diagnostics import CODES, Diagnostic
from ..version import __version__
from ..terminal import term

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SUMMARY_ROWS = 50  # a step summary is for reading; the full list is in the log


def on_github() -> bool:
    return os.environ.get("GITHUB_ACTIONS") == "true"


def shown_path(root: Path, rel: str) -> str:
    """A plan file's path as the reader resolves it: relative to the current folder (clickable in
    terminals and editors), on GitHub Actions relative to $GITHUB_WORKSPACE (where annotations and
    code scanning look); absolute where no relative path exists (another drive)."""
    base = os.environ.get("GITHUB_WORKSPACE") if on_github() else None
    target = os.path.abspath(Path(root) / rel)
    try:
        shown = os.path.relpath(target, os.path.abspath(base or os.getcwd()))
    except ValueError:
        return Path(target).as_posix()
    return Path(shown).as_posix()


def where(d: Diagnostic, root: Path) -> str:
    return f"{shown_path(root, d.file)}:{d.line}:{d.col}"


def _message(d: Diagnostic) -> str:
    return d.message + (f" (hint: {d.hint})" if d.hint else "")


def sarif(diags: Sequence[Diagnostic], root: Path, extra_codes: dict[str, str] | None = None) -> dict:
    """One SARIF 2.1.0 run: every diagnostic code a rule (the plan's, and ``extra_codes`` such as a
    portfolio's), every diagnostic a result."""
    known = CODES | (extra_codes or {})
    codes = sorted(known)
    index = {c: i for i, c in enumerate(codes)}
    rules = [{"id": c, "shortDescription": {"text": known[c]},
              "defaultConfiguration": {"level": "warning" if c.startswith("W") else "error"},
              "helpUri": "https://pypi.org/project/isek-cli/"} for c in codes]
    results = [{"ruleId": d.code, "ruleIndex": index.get(d.code, -1),
                "level": "error" if d.severity == "error" else "warning",
                "message": {"text": _message(d)},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": shown_path(root, d.file)},
                    "region": {"startLine": d.line, "startColumn": d.col}}}],
                "partialFingerprints": {"isekFingerprint/v1": fingerprint(d)}} for d in diags]
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0",
            "runs": [{"tool": {"driver": {"name": "isek", "version": __version__,
                                          "informationUri": "https://pypi.org/project/isek-cli/", "rules": rules}},
                      "results": results}]}


def fingerprint(d: Diagnostic, occurrence: int = 0) -> str:
    """Stable across runs, folders and moved lines: code, plan file and message (and which repeat)."""
    text = f"{d.code}\0{d.file}\0{d.message}\0{occurrence}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def gitlab(diags: Iterable[Diagnostic], root: Path) -> list[dict]:
    """GitLab Code Quality: a JSON list of issues, each with a unique fingerprint."""
    out = []
    seen: dict[tuple, int] = {}
    for d in diags:
        key = (d.code, d.file, d.message)
        seen[key] = seen.get(key, -1) + 1
        out.append({"description": _message(d), "check_name": d.code,
                    "fingerprint": fingerprint(d, seen[key]),
                    "severity": "major" if d.severity == "error" else "minor",
                    "location": {"path": shown_path(root, d.file), "lines": {"begin": d.line}}})
    return out


def _md(text: object) -> str:
    """A table cell: pipes and line breaks would end the cell."""
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def check_summary(diags: Sequence[Diagnostic], root: Path, headline: str) -> str:
    lines = [f"### isek check: {_md(headline)}", ""]
    if diags:
        lines += ["| | where | code | problem |", "|---|---|---|---|"]
        for d in diags[:SUMMARY_ROWS]:
            mark = "❌" if d.severity == "error" else "⚠️"
            lines.append(f"| {mark} | `{_md(where(d, root))}` | {d.code} | {_md(_message(d))} |")
        if len(diags) > SUMMARY_ROWS:
            lines.append(f"\n… and {len(diags) - SUMMARY_ROWS} more (see the log)")
    return "\n".join(lines) + "\n\n"


def status_summary(data: dict, statuses: Sequence[str]) -> str:
    head = ["field", "title", "measures", *statuses, "completed"]
    lines = [f"### isek status {data['year']}", "", "| " + " | ".join(head) + " |",
             "|" + "---|" * 2 + "---:|" * (len(statuses) + 2)]
    total = dict(data["total"], id="**total**", title="")
    for r in data["fields"] + [total]:
        cells = [r["id"], r["title"], r["measures"], *(r["by_status"].get(s, 0) for s in statuses),
                 f"{r['completed_share'] * 100:.0f} %"]
        lines.append("| " + " | ".join(_md(c) for c in cells) + " |")
    return "\n".join(lines) + "\n\n"


def append_step_summary(markdown: str) -> None:
    """Append to the file GitHub Actions shows on the run's page, when there is one."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    try:
        with open(target, "a", encoding="utf-8") as f:
            f.write(markdown)
    except OSError as exc:  # a summary is a courtesy: never fail the check over it
        typer.echo(term(f"isek: cannot write the step summary {target}: {exc.strerror or exc}"), err=True)
