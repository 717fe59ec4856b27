"""Hardening: hostile plan text stays inert, templates stay in their sandbox, limits hold,
outputs stay where they are sent, and writes survive a soak with random kills."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import run

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "\"><svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "[klick](javascript:alert(1))",
    "[klick](JaVaScRiPt:alert(1) \"t\")",
    "![bild](http://evil.example/x.png)",
    "<iframe src=//evil.example></iframe>",
    "</style><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "{{ 7*7 }} {% raw %}x{% endraw %}",
    "' onmouseover='alert(1)",
    "<details open ontoggle=alert(1)>",
]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def hostile_plan(plan: Path, payload: str) -> None:
    """Put the payload in every kind of text a report shows."""
    p = q(payload)
    (plan / "isek.yaml").write_text(
        f"city: {p}\ntitle: {p}\nadopted: {{body: {p}, date: 2021-11-25}}\nhorizon: {{start: 2022, end: 2030}}\n"
        f"owner: {p}\nlanguage: de\nvision: {p}\nguiding_goals:\n  - {{id: L1, title: {p}, text: {p}}}\n"
        f"  - {{id: L2, title: {p}}}\n", encoding="utf-8")
    edit(plan / "actors.yaml", "name: Amt für Stadtplanung,", f"name: {p},")
    f1 = plan / "fields/01-wohnen.yaml"
    edit(f1, "title: Wohnen und Quartiere", f"title: {p}")
    edit(f1, "title: Baulückenkataster aufbauen", f"title: {p}")
    edit(f1, "description: Wohnraum schaffen und Quartiere stabilisieren.", f"description: {p}")
    edit(f1, "funding: [Eigenmittel]", f"funding: [{p}]")
    edit(f1, "{id: HF1.Z1, title: Bezahlbaren Wohnraum schaffen}", f"{{id: HF1.Z1, title: {p}}}")
    edit(plan / "indicators.yaml", "unit: Personen", f"unit: {p}")
    edit(plan / "indicators.yaml", "source: Melderegister, Stand 31.12.", f"source: {p}")
    edit(plan / "progress/2024.yaml", "note: Rohbau fertig.", f"note: {p}")


class Inert(HTMLParser):
    """Collects anything in an HTML page that could run or load something."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "iframe", "object", "embed", "img", "details", "math", "base", "form", "link"):
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag}[{name}]")
            if name in ("href", "src", "xlink:href", "action") and value and \
                    not re.match(r"(?i)^(https?:|mailto:|#|report-\d{4}\.html$|index\.html$|data/)", value.strip()):
                self.found.append(f"{tag}[{name}={value}]")


def assert_inert(html: str) -> None:
    parser = Inert()
    parser.feed(html)
    assert parser.found == [], parser.found
    # "{{ 7*7 }}" evaluated would show as 49 in the text; chart coordinates (49.5 …) are not text
    text = re.sub(r"<svg\b.*?</svg>", "", html, flags=re.S)
    assert "49" not in re.findall(r"\b49\b", text) or "{{ 7*7 }}" in html


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_are_inert_in_html_report_and_site(mini, tmp_path, payload):
    hostile_plan(mini, payload)
    assert run("check", plan=mini).exit_code == 0
    r = run("report", "2024", "--format", "html", plan=mini)
    assert r.exit_code == 0, r
    assert_inert(r.stdout)
    if "{{" in payload:
        assert "{{ 7*7 }}" in r.stdout
    site = tmp_path / "site"
    assert run("site", "-o", site, plan=mini).exit_code == 0
    for page in site.glob("*.html"):
        assert_inert(page.read_text(encoding="utf-8"))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_are_inert_in_markdown(mini, payload):
    hostile_plan(mini, payload)
    md = run("report", "2024", "--format", "md", plan=mini).stdout
    assert "<script" not in md.lower() and "<img" not in md.lower() and "<svg" not in md.lower()
    assert "javascript:" not in re.sub(r"`[^`]*`", "", md).lower().replace("&lt;", "<") or \
        "](javascript:" not in md.lower()
    assert "](javascript:" not in md.lower()
    assert "](http://evil.example" not in md


TEMPLATE_ATTACKS = {
    "class-mro": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "globals": "{{ cycler.__init__.__globals__.os.environ }}",
    "self-context": "{{ self._TemplateReference__context }}",
    "import-os": "{% set os = namespace.__init__.__globals__ %}{{ os }}",
    "read-file": "{% include '/etc/passwd' %}",
    "parent-dir": "{% include '../../../../etc/passwd' %}",
    "mutate-data": "{% set x = plan.__setitem__('city', 'x') %}",
    "list-append": "{{ statuses.append('x') }}",
    "huge-repeat": "{{ 'x' * 1000000000 }}",
    "huge-format": "{{ '{:>999999999}'.format(1) }}",
    "huge-percent-format": "{{ '%0999999999d'|format(1) }}",
    "huge-center": "{{ 'x'|center(999999999) }}",
    "huge-power": "{{ 10 ** 100000000 }}",
    "huge-range": "{% for i in range(10**9) %}{% endfor %}",
    "undefined": "{{ no_such_variable }}",
}


