"""A person's support history in the Decree 30/2020 layout (*báo cáo quá trình hỗ trợ*).

Portrait A4: the particulars, identification, rescue and return, the support ledger with its
total, the essential-needs period and the follow-up plan, signed by the preparing officer. It
takes the plain views of the persons service, which has already applied the identity rule;
this module prints exactly what it is given.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from tipdesk.domain import reference, units
from tipdesk.domain.persons import evidence_items
from tipdesk.errors import NotFound
from tipdesk.i18n import _, format_number
from tipdesk.reports.decree30 import (
    Column,
    DocumentHeader,
    SignatureBlock,
    build_pdf,
    data_table,
    heading,
    key_value_table,
    paragraph,
)
from tipdesk.services.persons_types import PersonView, PlanItemView, SupportSummary
from tipdesk.services.tips_format import country_label, form_label, place_label

SUFFIX = "BC-HT"
Target = str | os.PathLike[str] | IO[bytes]
KEY_WIDTH_MM = 58


@dataclass(frozen=True)
class Issuer:
    """The unit that issues the report, the place of the date line and the preparing officer."""

    parent_agency: str
    unit_name: str
    place: str
    officer: str

    @classmethod
    def for_unit(cls, unit_code: str, unit_name: str, officer: str) -> Issuer:
        """A commune: "ỦY BAN NHÂN DÂN / XÃ THƯỢNG LÂM", place "Thượng Lâm"; a province: its own name."""
        try:
            commune = units.commune(unit_code)
        except NotFound:
            return cls("", unit_name, unit_name, officer)
        bare = commune.name.split(" ", 1)[1] if " " in commune.name else commune.name
        return cls("", _("People's Committee") + "\n" + commune.name, bare, officer)


def _d(value: dt.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _ethnic(code: str) -> str:
    try:
        return reference.ethnic_group(code).name() if code else ""
    except NotFound:
        return code


def _birth(p: PersonView) -> str:
    if p.birth_date is not None:
        return _d(p.birth_date)
    return str(p.birth_year) if p.birth_year else ""


def _place(unit: str, detail: str, old: str) -> str:
    text = place_label(unit, detail)
    if old:
        text = f"{text} ({_('before 2025')}: {old})" if text else old
    return text


def particulars(p: PersonView) -> list[tuple[str, str]]:
    pairs = [
        (_("Full name:"), p.full_name), (_("Other names:"), p.other_names), (_("Record code:"), p.pseudonym),
        (_("Sex:"), p.sex.label()), (_("Date or year of birth:"), _birth(p)), (_("Ethnic group:"), _ethnic(p.ethnic_code)),
        (_("Nationality:"), country_label(p.nationality)), (_("ID number:"), p.id_number),
        (_("Residence:"), _place(p.address_unit_code, p.address_detail, p.address_old)),
        (_("Place of origin:"), _place(p.origin_unit_code, p.origin_detail, p.origin_old)),
        (_("Telephone:"), p.phone),
        (_("Guardian:"), ", ".join(x for x in (p.guardian_name, p.guardian_relation, p.guardian_contact) if x)),
        (_("Accompanying children:"), str(p.accompanying_children) if p.accompanying_children else ""),
        (_("Received on:"), f"{_d(p.received_on)} ({p.intake.label()})"),
    ]
    if not p.identity_visible:
        pairs.insert(0, (_("Identity:"), _("Not shown to your role; the record code stands for the person.")))
    return [(k, v) for k, v in pairs if v]


def identification(p: PersonView) -> list[tuple[str, str]]:
    names = {item.code: item.name() for item in evidence_items()}
    pairs = [
        (_("Status:"), p.status.label()), (_("Identifying agency:"), p.identified_by),
        (_("Date of the decision:"), _d(p.identified_on)),
        (_("Evidence:"), "\n".join(f"- {names.get(c, c)}" for c in p.evidence)),
    ]
    return [(k, v) for k, v in pairs if v]


def rescue(p: PersonView) -> list[tuple[str, str]]:
    pairs = [
        (_("Returned or rescued from:"), ", ".join(x for x in (p.from_place, country_label(p.from_country)) if x)),
        (_("Date of return:"), _d(p.returned_on)), (_("Border gate:"), p.border_gate),
        (_("Rescuing or receiving agency:"), p.receiving_agency), (_("Repatriation route:"), p.repatriation_route),
        (_("Trafficking forms:"), ", ".join(form_label(c) for c in p.forms)),
    ]
    return [(k, v) for k, v in pairs if v]


def ledger_table(summary: SupportSummary) -> Flowable:
    columns = [Column(_("No."), 12, "center"), Column(_("Date"), 25, "center"), Column(_("Type of support"), 46),
               Column(_("Provided by"), 34), Column(_("Amount (VND)"), 26, "right"), Column(_("Note"), 22)]
    rows = [[str(i), _d(e.given_on), e.type_name, e.provider, format_number(e.amount_vnd), e.note]
            for i, e in enumerate(summary.entries, start=1)]
    if rows:
        rows.append(["", "", _("Total"), "", format_number(summary.total_vnd), ""])
    return data_table(columns, rows)


def _essential_text(summary: SupportSummary) -> str:
    e = summary.essential
    if e.start is None:
        return _("The essential-needs support period has not started.")
    text = _("Essential-needs support from {start} to {end}").format(start=_d(e.start), end=_d(e.end))
    if e.extensions:
        text += _(" (extended by {days} days)").format(days=sum(e.extensions))
    if e.ended_on:
        text += _("; ended on {date}").format(date=_d(e.ended_on))
    return text + "."


def plan_table(items: Sequence[PlanItemView]) -> Flowable:
    columns = [Column(_("No."), 12, "center"), Column(_("Step"), 73), Column(_("Kind"), 28),
               Column(_("Due"), 26, "center"), Column(_("Done"), 26, "center")]
    return data_table(columns, [[str(i), item.title, item.kind.label(), _d(item.due_on), _d(item.done_on)]
                                for i, item in enumerate(items, start=1)])


def support_history_story(p: PersonView, summary: SupportSummary, plan: Sequence[PlanItemView]) -> list[Flowable]:
    story: list[Flowable] = [
        heading(_("I. Particulars")), key_value_table(particulars(p), KEY_WIDTH_MM),
        heading(_("II. Identification")), key_value_table(identification(p), KEY_WIDTH_MM),
    ]
    rescued = rescue(p)
    if rescued:
        story += [heading(_("III. Rescue and return")), key_value_table(rescued, KEY_WIDTH_MM)]
    story += [heading(_("IV. Support given")), ledger_table(summary), Spacer(1, 3 * mm),
              paragraph(_essential_text(summary))]
    if plan:
        story += [heading(_("V. Follow-up and reintegration plan")), plan_table(plan)]
    return story


def support_history(target: Target, p: PersonView, summary: SupportSummary, plan: Sequence[PlanItemView],
                    issuer: Issuer, number: str, printed_on: dt.date) -> int:
    """Write the report; returns the page count."""
    header = DocumentHeader(
        parent_agency=issuer.parent_agency, unit_name=issuer.unit_name, number=number, place=issuer.place,
        date=printed_on, title=_("Report on the support given"),
        subtitle=_("to {name}, record {code}").format(name=p.full_name, code=p.pseudonym)
        if p.identity_visible else _("to the person with record {code}").format(code=p.pseudonym),
    )
    signature = SignatureBlock(title=_("Prepared by"), name=issuer.officer,
                               recipients=(_("The person's file"), _("Archive")))
    note = _("CONFIDENTIAL: personal data of a person protected under Law 53/2024/QH15. Do not copy or pass on.")
    return build_pdf(target, header, support_history_story(p, summary, plan), signature, footer_note=note)
