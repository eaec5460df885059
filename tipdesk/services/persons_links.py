"""Links between tips and persons: a person may appear in several tips, a tip may name several persons.

An unlink keeps the ``tip_persons`` row with ``unlinked_at`` set, so the change travels in the next
batch; linking again clears it. A link is what lets commune police see a person's identity
(``tipdesk.services.persons_access``): both link and unlink are audited.
"""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from tipdesk.db.models.persons import Person, TipPerson
from tipdesk.db.models.tips import Tip
from tipdesk.domain.persons import IdentificationStatus, Sex
from tipdesk.domain.roles import Perm
from tipdesk.domain.tips import TipStatus
from tipdesk.errors import NotFound, PermissionDenied
from tipdesk.events import Changes
from tipdesk.i18n import _
from tipdesk.services.paging import PageRequest
from tipdesk.services.persons_access import audit_identity, reading, visible_ids
from tipdesk.services.persons_store import get_person
from tipdesk.services.persons_types import LinkedPerson, LinkedTip, LinkRole
from tipdesk.services.tips import TipService
from tipdesk.services.tips_types import register_label

if TYPE_CHECKING:
    from tipdesk.services.context import Desk

SUMMARY_CHARS = 200


def _tip(session: Session, tip_id: str) -> Tip:
    tip = session.get(Tip, tip_id)
    if tip is None:
        raise NotFound(_("There is no tip with the code “{ref}”.").format(ref=tip_id))
    return tip


def _status_label(code: str) -> str:
    try:
        return TipStatus(code).label()
    except ValueError:
        return code


def _role(value: str) -> LinkRole:
    return LinkRole(value) if value in LinkRole._value2member_map_ else LinkRole.OTHER


class LinkService:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def _require_edit(self) -> None:
        if not (self.desk.can(Perm.TIP_EDIT) or self.desk.can(Perm.PERSON_EDIT)):
            raise PermissionDenied(_("Your role ({role}) may not {action}.").format(
                role=self.desk.actor.role.label(), action=_("link persons to tips")))

    def link(self, tip_id: str, person_ref: str, role: LinkRole | str = LinkRole.VICTIM) -> None:
        """Name the person in the tip (or change the role of an existing link)."""
        self._require_edit()
        chosen = LinkRole(role)
        with self.desk.write(Changes.of("person", "tip", "tip_person")) as session:
            tip, person = _tip(session, tip_id), get_person(session, person_ref)
            row = session.scalars(select(TipPerson).where(TipPerson.tip_id == tip.id,
                                                          TipPerson.person_id == person.id)).one_or_none()
            now = self.desk.now()
            if row is None:
                row = TipPerson(tip_id=tip.id, person_id=person.id, role=chosen.value,
                                origin_install_id=self.desk.installation.install_id, created_at=now, updated_at=now)
                session.add(row)
                session.flush()
            elif row.unlinked_at is not None or row.role != chosen.value:
                row.unlinked_at = None
                row.role = chosen.value
                row.touch(now)
            else:
                return
            self.desk.audit.append(session, "update", "tip_person", row.id,
                                   {"tip": tip.id, "person": person.id, "linked": True, "role": chosen.value})

    def unlink(self, tip_id: str, person_ref: str) -> None:
        self._require_edit()
        with self.desk.write(Changes.of("person", "tip", "tip_person")) as session:
            person = get_person(session, person_ref)
            row = session.scalars(select(TipPerson).where(TipPerson.tip_id == tip_id,
                                                          TipPerson.person_id == person.id)).one_or_none()
            if row is None or row.unlinked_at is not None:
                raise NotFound(_("This person is not linked to this tip."))
            row.unlinked_at = self.desk.now()
            row.touch(self.desk.now())
            self.desk.audit.append(session, "update", "tip_person", row.id,
                                   {"tip": tip_id, "person": person.id, "linked": False})

    def persons_of_tip(self, tip_id: str) -> builtins.list[LinkedPerson]:
        """The persons named in a tip, as the role may see them (identity reads audited)."""
        self.desk.require(Perm.PERSON_VIEW)
        with reading(self.desk) as session:
            _tip(session, tip_id)
            rows = session.execute(
                select(TipPerson, Person).join(Person, Person.id == TipPerson.person_id)
                .where(TipPerson.tip_id == tip_id, TipPerson.unlinked_at.is_(None))
                .order_by(TipPerson.created_at, Person.pseudonym)
            ).all()
            visible = visible_ids(self.desk, session, [p.id for _l, p in rows])
            audit_identity(self.desk, session, visible, "tip")
            return [self._linked_person(link, p, p.id in visible) for link, p in rows]

    @staticmethod
    def _linked_person(link: TipPerson, p: Person, visible: bool) -> LinkedPerson:
        sex = Sex(p.sex) if p.sex in Sex._value2member_map_ else Sex.UNKNOWN
        return LinkedPerson(link.id, p.id, p.pseudonym, p.full_name if visible else p.pseudonym, visible,
                            IdentificationStatus(p.status), sex, p.birth_year, _role(link.role))

    def tips_of_person(self, person_ref: str) -> builtins.list[LinkedTip]:
        """The tips naming a person; the summary only for roles that may view tips."""
        self.desk.require(Perm.PERSON_VIEW)
        show_summary = self.desk.can(Perm.TIP_VIEW)
        with self.desk.read() as session:
            person = get_person(session, person_ref)
            rows = session.execute(
                select(TipPerson, Tip).join(Tip, Tip.id == TipPerson.tip_id)
                .where(TipPerson.person_id == person.id, TipPerson.unlinked_at.is_(None))
                .order_by(Tip.received_at.desc(), Tip.id)
            ).all()
            return [
                LinkedTip(link.id, tip.id, register_label(tip.register_no, tip.register_year), tip.received_at,
                          _status_label(tip.status), _role(link.role),
                          tip.summary[:SUMMARY_CHARS] if show_summary else "")
                for link, tip in rows
            ]

    def linkable_tips(self, query: str = "", limit: int = 20) -> builtins.list[LinkedTip]:
        """Recent tips to pick from when linking a person (the tips list's own search)."""
        filters = {"search": query} if query.strip() else {}
        page = TipService(self.desk).list(PageRequest(filters=filters, descending=True, limit=limit))
        return [LinkedTip("", t.id, t.register_label, t.received_at, t.status.label(), LinkRole.OTHER,
                          t.summary[:SUMMARY_CHARS]) for t in page.rows]