@pytest.mark.parametrize("name", list(TEMPLATE_ATTACKS))
def test_user_templates_cannot_escape_the_sandbox(mini, tmp_path, name, monkeypatch):
    monkeypatch.setenv("ISEK_SECRET_FOR_TEST", "s3cr3t")
    tpl = tmp_path / "tpl"
    tpl.mkdir()
    (tpl / "report.md.j2").write_text(TEMPLATE_ATTACKS[name], encoding="utf-8")
    start = time.monotonic()
    r = run("report", "2024", "--templates", tpl, plan=mini)
    assert time.monotonic() - start < 20
    assert r.exit_code == 1, r
    assert "report.md.j2" in r.stderr
    assert "Traceback" not in r.stderr
    assert "s3cr3t" not in r.stdout + r.stderr and "root:" not in r.stdout + r.stderr


def test_template_output_goes_only_to_o(mini, tmp_path):
    tpl = tmp_path / "tpl"
    tpl.mkdir()
    (tpl / "report.md.j2").write_text("{{ plan.city }}\n", encoding="utf-8")
    out = tmp_path / "out" / "r.md"
    out.parent.mkdir()
    before = {p for p in tmp_path.rglob("*")}
    assert run("report", "2024", "--templates", tpl, "-o", out, plan=mini).exit_code == 0
    assert {p for p in tmp_path.rglob("*")} - before == {out}
    assert out.read_text(encoding="utf-8") == "Beispielstadt\n"


def test_site_file_names_come_from_years_only(mini, tmp_path):
    site = tmp_path / "site"
    assert run("site", "-o", site, plan=mini).exit_code == 0
    names = sorted(str(p.relative_to(site)) for p in site.rglob("*") if p.is_file())
    for n in names:
        assert re.fullmatch(r"index\.html|report-\d{4}\.html|\.isek-site|data/(report-\d{4}\.json|measures-\d{4}\.csv|"
                            r"status\.csv|indicators\.csv)|assets/IsekSans-(Regular|Bold|Italic)\.woff2", n), n


def test_output_never_clobbers_a_plan_file_or_foreign_file(mini, tmp_path):
    target = mini / "isek.yaml"
    before = target.read_bytes()
    for args in (["report", "2024", "-o", target], ["report", "2024", "-o", target, "--force"],
                 ["export", "--format", "json", "-o", target, "--force"]):
        r = run(*args, plan=mini)
        assert r.exit_code == 1, (args, r)
    assert target.read_bytes() == before
    foreign = tmp_path / "notes.md"
    foreign.write_text("my notes\n", encoding="utf-8")
    assert run("report", "2024", "-o", foreign, plan=mini).exit_code == 1
    assert foreign.read_text(encoding="utf-8") == "my notes\n"


# --- resource limits ----------------------------------------------------------

def isek(*args: str, env: dict | None = None, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "isek_cli", *args], capture_output=True, text=True,
                          env=dict(os.environ, **(env or {})), timeout=timeout)


def test_a_plan_with_thousands_of_files(mini):
    template = (mini / "fields/02-innenstadt.yaml").read_text(encoding="utf-8")
    for i in range(3000):
        n = f"X{i}"
        text = (template.replace("HF2", n).replace("guiding_goals: [L2]", "guiding_goals: [L2]"))
        (mini / f"fields/{i + 10:05d}.yaml").write_text(text, encoding="utf-8")
    start = time.monotonic()
    r = isek("--plan", str(mini), "check", "--no-cache", "--format", "json", timeout=300)
    elapsed = time.monotonic() - start
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert json.loads(r.stdout)["valid"] is True
    assert elapsed < 120


def test_too_many_files_is_refused(mini):
    for i in range(60):
        (mini / f"fields/zz{i:03d}.txt").write_text("x", encoding="utf-8")
    r = isek("--plan", str(mini), "check", "--no-cache", "--format", "json", env={"ISEK_MAX_FILES": "50"})
    d = json.loads(r.stdout)
    assert r.returncode == 1
    assert [x["code"] for x in d["diagnostics"] if x["file"] == "fields/"] == ["E107"]


def test_a_file_dense_with_values_is_refused_before_parsing(mini):
    (mini / "fields/03-dense.yaml").write_text("id: X\nlist: [" + "0," * 2_000_000 + "0]\n", encoding="utf-8")
    start = time.monotonic()
    r = isek("--plan", str(mini), "check", "--no-cache", "--format", "json")
    assert time.monotonic() - start < 30
    d = json.loads(r.stdout)
    assert ("fields/03-dense.yaml", "E107") in [(x["file"], x["code"]) for x in d["diagnostics"]]


