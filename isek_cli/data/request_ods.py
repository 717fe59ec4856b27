"""A :class:`~isek_cli.data.request.Request` as an .ods workbook (odfpy), byte for byte reproducible.

The same sheets, words, protection and checks as the .xlsx request (``request_xlsx``), written as
OpenDocument so that offices on LibreOffice get a native file: the status dropdown and the checks
are ODF content validations, protection is ``table:protected`` with unprotected input cells, the
hidden sheet is a table style with ``table:display="false"``, and the frozen header row and id/title
columns are LibreOffice's view settings. odfpy stamps the save time into every zip entry; it is
fixed here (``fixed_zip``), and the document carries no creation date.
"""

from __future__ import annotations

import datetime as dt
import io

from .request import GENERATOR, MEASURE_COLUMNS, META_SHEET, PARTNER_COLUMNS, Request, row_lines
from .request_xlsx import HEAD_FILL, INPUT_FILL, fixed_zip

CM_PER_CHAR = 0.2
LINE_CM = 0.45
ODS_EPOCH = dt.date(1899, 12, 30)


def to_ods(req: Request) -> bytes:
    from odf.dc import Title
    from odf.meta import InitialCreator
    from odf.opendocument import OpenDocumentSpreadsheet

    doc = OpenDocumentSpreadsheet()
    doc.meta.addElement(InitialCreator(text=GENERATOR))
    doc.meta.addElement(Title(text=req.words["title"].format(year=req.year)))
    styles = _Styles(doc)
    doc.spreadsheet.setAttribute("structureprotected", "true")
    doc.spreadsheet.addElement(_validations(req))
    doc.spreadsheet.addElement(_info(req, styles))
    doc.spreadsheet.addElement(_table(req, styles, req.words["sheet_measures"], MEASURE_COLUMNS, req.rows))
    frozen = [req.words["sheet_measures"]]
    if req.by == "lead":
        doc.spreadsheet.addElement(_table(req, styles, req.words["sheet_partner"], PARTNER_COLUMNS, req.partner_rows))
        frozen.append(req.words["sheet_partner"])
    doc.spreadsheet.addElement(_meta(req, styles))
    doc.settings.addElement(_view_settings(frozen, req.words["sheet_info"]))
    buf = io.BytesIO()
    _canonical_namespaces()
    doc.write(buf)
    return fixed_zip(buf.getvalue())


def _canonical_namespaces() -> None:
    """odfpy declares, in every file it writes, each namespace used so far by *any* document of the
    process (one dict shared by all elements), in first-use order. Declare all known ones, sorted, so
    that the output does not depend on what the process did before."""
    from odf.element import Element
    from odf.namespaces import nsdict

    Element.namespaces.clear()
    Element.namespaces.update(sorted(nsdict.items()))  # namespace URL -> prefix


