"""The yearly monitoring report: data (context), charts, assessment, rendering."""

from __future__ import annotations

from pathlib import Path

from ..plan.index import PlanIndex
from .context import ReportError, build
from .render import TemplateProblem, render
from .sandbox import for_plan
from ..errors import IsekError
from ..resources import templates_dir

__all__ = ["ReportError", "TemplateProblem", "report_text", "report_pdf"]


def report_text(plan: PlanIndex, year: int, fmt: str, lang: str, templates: Path | None = None) -> str:
    """The report as Markdown or HTML text."""
    return render(build(plan, year, lang), "md" if fmt == "md" else "html", lang, templates,
                  max_steps=for_plan(plan))


class PdfUnavailable(IsekError):
    pass


def report_pdf(plan: PlanIndex, year: int, lang: str, templates: Path | None = None) -> bytes:
    """The HTML report printed to A4 PDF with WeasyPrint (the optional extra isek-cli[pdf])."""
    html = render(build(plan, year, lang), "pdf", lang, templates, max_steps=for_plan(plan))
    return html_to_pdf(html, templates)


def html_to_pdf(html: str, templates: Path | None = None) -> bytes:
    """Print HTML to PDF. WeasyPrint may read only isek's own templates and the ``templates``
    folder (stylesheets, images, fonts, attachments a template names there); no other file and
    nothing from the network. A reference to anything else is a :class:`TemplateProblem`."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # OSError: WeasyPrint installed but Pango missing
        raise PdfUnavailable(
            "PDF output needs WeasyPrint: pip install 'isek-cli[pdf]' "
            f"(and the Pango library, e.g. apt-get install libpango-1.0-0) [{type(exc).__name__}: {exc}]") from None
    from .pdf_fetch import confined_fetcher

    folders = [Path(templates)] if templates else []
    fetcher, refused = confined_fetcher(folders + [templates_dir()])
    base = (folders or [templates_dir()])[0].resolve().as_uri() + "/"  # relative references: the folder
    # A fixed identifier keeps the PDF byte-identical across runs. PDF/UA-1 makes WeasyPrint tag the
    # structure (headings, lists, tables with their header cells, figures with their text alternative)
    # and write the document's language and title, as a public body's documents must have them.
    pdf = HTML(string=html, base_url=base, url_fetcher=fetcher).write_pdf(
        pdf_identifier=b"isek-report", uncompressed_pdf=False, pdf_variant=PDF_VARIANT)
    if refused:
        raise TemplateProblem(f"the template refers to {refused[0]}, which isek does not read for a PDF: only "
                              "files inside the template folder (or isek's own) are used, nothing from the "
                              "network; copy the file into the template folder")
    return pdf


PDF_VARIANT = "pdf/ua-1"