def test_size_limits_can_be_set_by_the_operator(mini):
    r = isek("--plan", str(mini), "check", "--no-cache", "--format", "json", env={"ISEK_MAX_FILE_VALUES": "20"})
    codes = {(x["file"], x["code"]) for x in json.loads(r.stdout)["diagnostics"]}
    assert ("fields/01-wohnen.yaml", "E107") in codes


def test_deep_nesting_flow_and_block(mini):
    (mini / "fields/03-deep.yaml").write_text("id: X\nd: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    block = "id: Y\n" + "".join("  " * i + f"k{i}:\n" for i in range(200)) + "  " * 200 + "v: 1\n"
    (mini / "fields/04-deep.yaml").write_text(block, encoding="utf-8")
    r = isek("--plan", str(mini), "check", "--no-cache", "--format", "json")
    codes = {(x["file"], x["code"]) for x in json.loads(r.stdout)["diagnostics"]}
    assert ("fields/03-deep.yaml", "E110") in codes
    assert ("fields/04-deep.yaml", "E110") in codes
    assert r.returncode == 1


def test_recursive_anchor_is_refused(mini):
    (mini / "fields/03-rec.yaml").write_text("id: X\ntitle: T\ngoals: &g [*g]\nmeasures: []\n", encoding="utf-8")
    r = run("check", "--format", "json", plan=mini)
    codes = {(x["file"], x["code"]) for x in json.loads(r.stdout)["diagnostics"]}
    assert ("fields/03-rec.yaml", "E106") in codes


# --- writes under stress --------------------------------------------------------

WORKER = r"""
import sys, datetime as dt
from isek_cli.plan.loader import load_plan
from isek_cli.writing.append import append
root, worker, notes = sys.argv[1], sys.argv[2], sys.argv[3:]
# An idempotent client: after a restart, skip what already landed.
present = {u.note for us in load_plan(root, use_cache=False).plan.history.values() for u in us}
for note in notes:
    if note in present:
        print("skip", note, flush=True)
        continue
    append(root, updates=[{"measure": "HF1.M03", "date": dt.date(2024, 6, 1), "status": "daueraufgabe",
                           "note": note}])
    print("ok", note, flush=True)
"""


def test_soak_200_writes_8_processes_random_kills(mini):
    rng = random.Random(2024)
    notes = {w: [f"soak w{w} n{i:02d}" for i in range(25)] for w in range(8)}
    done: dict[int, set] = {w: set() for w in notes}
    procs: dict[int, subprocess.Popen] = {}
    kills = 0

    def start(w: int) -> None:
        remaining = [n for n in notes[w] if n not in done[w]]
        procs[w] = subprocess.Popen([sys.executable, "-c", WORKER, str(mini), str(w), *remaining],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def collect(w: int) -> None:
        out, err = procs[w].communicate()
        for line in out.splitlines():
            status, note = line.split(" ", 1)
            done[w].add(note)
        assert procs[w].returncode in (0, -signal.SIGKILL), err[-2000:]

    for w in notes:
        start(w)
    deadline = time.monotonic() + 400
    while procs and time.monotonic() < deadline:
        # Short pauses: on a fast machine the 200 writes take about two seconds, and pauses of up to
        # 0.4 s let the soak end after 8 to 11 kills.
        time.sleep(rng.uniform(0.01, 0.12))
        for w in list(procs):
            if procs[w].poll() is not None:
                collect(w)
                if len(done[w]) < len(notes[w]):
                    start(w)
                else:
                    del procs[w]
        if procs and kills < 40:
            w = rng.choice(list(procs))
            procs[w].send_signal(signal.SIGKILL)
            kills += 1
            collect(w)
            start(w)
    assert not procs, "soak did not finish in time"
    text = (mini / "progress/2024.yaml").read_text(encoding="utf-8")
    written = re.findall(r"soak w\d n\d\d", text)
    expected = sorted(n for ns in notes.values() for n in ns)
    assert sorted(written) == expected, (len(written), len(set(written)), kills)  # 0 lost, 0 duplicated
    assert kills >= 15
    assert run("check", plan=mini).exit_code == 0


def test_an_empty_existing_file_may_be_replaced(mini, tmp_path):
    """A file made by mktemp holds nothing to lose; isek writes into it without --force."""
    target = tmp_path / "empty.html"
    target.write_bytes(b"")
    assert run("report", "2024", "--format", "html", "-o", target, plan=mini).exit_code == 0
    assert target.read_bytes().startswith(b"<!DOCTYPE html>")
