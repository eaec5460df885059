"""Printing a person's support history (Decree 30 layout): permitted roles only, numbered, audited.

The document carries identity, so it is only for roles holding ``Perm.PERSON_PRINT`` (social
workers and provincial officers, who also see identity); the print is audited with its number.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tipdesk.domain.deadlines import local_date
from tipdesk.domain.roles import Perm
from tipdesk.reports import person_docs
from tipdesk.reports.decree30 import format_doc_number
from tipdesk.services.numbering import next_number
from tipdesk.services.persons import PersonService
from tipdesk.services.persons_store import get_person
from tipdesk.services.persons_support import SupportService

if TYPE_CHECKING:
    from tipdesk.services.context import Desk

SERIES = "person_support_report"


@dataclass(frozen=True)
class PrintResult:
    pages: int
    number: str


def print_support_history(desk: Desk, ref: str, target: person_docs.Target) -> PrintResult:
    """Write the support history of person ``ref`` to ``target`` (a path or a binary buffer)."""
    desk.require(Perm.PERSON_PRINT)
    persons, support = PersonService(desk), SupportService(desk)
    view = persons.get(ref)  # audited as an identity read when identity is shown
    summary = support.summary(view.id)
    plan = support.plan_items(view.id)
    today = local_date(desk.now())
    inst = desk.installation
    issuer = person_docs.Issuer.for_unit(inst.unit_code, inst.unit_name, desk.actor.full_name or desk.actor.username)
    with desk.write() as session:
        person = get_person(session, view.id)
        number = format_doc_number(next_number(session, SERIES, inst.unit_code, today.year), today.year,
                                   person_docs.SUFFIX)
        pages = person_docs.support_history(target, view, summary, plan, issuer, number, today)
        desk.audit.append(session, "print", "person", person.id,
                          {"document": "support_history", "number": number, "pages": pages,
                           "identity": view.identity_visible})
    return PrintResult(pages, number)
