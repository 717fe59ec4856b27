"""A :class:`~isek_cli.data.request.Request` as an .xlsx workbook (openpyxl), byte for byte reproducible.

Sheets: instructions, the measures to answer, (for actors) the measures as partner, and the hidden
sheet ``isek`` with the request's facts and the status list the dropdown reads. Every sheet is
protected without a password, so anyone can read (and, if they must, unprotect) it; only the input
cells are unlocked. The workbook's structure is locked so sheets stay as sent.

openpyxl stamps the save time into ``docProps/core.xml`` and every zip entry; both are fixed here,
so the same plan and arguments give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from .request import GENERATOR, MEASURE_COLUMNS, META_SHEET, PARTNER_COLUMNS, Request, row_lines

FIXED_TIME = dt.datetime(2000, 1, 1)
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
INPUT_FILL = "FFF2CC"  # light yellow: the cells to fill in
HEAD_FILL = "D9D9D9"
EXCEL_EPOCH = dt.date(1899, 12, 30)
FORMATS = {"date": "DD.MM.YYYY", "int": "0", "euros": "#,##0"}


def to_xlsx(req: Request) -> bytes:
    from openpyxl import Workbook
    from openpyxl.workbook.protection import WorkbookProtection

    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.creator = GENERATOR
    wb.properties.title = req.words["title"].format(year=req.year)
    wb.properties.created = wb.properties.modified = FIXED_TIME
    _info(wb.create_sheet(req.words["sheet_info"]), req)
    _table(wb.create_sheet(req.words["sheet_measures"]), req, MEASURE_COLUMNS, req.rows, inputs=True)
    if req.by == "lead":
        _table(wb.create_sheet(req.words["sheet_partner"]), req, PARTNER_COLUMNS, req.partner_rows, inputs=False)
    _meta(wb.create_sheet(META_SHEET), req)
    wb.active = 0
    wb.security = WorkbookProtection(lockStructure=True)
    return _save(wb)


def _protect(ws) -> None:
    """Protect the sheet without a password; resizing columns and rows stays allowed."""
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


def _clean(value):
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def _put(ws, row: int, col: int, value):
    cell = ws.cell(row=row, column=col, value=_clean(value))
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # plan text is text, never a formula
    return cell


def _info(ws, req: Request) -> None:
    from openpyxl.styles import Alignment, Font

    ws.column_dimensions["A"].width = 44
    ws.column_dimensions["B"].width = 80
    _put(ws, 1, 1, req.words["title"].format(year=req.year)).font = Font(bold=True, size=14)
    row = 3
    for label, value in req.info():
        _put(ws, row, 1, label).font = Font(bold=True)
        cell = _put(ws, row, 2, value)
        cell.alignment = Alignment(horizontal="left", wrap_text=True)
        if isinstance(value, dt.date):
            cell.number_format = FORMATS["date"]
        row += 1
    row += 1
    for paragraph in req.how():
        cell = _put(ws, row, 1, paragraph)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        ws.row_dimensions[row].height = 15 * (1 + len(paragraph) // 110)
        row += 1
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4  # else a German office's printer gets US Letter
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    _protect(ws)


def _table(ws, req: Request, columns, rows, *, inputs: bool) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
    from openpyxl.utils import get_column_letter

    head_fill, input_fill = PatternFill("solid", fgColor=HEAD_FILL), PatternFill("solid", fgColor=INPUT_FILL)
    thin = Side(style="thin", color="BFBFBF")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for c, col in enumerate(columns, start=1):
        cell = _put(ws, 1, c, req.header(col.key))
        cell.font = Font(bold=True)
        cell.fill = input_fill if col.input else head_fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.border = border
        ws.column_dimensions[get_column_letter(c)].width = col.width
    unlocked = Protection(locked=False)
    for r, data in enumerate(rows, start=2):
        for c, col in enumerate(columns, start=1):
            cell = _put(ws, r, c, data.get(col.key))
            cell.border = border
            depth = data["depth"] if col.key == "title" else 0
            cell.alignment = Alignment(wrap_text=col.kind == "wrap", vertical="top", indent=depth,
                                       horizontal="left" if depth else None)
            if col.kind in FORMATS:
                cell.number_format = FORMATS[col.kind]
            if col.input:
                cell.fill = input_fill
                cell.protection = unlocked
        ws.row_dimensions[r].height = 15 * row_lines(data, columns)
    ws.row_dimensions[1].height = 30
    ws.freeze_panes = "C2"
    ws.print_title_rows = "1:1"
    ws.print_title_cols = "A:B"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4  # else a German office's printer gets US Letter
    ws.page_setup.fitToWidth = 2
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if inputs and rows:
        _validations(ws, req, columns, len(rows))
    _protect(ws)


def _validations(ws, req: Request, columns, n: int) -> None:
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    w = req.words
    last = len(req.status_labels) + 1
    y = req.year
    first_day, last_day = (dt.date(y, 1, 1) - EXCEL_EPOCH).days, (dt.date(y, 12, 31) - EXCEL_EPOCH).days
    rules = {
        "status": {"type": "list", "formula1": f"{META_SHEET}!$D$2:$D${last}", "prompt": w["status_prompt"],
                   "error": w["status_error"]},
        "percent": {"type": "whole", "operator": "between", "formula1": "0", "formula2": "100",
                    "error": w["percent_error"]},
        "date": {"type": "date", "operator": "between", "formula1": str(first_day), "formula2": str(last_day),
                 "error": w["date_error"].format(year=y)},
        "spent": {"type": "whole", "operator": "greaterThanOrEqual", "formula1": "0", "error": w["spent_error"]},
    }
    for c, col in enumerate(columns, start=1):
        rule = rules.get(col.key)
        if rule is None:
            continue
        dv = DataValidation(allow_blank=True, showErrorMessage=True, showInputMessage="prompt" in rule,
                            errorStyle="stop", **rule)
        letter = get_column_letter(c)
        dv.add(f"{letter}2:{letter}{n + 1}")
        ws.add_data_validation(dv)


def _meta(ws, req: Request) -> None:
    for r, (key, value) in enumerate(req.meta(), start=1):
        _put(ws, r, 1, key)
        _put(ws, r, 2, value)
    _put(ws, 1, 4, "statuses")
    for r, label in enumerate(req.status_labels, start=2):
        _put(ws, r, 4, label)
    ws.sheet_state = "hidden"
    _protect(ws)


def _save(wb) -> bytes:
    """Save with the fixed document time, then give every zip entry a fixed time too."""
    from openpyxl.writer.excel import ExcelWriter

    raw = io.BytesIO()
    ExcelWriter(wb, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True)).save()
    return fixed_zip(raw.getvalue())


def fixed_zip(data: bytes) -> bytes:
    """The same zip archive with every entry dated 1980-01-01 and plain file permissions."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = info.compress_type
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()
