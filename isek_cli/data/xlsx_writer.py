"""A small streaming writer of SpreadsheetML (.xlsx) for the open-data export; standard library only.

The export is a plain grid per sheet: text, numbers, booleans and dates, a bold frozen header,
an autofilter, column widths and two number formats (whole euros, ISO dates). For that, openpyxl's
general cell and XML machinery cost about six times the CPU of loading the plan (issue 18), so
the rows are written as text here, a chunk of rows at a time, straight into the zip member.

What it guarantees:

- text is always an inline string (``t="inlineStr"``), never a formula, whatever it starts with;
  characters XML 1.0 cannot carry (C0 controls but tab and line ends, lone surrogates, U+FFFE/F)
  are dropped, a carriage return is kept as ``&#13;``;
- every cell has its reference (``r``), so that empty cells are simply left out;
- the same sheets and the same ``when`` give the same bytes: every zip member and the document's
  created and modified time carry ``when``, never the clock.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from typing import Any
from xml.sax.saxutils import escape, quoteattr

EURO = '#,##0 "€";-#,##0 "€"'  # whole euros with thousands separators; Excel shows them in the user's locale
DATE = "yyyy-mm-dd"
# cellXfs below: 0 plain, 1 bold (the header), 2 euros, 3 dates
STYLE = {None: "", EURO: ' s="2"', DATE: ' s="3"'}
MAX_ROWS = 1_048_575  # a worksheet's rows below its header (Excel's limit)
CHUNK = 2_000  # rows per piece of XML handed to the compressor: bounds the memory a sheet takes

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_EPOCH = dt.date(1899, 12, 30)  # Excel's day 0 (its 1900 leap-year bug lies before any plan)
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_FROZEN_HEADER = ('<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
                  'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
                  "</sheetView></sheetViews>")


def column_letter(col: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def text(value: str) -> str:
    """A text cell's content, escaped for XML (with xml:space when its ends are blanks)."""
    if not value.isprintable():  # the fast path: most texts hold no line end, tab or control character
        value = _ILLEGAL.sub("", value)
        if not value:
            return ""
    blank_ends = value[0] in " \t\n\r" or value[-1] in " \t\n\r"
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if "\r" in value:
        value = value.replace("\r", "&#13;")  # a parser would read a bare CR as a line feed
    return f'<t xml:space="preserve">{value}</t>' if blank_ends else f"<t>{value}</t>"


def serial(day: dt.date) -> float | int:
    """A date (or date and time) as Excel's day number."""
    if isinstance(day, dt.datetime):
        midnight = dt.datetime.combine(day.date(), dt.time(), day.tzinfo)
        return (day.date() - _EPOCH).days + (day - midnight).total_seconds() / 86400
    return (day - _EPOCH).days


def sheet_rows(rows: Iterable[Sequence[Any]], letters: Sequence[str], styles: Sequence[str], first: int = 2):
    """The <row> elements of ``rows`` (lists of values, one per column), in chunks of text.
    ``styles[i]`` is the style attribute of column i's numbers and dates (see ``STYLE``)."""
    out: list[str] = []
    n = first
    for n, values in enumerate(rows, first):
        cells = [f'<row r="{n}">']
        for v, col, s in zip(values, letters, styles):
            if v is None:
                continue
            kind = type(v)
            if kind is str:
                if v:
                    body = text(v)
                    if body:
                        cells.append(f'<c r="{col}{n}" t="inlineStr"><is>{body}</is></c>')
            elif kind is int or kind is float:
                if kind is float and not math.isfinite(v):
                    continue  # the plan's models refuse these; never written as a number Excel misreads
                cells.append(f'<c r="{col}{n}"{s}><v>{v!r}</v></c>')
            elif kind is bool:
                cells.append(f'<c r="{col}{n}" t="b"><v>{int(v)}</v></c>')
            elif isinstance(v, dt.date):
                cells.append(f'<c r="{col}{n}"{s or STYLE[DATE]}><v>{serial(v)!r}</v></c>')
            elif isinstance(v, (int, float)):  # a subclass (an IntEnum): its number
                cells.append(f'<c r="{col}{n}"{s}><v>{float(v) if isinstance(v, float) else int(v)!r}</v></c>')
            else:
                body = text(str(v))
                if body:
                    cells.append(f'<c r="{col}{n}" t="inlineStr"><is>{body}</is></c>')
        cells.append("</row>")
        out.append("".join(cells))
        if len(out) == CHUNK:
            yield "".join(out)
            out = []
    if out:
        yield "".join(out)