class _Styles:
    """The automatic styles a request uses, created on first use and named by what they do."""

    def __init__(self, doc) -> None:
        from odf.number import DateStyle, Day, Month, Number, NumberStyle, Text, Year

        self.doc = doc
        self.made: dict[str, str] = {}
        date = DateStyle(name="N-date")
        for part in (Day(style="long"), Text(text="."), Month(style="long"), Text(text="."), Year(style="long")):
            date.addElement(part)
        whole = NumberStyle(name="N-int")
        whole.addElement(Number(decimalplaces=0, minintegerdigits=1))
        grouped = NumberStyle(name="N-euros")
        grouped.addElement(Number(decimalplaces=0, minintegerdigits=1, grouping="true"))
        for s in (date, whole, grouped):
            doc.automaticstyles.addElement(s)

    def _add(self, name: str, family: str, *properties, **attrs) -> str:
        from odf.style import Style

        if name not in self.made:
            style = Style(name=name, family=family, **attrs)
            for p in properties:
                style.addElement(p)
            self.doc.automaticstyles.addElement(style)
            self.made[name] = name
        return name

    def cell(self, kind: str = "text", *, head: bool = False, input: bool = False, depth: int = 0,
             bold: bool = False, size: str | None = None, border: bool = True) -> str:
        from odf.style import ParagraphProperties, TableCellProperties, TextProperties

        name = f"ce-{kind}{'-head' if head else ''}{'-in' if input else ''}{f'-d{depth}' if depth else ''}" \
               f"{'-b' if bold else ''}{f'-s{size}' if size else ''}{'' if border else '-nb'}"
        cell = {"verticalalign": "top", "cellprotect": "none" if input else "protected"}
        if border:
            cell["border"] = "0.06pt solid #bfbfbf"
        if depth or not border:
            cell["textalignsource"] = "fix"
        if head or input:
            cell["backgroundcolor"] = "#" + (INPUT_FILL if input else HEAD_FILL).lower()
        if head or kind == "wrap":
            cell["wrapoption"] = "wrap"
        props = [TableCellProperties(**cell)]
        if depth or not border:  # parts indented under their parent; instruction values flush left
            props.append(ParagraphProperties(textalign="start", marginleft=f"{0.35 * depth:.2f}cm"))
        if head or bold or size:
            text = {"fontweight": "bold"} if head or bold else {}
            if size:
                text["fontsize"] = size
            props.append(TextProperties(**text))
        data = {"date": "N-date", "int": "N-int", "euros": "N-euros"}.get(kind)
        return self._add(name, "table-cell", *props, **({"datastylename": data} if data else {}))

    def column(self, width_chars: float) -> str:
        from odf.style import TableColumnProperties

        width = f"{width_chars * CM_PER_CHAR:.2f}cm"
        return self._add(f"co-{width}", "table-column", TableColumnProperties(columnwidth=width))

    def row(self, lines: int) -> str:
        from odf.style import TableRowProperties

        height = f"{lines * LINE_CM:.2f}cm"
        # the estimate stands until LibreOffice fits each row to its text in the reader's own fonts
        return self._add(f"ro-{height}", "table-row", TableRowProperties(rowheight=height, useoptimalrowheight="true"))

    def table(self, visible: bool, pages_wide: int = 1) -> str:
        from odf.style import TableProperties

        return self._add(f"ta-{'shown' if visible else 'hidden'}-{pages_wide}", "table",
                         TableProperties(display="true" if visible else "false"),
                         masterpagename=self.landscape(pages_wide))

    def landscape(self, pages_wide: int) -> str:
        """A landscape A4 master page, printed ``pages_wide`` pages wide (as the .xlsx: fit to width)."""
        from odf.namespaces import LOEXTNS
        from odf.style import MasterPage, PageLayout, PageLayoutProperties

        name = f"Landscape{pages_wide}"
        if name not in self.made:
            layout = PageLayout(name=f"pm-landscape-{pages_wide}")
            # scale-to-X/Y: LibreOffice's own attributes (ODF 1.3 took them over), 0 = as many pages as needed
            layout.addElement(PageLayoutProperties(
                printorientation="landscape", pagewidth="29.7cm", pageheight="21cm", margin="1.5cm",
                qattributes={(LOEXTNS, "scale-to-X"): str(pages_wide), (LOEXTNS, "scale-to-Y"): "0"}))
            self.doc.automaticstyles.addElement(layout)
            self.doc.masterstyles.addElement(MasterPage(name=name, pagelayoutname=layout))
            self.made[name] = name
        return name


def _cell(value, style: str, validation: str | None = None):
    from odf.table import TableCell
    from odf.teletype import addTextToElement
    from odf.text import P

    attrs = {"stylename": style}
    if validation:
        attrs["contentvalidationname"] = validation
    if value is None:
        return TableCell(**attrs)
    if isinstance(value, dt.date):
        cell = TableCell(valuetype="date", datevalue=value.isoformat(), **attrs)
        text = value.strftime("%d.%m.%Y")
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        cell = TableCell(valuetype="float", value=value, **attrs)
        text = str(value)
    else:
        cell = TableCell(valuetype="string", **attrs)
        text = str(value)
    for line in text.split("\n"):  # a paragraph a line, as LibreOffice writes them (it drops line-breaks)
        p = P()
        addTextToElement(p, line)
        cell.addElement(p)
    return cell


def _columns(table, styles: _Styles, widths, repeated: int = 0) -> None:
    """The columns; the first ``repeated`` ones are printed on every page (header columns)."""
    from odf.table import TableColumn, TableHeaderColumns

    head = TableHeaderColumns() if repeated else None
    for i, w in enumerate(widths):
        (head if i < repeated else table).addElement(TableColumn(stylename=styles.column(w)))
        if head is not None and i == repeated - 1:
            table.addElement(head)


