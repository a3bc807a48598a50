"""A printable sheet of building QR codes: A4 pages, six labelled codes a page, cut lines.

Chinese is drawn with reportlab's built-in CID font STSong-Light (Adobe's Asian font pack
names it; the PDF viewer or printer supplies the glyphs), so the sheet needs no font file on
an intranet machine without CJK fonts.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from bot.qrsheet import texts

FONT = "STSong-Light"
COLUMNS, ROWS = 2, 3
MARGIN = 12 * mm
CODE_SIZE = 62 * mm


@dataclass(frozen=True)
class Code:
    """One building's code: its label and the QR image (PNG or JPEG bytes)."""

    compound: str
    building: str
    code: str  # the building code, printed small under the instruction
    image: bytes


def render(codes: Sequence[Code], out: Path | io.BytesIO, title: str = "") -> int:
    """Write the sheet to ``out``; returns the number of pages."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    canvas = Canvas(out if isinstance(out, io.BytesIO) else str(out), pagesize=A4)
    canvas.setTitle(title)
    per_page = COLUMNS * ROWS
    pages = max(1, -(-len(codes) // per_page))
    for page in range(pages):
        chunk = codes[page * per_page:(page + 1) * per_page]
        for index, code in enumerate(chunk):
            _cell(canvas, code, index % COLUMNS, index // COLUMNS)
        _cut_lines(canvas)
        canvas.setFont(FONT, 8)
        compound = codes[0].compound if codes else ""
        canvas.drawCentredString(A4[0] / 2, MARGIN / 2, texts.FOOTER.format(
            compound=compound, page=page + 1, pages=pages))
        canvas.showPage()
    canvas.save()
    return pages


def _cell_box() -> tuple[float, float]:
    return (A4[0] - 2 * MARGIN) / COLUMNS, (A4[1] - 2 * MARGIN) / ROWS


def _cell(canvas: Canvas, code: Code, column: int, row: int) -> None:
    width, height = _cell_box()
    left = MARGIN + column * width
    top = A4[1] - MARGIN - row * height
    centre = left + width / 2
    canvas.setFont(FONT, 15)
    canvas.drawCentredString(centre, top - 12 * mm, _fit(label(code), width - 8 * mm, 15))
    image = Image.open(io.BytesIO(code.image)).convert("L")
    canvas.drawImage(ImageReader(image), centre - CODE_SIZE / 2, top - 16 * mm - CODE_SIZE,
                     CODE_SIZE, CODE_SIZE)
    canvas.setFont(FONT, 11)
    canvas.drawCentredString(centre, top - 22 * mm - CODE_SIZE, texts.INSTRUCTION)
    canvas.setFont("Helvetica", 7)
    canvas.drawCentredString(centre, top - 27 * mm - CODE_SIZE, code.code)


def label(code: Code) -> str:
    """明珠小区 · 3号楼; a building named after its compound (明珠小区3号楼) as it is."""
    if code.building.startswith(code.compound):
        return code.building
    return texts.LABEL.format(compound=code.compound, building=code.building)


def _fit(text: str, width: float, size: float) -> str:
    """``text`` shortened with … to fit ``width`` points at ``size``."""
    while len(text) > 1 and pdfmetrics.stringWidth(text, FONT, size) > width:
        text = text[:-2] + "…"
    return text


def _cut_lines(canvas: Canvas) -> None:
    width, height = _cell_box()
    canvas.saveState()
    canvas.setDash(2, 3)
    canvas.setStrokeGray(0.7)
    canvas.setLineWidth(0.4)
    for column in range(1, COLUMNS):
        x = MARGIN + column * width
        canvas.line(x, MARGIN, x, A4[1] - MARGIN)
    for row in range(1, ROWS):
        y = MARGIN + row * height
        canvas.line(MARGIN, y, A4[0] - MARGIN, y)
    canvas.restoreState()
