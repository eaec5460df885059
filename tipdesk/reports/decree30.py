"""Decree 30/2020/NĐ-CP (Appendix I) document builder: page, header, signature, page numbers.

Layout: A4, margins from :mod:`tipdesk.reports.styles`; on the first page the
issuing unit (parent agency above, unit in bold caps with a short rule below,
then "Số: ...") on the left and the national name and motto (with a rule as
long as the motto) on the right; the place-and-date line in italics under the
motto; the document title in bold caps, centred; the body; the signature
block; "Trang x/y" on every page. The national name and motto are always
Vietnamese, whatever the interface language.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from babel import dates as babel_dates
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    HRFlowable,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from tipdesk import __version__, i18n
from tipdesk.i18n import _
from tipdesk.reports.flowables import Column, data_table, heading, key_value_table, markup, paragraph
from tipdesk.reports.styles import PageGeometry, Styles, default_styles, page_geometry

__all__ = [
    "NATIONAL_MOTTO",
    "NATIONAL_NAME",
    "Column",
    "DocumentHeader",
    "SignatureBlock",
    "build_pdf",
    "data_table",
    "default_styles",
    "format_doc_number",
    "heading",
    "key_value_table",
    "official_date_line",
    "page_geometry",
    "paragraph",
]

# Fixed by law, never translated.
NATIONAL_NAME = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
NATIONAL_MOTTO = "Độc lập - Tự do - Hạnh phúc"

HEADER_LEFT_MM = 70.0
HEADER_RIGHT_MM = 95.0
SIGNATURE_WIDTH_MM = 80.0
SIGNATURE_SPACE_MM = 25.0
RULE_THICKNESS = 0.6
TABLE_START_MM = 35.0  # room a heading needs for itself and a table's first rows


@dataclass(frozen=True)
class DocumentHeader:
    """The first-page header; every text is already translated by the caller."""

    parent_agency: str
    unit_name: str
    number: str
    place: str
    date: dt.date
    title: str
    subtitle: str = ""
    lang: str | None = None  # date-line language; None = the interface language


@dataclass(frozen=True)
class SignatureBlock:
    title: str
    name: str
    note: str | None = None  # None = "(Ký, ghi rõ họ tên)" in the interface language
    recipients: Sequence[str] = field(default_factory=tuple)


def _pad_month(month: int) -> str:
    return f"{month:02d}" if month <= 2 else str(month)


def official_date_line(place: str, date: dt.date, lang: str | None = None) -> str:
    """The place-and-date line: "Xã X, ngày 05 tháng 02 năm 2026" (vi) or "Xã X, 5 February 2026".

    In Vietnamese, days below 10 and the months 1 and 2 are zero-padded (Decree 30).
    """
    lang = lang or i18n.language()
    if lang == "vi":
        when = f"ngày {date.day:02d} tháng {_pad_month(date.month)} năm {date.year}"
    else:
        when = babel_dates.format_date(date, format="d MMMM y", locale="en_GB")
    place = place.strip()
    return f"{place}, {when}" if place else when


def format_doc_number(seq: int, year: int | None, suffix: str) -> str:
    """Document number "01/2026/BB-CAX" (or "01/BB-CAX" when year is None).

    Numbers run from 01 every 1 January; below 10 they are zero-padded.
    """
    if seq < 1:
        raise ValueError(f"document sequence must start at 1, got {seq}")
    suffix = suffix.strip().strip("/")
    parts = [f"{seq:02d}"]
    if year is not None:
        if not 1900 <= year <= 9999:
            raise ValueError(f"implausible year {year}")
        parts.append(str(year))
    if suffix:
        parts.append(suffix)
    return "/".join(parts)


def _rule(width: float, space_before: float = 3, space_after: float = 3) -> HRFlowable:
    return HRFlowable(
        width=width,
        thickness=RULE_THICKNESS,
        color="black",
        hAlign="CENTER",
        spaceBefore=space_before,
        spaceAfter=space_after,
    )


def _line_width(text: str, font: str, size: float, limit: float) -> float:
    """Width of the widest wrapped line of ``text`` (approximated by min(text, limit))."""
    widest = max(float(stringWidth(line, font, size)) for line in text.split("\n"))
    return min(widest, limit)


def _header_left(header: DocumentHeader, st: Styles, width: float) -> list[Flowable]:
    cells: list[Flowable] = []
    if header.parent_agency.strip():
        cells.append(Paragraph(markup(header.parent_agency.upper()), st.header_parent))
    unit = header.unit_name.upper()
    cells.append(Paragraph(markup(unit), st.header_unit))
    unit_width = _line_width(unit, st.header_unit.fontName, st.header_unit.fontSize, width)
    cells.append(_rule(unit_width * 0.4))
    return cells


def _header_right(st: Styles, width: float) -> list[Flowable]:
    motto_width = _line_width(NATIONAL_MOTTO, st.motto.fontName, st.motto.fontSize, width)
    return [
        Paragraph(NATIONAL_NAME, st.national_name),
        Paragraph(NATIONAL_MOTTO, st.motto),
        _rule(motto_width, space_before=5),
    ]


def _header_table(header: DocumentHeader, st: Styles, geo: PageGeometry) -> Table:
    left = HEADER_LEFT_MM * mm
    right = HEADER_RIGHT_MM * mm
    middle = max(geo.content_width - left - right, 0.0)
    number_text = _("No.: {number}").format(number=header.number) if header.number.strip() else ""
    number = Paragraph(markup(number_text), st.header_number)
    date_line = Paragraph(markup(official_date_line(header.place, header.date, header.lang)), st.date_line)
    data = [
        [_header_left(header, st, left - 4), "", _header_right(st, right - 4)],
        [number, "", date_line],
    ]
    table = Table(data, colWidths=[left, middle, right], hAlign="CENTER")
    table.setStyle(
        TableStyle(
            [
                ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                ("VALIGN", (0, 0), (-1, 0), "TOP"),
                ("VALIGN", (0, 1), (-1, 1), "BOTTOM"),
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
                ("RIGHTPADDING", (0, 0), (-1, -1), 2),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _title_flowables(header: DocumentHeader, st: Styles, geo: PageGeometry) -> list[Flowable]:
    result: list[Flowable] = [Paragraph(markup(header.title.upper()), st.title)]
    subtitle = header.subtitle.strip()
    if subtitle:
        result.append(Paragraph(markup(subtitle), st.subtitle))
        width = _line_width(subtitle, st.subtitle.fontName, st.subtitle.fontSize, geo.content_width)
        result.append(_rule(width * 0.4))
    result.append(Spacer(1, 4 * mm))
    return result


def _signature_cell(sig: SignatureBlock, st: Styles) -> list[Flowable]:
    note = sig.note if sig.note is not None else _("(Sign and write full name)")
    cells: list[Flowable] = [Paragraph(markup(sig.title.upper()), st.sign_title)]
    if note:
        cells.append(Paragraph(markup(note), st.sign_note))
    cells.append(Spacer(1, SIGNATURE_SPACE_MM * mm))
    cells.append(Paragraph(markup(sig.name), st.sign_name))
    return cells


def _recipients_cell(sig: SignatureBlock, st: Styles) -> list[Flowable]:
    if not sig.recipients:
        return []
    cells: list[Flowable] = [Paragraph(markup(_("Recipients:")), st.recipients_label)]
    cells.extend(Paragraph(markup(f"- {item}"), st.recipients) for item in sig.recipients)
    return cells


def _signature_flowable(sig: SignatureBlock, st: Styles, geo: PageGeometry) -> Flowable:
    right = SIGNATURE_WIDTH_MM * mm
    left = geo.content_width - right
    table = Table([[_recipients_cell(sig, st), _signature_cell(sig, st)]], colWidths=[left, right])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (1, 0), (1, 0), "CENTER"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return KeepTogether([Spacer(1, 6 * mm), table])


def _canvas_class(geo: PageGeometry, st: Styles, footer_note: str | None) -> type[Canvas]:
    """A canvas that holds back its pages so each footer can say "Trang x/y"."""
    page_text = _("Page {page}/{total}")
    fonts = st.fonts

    class NumberedCanvas(Canvas):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._held_pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._held_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._held_pages)
            for state in self._held_pages:
                self.__dict__.update(state)
                self._draw_footer(total)
                super().showPage()
            super().save()

        def _draw_footer(self, total: int) -> None:
            centre = geo.left + geo.content_width / 2
            base = geo.bottom / 2
            self.setFont(fonts.regular, st.footer_size)
            self.drawCentredString(centre, base, page_text.format(page=self.getPageNumber(), total=total))
            if footer_note:
                self.setFont(fonts.italic, st.footer_note_size)
                self.drawCentredString(centre, base - st.footer_size - 1, footer_note)

    return NumberedCanvas


def _protect_headings(flowables: Sequence[Flowable]) -> list[Flowable]:
    """Keep a heading with the start of a following table without pushing the whole table on.

    reportlab's keepWithNext would move a heading plus a long table to a new
    page; instead, start a new page only if the heading and a few rows do not fit.
    """
    result: list[Flowable] = []
    for index, item in enumerate(flowables):
        following = flowables[index + 1] if index + 1 < len(flowables) else None
        if isinstance(following, Table) and item.getKeepWithNext():
            item.keepWithNext = False
            result.append(CondPageBreak(TABLE_START_MM * mm))
        result.append(item)
    return result


def _story(
    header: DocumentHeader,
    flowables: Sequence[Flowable],
    signature: SignatureBlock | None,
    st: Styles,
    geo: PageGeometry,
) -> list[Flowable]:
    story: list[Flowable] = [_header_table(header, st, geo)]
    story.extend(_title_flowables(header, st, geo))
    story.extend(_protect_headings(flowables))
    if signature is not None:
        story.append(_signature_flowable(signature, st, geo))
    return story


def _render(
    target: str | IO[bytes],
    header: DocumentHeader,
    story: list[Flowable],
    geo: PageGeometry,
    canvasmaker: type[Canvas],
) -> int:
    doc = BaseDocTemplate(
        target,
        pagesize=(geo.width, geo.height),
        leftMargin=geo.left,
        rightMargin=geo.right,
        topMargin=geo.top,
        bottomMargin=geo.bottom,
        title=header.title,
        author=header.unit_name,
        subject=header.subtitle,
        creator=f"tipdesk {__version__}",
        lang="vi-VN" if (header.lang or i18n.language()) == "vi" else "en-GB",
    )
    frame = Frame(geo.left, geo.bottom, geo.content_width, geo.content_height, 0, 0, 0, 0, id="body")
    doc.addPageTemplates([PageTemplate(id="decree30", frames=[frame])])
    doc.build(story, canvasmaker=canvasmaker)
    pages: int = doc.page
    return pages


def _write_atomic(path: Path, render: Any) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            pages: int = render(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return pages


def build_pdf(
    path_or_buffer: str | os.PathLike[str] | IO[bytes],
    header: DocumentHeader,
    flowables: Sequence[Flowable],
    signature: SignatureBlock | None,
    *,
    landscape: bool = False,
    footer_note: str | None = None,
) -> int:
    """Render a Decree 30 document and return its page count.

    A path is written atomically (temporary file, fsync, rename; owner-only
    permissions); a binary buffer is written directly.
    """
    st = default_styles()
    geo = page_geometry(landscape)
    canvasmaker = _canvas_class(geo, st, footer_note)

    def render(target: str | IO[bytes]) -> int:
        return _render(target, header, _story(header, flowables, signature, st, geo), geo, canvasmaker)

    if isinstance(path_or_buffer, (str, os.PathLike)):
        return _write_atomic(Path(path_or_buffer), render)
    return render(path_or_buffer)
