"""Content helpers for Decree 30 documents: paragraphs, headings and tables.

All text passed in is plain (already translated) text: it is escaped for
reportlab's paragraph markup, and newlines become line breaks. Table cells are
Paragraphs, so long text wraps (long words are split) instead of being clipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

from tipdesk.i18n import _
from tipdesk.reports.styles import Align, default_styles, page_geometry

HEADER_BACKGROUND = colors.HexColor("#E6E6E6")
GRID_WIDTH = 0.5
CELL_PADDING = 3


@dataclass(frozen=True)
class Column:
    title: str
    width_mm: float
    align: Align = "left"


def markup(text: str) -> str:
    """Escape plain text for a reportlab Paragraph; newlines become <br/>."""
    return "<br/>".join(escape(line) for line in text.split("\n"))


def paragraph(text: str, style: str | ParagraphStyle = "body", *, is_markup: bool = False) -> Paragraph:
    """A paragraph of plain text (``is_markup=True`` to pass reportlab inline markup through)."""
    styles = default_styles()
    chosen = styles.by_name(style) if isinstance(style, str) else style
    return Paragraph(text if is_markup else markup(text), chosen)


def heading(text: str) -> Paragraph:
    """A bold section heading kept with the next flowable."""
    return paragraph(text, "heading")


class FitTable(Table):  # type: ignore[misc]
    """A Table whose column widths shrink proportionally when wider than the frame."""

    _argW: list[float]
    _colWidths: list[float]

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        if not getattr(self, "_width_calculated_once", None):
            widths = [float(w) for w in self._argW]
            total = sum(widths)
            if total > availWidth > 0:
                scaled = [w * availWidth / total for w in widths]
                self._argW = self._colWidths = scaled
        result: tuple[float, float] = super().wrap(availWidth, availHeight)
        return result


def _table_style(empty: bool, ncols: int) -> TableStyle:
    commands: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), GRID_WIDTH, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("VALIGN", (0, 0), (-1, 0), "MIDDLE"),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_BACKGROUND),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("TOPPADDING", (0, 0), (-1, -1), CELL_PADDING - 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), CELL_PADDING + 1),
    ]
    if empty:
        commands.append(("SPAN", (0, 1), (ncols - 1, 1)))
    return TableStyle(commands)


def data_table(columns: Sequence[Column], rows: Sequence[Sequence[str]], repeat_header: bool = True) -> Table:
    """A gridded table that breaks across pages, repeating its heading row on each page.

    Every row must have one cell per column. Widths are in millimetres and
    shrink proportionally if they do not fit the text width.
    """
    if not columns:
        raise ValueError("a table needs at least one column")
    for index, row in enumerate(rows):
        if len(row) != len(columns):
            raise ValueError(f"row {index} has {len(row)} cells, expected {len(columns)}")
    styles = default_styles()
    data: list[list[Flowable | str]] = [[Paragraph(markup(c.title), styles.table_header) for c in columns]]
    cell_styles = [styles.cell(c.align) for c in columns]
    for row in rows:
        data.append([Paragraph(markup(text), style) for text, style in zip(row, cell_styles, strict=True)])
    empty = not rows
    if empty:
        data.append([Paragraph(markup(_("No records.")), styles.cell("center"))] + [""] * (len(columns) - 1))
    table = FitTable(
        data,
        colWidths=[c.width_mm * mm for c in columns],
        repeatRows=1 if repeat_header else 0,
        splitInRow=1,
        hAlign="CENTER",
    )
    table.setStyle(_table_style(empty, len(columns)))
    return table


def key_value_table(pairs: Sequence[tuple[str, str]], key_width_mm: float | None = None) -> Table:
    """Label/value lines without a grid (e.g. the particulars of a person or a tip)."""
    styles = default_styles()
    content = page_geometry().content_width
    key_width = key_width_mm * mm if key_width_mm is not None else content * 0.35
    data = [
        [Paragraph(markup(key), styles.kv_key), Paragraph(markup(value), styles.kv_value)]
        for key, value in pairs
    ]
    if not data:
        data = [[Paragraph(markup(_("No records.")), styles.kv_value), ""]]
    table = FitTable(data, colWidths=[key_width, content - key_width], hAlign="LEFT", splitInRow=1)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 4),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table
