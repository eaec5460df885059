"""The support ledger, the essential-needs period, the follow-up and reintegration plan, the deadline panel.

Support types are data (``resources/data/support_types.json``). The essential-needs period
(``person_essential_needs`` rule: 120 days by default, extendable) starts with the first support
entry of an essential-needs type: the service records the ``essential_support_started`` event on
that date (and moves it earlier if an earlier entry is added later).
"""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from tipdesk.db.models.persons import Person, PersonEvent, PersonPlanItem, SupportEntry
from tipdesk.domain.deadlines import local_date
from tipdesk.domain.persons import (
    ESSENTIAL_NEEDS_RULE,
    IdentificationStatus,
    PersonEventKind,
    SupportPeriodState,
    SupportType,
    can_receive_support,
    essential_needs_status,
    support_types,
    validate_amount_vnd,
    validate_not_future,
)
from tipdesk.domain.roles import Perm
from tipdesk.errors import NotFound, UserError, ValidationError
from tipdesk.events import Changes
from tipdesk.i18n import _
from tipdesk.services.persons import CHANGES, PersonService
from tipdesk.services.persons_access import reading, visible_ids
from tipdesk.services.persons_derive import at_day, deadline_items, load_deadline_inputs, plan_kind
from tipdesk.services.persons_store import get_person
from tipdesk.services.persons_types import (
    DeadlineItem,
    EssentialNeedsView,
    PlanItemView,
    PlanKind,
    SupportEntryView,
    SupportSummary,
)

if TYPE_CHECKING:
    from tipdesk.services.context import Desk

MAX_EXTENSION_DAYS = 365
_START, _EXTEND, _END = (PersonEventKind.ESSENTIAL_SUPPORT_STARTED, PersonEventKind.ESSENTIAL_SUPPORT_EXTENDED,
                         PersonEventKind.ESSENTIAL_SUPPORT_ENDED)


def _types() -> dict[str, SupportType]:
    return {t.code: t for t in support_types()}


def _entry_view(e: SupportEntry, types: dict[str, SupportType], visible: bool) -> SupportEntryView:
    kind = types.get(e.type_code)
    return SupportEntryView(e.id, e.person_id, e.type_code, kind.name() if kind else e.type_code, e.given_on,
                            e.provider, e.amount_vnd, e.note if visible else "", e.recorded_by,
                            bool(kind and kind.essential_needs))


def _plan_view(item: PersonPlanItem) -> PlanItemView:
    return PlanItemView(item.id, item.person_id, plan_kind(item.kind), item.title, item.due_on, item.done_on,
                        item.note)


def _first(events: Sequence[PersonEvent], kind: PersonEventKind) -> PersonEvent | None:
    return next((e for e in events if e.kind == kind.value), None)


