"""The review as a web page, a PDF (WeasyPrint, from the same HTML), Markdown and XLSX.

``render(review, fmt, language)`` returns ``(bytes, content type, file name)``. The HTML links
every ticket number to the list of the tickets it counted (``data-count`` = that many); the
PDF keeps the links (absolute, on ``SITE_URL``). Chinese in the PDF needs a CJK font on the
machine: Debian's ``fonts-noto-cjk`` ("Noto Sans CJK SC"); no web font is fetched.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from aftersales.reports.review.facts import Cell, Fact, Num, Review, Table

FORMATS = ("html", "pdf", "md", "xlsx")
LANGUAGES = ("zh-hans", "en")
CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "md": "text/markdown; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class FormatError(ValueError):
    pass


def file_name(review: Review, fmt: str, language: str) -> str:
    code = review.scope.period.code.replace("..", "_to_")
    return f"review-{code}-{language}.{fmt}"


def render(review_or_builder: Any, fmt: str, language: str, *, base_url: str = "") -> tuple[bytes, str, str]:
    """Render a review (or build it first, inside the language, from a callable) as ``fmt``."""
    if fmt not in FORMATS:
        raise FormatError(fmt)
    with translation.override(language):
        review = review_or_builder() if callable(review_or_builder) else review_or_builder
        if fmt == "html":
            data = html(review, standalone=True).encode("utf-8")
        elif fmt == "pdf":
            data = pdf(review, base_url=base_url)
        elif fmt == "md":
            data = markdown(review).encode("utf-8")
        else:
            data = xlsx(review)
    return data, CONTENT_TYPES[fmt], file_name(review, fmt, language)


# --- HTML ----------------------------------------------------------------------------------------
def num_html(n: Num) -> SafeString:
    if n.count is not None and n.link:
        return format_html('<a href="{}" data-count="{}">{}</a>', n.link, n.count, n.display)
    if n.link:
        return format_html('<a href="{}" class="not-tickets">{}</a>', n.link, n.display)
    return format_html("<span>{}</span>", n.display)


def fact_html(fact: Fact) -> SafeString:
    parts = {k: num_html(v) if isinstance(v, Num) else escape(v) for k, v in fact.nums.items()}
    return mark_safe(escape(fact.text) % parts)  # noqa: S308 - the text is escaped, the parts are built safe


def cell_html(cell: Cell) -> SafeString:
    if isinstance(cell, Num):
        return num_html(cell)
    return escape("" if cell is None else cell)


@dataclass(frozen=True)
class _ShownTable:
    table: Table
    rows: list[list[SafeString]]


def context(review: Review) -> dict[str, Any]:
    sections = [
        {
            "section": s,
            "facts": [(f.tone, fact_html(f)) for f in s.facts],
            "tables": [_ShownTable(t, [[cell_html(c) for c in row] for row in t.rows]) for t in s.tables],
        }
        for s in review.sections
    ]
    return {"review": review, "sections": sections}


def html(review: Review, *, standalone: bool) -> str:
    """The report's body inside the print page (``standalone``) — the web page includes the body itself."""
    template = "reports/review/print.html" if standalone else "reports/review/_body.html"
    return render_to_string(template, context(review))


class PdfUnavailable(RuntimeError):
    """WeasyPrint cannot load here: its system libraries (Pango) are missing."""


def pdf(review: Review, *, base_url: str = "") -> bytes:
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # WeasyPrint raises OSError when libpango cannot be loaded
        raise PdfUnavailable(gettext(
            "PDF is not available on this machine: WeasyPrint needs Pango "
            "(Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk). "
            "The other formats work."
        )) from exc

    base = base_url or str(getattr(settings, "SITE_URL", "") or "") or None
    return bytes(HTML(string=html(review, standalone=True), base_url=base).write_pdf())


# --- Markdown ------------------------------------------------------------------------------------
def _md_cell(cell: Cell) -> str:
    text = cell.display if isinstance(cell, Num) else ("" if cell is None else str(cell))
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(review: Review) -> str:
    period = review.scope.period
    lines = [f"# {review.title}", ""]
    lines.append(f"{period.start.isoformat()} – {period.end.isoformat()}"
                 + (f" · {review.scope.team.name}" if review.scope.team else "")
                 + (f" · {review.scope.customer.name}" if review.scope.customer else ""))
    lines.append("")
    for section in review.sections:
        lines += [f"## {section.number}. {section.title}", ""]
        if section.key == "recommendations":
            from django.utils.translation import gettext as _

            lines += [f"- **{o.recommendation}** ({o.evidence})" for o in review.fired] or [f"- {_('No rule fired.')}"]
            lines.append("")
        lines += [f"- {fact.plain()}" for fact in section.facts]
        if section.facts:
            lines.append("")
        for table in section.tables:
            lines += [f"### {table.title}", ""]
            if not table.rows:
                lines += [table.empty or "—", ""]
                continue
            lines.append("| " + " | ".join(_md_cell(c) for c in table.columns) + " |")
            lines.append("|" + "|".join(" --- " for _c in table.columns) + "|")
            lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in table.rows]
            lines.append("")
        lines += [f"_{note}_" for note in section.notes]
        if section.notes:
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


# --- XLSX ----------------------------------------------------------------------------------------
def _xlsx_cell(cell: Cell) -> Any:
    if isinstance(cell, Num):
        return cell.value if cell.value is not None else cell.display
    return "" if cell is None else str(cell)


def xlsx(review: Review) -> bytes:
    """One sheet of facts, then one sheet per data table (streamed: write-only mode)."""
    from django.utils.translation import gettext as _
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    facts = book.create_sheet("facts")
    facts.append([review.title])
    facts.append([_("Section"), _("Fact")])
    for section in review.sections:
        for fact in section.facts:
            facts.append([f"{section.number}. {section.title}", fact.plain()])
    used: set[str] = {"facts"}
    for table in review.tables():
        name = table.key[:31]
        while name in used:
            name = f"{name[:28]}_{len(used)}"
        used.add(name)
        sheet = book.create_sheet(name)
        sheet.append([table.title])
        sheet.append(list(table.columns))
        for row in table.rows:
            sheet.append([_xlsx_cell(c) for c in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
