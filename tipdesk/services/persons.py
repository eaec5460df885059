"""Persons: victims and persons being identified (Law 53/2024/QH15).

``PersonService(desk)`` is the facade the GUI and the CLI use. It checks permissions, masks
identity fields for roles without access (see ``tipdesk.services.persons_access``), audits every
create, update and identity read, offers possible duplicates before saving, and returns plain
dataclasses. Support, plans and deadlines: ``tipdesk.services.persons_support``; tip links:
``tipdesk.services.persons_links``.
"""

from __future__ import annotations

import builtins
import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tipdesk.db.models.persons import Person, PersonEvent, SupportEntry
from tipdesk.domain.deadlines import RuleSet, local_date
from tipdesk.domain.persons import (
    IdentificationStatus,
    PersonEventKind,
    change_identification,
    validate_not_future,
)
from tipdesk.domain.roles import Perm
from tipdesk.domain.text import name_key
from tipdesk.errors import UserError, ValidationError
from tipdesk.events import Changes
from tipdesk.i18n import _
from tipdesk.services import persons_dupes as dupes
from tipdesk.services import persons_query as q
from tipdesk.services.leases import check_version
from tipdesk.services.numbering import next_number
from tipdesk.services.paging import Page, PageRequest
from tipdesk.services.persons_access import audit_identity, reading, sees_all, visible_ids
from tipdesk.services.persons_derive import (
    at_day,
    event_view,
    forms_of,
    refresh_due,
    refresh_index,
    to_row,
    to_view,
)
from tipdesk.services.persons_store import apply_values, check_photo, get_person, pseudonym_for, sync_forms
from tipdesk.services.persons_types import (
    DuplicateCandidate,
    MatchDecision,
    MatchView,
    PersonDraft,
    PersonEventView,
    PersonRow,
    PersonView,
    SaveResult,
)
from tipdesk.services.persons_validate import clean_draft, clean_evidence
from tipdesk.services.tips_deadlines import rules_for

if TYPE_CHECKING:
    from tipdesk.services.context import Desk

SERIES = "person"
CHANGES = "person"


