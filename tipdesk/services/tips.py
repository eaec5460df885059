"""Tips: intake, register numbers, workflow events, lists and the deadline panel.

``TipService(desk)`` is the facade the GUI and the CLI use. It checks permissions, masks the
reporter of a tip that asked for secrecy unless the user holds ``Perm.TIP_VIEW_REPORTER``, audits
every create, update and reveal of a secret reporter, and returns plain dataclasses.

There is no way to refuse or reject a tip (Criminal Procedure Code Art 145): a tip is received,
verified, transferred and its upstream outcome recorded.
"""

from __future__ import annotations

import builtins
import dataclasses
import datetime as dt
import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tipdesk.db.models import User
from tipdesk.db.models.tips import Tip, TipEvent
from tipdesk.domain.deadlines import RuleSet, local_date
from tipdesk.domain.roles import Perm
from tipdesk.domain.tips import TipEventKind, TipStatus, apply_event
from tipdesk.errors import NotFound, UserError
from tipdesk.events import Changes
from tipdesk.i18n import _
from tipdesk.services import tips_query as q
from tipdesk.services import tips_store as store
from tipdesk.services.leases import check_version
from tipdesk.services.numbering import next_number, reserve_number
from tipdesk.services.paging import Page, PageRequest
from tipdesk.services.tips_deadlines import rules_for
from tipdesk.services.tips_format import province_phrase
from tipdesk.services.tips_types import (
    DeadlineFilter,
    DuePanel,
    TipEventInput,
    TipInput,
    TipRow,
    TipSort,
    TipView,
    register_label,
)
from tipdesk.services.tips_validate import CleanTip, clean_event, clean_tip

if TYPE_CHECKING:
    from tipdesk.services.context import Desk
    from tipdesk.services.tips_attach import TipAttachments
    from tipdesk.services.tips_print import TipPrinting

SERIES = "tip_register"
CHANGES = "tip"