def _info(req: Request, styles: _Styles):
    from odf.table import Table, TableRow

    table = Table(name=req.words["sheet_info"], stylename=styles.table(True), protected="true")
    _columns(table, styles, (44, 80))
    rows = [[(req.words["title"].format(year=req.year), styles.cell(bold=True, size="14pt", border=False))], []]
    for label, value in req.info():
        kind = "date" if isinstance(value, dt.date) else "wrap"
        rows.append([(label, styles.cell(bold=True, border=False)), (value, styles.cell(kind, border=False))])
    rows.append([])
    for paragraph in req.how():
        rows.append([(paragraph, styles.cell("wrap", border=False), 2)])
    for i, cells in enumerate(rows):
        lines = 2 if i == 0 else 1 + max((len(str(c[0])) // 95 for c in cells if len(c) > 2), default=0)
        tr = TableRow(stylename=styles.row(lines))
        for value, style, *span in cells:
            cell = _cell(value, style)
            if span:
                cell.setAttribute("numbercolumnsspanned", span[0])
            tr.addElement(cell)
            if span:
                from odf.table import CoveredTableCell
                tr.addElement(CoveredTableCell())
        table.addElement(tr)
    return table


VALIDATIONS = ("status", "percent", "date", "spent")


def _validations(req: Request):
    from odf.table import ContentValidation, ContentValidations, ErrorMessage, HelpMessage
    from odf.text import P

    w, y = req.words, req.year
    first, last = (dt.date(y, 1, 1) - ODS_EPOCH).days, (dt.date(y, 12, 31) - ODS_EPOCH).days
    rules = {
        "status": (f"of:cell-content-is-in-list([${META_SHEET}.$D$2:.$D${len(req.status_labels) + 1}])",
                   w["status_error"], w["status_prompt"]),
        "percent": ("of:cell-content-is-whole-number() and cell-content-is-between(0,100)", w["percent_error"], None),
        "date": (f"of:cell-content-is-date() and cell-content-is-between({first},{last})",
                 w["date_error"].format(year=y), None),
        "spent": ("of:cell-content-is-whole-number() and cell-content()>=0", w["spent_error"], None),
    }
    out = ContentValidations()
    for key in VALIDATIONS:
        condition, error, prompt = rules[key]
        v = ContentValidation(name=f"val-{key}", condition=condition, allowemptycell="true",
                              **({"displaylist": "unsorted"} if key == "status" else {}))
        if prompt:
            help_ = HelpMessage(display="true")
            help_.addElement(P(text=prompt))
            v.addElement(help_)
        message = ErrorMessage(display="true", messagetype="stop")
        message.addElement(P(text=error))
        v.addElement(message)
        out.addElement(v)
    return out


def _table(req: Request, styles: _Styles, name: str, columns, rows):
    from odf.table import Table, TableHeaderRows, TableRow

    table = Table(name=name, stylename=styles.table(True, pages_wide=2), protected="true")
    _columns(table, styles, [c.width for c in columns], repeated=2)  # id and title on every printed page
    head = TableRow(stylename=styles.row(2))
    for col in columns:
        head.addElement(_cell(req.header(col.key), styles.cell("wrap", head=True, input=col.input)))
    header_rows = TableHeaderRows()  # and the header row
    header_rows.addElement(head)
    table.addElement(header_rows)
    for data in rows:
        tr = TableRow(stylename=styles.row(row_lines(data, columns)))
        for col in columns:
            depth = data["depth"] if col.key == "title" else 0
            style = styles.cell(col.kind, input=col.input, depth=depth)
            validation = f"val-{col.key}" if col.input and col.key in VALIDATIONS else None
            tr.addElement(_cell(data.get(col.key), style, validation))
        table.addElement(tr)
    return table


def _meta(req: Request, styles: _Styles):
    from odf.table import Table, TableRow

    table = Table(name=META_SHEET, stylename=styles.table(False), protected="true")
    plain = styles.cell(border=False)
    pairs = req.meta()
    labels = ["statuses"] + req.status_labels
    for i in range(max(len(pairs), len(labels))):
        tr = TableRow()
        key, value = pairs[i] if i < len(pairs) else (None, None)
        for v in (key, value, None, labels[i] if i < len(labels) else None):
            tr.addElement(_cell(v, plain))
        table.addElement(tr)
    return table


def _view_settings(frozen: list[str], active: str):
    """LibreOffice's view settings: header row and the id and title columns frozen."""
    from odf.config import ConfigItem, ConfigItemMapEntry, ConfigItemMapIndexed, ConfigItemMapNamed, ConfigItemSet

    def item(name: str, kind: str, value) -> ConfigItem:
        return ConfigItem(name=name, type=kind, text=str(value))

    view = ConfigItemMapEntry()
    view.addElement(item("ViewId", "string", "view1"))
    tables = ConfigItemMapNamed(name="Tables")
    for name in frozen:
        entry = ConfigItemMapEntry(name=name)
        for key, kind, value in (("HorizontalSplitMode", "short", 2), ("VerticalSplitMode", "short", 2),
                                 ("HorizontalSplitPosition", "int", 2), ("VerticalSplitPosition", "int", 1),
                                 ("ActiveSplitRange", "short", 2), ("PositionLeft", "int", 0),
                                 ("PositionRight", "int", 2), ("PositionTop", "int", 0), ("PositionBottom", "int", 1)):
            entry.addElement(item(key, kind, value))
        tables.addElement(entry)
    view.addElement(tables)
    view.addElement(item("ActiveTable", "string", active))
    views = ConfigItemMapIndexed(name="Views")
    views.addElement(view)
    settings = ConfigItemSet(name="ooo:view-settings")
    settings.addElement(views)
    return settings
