"""The yearly monitoring report: data (context), charts, assessment, rendering."""

from __future__ import annotations

from pathlib import Path

from ..plan.index import PlanIndex
from .context import ReportError, build
from .render import TemplateProblem, render
from ..errors import IsekError

__all__ = ["ReportError", "TemplateProblem", "report_text", "report_pdf"]


def report_text(plan: PlanIndex, year: int, fmt: str, lang: str, templates: Path | None = None) -> str:
    """The report as Markdown or HTML text."""
    return render(build(plan, year, lang), "md" if fmt == "md" else "html", lang, templates)


class PdfUnavailable(IsekError):
    pass


def report_pdf(plan: PlanIndex, year: int, lang: str, templates: Path | None = None) -> bytes:
    """The HTML report printed to A4 PDF with WeasyPrint (the optional extra isek-cli[pdf])."""
    html = render(build(plan, year, lang), "pdf", lang, templates)
    return html_to_pdf(html)


def html_to_pdf(html: str) -> bytes:
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # OSError: WeasyPrint installed but Pango missing
        raise PdfUnavailable(
            "PDF output needs WeasyPrint: pip install 'isek-cli[pdf]' "
            f"(and the Pango library, e.g. apt-get install libpango-1.0-0) [{type(exc).__name__}: {exc}]") from None
    # A fixed identifier keeps the PDF byte-identical across runs. PDF/UA-1 makes WeasyPrint tag the
    # structure (headings, lists, tables with their header cells, figures with their text alternative)
    # and write the document's language and title, as a public body's documents must have them.
    return HTML(string=html).write_pdf(pdf_identifier=b"isek-report", uncompressed_pdf=False, pdf_variant=PDF_VARIANT)


PDF_VARIANT = "pdf/ua-1"
