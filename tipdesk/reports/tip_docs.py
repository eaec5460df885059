"""Tip documents in the Decree 30/2020 layout: the reception record and the register book.

* ``reception_record``: *biên bản tiếp nhận* of one tip, portrait, signed by the reporter and
  the receiving officer (Criminal Procedure Code Art 146).
* ``register_book``: *sổ tiếp nhận* of one year, landscape, one row per register number.

Both take plain views from the tips service, which has already masked a secret reporter for
users who may not see it; this module prints exactly what it is given.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from tipdesk.domain import units
from tipdesk.domain.deadlines import VN_TZ
from tipdesk.errors import NotFound
from tipdesk.i18n import _
from tipdesk.reports.decree30 import (
    Column,
    DocumentHeader,
    build_pdf,
    data_table,
    default_styles,
    format_doc_number,
    heading,
    key_value_table,
    page_geometry,
    paragraph,
)
from tipdesk.reports.flowables import markup
from tipdesk.services.tips_format import (
    country_label,
    form_label,
    lower_first_word,
    place_label,
    province_phrase,
)
from tipdesk.services.tips_types import ReporterKind, TipRow, TipView

RECORD_SUFFIX = "BB-TN"  # "biên bản tiếp nhận"; the number itself is the register number
Target = str | os.PathLike[str] | IO[bytes]


@dataclass(frozen=True)
class IssuingUnit:
    """Who issues the document: parent agency, unit and the place named in the date line."""

    parent_agency: str
    unit_name: str
    place: str

    @classmethod
    def for_commune(cls, commune_code: str, fallback_name: str = "") -> IssuingUnit:
        """"Công an tỉnh Tuyên Quang" / "Công an xã Thượng Lâm" / "Thượng Lâm" from a commune code."""
        try:
            commune = units.commune(commune_code)
        except NotFound:
            name = fallback_name or commune_code
            return cls("", _("Police of {unit}").format(unit=name), name)
        bare = commune.name.split(" ", 1)[1] if " " in commune.name else commune.name
        return cls(_("Police of {unit}").format(unit=province_phrase(commune.province_code)),
                   _("Police of {unit}").format(unit=lower_first_word(commune.name)), bare)


def _local(value: dt.datetime | None, with_time: bool = True) -> str:
    if value is None:
        return ""
    local = value.astimezone(VN_TZ)
    return local.strftime("%H:%M %d/%m/%Y") if with_time else local.strftime("%d/%m/%Y")


def _hour_phrase(value: dt.datetime) -> str:
    local = value.astimezone(VN_TZ)
    return _("At {hour} h {minute} min on {day}/{month}/{year}").format(
        hour=f"{local.hour:02d}", minute=f"{local.minute:02d}", day=f"{local.day:02d}",
        month=f"{local.month:02d}", year=local.year)


# --- reception record --------------------------------------------------------------------------------------


def _reporter_pairs(tip: TipView) -> list[tuple[str, str]]:
    r = tip.reporter
    if r.masked:
        return [(_("Reporter:"), _("The reporter asked for secrecy; identity kept confidential."))]
    if r.kind is ReporterKind.ANONYMOUS:
        return [(_("Reporter:"), _("Did not give an identity (anonymous)."))]
    name_label = _("Agency or organisation:") if r.kind is ReporterKind.ORGANISATION else _("Full name:")
    pairs = [(name_label, r.name), (_("ID number:"), r.id_number), (_("Address:"), r.address),
             (_("Contact:"), r.contact)]
    pairs = [(k, v) for k, v in pairs if v]
    if r.secret:
        pairs.append((_("Secrecy:"), _("The reporter asked for their identity to be kept confidential.")))
    return pairs


def _facts_pairs(tip: TipView) -> list[tuple[str, str]]:
    pairs = [
        (_("Type of source:"), tip.source_type.label()),
        (_("Received by:"), tip.channel.label()),
        (_("Place of the events:"), place_label(tip.place_unit_code, tip.place_detail)),
        (_("Suspected persons:"), tip.suspects),
        (_("Trafficking forms:"), ", ".join(form_label(c) for c in tip.forms)),
        (_("Destination country:"), country_label(tip.destination_country)),
        (_("Border route:"), tip.border_route),
    ]
    if tip.urgent:
        pairs.insert(0, (_("Urgent:"), _("A person is in immediate danger.")))
    return [(k, v) for k, v in pairs if v]


def _signatures(left_title: str, left_name: str, right_title: str, right_name: str) -> Flowable:
    st = default_styles()

    def cell(title: str, name: str) -> list[Flowable]:
        return [Paragraph(markup(title.upper()), st.sign_title),
                Paragraph(markup(_("(Sign and write full name)")), st.sign_note),
                Spacer(1, 22 * mm), Paragraph(markup(name), st.sign_name)]

    width = page_geometry().content_width / 2
    table = Table([[cell(left_title, left_name), cell(right_title, right_name)]], colWidths=[width, width])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (0, 0), (-1, -1), "CENTER")]))
    return KeepTogether([Spacer(1, 6 * mm), table])


def reception_record_story(tip: TipView, unit: IssuingUnit) -> list[Flowable]:
    story: list[Flowable] = [
        paragraph(_("{when}, at the office of {unit}, we, {officer}, receiving officer, recorded the "
                    "following {source} received through: {channel}.").format(
            when=_hour_phrase(tip.received_at), unit=unit.unit_name, officer=tip.officer_name,
            source=tip.source_type.label(), channel=tip.channel.label())),
        heading(_("I. The reporter")),
        key_value_table(_reporter_pairs(tip), 55),
        heading(_("II. Content of the tip")),
        paragraph(tip.summary),
    ]
    if tip.account:
        story.append(paragraph(tip.account))
    story += [key_value_table(_facts_pairs(tip), 55)]
    if tip.attachments:
        story.append(heading(_("III. Documents and objects handed over")))
        story += [paragraph(f"- {a.filename}" + (f": {a.description}" if a.description else ""), "body_plain")
                  for a in tip.attachments]
    story.append(paragraph(_("The record was read back to the reporter, who agreed with its content and signs "
                             "below. The tip was entered in the register under number {number}.").format(
        number=tip.register_label)))
    reporter_name = tip.reporter.name if not tip.reporter.masked else ""
    story.append(_signatures(_("Reporter"), reporter_name, _("Receiving officer"), tip.officer_name))
    return story


def reception_record(target: Target, tip: TipView, unit: IssuingUnit, printed_on: dt.date) -> int:
    header = DocumentHeader(
        parent_agency=unit.parent_agency, unit_name=unit.unit_name,
        number=format_doc_number(tip.register_no, tip.register_year, RECORD_SUFFIX), place=unit.place,
        date=printed_on, title=_("Record (minutes)"), subtitle=_("Receipt of a crime report or denunciation"),
    )
    return build_pdf(target, header, reception_record_story(tip, unit), None)


# --- register book -----------------------------------------------------------------------------------------

def register_columns() -> list[Column]:
    return [
        Column(_("Reg. no."), 19, "center"), Column(_("Received at"), 22, "center"), Column(_("Type"), 19),
        Column(_("Channel"), 20), Column(_("Reporter"), 26), Column(_("Summary of the content"), 50),
        Column(_("Receiving officer"), 22), Column(_("Status"), 21), Column(_("Transferred (date, to)"), 27),
        Column(_("Decision (no., date)"), 26),
    ]


BOOK_SUMMARY_CHARS = 200  # the full account is in the reception record; the book keeps a summary


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def register_row(row: TipRow) -> list[str]:
    transfer = "\n".join(x for x in (_local(row.transferred_at, False), row.transferred_to) if x)
    decision = "\n".join(x for x in (row.decision_ref, _local(row.decision_at, False)) if x)
    summary = ("[" + _("URGENT") + "] " if row.urgent else "") + _shorten(row.summary, BOOK_SUMMARY_CHARS)
    received = row.received_at.astimezone(VN_TZ).strftime("%d/%m/%Y\n%H:%M")
    return [row.register_label, received, row.source_type.label(), row.channel.label(),
            row.reporter.display(), summary, row.officer_name, row.status.label(), transfer, decision]


def register_book(target: Target, rows: Sequence[TipRow], unit: IssuingUnit, year: int, printed_on: dt.date) -> int:
    header = DocumentHeader(
        parent_agency=unit.parent_agency, unit_name=unit.unit_name, number="", place=unit.place,
        date=printed_on, title=_("Register of crime reports received"), subtitle=_("Year {year}").format(year=year),
    )
    table = data_table(register_columns(), [register_row(r) for r in rows])
    note = paragraph(_("{count} entries.").format(count=len(rows)), "body_plain")
    return build_pdf(target, header, [table, Spacer(1, 4 * mm), note], None, landscape=True)
