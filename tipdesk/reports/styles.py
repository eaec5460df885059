"""Page geometry and paragraph styles for Decree 30/2020/NĐ-CP documents, in one place.

Appendix I of the Decree: A4; margins top/bottom 20-25 mm, left 30-35 mm,
right 15-20 mm; Times New Roman (here metric-compatible Liberation Serif);
national name bold caps 12-13 pt; motto bold 13-14 pt; body 13-14 pt,
justified, first-line indent 1-1.27 cm, at least 6 pt between paragraphs.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Literal

from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.pagesizes import landscape as to_landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm

from tipdesk.reports.fonts import FontNames, register_fonts

Align = Literal["left", "center", "right"]
_ALIGNMENTS: dict[str, int] = {"left": TA_LEFT, "center": TA_CENTER, "right": TA_RIGHT}

# Margins in millimetres, each inside the Decree's range (see MARGIN_RANGES_MM).
MARGINS_MM: dict[str, float] = {"top": 20.0, "bottom": 20.0, "left": 30.0, "right": 15.0}
MARGIN_RANGES_MM: dict[str, tuple[float, float]] = {
    "top": (20.0, 25.0),
    "bottom": (20.0, 25.0),
    "left": (30.0, 35.0),
    "right": (15.0, 20.0),
}

BODY_SIZE = 13.0
TABLE_SIZE = 12.0


@dataclass(frozen=True)
class PageGeometry:
    """Page size and margins in points."""

    width: float
    height: float
    top: float
    bottom: float
    left: float
    right: float

    @property
    def content_width(self) -> float:
        return self.width - self.left - self.right

    @property
    def content_height(self) -> float:
        return self.height - self.top - self.bottom


def page_geometry(landscape: bool = False) -> PageGeometry:
    width, height = to_landscape(A4) if landscape else A4
    return PageGeometry(
        width=width,
        height=height,
        top=MARGINS_MM["top"] * mm,
        bottom=MARGINS_MM["bottom"] * mm,
        left=MARGINS_MM["left"] * mm,
        right=MARGINS_MM["right"] * mm,
    )


@dataclass(frozen=True)
class Styles:
    fonts: FontNames
    body: ParagraphStyle
    body_plain: ParagraphStyle
    heading: ParagraphStyle
    title: ParagraphStyle
    subtitle: ParagraphStyle
    header_parent: ParagraphStyle
    header_unit: ParagraphStyle
    header_number: ParagraphStyle
    national_name: ParagraphStyle
    motto: ParagraphStyle
    date_line: ParagraphStyle
    table_header: ParagraphStyle
    kv_key: ParagraphStyle
    kv_value: ParagraphStyle
    sign_title: ParagraphStyle
    sign_note: ParagraphStyle
    sign_name: ParagraphStyle
    recipients_label: ParagraphStyle
    recipients: ParagraphStyle
    footer_size: float
    footer_note_size: float

    def cell(self, align: Align = "left") -> ParagraphStyle:
        """Table body cell style with the given horizontal alignment."""
        return _cell_styles(self.fonts)[align]

    def by_name(self, name: str) -> ParagraphStyle:
        style = getattr(self, name, None)
        if not isinstance(style, ParagraphStyle):
            raise KeyError(name)
        return style


def _style(
    name: str, font: str, size: float, align: int = TA_LEFT, **kw: float | int | bool
) -> ParagraphStyle:
    leading = kw.pop("leading", round(size * 1.22, 1))
    return ParagraphStyle(name, fontName=font, fontSize=size, leading=leading, alignment=align, **kw)


@cache
def _cell_styles(fonts: FontNames) -> dict[str, ParagraphStyle]:
    return {
        key: _style(f"cell_{key}", fonts.regular, TABLE_SIZE, value, splitLongWords=True)
        for key, value in _ALIGNMENTS.items()
    }


@cache
def make_styles(fonts: FontNames) -> Styles:
    f = fonts
    return Styles(
        fonts=f,
        body=_style("body", f.regular, BODY_SIZE, TA_JUSTIFY, firstLineIndent=10 * mm, spaceAfter=6),
        body_plain=_style("body_plain", f.regular, BODY_SIZE, TA_LEFT, spaceAfter=6),
        heading=_style("heading", f.bold, BODY_SIZE, TA_LEFT, spaceBefore=6, spaceAfter=4, keepWithNext=True),
        title=_style("title", f.bold, 14, TA_CENTER, spaceBefore=18, spaceAfter=2, keepWithNext=True),
        subtitle=_style("subtitle", f.bold, 14, TA_CENTER, spaceAfter=2, keepWithNext=True),
        header_parent=_style("header_parent", f.regular, 12, TA_CENTER),
        header_unit=_style("header_unit", f.bold, 12, TA_CENTER),
        header_number=_style("header_number", f.regular, BODY_SIZE, TA_CENTER),
        national_name=_style("national_name", f.bold, 12, TA_CENTER),
        motto=_style("motto", f.bold, 13, TA_CENTER),
        date_line=_style("date_line", f.italic, BODY_SIZE, TA_CENTER),
        table_header=_style("table_header", f.bold, TABLE_SIZE, TA_CENTER),
        kv_key=_style("kv_key", f.bold, BODY_SIZE, TA_LEFT),
        kv_value=_style("kv_value", f.regular, BODY_SIZE, TA_LEFT, splitLongWords=True),
        sign_title=_style("sign_title", f.bold, BODY_SIZE, TA_CENTER),
        sign_note=_style("sign_note", f.italic, BODY_SIZE, TA_CENTER),
        sign_name=_style("sign_name", f.bold, BODY_SIZE, TA_CENTER),
        recipients_label=_style("recipients_label", f.bold_italic, 12, TA_LEFT),
        recipients=_style("recipients", f.regular, 11, TA_LEFT),
        footer_size=11.0,
        footer_note_size=9.0,
    )


def default_styles() -> Styles:
    """Styles over the bundled fonts (registers them on first use)."""
    return make_styles(register_fonts())
