"""Money has a bound (issue 16): every amount in plan files, on the command line and in
spreadsheets is at most 10^13 euros, and hex, octal and base-60 spellings are refused with
a hint, so no amount can crash `show`, an export or the report later."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pytest

from conftest import run
from helpers_writes import hashes, private_cache  # noqa: F401  (fixture)
MAX_EUR = 10**13  # the documented bound (isek_cli.plan.model.MAX_EUR)

SPENT = "spent_eur: 2100000"


def set_spent(plan: Path, text: str) -> None:
    path = plan / "progress/2024.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(SPENT, f"spent_eur: {text}"), encoding="utf-8")


def check_json(plan: Path) -> tuple[int, list[dict]]:
    r = run("check", "--no-cache", "--format", "json", plan=plan)
    return r.exit_code, json.loads(r.stdout)["diagnostics"]


@pytest.mark.parametrize("spelling, meant", [
    ("0x" + "f" * 5000, None),  # 5,000 hex digits: once passed check, then crashed show
    ("0x1F", "31"),
    ("0o17", None),  # YAML 1.1 has no 0o: a text, refused as one
    ("017", "15"),  # a leading zero means octal in YAML 1.1
    ("0b101", "5"),
    ("1:1:1:1:1:1:1:1:1:1:1:1:1:1", None),  # base 60
    ("1:30", "90"),
])
def test_non_decimal_spellings_are_refused_with_a_hint(mini, spelling, meant):
    set_spent(mini, spelling)
    code, diags = check_json(mini)
    assert code == 1
    errors = [d for d in diags if d["severity"] == "error"]
    assert errors and all(d["file"] == "progress/2024.yaml" and d["line"] == 4 for d in errors), errors
    text = " ".join(d["message"] + " " + d["hint"] for d in errors)
    if spelling != "0o17":
        assert "decimal" in text, text
    if meant:
        assert meant in text, text
    for cmd in (["show", "HF1.M02"], ["report", "2024"], ["export", "--format", "json"]):
        r = run(*cmd, plan=mini)
        assert r.exit_code == 1 and "internal error" not in r.stderr, (cmd, r)


@pytest.mark.parametrize("amount, ok", [(MAX_EUR, True), (MAX_EUR + 1, False), (2**63, False),
                                        (10**4000, False)], ids=["max", "max+1", "2^63", "10^4000"])
def test_amounts_in_files_have_an_upper_bound(mini, amount, ok):
    set_spent(mini, str(amount))
    path = mini / "fields/01-wohnen.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("cost_eur: 20000", f"cost_eur: {amount}"),
                    encoding="utf-8")
    code, diags = check_json(mini)
    assert (code == 0) is ok, diags
    if not ok:
        places = {(d["file"], d["line"]) for d in diags if d["severity"] == "error"}
        assert places == {("progress/2024.yaml", 4), ("fields/01-wohnen.yaml", 19)}, diags
        assert all("10,000,000,000,000" in d["hint"] or "10^13" in d["hint"] for d in diags), diags
        assert all(len(d["message"]) < 200 for d in diags), diags
    else:  # the largest amount goes through every output
        for cmd in (["show", "HF1.M02"], ["report", "2024"], ["export", "--format", "json"]):
            r = run(*cmd, plan=mini)
            assert r.exit_code == 0, (cmd, r)
        r = run("export", "--format", "sqlite", "-o", mini.parent / "x.db", plan=mini)
        assert r.exit_code == 0, r


def test_spent_eur_option_has_the_same_bound(mini):
    before = hashes(mini)
    r = run("progress", "add", "HF1.M01", "--status", "in_planung", "--date", "2024-03-01",
            "--spent-eur", "99999999999999999999999", plan=mini)
    assert r.exit_code == 1 and "internal error" not in r.stderr, r  # refused like a negative amount
    assert "10,000,000,000,000" in r.stderr
    assert hashes(mini) == before
    r = run("progress", "add", "HF1.M01", "--status", "in_planung", "--date", "2024-03-01",
            "--spent-eur", str(MAX_EUR), plan=mini)
    assert r.exit_code == 0, r


def xlsx_with(rows: list[list], patch: dict[str, str] | None = None) -> bytes:
    """A workbook with these rows; ``patch`` replaces text in the sheet's XML (values openpyxl cannot write)."""
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    if not patch:
        return buf.getvalue()
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                for old, new in patch.items():
                    assert old.encode() in data
                    data = data.replace(old.encode(), new.encode())
            dst.writestr(info, data)
    return out.getvalue()


@pytest.mark.parametrize("cell", ["<v>1e300</v>", "<v>1e400</v>", "<v>-1e400</v>", "<v>NaN</v>",
                                  f"<v>{MAX_EUR + 1}</v>"])
def test_progress_import_refuses_huge_amounts(mini, tmp_path, cell):
    path = tmp_path / "p.xlsx"
    path.write_bytes(xlsx_with([["Maßnahme", "Datum", "Status", "Ausgaben"],
                                ["HF1.M01", "2024-03-01", "in_planung", 4711]], {"<v>4711</v>": cell}))
    before = hashes(mini)
    r = run("progress", "import", path, plan=mini)
    assert r.exit_code == 1, r
    assert "internal error" not in r.stderr
    # the cell is named (a NaN, which is no number at all, fails the row's XML: the row is named)
    assert ":2:D" in r.stderr or ("NaN" in cell and ":2:" in r.stderr), r.stderr
    assert hashes(mini) == before


@pytest.mark.parametrize("cell", ["<v>1e300</v>", "<v>1e400</v>", f"<v>{MAX_EUR + 1}</v>"])
def test_catalogue_import_refuses_huge_costs(tmp_path, cell):
    path = tmp_path / "k.xlsx"
    path.write_bytes(xlsx_with([["Handlungsfeld", "Ziel", "Maßnahme", "Priorität", "Federführung", "Kosten"],
                                ["Wohnen", "Wohnraum", "Kataster", 1, "Bauamt", 4711]], {"<v>4711</v>": cell}))
    r = run("import", "catalogue", path, "--into", tmp_path / "plan")
    assert r.exit_code == 1, r
    assert "internal error" not in r.stderr
    assert ":2:F" in r.stderr, r.stderr
    assert not (tmp_path / "plan").exists()


def test_catalogue_text_cost_above_the_bound(tmp_path):
    path = tmp_path / "k.csv"
    path.write_text("Handlungsfeld;Ziel;Maßnahme;Priorität;Federführung;Kosten\n"
                    "Wohnen;Wohnraum;Kataster;1;Bauamt;20000000 Mio. €\n", encoding="utf-8")
    r = run("import", "catalogue", path, "--into", tmp_path / "plan")
    assert r.exit_code == 1 and ":2:F" in r.stderr, r