class Workbook:
    """An .xlsx being written: the sheets' names first, then ``add_sheet`` for each in that order,
    then ``close()`` for the bytes."""

    def __init__(self, names: Sequence[str], *, creator: str, when: dt.datetime) -> None:
        self.names, self.creator = list(names), creator
        self.date_time = when.timetuple()[:6]
        self.buf = io.BytesIO()
        self.zip = zipfile.ZipFile(self.buf, "w", zipfile.ZIP_DEFLATED)
        self.filters: list[str] = []  # each sheet's autofilter range, as the workbook names it
        n = len(self.names)
        self._put("[Content_Types].xml", _content_types(n))  # first, where file-type sniffers look
        self._put("_rels/.rels", f'<Relationships xmlns="{_PKG_REL}">'
                  f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
                  f'<Relationship Id="rId2" Type="{_PKG_REL}/metadata/core-properties" Target="docProps/core.xml"/>'
                  f'<Relationship Id="rId3" Type="{_REL}/extended-properties" Target="docProps/app.xml"/>'
                  "</Relationships>")
        self._put("docProps/core.xml", _core(creator, when.strftime("%Y-%m-%dT%H:%M:%SZ")))
        self._put("docProps/app.xml", '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
                  f'extended-properties"><Application>{escape(creator)}</Application></Properties>')
        rels = "".join(f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                       for i in range(1, n + 1))
        self._put("xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{_PKG_REL}">{rels}<Relationship '
                  f'Id="rId{n + 1}" Type="{_REL}/styles" Target="styles.xml"/></Relationships>')
        self._put("xl/styles.xml", _styles())

    def _member(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=self.date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o600 << 16
        return info

    def _put(self, name: str, body: str) -> None:
        self.zip.writestr(self._member(name), (_XML + body).encode("utf-8"))

    def add_sheet(self, name: str, header: Sequence[str], widths: Sequence[float], rows: Iterable[Sequence[Any]],
                  row_count: int, formats: Sequence[str | None] = ()) -> None:
        """The next sheet: the bold header frozen above ``row_count`` rows, an autofilter over all of
        them, ``widths`` in characters, ``formats[i]`` (EURO, DATE or None) for column i's numbers."""
        if len(self.filters) >= len(self.names) or name != self.names[len(self.filters)]:
            raise ValueError(f"sheet {name!r} is not the next of {self.names}")
        letters = [column_letter(i) for i in range(1, len(header) + 1)]
        styles = [STYLE[f] for f in formats] + [""] * (len(header) - len(formats))
        last = f"{letters[-1]}{row_count + 1}"
        self.filters.append(f"$A$1:${letters[-1]}${row_count + 1}")
        cols = "".join(f'<col min="{i}" max="{i}" width="{w:g}" customWidth="1"/>' for i, w in enumerate(widths, 1))
        head = "".join(f'<c r="{c}1" s="1" t="inlineStr"><is>{text(h)}</is></c>' for c, h in zip(letters, header))
        with self.zip.open(self._member(f"xl/worksheets/sheet{len(self.filters)}.xml"), "w") as fh:
            fh.write((_XML + f'<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}"><dimension ref="A1:{last}"/>'
                      f'{_FROZEN_HEADER}<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols>'
                      f'<sheetData><row r="1">{head}</row>').encode("utf-8"))
            for chunk in sheet_rows(rows, letters, styles):
                fh.write(chunk.encode("utf-8"))
            fh.write(f'</sheetData><autoFilter ref="A1:{last}"/><pageMargins left="0.75" right="0.75" top="1" '
                     'bottom="1" header="0.5" footer="0.5"/></worksheet>'.encode())

    def close(self) -> bytes:
        """The workbook part (sheets and their filter ranges) last, then the archive's bytes."""
        if len(self.filters) != len(self.names):
            raise ValueError(f"{len(self.filters)} of {len(self.names)} sheets written")
        sheets = "".join(f'<sheet name={quoteattr(name)} sheetId="{i}" r:id="rId{i}"/>'
                         for i, name in enumerate(self.names, 1))
        filters = "".join(f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
                          f"{escape(_quoted(name))}!{ref}</definedName>"
                          for i, (name, ref) in enumerate(zip(self.names, self.filters)))
        self._put("xl/workbook.xml", f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><bookViews><workbookView '
                  f'activeTab="0"/></bookViews><sheets>{sheets}</sheets><definedNames>{filters}</definedNames>'
                  "</workbook>")
        self.zip.close()
        return self.buf.getvalue()


def _quoted(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def _styles() -> str:
    font = '<sz val="11"/><name val="Calibri"/><family val="2"/>'
    xf = '<xf numFmtId="{}" fontId="{}" fillId="0" borderId="0" xfId="0"{}/>'
    return (f'<styleSheet xmlns="{_MAIN}"><numFmts count="2"><numFmt numFmtId="164" formatCode={quoteattr(EURO)}/>'
            f'<numFmt numFmtId="165" formatCode={quoteattr(DATE)}/></numFmts>'
            f'<fonts count="2"><font>{font}</font><font><b/>{font}</font></fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
            '</fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            '<cellXfs count="4">' + xf.format(0, 0, "") + xf.format(0, 1, ' applyFont="1"')
            + xf.format(164, 0, ' applyNumberFormat="1"') + xf.format(165, 0, ' applyNumberFormat="1"') +
            '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            "</styleSheet>")


def _core(creator: str, stamp: str) -> str:
    # own_output() in export.py recognises the export by this exact <dc:creator> element
    return ('<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<dc:creator>{escape(creator)}</dc:creator>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified></cp:coreProperties>')


def _content_types(n: int) -> str:
    office = "application/vnd.openxmlformats-officedocument"
    sheets = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
                     f'ContentType="{office}.spreadsheetml.worksheet+xml"/>' for i in range(1, n + 1))
    return ('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{office}.spreadsheetml.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{office}.spreadsheetml.styles+xml"/>'
            '<Override PartName="/docProps/core.xml" '
            'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            f'<Override PartName="/docProps/app.xml" ContentType="{office}.extended-properties+xml"/>'
            f"{sheets}</Types>")