class SupportService:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.persons = PersonService(desk)

    def types(self) -> builtins.list[SupportType]:
        return list(support_types())

    # -- the ledger -----------------------------------------------------------------------------------------
    def add_entry(self, ref: str, type_code: str, given_on: dt.date, amount: object, *, provider: str = "",
                  note: str = "") -> SupportEntryView:
        """One support entry; every check runs before anything is written."""
        self.desk.require(Perm.SUPPORT_RECORD)
        types = _types()
        kind = types.get(type_code)
        if kind is None:
            raise ValidationError(_("Unknown support type: {code}").format(code=type_code), {"type": "unknown"})
        value = validate_amount_vnd(amount)
        validate_not_future(given_on, self.persons.today(), _("The support date"))
        provider = " ".join(provider.split())
        if len(provider) > 300:
            raise ValidationError(_("This text is too long (at most {n} characters).").format(n=300),
                                  {"provider": "too_long"})
        with self.desk.write(Changes.of(CHANGES, "support")) as session:
            p = get_person(session, ref)
            self._check_person(p, given_on)
            now = self.desk.now()
            entry = SupportEntry(person_id=p.id, type_code=kind.code, given_on=given_on, provider=provider,
                                 amount_vnd=value, note=note.strip(), recorded_by=self.desk.actor.username,
                                 origin_install_id=self.desk.installation.install_id, created_at=now, updated_at=now)
            session.add(entry)
            if kind.essential_needs:
                self._start_period(session, p, given_on)
            self.desk.audit.append(session, "create", "support_entry", entry.id,
                                   {"person": p.id, "type": kind.code, "amount": value})
            self.persons.refresh_due_of(session, p)
            return _entry_view(entry, types, True)

    @staticmethod
    def _check_person(p: Person, given_on: dt.date) -> None:
        if not can_receive_support(IdentificationStatus(p.status)):
            raise UserError(_("This person was found not to be a victim: support cannot be recorded."),
                            "not_victim")
        if given_on < p.received_on:
            raise ValidationError(
                _("The support date cannot be before the date the person was received ({date}).").format(
                    date=p.received_on.strftime("%d/%m/%Y")), {"given_on": "before_received"})

    def _start_period(self, session: Session, p: Person, day: dt.date) -> None:
        events = self._period_events(session, p.id)
        start = _first(events, _START)
        if start is None:
            self.persons.add_event(session, p, _START, at_day(day))
        elif local_date(start.occurred_at) > day:
            start.occurred_at = at_day(day)
            start.touch(self.desk.now())

    @staticmethod
    def _period_events(session: Session, person_id: str) -> builtins.list[PersonEvent]:
        kinds = [k.value for k in (_START, _EXTEND, _END)]
        return list(session.scalars(select(PersonEvent).where(
            PersonEvent.person_id == person_id, PersonEvent.kind.in_(kinds)).order_by(PersonEvent.occurred_at)))

    def summary(self, ref: str) -> SupportSummary:
        """The ledger (oldest first), totals per type and the essential-needs period."""
        self.desk.require(Perm.PERSON_VIEW)
        types = _types()
        with reading(self.desk) as session:
            p = get_person(session, ref)
            visible = p.id in visible_ids(self.desk, session, [p.id])
            rows = session.scalars(select(SupportEntry).where(SupportEntry.person_id == p.id)
                                   .order_by(SupportEntry.given_on, SupportEntry.created_at))
            entries = tuple(_entry_view(e, types, visible) for e in rows)
            essential = self._essential(session, p.id)
        by_type: dict[str, tuple[int, int]] = {}
        for e in entries:
            n, total = by_type.get(e.type_name, (0, 0))
            by_type[e.type_name] = (n + 1, total + e.amount_vnd)
        return SupportSummary(entries, sum(e.amount_vnd for e in entries),
                              tuple((name, n, total) for name, (n, total) in by_type.items()), essential)

    # -- the essential-needs period -----------------------------------------------------------------------
    def _essential(self, session: Session, person_id: str) -> EssentialNeedsView:
        events = self._period_events(session, person_id)
        start, end = _first(events, _START), _first(events, _END)
        extensions = tuple(e.days for e in events if e.kind == _EXTEND.value and e.days)
        rule = self.persons.rules.rule(ESSENTIAL_NEEDS_RULE)
        status = essential_needs_status(local_date(start.occurred_at) if start else None, extensions,
                                        self.persons.today(), period_days=rule.duration.amount,
                                        warn_days=int(rule.pre_alarm.days))
        ended_on = local_date(end.occurred_at) if end else None
        state = SupportPeriodState.ENDED if ended_on is not None else status.state
        return EssentialNeedsView(local_date(start.occurred_at) if start else None, status.end_date,
                                  status.days_left, state, extensions, ended_on)

    def _period_change(self, ref: str, kind: PersonEventKind, on: dt.date, days: int | None, note: str) -> None:
        with self.desk.write(Changes.of(CHANGES)) as session:
            p = get_person(session, ref)
            events = self._period_events(session, p.id)
            start = _first(events, _START)
            if start is None:
                raise UserError(_("The essential-needs period has not started: record an essential-needs "
                                  "support entry first."), "period_not_started")
            if _first(events, _END) is not None:
                raise UserError(_("The essential-needs period has already ended."), "period_ended")
            if on < local_date(start.occurred_at):
                raise ValidationError(_("The date cannot be before the start of the period."), {"on": "early"})
            self.persons.add_event(session, p, kind, at_day(on), days=days, note=note.strip())
            p.touch(self.desk.now())
            self.desk.audit.append(session, "update", "person", p.id, {"event": kind.value, "days": days})
            self.persons.refresh_due_of(session, p)

    def extend_essential(self, ref: str, days: int, *, on: dt.date | None = None, note: str = "") -> EssentialNeedsView:
        self.desk.require(Perm.SUPPORT_RECORD)
        if isinstance(days, bool) or not isinstance(days, int) or not 0 < days <= MAX_EXTENSION_DAYS:
            raise ValidationError(_("An extension must be between 1 and {n} days.").format(n=MAX_EXTENSION_DAYS),
                                  {"days": "range"})
        day = on or self.persons.today()
        validate_not_future(day, self.persons.today(), _("The date"))
        self._period_change(ref, _EXTEND, day, days, note)
        return self.essential(ref)

    def end_essential(self, ref: str, *, on: dt.date | None = None, note: str = "") -> EssentialNeedsView:
        self.desk.require(Perm.SUPPORT_RECORD)
        day = on or self.persons.today()
        validate_not_future(day, self.persons.today(), _("The date"))
        self._period_change(ref, _END, day, None, note)
        return self.essential(ref)

    def essential(self, ref: str) -> EssentialNeedsView:
        self.desk.require(Perm.PERSON_VIEW)
        with self.desk.read() as session:
            return self._essential(session, get_person(session, ref).id)

    # -- plan and deadlines -------------------------------------------------------------------------------
    def add_plan_item(self, ref: str, kind: PlanKind | str, title: str, due_on: dt.date,
                      note: str = "") -> PlanItemView:
        self.desk.require(Perm.PERSON_EDIT)
        chosen = PlanKind(kind)
        title = " ".join(title.split())
        if not title:
            raise ValidationError(_("Describe the step."), {"title": "required"})
        if len(title) > 300:
            raise ValidationError(_("This text is too long (at most {n} characters).").format(n=300),
                                  {"title": "too_long"})
        with self.desk.write(Changes.of(CHANGES)) as session:
            p = get_person(session, ref)
            if due_on < p.received_on:
                raise ValidationError(_("The due date cannot be before the date the person was received ({date})."
                                        ).format(date=p.received_on.strftime("%d/%m/%Y")), {"due_on": "early"})
            now = self.desk.now()
            item = PersonPlanItem(person_id=p.id, kind=chosen.value, title=title, due_on=due_on, note=note.strip(),
                                  origin_install_id=self.desk.installation.install_id, created_at=now,
                                  updated_at=now)
            session.add(item)
            self.desk.audit.append(session, "create", "person_plan_item", item.id, {"person": p.id})
            self.persons.refresh_due_of(session, p)
            return _plan_view(item)

    def complete_plan_item(self, item_id: str, done_on: dt.date | None = None) -> PlanItemView:
        self.desk.require(Perm.PERSON_EDIT)
        day = done_on or self.persons.today()
        validate_not_future(day, self.persons.today(), _("The date"))
        with self.desk.write(Changes.of(CHANGES)) as session:
            item = session.get(PersonPlanItem, item_id)
            if item is None:
                raise NotFound(_("There is no plan item with the code “{ref}”.").format(ref=item_id))
            item.done_on = day
            item.touch(self.desk.now())
            self.desk.audit.append(session, "update", "person_plan_item", item.id, {"done_on": day.isoformat()})
            p = get_person(session, item.person_id)
            self.persons.refresh_due_of(session, p)
            return _plan_view(item)

    def plan_items(self, ref: str) -> builtins.list[PlanItemView]:
        self.desk.require(Perm.PERSON_VIEW)
        with self.desk.read() as session:
            p = get_person(session, ref)
            rows = session.scalars(select(PersonPlanItem).where(PersonPlanItem.person_id == p.id)
                                   .order_by(PersonPlanItem.due_on, PersonPlanItem.created_at))
            return [_plan_view(i) for i in rows]

    def deadlines(self, ref: str) -> builtins.list[DeadlineItem]:
        """The deadline panel: legal deadlines (3-day verification, 120 days) and plan items, by due time."""
        self.desk.require(Perm.PERSON_VIEW)
        with self.desk.read() as session:
            p = get_person(session, ref)
            events, plans = load_deadline_inputs(session, p.id)
            return deadline_items(events, plans, self.desk.now(), self.persons.rules,
                                  self.desk.installation.remote)
