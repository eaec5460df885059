"""Session-level helpers of the tips service: loading, denormalised columns, views.

Everything here runs inside a unit of work the caller opened; nothing commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, load_only

from tipdesk.db.models.tips import Tip, TipAttachment, TipEvent, TipForm
from tipdesk.domain import units
from tipdesk.domain.deadlines import DeadlineEvent, RuleSet
from tipdesk.domain.text import fold
from tipdesk.domain.tips import Channel, SourceType, TipEventKind, TipStatus, allowed_events
from tipdesk.errors import NotFound
from tipdesk.i18n import _
from tipdesk.services.tips_deadlines import evaluate, next_due, views
from tipdesk.services.tips_types import (
    AttachmentView,
    Reporter,
    ReporterKind,
    TipEventView,
    TipView,
    register_label,
)

STATUS_EVENTS = frozenset({TipEventKind.TRANSFERRED, TipEventKind.TRANSFERRED_OTHER})


def get_tip(session: Session, tip_id: str, *, lock: bool = False) -> Tip:
    """A tip by id; ``lock`` (for an update) takes its row lock on PostgreSQL so version checks serialise."""
    tip = session.get(Tip, tip_id, with_for_update=lock or None)
    if tip is None:
        raise NotFound(_("There is no tip with the id {id}.").format(id=tip_id), code="tip_not_found")
    return tip


def events_of(session: Session, tip_id: str) -> list[TipEvent]:
    stmt = select(TipEvent).where(TipEvent.tip_id == tip_id).order_by(TipEvent.occurred_at, TipEvent.created_at,
                                                                      TipEvent.change_seq)
    return list(session.scalars(stmt))


def forms_of(session: Session, tip_id: str) -> tuple[str, ...]:
    stmt = select(TipForm.form_code).where(TipForm.tip_id == tip_id).order_by(TipForm.form_code)
    return tuple(session.scalars(stmt))


def set_forms(session: Session, tip_id: str, forms: Sequence[str]) -> bool:
    """Replace the tags; True if they changed."""
    old = set(forms_of(session, tip_id))
    if old == set(forms):
        return False
    for row in session.scalars(select(TipForm).where(TipForm.tip_id == tip_id)):
        session.delete(row)
    session.flush()
    session.add_all(TipForm(tip_id=tip_id, form_code=code) for code in forms)
    return True


def search_text(tip: Tip) -> str:
    """Folded text searched by the list: number, summary, place, reporter (unless secret), suspects."""
    return compose_search_text(tip.register_no, tip.register_year, tip.summary, tip.place_detail,
                               tip.place_unit_code, "" if tip.reporter_secret else tip.reporter_name, tip.suspects)


def compose_search_text(register_no: int, register_year: int, summary: str, place_detail: str,
                        place_unit_code: str, visible_reporter: str, suspects: str,
                        fold: Callable[[str], str] = fold) -> str:
    parts = [register_label(register_no, register_year), summary, place_detail, units.name_or_code(place_unit_code),
             visible_reporter, suspects]
    return fold(" ".join(p for p in parts if p))


def deadline_events(events: Sequence[TipEvent]) -> list[DeadlineEvent]:
    return [DeadlineEvent(e.kind, e.occurred_at, e.days) for e in events]


def refresh(session: Session, tip: Tip, rules: RuleSet, now: dt.datetime, remote: bool) -> None:
    """Recompute the denormalised columns (deadline, transfer, decision, search text) from the events."""
    events = events_of(session, tip.id)
    due = next_due(evaluate(deadline_events(events), rules, now, remote), rules)
    tip.next_due_at, tip.next_due_rule, tip.next_alarm_at = due.due_at, due.rule, due.alarm_at
    transfers = [e for e in events if e.kind in STATUS_EVENTS]
    tip.transferred_at = transfers[-1].occurred_at if transfers else None
    tip.transferred_to = transfers[-1].recipient if transfers else ""
    decisions = [e for e in events if e.kind in ("decision_prosecute", "decision_not_prosecute", "suspended")]
    tip.decision_at = decisions[-1].occurred_at if decisions else None
    tip.decision_ref = decisions[-1].decision_no if decisions else ""
    tip.search_text = search_text(tip)


def reporter_of(tip: Tip, reveal: bool) -> Reporter:
    masked = tip.reporter_secret and not reveal
    kind = ReporterKind(tip.reporter_kind)
    if masked:
        return Reporter(kind, True, True)
    return Reporter(kind, tip.reporter_secret, False, tip.reporter_name, tip.reporter_contact,
                    tip.reporter_address, tip.reporter_id_number)


def event_view(e: TipEvent) -> TipEventView:
    return TipEventView(
        id=e.id, kind=TipEventKind(e.kind), occurred_at=e.occurred_at, officer_name=e.officer_name,
        status_after=TipStatus(e.status_after), recipient=e.recipient, method=e.method, activity=e.activity,
        ground=e.ground, reason=e.reason, decision_no=e.decision_no, days=e.days, note=e.note,
        created_at=e.created_at,
    )


def attachment_views(session: Session, tip_id: str) -> tuple[AttachmentView, ...]:
    stmt = (select(TipAttachment).where(TipAttachment.tip_id == tip_id)
            .options(load_only(TipAttachment.id, TipAttachment.filename, TipAttachment.mime_type,
                               TipAttachment.size, TipAttachment.sha256, TipAttachment.description,
                               TipAttachment.added_by, TipAttachment.created_at))
            .order_by(TipAttachment.created_at))
    return tuple(attachment_view(a) for a in session.scalars(stmt))


def attachment_view(a: TipAttachment) -> AttachmentView:
    return AttachmentView(a.id, a.filename, a.mime_type, a.size, a.sha256, a.description, a.added_by,
                          a.created_at)


def tip_view(session: Session, tip: Tip, *, reveal: bool, rules: RuleSet, now: dt.datetime,
             remote: bool) -> TipView:
    events = events_of(session, tip.id)
    deadlines = evaluate(deadline_events(events), rules, now, remote)
    return TipView(
        id=tip.id, version=tip.version, unit_code=tip.unit_code, register_no=tip.register_no,
        register_year=tip.register_year, source_type=SourceType(tip.source_type), channel=Channel(tip.channel),
        received_at=tip.received_at, officer_name=tip.officer_name, reporter=reporter_of(tip, reveal),
        summary=tip.summary, account=tip.account, place_unit_code=tip.place_unit_code,
        place_detail=tip.place_detail, suspects=tip.suspects, forms=forms_of(session, tip.id),
        destination_country=tip.destination_country, border_route=tip.border_route, urgent=tip.urgent,
        status=TipStatus(tip.status), printed_at=tip.printed_at, created_at=tip.created_at,
        updated_at=tip.updated_at, events=tuple(event_view(e) for e in events), deadlines=views(deadlines),
        attachments=attachment_views(session, tip.id), allowed_events=_recordable(TipStatus(tip.status)),
    )


def _recordable(status: TipStatus) -> tuple[TipEventKind, ...]:
    return tuple(k for k in allowed_events(status) if k is not TipEventKind.RECEIVED)