class PersonService:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    # -- helpers ------------------------------------------------------------------------------------------
    @property
    def rules(self) -> RuleSet:
        return rules_for(self.desk.data_dir)

    def today(self) -> dt.date:
        return local_date(self.desk.now())

    def refresh_due_of(self, session: Session, p: Person) -> None:
        refresh_due(session, p, self.desk.now(), self.rules, self.desk.installation.remote)

    def add_event(self, session: Session, p: Person, kind: PersonEventKind, at: dt.datetime, *,
                  days: int | None = None, agency: str = "", note: str = "") -> PersonEvent:
        now = self.desk.now()
        event = PersonEvent(person_id=p.id, kind=kind.value, occurred_at=at, days=days, agency=agency,
                            officer_name=self.desk.actor.full_name or self.desk.actor.username, note=note,
                            origin_install_id=self.desk.installation.install_id, created_at=now, updated_at=now)
        session.add(event)
        return event

    def _view(self, session: Session, p: Person, via: str) -> PersonView:
        visible = p.id in visible_ids(self.desk, session, [p.id])
        if visible:
            audit_identity(self.desk, session, [p.id], via)
        return to_view(p, visible, forms_of(session, p.id), self.today())

    # -- reading ------------------------------------------------------------------------------------------
    def get(self, ref: str) -> PersonView:
        """The whole record as the role may see it; an identity read is audited."""
        self.desk.require(Perm.PERSON_VIEW)
        with reading(self.desk) as session:
            return self._view(session, get_person(session, ref), "detail")

    def list(self, request: PageRequest) -> Page[PersonRow]:
        """One keyset page (filters and sorts: ``tipdesk.services.persons_query``); identity reads audited."""
        self.desk.require(Perm.PERSON_VIEW)
        today, now = self.today(), self.desk.now()
        with reading(self.desk) as session:
            _rows, page = q.fetch(self.desk, session, request, today, now)
            ids = [p.id for p in page.rows]
            visible = visible_ids(self.desk, session, ids)
            totals = q.support_totals(session, ids)
            rules = self.rules
            rows = [to_row(p, p.id in visible, today, totals.get(p.id, (0, 0)), rules) for p in page.rows]
            audit_identity(self.desk, session, visible, "list")
        return Page(rows, page.next_cursor)

    def count(self, filters: Mapping[str, Any] | None = None) -> int:
        self.desk.require(Perm.PERSON_VIEW)
        with self.desk.read() as session:
            return q.count(self.desk, session, filters or {}, self.today(), self.desk.now())

    def search(self, query: str, limit: int = 20) -> builtins.list[PersonRow]:
        """Persons matching ``query`` (accent-insensitive; identity only where the role may see it)."""
        return self.list(PageRequest(filters={"query": query}, sort="received", descending=True,
                                     limit=limit)).rows

    def events(self, ref: str) -> builtins.list[PersonEventView]:
        self.desk.require(Perm.PERSON_VIEW)
        with reading(self.desk) as session:
            p = get_person(session, ref)
            visible = p.id in visible_ids(self.desk, session, [p.id])
            rows = session.scalars(select(PersonEvent).where(PersonEvent.person_id == p.id)
                                   .order_by(PersonEvent.occurred_at, PersonEvent.created_at))
            views = [event_view(e) for e in rows]
        if not visible:  # free-text notes may name people
            views = [dataclasses.replace(v, note="") for v in views]
        return views

    def photo(self, ref: str) -> bytes | None:
        self.desk.require(Perm.PERSON_VIEW)
        with reading(self.desk) as session:
            p = get_person(session, ref)
            if p.id not in visible_ids(self.desk, session, [p.id]) or p.photo is None:
                return None
            audit_identity(self.desk, session, [p.id], "photo")
            return p.photo

    def find_duplicates(self, draft: PersonDraft, exclude: str | None = None) -> builtins.list[DuplicateCandidate]:
        """Records that may be the same person as ``draft`` (shown with identity: audited)."""
        self.desk.require(Perm.PERSON_VIEW_IDENTITY)
        values, _warnings = clean_draft(draft, self.today())
        with self.desk.write() as session:
            exclude_id = get_person(session, exclude).id if exclude else None
            found = dupes.candidates(session, values["full_name"], values["birth_year"], values["id_number"],
                                     exclude_id)
            audit_identity(self.desk, session, [p.id for p, _r in found], "duplicates")
            return [dupes.to_candidate(p, reasons) for p, reasons in found]

    def matches(self, ref: str) -> builtins.list[MatchView]:
        self.desk.require(Perm.PERSON_VIEW)
        with reading(self.desk) as session:
            p = get_person(session, ref)
            pairs = dupes.matches_of(session, p.id)
            visible = visible_ids(self.desk, session, [o.id for _m, o in pairs])
            audit_identity(self.desk, session, visible, "matches")
            return [MatchView(o.id, o.pseudonym, o.full_name if o.id in visible else o.pseudonym,
                              MatchDecision(m.decision), m.decided_by) for m, o in pairs]

    def check(self, draft: PersonDraft) -> builtins.list[str]:
        """Validate without saving: the warnings, or ``ValidationError`` naming every bad field."""
        return clean_draft(draft, self.today())[1]

    # -- writing ------------------------------------------------------------------------------------------
    def create(self, draft: PersonDraft, decisions: Mapping[str, MatchDecision | str] | None = None) -> SaveResult:
        """Record a person. Raises ``PossibleDuplicates`` until every candidate has a decision."""
        self.desk.require(Perm.PERSON_CREATE)
        values, warnings = clean_draft(draft, self.today())
        decided = dupes.parse_decisions(decisions)
        with self.desk.write(Changes.of(CHANGES)) as session:
            found = dupes.candidates(session, values["full_name"], values["birth_year"], values["id_number"])
            dupes.require_decisions(found, decided)
            p = self._new_person(session, values)
            self.add_event(session, p, PersonEventKind.RECEIVED, at_day(p.received_on))
            dupes.store_decisions(self.desk, session, p.id, decided, {c.id for c, _r in found})
            self.desk.audit.append(session, "create", "person", p.id, {"pseudonym": p.pseudonym})
            self.refresh_due_of(session, p)
            view = self._view(session, p, "create")
        return SaveResult(view, tuple(warnings))

    def _new_person(self, session: Session, values: Mapping[str, Any]) -> Person:
        now = self.desk.now()
        unit = self.desk.installation.unit_code
        year = local_date(now).year
        p = Person(pseudonym=pseudonym_for(unit, year, next_number(session, SERIES, unit, year)), unit_code=unit,
                   status=IdentificationStatus.BEING_IDENTIFIED.value, origin_install_id=self.desk.installation.install_id,
                   created_at=now, updated_at=now, version=1)
        apply_values(p, values)
        refresh_index(p)
        session.add(p)
        session.flush()
        sync_forms(session, p, values["forms"])
        return p

    def update(self, ref: str, draft: PersonDraft, *, expected_version: int | None = None,
               decisions: Mapping[str, MatchDecision | str] | None = None) -> SaveResult:
        """Change a person's particulars.

        ``expected_version`` is the version the form loaded: if the record changed since, ``StaleRecord`` names
        who changed it and nothing is written.
        """
        self.desk.require(Perm.PERSON_EDIT)
        values, warnings = clean_draft(draft, self.today())
        decided = dupes.parse_decisions(decisions)
        with self.desk.write(Changes.of(CHANGES)) as session:
            p = get_person(session, ref, lock=True)
            check_version(session, p, "person", expected_version)
            if values["received_on"] != p.received_on:
                self._check_received(session, p, values["received_on"])
            found = self._new_candidates(session, p, values)
            dupes.require_decisions(found, decided)
            changed = apply_values(p, values)
            if sync_forms(session, p, values["forms"]):
                changed.append("forms")
            if changed:
                refresh_index(p)
                p.touch(self.desk.now())
                self.desk.audit.append(session, "update", "person", p.id, {"fields": sorted(changed)})
            dupes.store_decisions(self.desk, session, p.id, decided, {c.id for c, _r in found})
            view = self._view(session, p, "update")
        return SaveResult(view, tuple(warnings))

    def _check_received(self, session: Session, p: Person, received: dt.date) -> None:
        first = session.scalar(select(SupportEntry.given_on).where(SupportEntry.person_id == p.id)
                               .order_by(SupportEntry.given_on).limit(1))
        if first is not None and received > first:
            raise UserError(_("The date received cannot be after the first support entry ({date}).").format(
                date=first.strftime("%d/%m/%Y")), "received_after_support")

    def _new_candidates(self, session: Session, p: Person, values: Mapping[str, Any]) -> builtins.list[
            tuple[Person, tuple[str, ...]]]:
        same_key = name_key(values["full_name"], values["birth_year"]) == p.name_key
        if same_key and values["id_number"] == p.id_number:
            return []
        return dupes.candidates(session, values["full_name"], values["birth_year"], values["id_number"], p.id)

    def decide_match(self, ref: str, other_ref: str, decision: MatchDecision | str) -> None:
        """Link ("same") or dismiss ("different") a possible duplicate after saving."""
        self.desk.require(Perm.PERSON_EDIT)
        chosen = dupes.parse_decisions({"x": decision})["x"]
        with self.desk.write(Changes.of(CHANGES)) as session:
            p, other = get_person(session, ref), get_person(session, other_ref)
            existing = [m for m, o in dupes.matches_of(session, p.id) if o.id == other.id]
            if existing:
                existing[0].decision = chosen.value
                existing[0].decided_by = self.desk.actor.username
                existing[0].touch(self.desk.now())
                self.desk.audit.append(session, "update", "person", p.id,
                                       {"duplicate_decision": chosen.value, "other": other.id})
            else:
                dupes.store_decisions(self.desk, session, p.id, {other.id: chosen}, {other.id})

    def set_photo(self, ref: str, data: bytes | None) -> None:
        """Store (or with None remove) the person's photo: a JPEG or PNG of at most 2 MB."""
        self.desk.require(Perm.PERSON_EDIT)
        if data is not None:
            check_photo(data)
        with self.desk.write(Changes.of(CHANGES)) as session:
            p = get_person(session, ref)
            p.photo = data
            p.touch(self.desk.now())
            self.desk.audit.append(session, "update", "person", p.id, {"fields": ["photo"]})

    # -- identification ------------------------------------------------------------------------------------
    def _check_day(self, p: Person, day: dt.date, label: str) -> None:
        validate_not_future(day, self.today(), label)
        if day < p.received_on:
            raise ValidationError(_("{field} cannot be before the date the person was received ({date}).").format(
                field=label, date=p.received_on.strftime("%d/%m/%Y")), code="before_received")

    def record_identification(self, ref: str, status: IdentificationStatus | str, *, agency: str = "",
                              on: dt.date | None = None, evidence: Sequence[str] = (), note: str = "") -> PersonView:
        """Update the evidence checklist and, if ``status`` differs, record the identification decision."""
        self.desk.require(Perm.PERSON_EDIT)
        new = IdentificationStatus(status)
        codes = clean_evidence(list(evidence))
        agency = " ".join(agency.split())
        with self.desk.write(Changes.of(CHANGES)) as session:
            p = get_person(session, ref)
            current = IdentificationStatus(p.status)
            if new is not current:
                change_identification(current, new)
                self._decide(session, p, new, agency, on, codes, note)
            new_evidence = " ".join(codes)
            if p.evidence != new_evidence:
                p.evidence = new_evidence
                if new is current:  # a decision has touched the record already
                    p.touch(self.desk.now())
                self.desk.audit.append(session, "update", "person", p.id, {"fields": ["evidence"]})
            self.refresh_due_of(session, p)
            return self._view(session, p, "identification")

    def _decide(self, session: Session, p: Person, new: IdentificationStatus, agency: str, on: dt.date | None,
                codes: Sequence[str], note: str) -> None:
        if new is IdentificationStatus.BEING_IDENTIFIED:  # reopened on new evidence
            day = self.today()
            kind = PersonEventKind.NOTE
            note = note or _("Identification reopened.")
        else:
            if not agency:
                raise ValidationError(_("Enter the identifying agency."), {"agency": "required"})
            if on is None:
                raise ValidationError(_("Enter the date of the identification decision."), {"on": "required"})
            if new is IdentificationStatus.IDENTIFIED_VICTIM and not codes:
                raise ValidationError(_("Tick at least one item of evidence (Law 53/2024 Art 32)."),
                                      {"evidence": "required"})
            self._check_day(p, on, _("The identification date"))
            day = on
            kind = PersonEventKind.IDENTIFIED if new is IdentificationStatus.IDENTIFIED_VICTIM \
                else PersonEventKind.NOT_VICTIM
        self.add_event(session, p, kind, at_day(day), agency=agency, note=note.strip())
        old = p.status
        p.status = new.value
        p.identified_by = agency if new is not IdentificationStatus.BEING_IDENTIFIED else ""
        p.identified_on = on if new is not IdentificationStatus.BEING_IDENTIFIED else None
        refresh_index(p)
        p.touch(self.desk.now())
        self.desk.audit.append(session, "update", "person", p.id, {"status": [old, new.value]})

    def hand_over(self, ref: str, at: dt.datetime, recipient: str, note: str = "") -> PersonView:
        """Hand-over to the provincial health department: starts the 3-day initial-verification timer."""
        return self._step(ref, PersonEventKind.HANDED_OVER, at, recipient, note)

    def record_initial_verification(self, ref: str, at: dt.datetime, agency: str = "", note: str = "") -> PersonView:
        """The province verified the initial facts: stops the 3-day timer."""
        return self._step(ref, PersonEventKind.INITIAL_VERIFICATION_DONE, at, agency, note)

    def _step(self, ref: str, kind: PersonEventKind, at: dt.datetime, agency: str, note: str) -> PersonView:
        self.desk.require(Perm.PERSON_EDIT)
        if at.tzinfo is None:
            raise ValueError("step time must be timezone-aware")
        agency = " ".join(agency.split())
        if kind is PersonEventKind.HANDED_OVER and not agency:
            raise ValidationError(_("Enter the department the person was handed over to."), {"agency": "required"})
        with self.desk.write(Changes.of(CHANGES)) as session:
            p = get_person(session, ref)
            self._check_day(p, local_date(at), _("The date"))
            if at > self.desk.now():
                raise ValidationError(_("{field} cannot be in the future.").format(field=_("The time")),
                                      code="date_in_future")
            kinds = set(session.scalars(select(PersonEvent.kind).where(PersonEvent.person_id == p.id)))
            if kind is PersonEventKind.INITIAL_VERIFICATION_DONE and PersonEventKind.HANDED_OVER.value not in kinds:
                raise UserError(_("Record the hand-over to the provincial health department first."),
                                "no_hand_over")
            self.add_event(session, p, kind, at, agency=agency, note=note.strip())
            p.touch(self.desk.now())
            self.desk.audit.append(session, "update", "person", p.id, {"event": kind.value})
            self.refresh_due_of(session, p)
            return self._view(session, p, "step")

    @property
    def sees_all_identities(self) -> bool:
        return sees_all(self.desk)


def search_persons(desk: Desk, query: str, limit: int = 20) -> builtins.list[PersonRow]:
    """For ``tipdesk search``: persons matching ``query`` as the acting role may see them."""
    return PersonService(desk).search(query, limit)
