"""reportlab building blocks of the invoice: fonts, styles, tables, QR symbols, pages.

Fonts are the bundled DejaVu Sans TTFs (reportlab's standard fonts cannot print
ą ę ł ń ś ź ż), registered once per process. Amounts use a no-break space as the
thousands separator, so an amount never wraps inside a table cell; text extraction
(pdftotext) gives it back as an ordinary space.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from importlib import resources
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

from ksef_desktop.visual.qr import QUIET_ZONE, dark_runs, qr_matrix

FONT = "KsefDejaVuSans"
FONT_BOLD = "KsefDejaVuSans-Bold"
ACCENT = colors.HexColor("#8B1A1A")  # the dark red of KSeF's own visualisation
RULE = colors.HexColor("#B0B0B0")
SHADE = colors.HexColor("#EDEDED")

#: A text longer than this is cut (with "…") where it is printed: the longest text the
#: FA(3) schema allows is 512 characters, and a file that holds megabytes in one
#: element would otherwise take minutes to lay out.
MAX_SHOWN_TEXT = 5000

_font_lock = threading.Lock()
_fonts_ready = False


def register_fonts() -> None:
    global _fonts_ready
    with _font_lock:
        if _fonts_ready:
            return
        folder = resources.files("ksef_desktop.resources").joinpath("fonts")
        for name, filename in ((FONT, "DejaVuSans.ttf"), (FONT_BOLD, "DejaVuSans-Bold.ttf")):
            with resources.as_file(folder.joinpath(filename)) as path:
                pdfmetrics.registerFont(TTFont(name, str(path)))
        pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD)
        _fonts_ready = True


def _style(name: str, size: float, **kw: Any) -> ParagraphStyle:
    return ParagraphStyle(
        name, fontName=kw.pop("fontName", FONT), fontSize=size, leading=size * 1.25, **kw
    )


class Styles:
    """The paragraph styles of one document (cheap: plain objects)."""

    def __init__(self) -> None:
        self.body = _style("body", 8.5)
        self.small = _style("small", 7)
        self.small_right = _style("small_right", 7, alignment=TA_RIGHT)
        self.small_center = _style("small_center", 7, alignment=TA_CENTER)
        self.cell = _style("cell", 7.5)
        self.cell_right = _style("cell_right", 7.5, alignment=TA_RIGHT)
        self.head_cell = _style("head_cell", 7, fontName=FONT_BOLD)
        self.head_cell_right = _style("head_cell_right", 7, fontName=FONT_BOLD, alignment=TA_RIGHT)
        self.section = _style(
            "section", 10, fontName=FONT_BOLD, textColor=ACCENT, spaceBefore=9, spaceAfter=3
        )
        self.title = _style("title", 13, fontName=FONT_BOLD, textColor=ACCENT)
        self.number = _style("number", 14, fontName=FONT_BOLD, alignment=TA_RIGHT)
        self.right = _style("right", 8.5, alignment=TA_RIGHT)
        self.total = _style("total", 12, fontName=FONT_BOLD, alignment=TA_RIGHT, spaceBefore=6)
        self.label = _style("label", 7, textColor=colors.HexColor("#555555"))
        self.party_head = _style("party_head", 10, fontName=FONT_BOLD, textColor=ACCENT)
        self.caption = _style("caption", 8.5, fontName=FONT_BOLD, alignment=TA_CENTER)


def shown(text: str) -> str:
    """``text`` as printed: at most ``MAX_SHOWN_TEXT`` characters."""
    return text if len(text) <= MAX_SHOWN_TEXT else text[: MAX_SHOWN_TEXT - 1] + "…"


def para(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text (escaped; newlines kept as line breaks)."""
    return Paragraph(escape(shown(text)).replace("\n", "<br/>"), style)


def labelled(label: str, value: str, style: ParagraphStyle) -> Paragraph:
    """ "Label: value" with the label in bold."""
    return Paragraph(f"<b>{escape(shown(label))}:</b> {escape(shown(value))}", style)


def grid(
    rows: Sequence[Sequence[Any]],
    widths: Sequence[float],
    *,
    header_rows: int = 1,
    extra: Sequence[tuple[Any, ...]] = (),
) -> Table:
    """A ruled table; the header rows repeat on every page the table continues on, and a
    row taller than a page continues on the next one (``splitInRow``)."""
    table = Table(
        [list(r) for r in rows], colWidths=list(widths), repeatRows=header_rows, splitInRow=1
    )
    commands: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.4, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    if header_rows:
        commands.append(("BACKGROUND", (0, 0), (-1, header_rows - 1), SHADE))
    commands.extend(extra)
    table.setStyle(TableStyle(commands))
    return table


def plain(rows: Sequence[Sequence[Any]], widths: Sequence[float]) -> Table:
    """An unruled layout table (columns side by side; a cell may run over pages)."""
    table = Table([list(r) for r in rows], colWidths=list(widths), splitInRow=1)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


class QrCode(Flowable):
    """A QR symbol drawn as vector rectangles (crisp at any zoom, a few KB)."""

    def __init__(self, data: str, size: float) -> None:
        super().__init__()
        self.data = data
        self.size = size
        self.width = self.height = size

    def draw(self) -> None:
        modules = len(qr_matrix(self.data)) + 2 * QUIET_ZONE
        unit = self.size / modules
        canvas = self.canv
        canvas.saveState()
        canvas.setFillColor(colors.white)
        canvas.rect(0, 0, self.size, self.size, stroke=0, fill=1)
        canvas.setFillColor(colors.black)
        # One module = one unit, rows counted downwards from the top: every rectangle
        # is then four small integers, written as raw "re" operators into one path that
        # is filled once (no seams between modules, and far fewer bytes and float
        # formatting calls than reportlab's path API).
        canvas.translate(0, self.size)
        canvas.scale(unit, -unit)
        ops = [
            f"{col + QUIET_ZONE} {row + QUIET_ZONE} {run} 1 re"
            for row, col, run in dark_runs(self.data)
        ]
        canvas.addLiteral("\n".join(ops) + "\nf")
        canvas.restoreState()


class NumberedCanvas(Canvas):
    """Defers each page so that the footer can say "page X of Y"."""

    footer_left: str = ""
    page_of: Callable[[int, int], str] = staticmethod(lambda page, total: f"{page}/{total}")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()  # type: ignore[attr-defined]

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._footer(total)
            super().showPage()
        super().save()

    def _footer(self, total: int) -> None:
        width, _height = self._pagesize  # type: ignore[attr-defined]
        self.saveState()
        self.setFont(FONT, 7)
        self.setFillColor(colors.HexColor("#555555"))
        self.setStrokeColor(RULE)
        self.setLineWidth(0.4)
        self.line(15 * mm, 12 * mm, width - 15 * mm, 12 * mm)
        self.drawString(15 * mm, 8 * mm, self.footer_left)
        self.drawRightString(width - 15 * mm, 8 * mm, self.page_of(self.getPageNumber(), total))
        self.restoreState()


def numbered_canvas(footer_left: str, page_of: Callable[[int, int], str]) -> type[NumberedCanvas]:
    """A canvas class with this document's footer words (reportlab takes a class)."""
    return type(
        "InvoiceCanvas",
        (NumberedCanvas,),
        {"footer_left": footer_left, "page_of": staticmethod(page_of)},
    )
