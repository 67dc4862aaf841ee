"""PDF documents of the portal (a bill, usage details 详单): plain strings in, PDF bytes out, no ORM and no
translation here (the views pass translated labels), so the counter could print the same documents.

Text is set in reportlab's built-in CID font STSong-Light (Adobe-GB1): PDF readers supply the glyphs, so Chinese
renders without shipping a font file and the files stay small.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT = "STSong-Light"
ROWS_PER_TABLE = 200  # long tables are laid out in slices: splitting one huge table across pages is slow

pdfmetrics.registerFont(UnicodeCIDFont(FONT))

_TITLE = ParagraphStyle("title", fontName=FONT, fontSize=15, leading=20, spaceAfter=4 * mm)
_TEXT = ParagraphStyle("text", fontName=FONT, fontSize=9.5, leading=14)
_CELL = ParagraphStyle("cell", fontName=FONT, fontSize=8.5, leading=11)


@dataclass(frozen=True)
class PdfTable:
    """A table: its header, its rows of strings, and which columns are numbers (right-aligned)."""

    header: Sequence[str]
    rows: Iterable[Sequence[str]]
    numeric: Sequence[int] = ()
    widths: Sequence[float] | None = None  # fractions of the text width; even columns when None
    footer: Sequence[Sequence[str]] = ()


@dataclass(frozen=True)
class PdfDocument:
    """A document: title (also the file's Title metadata), lines under it, tables, notes after them."""

    title: str
    lines: Sequence[str] = ()
    tables: Sequence[PdfTable] = ()
    notes: Sequence[str] = ()
    author: str = ""
    subject: str = ""


def _escape(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slices(rows: Iterable[Sequence[str]]):
    chunk: list[Sequence[str]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == ROWS_PER_TABLE:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _cells(row: Sequence[str], numeric: Sequence[int]) -> list:
    # Text cells wrap (a Paragraph); numbers stay one plain string, right-aligned by the table style.
    return [str(v) if i in numeric else Paragraph(_escape(v), _CELL) for i, v in enumerate(row)]


def _tables(table: PdfTable, width: float) -> list[Table]:
    count = len(table.header)
    fractions = table.widths or [1 / count] * count
    col_widths = [width * f for f in fractions]
    header = [Paragraph(_escape(h), _CELL) for h in table.header]
    style = [
        ("FONT", (0, 0), (-1, -1), FONT, 8.5),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef7")),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#c8ced8")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    style += [("ALIGN", (c, 0), (c, -1), "RIGHT") for c in table.numeric]
    out = []
    slices = list(_slices(table.rows)) or [[]]
    for index, rows in enumerate(slices):
        data = [header] + [_cells(row, table.numeric) for row in rows]
        last = index == len(slices) - 1
        if last:
            data += [[str(v) for v in row] for row in table.footer]
        if not rows and not (last and table.footer):
            continue
        out.append(Table(data, colWidths=col_widths, repeatRows=1, style=TableStyle(style)))
    return out


def document_pdf(document: PdfDocument) -> bytes:
    """The document as A4 PDF bytes, page numbers at the foot."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm, bottomMargin=15 * mm,
        title=document.title, author=document.author, subject=document.subject, creator="CRM portal",
    )  # fmt: skip
    story: list = [Paragraph(_escape(document.title), _TITLE)]
    story += [Paragraph(_escape(line), _TEXT) for line in document.lines]
    for table in document.tables:
        story.append(Spacer(1, 4 * mm))
        story += _tables(table, doc.width)
    if document.notes:
        story.append(Spacer(1, 4 * mm))
        story += [Paragraph(_escape(note), _TEXT) for note in document.notes]

    def _page_number(canvas, doc_):
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.drawRightString(A4[0] - 15 * mm, 8 * mm, f"{doc_.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=_page_number, onLaterPages=_page_number)
    return buffer.getvalue()
