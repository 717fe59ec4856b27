"""The survey round trip through LibreOffice, as offices that work in Calc make it: the .xlsx request,
filled in, saved as .ods by LibreOffice, imported; and isek's own .ods request opened and saved by
LibreOffice with its checks, protection and hidden sheet intact.

Needs LibreOffice (Debian: libreoffice-calc-nogui). The tests skip when it is missing, unless
ISEK_REQUIRE_LIBREOFFICE=1 (then they fail): CI sets it.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from conftest import run
from helpers_writes import hashes, private_cache  # noqa: F401
from test_survey import COLUMN, LABELS, STADTPLANUNG, VERKEHR, Y, fill, request, updates

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.fixture
def soffice(tmp_path):
    if SOFFICE is None:
        if os.environ.get("ISEK_REQUIRE_LIBREOFFICE") == "1":
            pytest.fail("ISEK_REQUIRE_LIBREOFFICE=1, but LibreOffice (soffice) is not installed", pytrace=False)
        pytest.skip("LibreOffice (soffice) is not installed")
    profile = tmp_path / "lo-profile"

    def convert(files: list[Path], fmt: str, outdir: Path) -> list[Path]:
        outdir.mkdir(exist_ok=True)
        subprocess.run([SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                        "--convert-to", fmt, "--outdir", str(outdir), *map(str, files)],
                       check=True, capture_output=True, timeout=300)
        out = [outdir / f"{f.stem}.{fmt}" for f in files]
        assert all(p.is_file() for p in out), (files, list(outdir.iterdir()))
        return out

    return convert


def test_xlsx_filled_then_saved_as_ods_by_libreoffice_imports_cell_by_cell(shipped, tmp_path, soffice):
    out = tmp_path / "anfragen"
    request(shipped, out)
    where = fill(out / STADTPLANUNG, {
        ("HF1.M01", "status"): "in Umsetzung", ("HF1.M01", "percent"): 55, ("HF1.M01", "note"): "Zeile 1\nZeile 2",
        ("HF1.M04", "status"): "verzögert", ("HF1.M04", "spent"): "12.500,00",
        ("HF1.M04.2", "status"): "fertig",
    })
    fill(out / VERKEHR, {("HF2.M02", "status"): "abgeschlossen", ("HF2.M02", "percent"): 100,
                         ("HF2.M02", "date"): dt.datetime(Y, 6, 15)})
    books = soffice([out / STADTPLANUNG, out / VERKEHR, out / f"{Y}-OB.xlsx"], "ods", tmp_path / "ods")
    before = hashes(shipped)
    r = run("progress", "import", *books, plan=shipped)
    assert r.exit_code == 1, r
    coord = where[("HF1.M04.2", "status")]
    ods_name = STADTPLANUNG.replace(".xlsx", ".ods")
    problems = [line for line in r.stderr.splitlines() if line.startswith(f"{Y}-")]
    assert problems == [(f"{ods_name} [Maßnahmen]:{coord[1:]}:M: status: 'fertig' is not a status; "
                        "choose one from the list")]
    assert hashes(shipped) == before

    fill(out / STADTPLANUNG, {("HF1.M04.2", "status"): "zurückgestellt"})
    books = soffice([out / STADTPLANUNG], "ods", tmp_path / "ods")
    n = len(updates(shipped))
    r = run("progress", "import", *sorted((tmp_path / "ods").iterdir()), plan=shipped)
    assert r.exit_code == 0, r
    end = dt.date(Y, 12, 31)
    assert updates(shipped)[n:] == [
        {"measure": "HF1.M01", "date": end, "status": "in_umsetzung", "percent": 55, "note": "Zeile 1\nZeile 2"},
        {"measure": "HF1.M04", "date": end, "status": "verzoegert", "spent_eur": 12500},
        {"measure": "HF1.M04.2", "date": end, "status": "zurueckgestellt"},
        {"measure": "HF2.M02", "date": dt.date(Y, 6, 15), "status": "abgeschlossen", "percent": 100},
    ]
    before = hashes(shipped)
    r = run("progress", "import", *sorted((tmp_path / "ods").iterdir()), plan=shipped)
    assert r.exit_code == 0 and "skipped 4 answer(s)" in r.stdout and hashes(shipped) == before


def test_isek_ods_request_opens_in_libreoffice_with_its_checks_and_protection(shipped, tmp_path, soffice):
    out = tmp_path / "ods"
    request(shipped, out, "--format", "ods")
    (book,) = soffice([out / STADTPLANUNG.replace(".xlsx", ".ods")], "xlsx", tmp_path / "xlsx")
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames == ["Hinweise", "Maßnahmen", "Als Partner", "isek"]
    assert wb["isek"].sheet_state == "hidden"
    assert [wb["isek"][f"D{r}"].value for r in range(2, 10)] == LABELS
    ws = wb["Maßnahmen"]
    assert ws.protection.sheet and wb["Hinweise"].protection.sheet
    # (frozen panes are view settings, which a headless conversion has no view to keep: see test_survey)
    assert ws["A2"].protection.locked and not ws[f"{COLUMN['status']}2"].protection.locked
    kinds = {dv.type for dv in ws.data_validations.dataValidation}
    assert kinds == {"list", "whole", "date"}
    status = next(dv for dv in ws.data_validations.dataValidation if dv.type == "list")
    assert "$D$2:$D$9" in status.formula1 and f"{COLUMN['status']}2" in status.sqref
    assert ws[f"{COLUMN['date']}2"].value.date() == dt.date(Y, 12, 31)
    # LibreOffice's copy still carries the request: untouched, it imports as nothing
    before = hashes(shipped)
    r = run("progress", "import", book, plan=shipped)
    assert r.exit_code == 0 and "nothing to import" in r.stdout, r
    assert hashes(shipped) == before
    # and an answer typed into LibreOffice's copy goes in
    fill(book, {("HF1.M01", "status"): "abgeschlossen", ("HF1.M01", "percent"): 100})
    n = len(updates(shipped))
    r = run("progress", "import", book, plan=shipped)
    assert r.exit_code == 0, r
    assert updates(shipped)[n:] == [{"measure": "HF1.M01", "date": dt.date(Y, 12, 31), "status": "abgeschlossen",
                                     "percent": 100}]
