"""Coverage-guided fuzz target for spreadsheet import (atheris / libFuzzer).

    .venv/bin/python tests/fuzz/fuzz_sheets.py -atheris_runs=100000 tests/fuzz/corpus-sheets
    .venv/bin/python tests/fuzz/fuzz_sheets.py -max_total_time=1800 -rss_limit_mb=2048 tests/fuzz/corpus-sheets

The first byte chooses the import (progress or catalogue) and the file type: a CSV file is
the rest of the input; a workbook is a real .xlsx whose sheet XML is the rest of the input.
Both importers must return their result or refuse with an ``IsekError`` (a clear message);
any other exception is a crash, and libFuzzer's -rss_limit_mb catches memory that is not bounded.
"""

from __future__ import annotations

import io
import sys
import tempfile
import zipfile
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from isek_cli.data import catalogue, progress_sheet, sheetio, sheets  # noqa: F401
    from isek_cli.errors import IsekError
    from isek_cli.plan.loader import load_plan

MINI = Path(__file__).resolve().parent.parent / "fixtures" / "mini"
PLAN = load_plan(MINI, use_cache=False).plan
WORK = Path(tempfile.mkdtemp(prefix="isek-fuzz-sheets-"))


def skeleton() -> dict[str, bytes]:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["Maßnahme", "Datum", "Status"])
    buf = io.BytesIO()
    wb.save(buf)
    z = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    return {name: z.read(name) for name in z.namelist()}


SKELETON = skeleton()


def as_xlsx(sheet_xml: bytes, path: Path) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in SKELETON.items():
            z.writestr(name, sheet_xml if name == "xl/worksheets/sheet1.xml" else data)


def one_input(data: bytes) -> None:
    if not data:
        return
    choice, body = data[0], data[1:]
    path = WORK / ("in.xlsx" if choice & 1 else "in.csv")
    if choice & 1:
        as_xlsx(body, path)
    else:
        path.write_bytes(body)
    try:
        if choice & 2:
            catalogue.parse(path, catalogue.Options(partial=True))
        else:
            progress_sheet.parse(path, PLAN)
    except IsekError:
        pass


def main() -> None:
    corpus = Path(__file__).resolve().parent / "corpus-sheets"
    if not corpus.exists():
        corpus.mkdir()
        (corpus / "seed-csv").write_bytes(b"\x00measure;date;status;percent;spent_eur\nHF1.M01;2024-03-01;in_planung;40;1.000\n")
        (corpus / "seed-cat").write_bytes(b"\x02Handlungsfeld;Ziel;Ma\xc3\x9fnahme;Priorit\xc3\xa4t;Federf\xc3\xbchrung\n"
                                          b"Wohnen;Wohnraum;Kataster;1;Bauamt\n")
        (corpus / "seed-xlsx").write_bytes(b"\x01" + SKELETON["xl/worksheets/sheet1.xml"])
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