class TipService:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    # -- helpers ------------------------------------------------------------------------------------------
    @property
    def rules(self) -> RuleSet:
        return rules_for(self.desk.data_dir)

    @property
    def reveal(self) -> bool:
        return self.desk.can(Perm.TIP_VIEW_REPORTER)

    def default_officer_name(self) -> str:
        return self.desk.actor.full_name or self.desk.actor.username

    def default_transfer_recipient(self) -> str:
        """The provincial criminal police investigation agency of this installation's province."""
        province = province_phrase(self.desk.installation.province_code)
        return _("Criminal Police Investigation Agency, Police of {province}").format(province=province)

    def _refresh(self, session: Session, tip: Tip) -> None:
        store.refresh(session, tip, self.rules, self.desk.now(), self.desk.installation.remote)

    def _view(self, session: Session, tip: Tip) -> TipView:
        return store.tip_view(session, tip, reveal=self.reveal, rules=self.rules, now=self.desk.now(),
                              remote=self.desk.installation.remote)

    def _audit_reveal(self, session: Session, tip_ids: Sequence[str], where: str) -> None:
        if tip_ids:
            self.desk.audit.append(session, "view_identity", "tip", tip_ids[0] if len(tip_ids) == 1 else "",
                                   {"reporter": True, "where": where, "tips": list(tip_ids)})

    # -- reading ------------------------------------------------------------------------------------------
    def list(self, request: PageRequest, *, reveal_later: bool = False) -> Page[TipRow]:
        """One keyset page of tips (filters and sorts: see ``tipdesk.services.tips_query``).

        Secret reporters are shown only to roles that may see them, and only after the viewing is audited. With
        ``reveal_later`` (the lists on screen) the page comes at once with them masked, and its ``follow_up``
        writes the audit record, then returns those rows with the reporters shown: the rows need not wait for
        the write, and no name is shown before its record.
        """
        self.desk.require(Perm.TIP_VIEW)
        if not (reveal_later and self.reveal):
            return self._page(request, self.reveal)
        page = self._page(request, reveal=False)
        secret = [r.id for r in page.rows if r.reporter.secret]
        return dataclasses.replace(page, follow_up=lambda: self._revealed(secret)) if secret else page

    def _revealed(self, tip_ids: Sequence[str]) -> builtins.list[TipRow]:
        """The list rows of ``tip_ids`` with their secret reporters shown, once the viewing is audited."""
        self.desk.require(Perm.TIP_VIEW_REPORTER)
        now, rules = self.desk.now(), self.rules
        with self.desk.write() as session:
            self._audit_reveal(session, tip_ids, "list")
            rows = q.rows_by_id(session, tip_ids)
        return [q.to_row(r, reveal=True, rules=rules, now=now) for r in rows]

    def _page(self, request: PageRequest, reveal: bool) -> Page[TipRow]:
        now = self.desk.now()
        with self.desk.read() as session:
            rows, more = q.fetch_rows(session, request, now)
        rules = self.rules  # once per page: the property checks the rules file on disk
        page = q.page_of(rows, more, request, lambda r: q.to_row(r, reveal=reveal, rules=rules, now=now))
        revealed = [r.id for r in page.rows if r.reporter.secret and not r.reporter.masked]
        if revealed:
            with self.desk.write() as session:
                self._audit_reveal(session, revealed, "list")
        return page

    def count(self, filters: dict[str, Any] | None = None) -> int:
        self.desk.require(Perm.TIP_VIEW)
        with self.desk.read() as session:
            return q.count(session, filters or {}, self.desk.now())

    def due_panel(self, limit: int = 20) -> DuePanel:
        """Overdue and due-soon counts and the first ``limit`` such tips, earliest deadline first."""
        self.desk.require(Perm.TIP_VIEW)
        with self.desk.read() as session:
            overdue = q.count(session, {"deadline": DeadlineFilter.OVERDUE}, self.desk.now())
            soon = q.count(session, {"deadline": DeadlineFilter.DUE_SOON}, self.desk.now())
        request = PageRequest(filters={"deadline": DeadlineFilter.ATTENTION}, sort=TipSort.DUE, limit=limit)
        rows = self._page(request, reveal=False).rows if overdue or soon else []  # the panel shows no reporter
        return DuePanel(overdue, soon, rows)

    def officers(self) -> builtins.list[str]:
        """Names of receiving officers, for the list filter."""
        self.desk.require(Perm.TIP_VIEW)
        with self.desk.read() as session:
            return q.distinct_officers(session)

    def find_id(self, ref: str) -> str:
        """The id of a tip given its id or its register number "05/2026" (this unit's register)."""
        self.desk.require(Perm.TIP_VIEW)
        number, sep, year = ref.strip().partition("/")
        with self.desk.read() as session:
            if sep and number.isdigit() and year.isdigit():
                found = session.scalar(select(Tip.id).where(
                    Tip.unit_code == self.desk.installation.unit_code, Tip.register_year == int(year),
                    Tip.register_no == int(number)))
            else:
                found = session.scalar(select(Tip.id).where(Tip.id == ref.strip()))
        if found is None:
            raise NotFound(_("There is no tip {ref}.").format(ref=ref), code="tip_not_found")
        return found

    def get(self, tip_id: str) -> TipView:
        """The whole tip; revealing a secret reporter to a permitted user is audited."""
        self.desk.require(Perm.TIP_VIEW)
        with self.desk.read() as session:
            view = self._view(session, store.get_tip(session, tip_id))
        if view.reporter.secret and not view.reporter.masked:
            with self.desk.write() as session:
                self._audit_reveal(session, [view.id], "detail")
        return view

    # -- writing ------------------------------------------------------------------------------------------
    def create(self, data: TipInput, *, register_no: int | None = None) -> TipView:
        """Record a received tip with the next register number of its year (or ``register_no``)."""
        self.desk.require(Perm.TIP_CREATE)
        clean = clean_tip(data, self.desk.now(), self.default_officer_name())
        with self.desk.write(Changes.of(CHANGES)) as session:
            tip = self.create_in(session, clean, register_no)
            return self._view(session, tip)

    def create_in(self, session: Session, clean: CleanTip, register_no: int | None) -> Tip:
        """Insert a validated tip with its "received" event inside the caller's transaction (audited)."""
        tip = self._new_tip(session, clean.values, register_no)
        store.set_forms(session, tip.id, clean.forms)
        self._add_event(session, tip, {"kind": TipEventKind.RECEIVED.value, "occurred_at": tip.received_at},
                        TipStatus.RECEIVED, str(clean.values["officer_name"]))
        self._refresh(session, tip)
        self.desk.audit.append(session, "create", "tip", tip.id, {
            "register": register_label(tip.register_no, tip.register_year), "secret_reporter": tip.reporter_secret})
        return tip

    def _new_tip(self, session: Session, values: dict[str, object], register_no: int | None) -> Tip:
        received = values["received_at"]
        assert isinstance(received, dt.datetime)
        year = local_date(received).year
        unit = self.desk.installation.unit_code
        if register_no is None:
            number = next_number(session, SERIES, unit, year)
        else:
            self._check_free(session, unit, year, register_no)
            reserve_number(session, SERIES, unit, year, register_no)
            number = register_no
        now = self.desk.now()
        officer_id = self.desk.actor.user_id if values["officer_name"] == self.default_officer_name() else None
        tip = Tip(**values, unit_code=unit, register_year=year, register_no=number, status=TipStatus.RECEIVED.value,
                  officer_id=officer_id, origin_install_id=self.desk.installation.install_id, created_at=now,
                  updated_at=now)
        session.add(tip)
        session.flush()
        return tip

    def _check_free(self, session: Session, unit: str, year: int, number: int) -> None:
        if number < 1:
            raise UserError(_("A register number starts at 1."), "register_invalid")
        taken = session.scalar(select(Tip.id).where(Tip.unit_code == unit, Tip.register_year == year,
                                                    Tip.register_no == number))
        if taken is not None:
            raise UserError(_("Register number {number} is already used by another tip; numbers are never "
                              "reused.").format(number=register_label(number, year)), "register_collision")

    def _add_event(self, session: Session, tip: Tip, values: dict[str, object], status: TipStatus,
                   officer_name: str) -> TipEvent:
        now = self.desk.now()
        event = TipEvent(tip_id=tip.id, officer_id=self.desk.actor.user_id, officer_name=officer_name,
                         status_after=status.value, origin_install_id=self.desk.installation.install_id,
                         created_at=now, updated_at=now, **values)
        session.add(event)
        session.flush()
        return event

    def record_event(self, tip_id: str, event: TipEventInput, *, expected_version: int | None = None) -> TipView:
        """Record one workflow step or verification activity (dated, with its officer).

        With ``expected_version`` (the version the user saw), a tip changed meanwhile raises ``StaleRecord``.
        """
        self.desk.require(Perm.TIP_EDIT)
        with self.desk.write(Changes.of(CHANGES, ids=(tip_id,))) as session:
            tip = store.get_tip(session, tip_id, lock=True)
            check_version(session, tip, "tip", expected_version)
            self.record_in(session, tip, event)
            return self._view(session, tip)

    def record_in(self, session: Session, tip: Tip, event: TipEventInput) -> None:
        """Validate and add an event inside the caller's transaction (audited)."""
        current = TipStatus(tip.status)
        new_status = apply_event(current, event.kind)
        values = clean_event(event, self.desk.now(), tip.received_at, self._last_step_at(session, tip))
        officer = event.officer_name.strip() or self.default_officer_name()
        self._add_event(session, tip, values, new_status, officer)
        tip.status = new_status.value
        tip.touch(self.desk.now())
        self._refresh(session, tip)
        self.desk.audit.append(session, "update", "tip", tip.id, {"event": str(values["kind"]),
                                                                 "status": [current.value, new_status.value]})

    @staticmethod
    def _last_step_at(session: Session, tip: Tip) -> dt.datetime | None:
        """When the status last changed (events are in time order)."""
        last: dt.datetime | None = None
        previous = None
        for e in store.events_of(session, tip.id):
            if e.status_after != previous:
                last = e.occurred_at
            previous = e.status_after
        return last

    def update(self, tip_id: str, data: TipInput, *, expected_version: int | None = None) -> TipView:
        """Correct a tip's particulars. The register number only follows a change of year before printing.

        ``expected_version`` is the version the form loaded: if the tip changed since, ``StaleRecord`` names who
        changed it and nothing is written.
        """
        self.desk.require(Perm.TIP_EDIT)
        now = self.desk.now()
        with self.desk.write(Changes.of(CHANGES, ids=(tip_id,))) as session:
            tip = store.get_tip(session, tip_id, lock=True)
            check_version(session, tip, "tip", expected_version)
            clean = clean_tip(data, now, tip.officer_name)
            values = dict(clean.values)
            if tip.reporter_secret and not self.reveal:  # cannot see it, so cannot change or unmask it
                for key in ("reporter_kind", "reporter_name", "reporter_contact", "reporter_address",
                            "reporter_id_number", "reporter_secret"):
                    values.pop(key)
            self._move_receipt(session, tip, values["received_at"])  # type: ignore[arg-type]
            changed = sorted(k for k, v in values.items() if getattr(tip, k) != v)
            for key in changed:
                setattr(tip, key, values[key])
            if store.set_forms(session, tip.id, clean.forms):
                changed.append("forms")
            if changed:
                tip.touch(now)
                self._refresh(session, tip)
                self.desk.audit.append(session, "update", "tip", tip.id, {"fields": changed})
            return self._view(session, tip)

    def _move_receipt(self, session: Session, tip: Tip, received: dt.datetime) -> None:
        if received == tip.received_at:
            return
        events = store.events_of(session, tip.id)
        later = [e for e in events if e.kind != TipEventKind.RECEIVED.value]
        if later and received > min(e.occurred_at for e in later):
            raise UserError(_("The reception cannot be moved after a later step of the tip; correct that step "
                              "first."), "receipt_after_step")
        year = local_date(received).year
        if year != tip.register_year:
            if tip.printed_at is not None:
                raise UserError(_("The reception record was printed, so the register number {number} is final; "
                                  "the year of reception cannot change.").format(number=register_label(
                                      tip.register_no, tip.register_year)), "register_fixed")
            tip.register_year = year
            tip.register_no = next_number(session, SERIES, tip.unit_code, year)
        for e in events:
            if e.kind == TipEventKind.RECEIVED.value:
                e.occurred_at = received
                e.touch(self.desk.now())

    def recompute_deadlines(self) -> int:
        """Recompute every tip's next deadline (after the rules were edited); returns the tips changed."""
        self.desk.require(Perm.TIP_EDIT)
        changed = 0
        with self.desk.write(Changes.of(CHANGES)) as session:
            session.info["keep_change_seq"] = True  # derived columns only: nothing to send anywhere
            for tip in session.scalars(select(Tip)):
                before = (tip.next_due_at, tip.next_due_rule, tip.next_alarm_at)
                self._refresh(session, tip)
                changed += before != (tip.next_due_at, tip.next_due_rule, tip.next_alarm_at)
            self.desk.audit.append(session, "update", "tip", "", {"recomputed_deadlines": changed})
        return changed

    def officer_names(self) -> builtins.list[str]:
        """Full names of this installation's users (suggestions for the officer field)."""
        with self.desk.read() as session:
            names = session.scalars(select(User.full_name).where(User.active.is_(True), User.full_name != ""))
            return sorted(set(names))

    @functools.cached_property
    def printing(self) -> TipPrinting:
        from tipdesk.services.tips_print import TipPrinting

        return TipPrinting(self)

    @functools.cached_property
    def attachments(self) -> TipAttachments:
        from tipdesk.services.tips_attach import TipAttachments

        return TipAttachments(self)
