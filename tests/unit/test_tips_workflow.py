"""Tips going through their events with a fixed clock: status, denormalised deadlines, every tip rule.

The clock stands at 10/03/2026 09:00 Vietnam time (02:00 UTC). Tips are received on 01/03/2026 at
08:00 Vietnam time (01:00 UTC); day limits end at 23:59:59 Vietnam time.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ADMIN_PASSWORD, COMMUNE_CODE, USER_PASSWORD, Installed
from tests.unit.tips_support import police_desk, tip_input
from tipdesk.clock import FixedClock
from tipdesk.domain.deadlines import DeadlineState, load_rules
from tipdesk.domain.tips import TipEventKind as K
from tipdesk.domain.tips import TipStatus
from tipdesk.errors import ValidationError
from tipdesk.services.auth import open_desk
from tipdesk.services.paging import PageRequest
from tipdesk.services.tips import TipService
from tipdesk.services.tips_types import TipEventInput, TipView

VN = dt.timezone(dt.timedelta(hours=7))
RECEIVED = dt.datetime(2026, 3, 1, 8, 0, tzinfo=VN)


def eod(day: int, month: int = 3, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, 23, 59, 59, tzinfo=VN)


def at(day: int, hour: int = 9, month: int = 3) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, 0, tzinfo=VN)


@pytest.fixture
def tips(admin_desk: Any, installed: Installed, clock: FixedClock) -> TipService:
    return TipService(police_desk(admin_desk, installed, clock))


def received(tips: TipService, clock: FixedClock) -> TipView:
    return tips.create(tip_input(clock, received_at=RECEIVED))


def step(tips: TipService, view: TipView, kind: K, when: dt.datetime, **extra: Any) -> TipView:
    return tips.record_event(view.id, TipEventInput(kind, when, **extra))


def deadline(view: TipView, code: str) -> Any:
    return next(d for d in view.deadlines if d.rule_code == code)


def listed(tips: TipService, view: TipView) -> Any:
    return next(r for r in tips.list(PageRequest(limit=500)).rows if r.id == view.id)


# Which tip rules each scenario pins; the last test checks that together they cover the shipped rules.
PINNED: dict[str, set[str]] = {}


def pins(*codes: str) -> Any:
    def mark(fn: Any) -> Any:
        PINNED[fn.__name__] = set(codes)
        return fn
    return mark


@pins("tip_transfer", "tip_procuracy_notice", "tip_decision", "tip_procuracy_extension_request")
def test_ordinary_path(tips: TipService, clock: FixedClock) -> None:
    view = received(tips, clock)
    assert view.status is TipStatus.RECEIVED
    assert deadline(view, "tip_transfer").due_at == RECEIVED + dt.timedelta(hours=24)
    assert deadline(view, "tip_transfer").state is DeadlineState.OVERDUE  # 9 days later, not transferred
    row = listed(tips, view)
    assert (row.next_due_rule, row.deadline_state) == ("tip_transfer", DeadlineState.OVERDUE)
    assert [r.id for r in tips.list(PageRequest(filters={"deadline": "overdue"})).rows] == [view.id]

    view = step(tips, view, K.TRANSFERRED, at(1, 20), recipient=tips.default_transfer_recipient())
    assert view.status is TipStatus.TRANSFERRED
    assert deadline(view, "tip_transfer").state is DeadlineState.MET
    assert deadline(view, "tip_procuracy_notice").due_at == eod(4)
    assert (view.next_deadline.rule_code, view.next_deadline.state) == ("tip_procuracy_notice",  # type: ignore
                                                                        DeadlineState.OVERDUE)
    view = step(tips, view, K.PROCURACY_NOTIFIED, at(3), recipient="VKSND tỉnh")
    assert deadline(view, "tip_procuracy_notice").state is DeadlineState.MET
    assert deadline(view, "tip_decision").due_at == eod(21)
    request = deadline(view, "tip_procuracy_extension_request")
    assert (request.due_at, request.state) == (eod(16), DeadlineState.PENDING)
    row = listed(tips, view)
    assert (row.next_due_rule, row.next_due_at, row.deadline_state) == (
        "tip_procuracy_extension_request", eod(16), DeadlineState.PENDING)

    clock.at = at(14).astimezone(dt.UTC)  # within 3 days of the request deadline
    row = listed(tips, view)
    assert row.deadline_state is DeadlineState.DUE_SOON
    assert tips.due_panel().due_soon == 1
    view = step(tips, view, K.DECISION_PROSECUTE, at(14, 8), decision_no="12/QĐ-CSĐT")
    assert view.status is TipStatus.PROSECUTED
    assert deadline(view, "tip_decision").state is DeadlineState.MET
    assert deadline(view, "tip_procuracy_extension_request").state is DeadlineState.NOT_APPLICABLE
    assert view.next_deadline is None and listed(tips, view).next_due_at is None
    assert listed(tips, view).decision_ref == "12/QĐ-CSĐT"
    assert tips.due_panel().overdue == tips.due_panel().due_soon == 0


@pins("tip_decision_extended", "tip_decision_procuracy_extended", "tip_procuracy_extension_request")
def test_complex_case_extended_then_extended_by_the_procuracy(tips: TipService, clock: FixedClock) -> None:
    view = received(tips, clock)
    view = step(tips, view, K.TRANSFERRED, at(1, 15), recipient="CQCSĐT Công an tỉnh")
    view = step(tips, view, K.PROCURACY_NOTIFIED, at(2))
    view = step(tips, view, K.EXTENSION, at(5), decision_no="03/QĐ-GH")
    assert deadline(view, "tip_decision").state is DeadlineState.NOT_APPLICABLE
    assert deadline(view, "tip_decision_extended").due_at == eod(1, 5)  # 2 months from 01/03
    assert deadline(view, "tip_procuracy_extension_request").due_at == eod(26, 4)  # 5 days before it
    assert listed(tips, view).next_due_rule == "tip_procuracy_extension_request"
    view = step(tips, view, K.PROCURACY_EXTENSION_REQUESTED, at(8))
    view = step(tips, view, K.PROCURACY_EXTENSION, at(9), days=60)
    assert deadline(view, "tip_procuracy_extension_request").state is DeadlineState.MET
    assert deadline(view, "tip_decision_procuracy_extended").due_at == eod(1, 7)  # 2 more months
    assert listed(tips, view).next_due_rule == "tip_decision_procuracy_extended"


@pins("tip_suspension_notice", "tip_decision_resumed", "tip_decision")
def test_suspension_and_resumption(tips: TipService, clock: FixedClock) -> None:
    from tipdesk.domain.tips import SuspensionReason

    view = received(tips, clock)
    view = step(tips, view, K.TRANSFERRED, at(1, 15), recipient="CQCSĐT Công an tỉnh")
    view = step(tips, view, K.PROCURACY_NOTIFIED, at(2))
    with pytest.raises(ValidationError) as err:
        step(tips, view, K.SUSPENDED, at(8))
    assert err.value.fields == {"reason": "required"}
    view = step(tips, view, K.SUSPENDED, at(8), reason=SuspensionReason.PENDING_EXPERTISE.value)
    assert view.status is TipStatus.SUSPENDED
    assert deadline(view, "tip_decision").state is DeadlineState.PAUSED
    notice = deadline(view, "tip_suspension_notice")
    assert (notice.due_at, notice.state) == (at(9), DeadlineState.OVERDUE)  # 24 h, clock is at 10/03
    assert listed(tips, view).next_due_rule == "tip_suspension_notice"
    view = step(tips, view, K.PROCURACY_NOTIFIED, at(8, 15))
    assert deadline(view, "tip_suspension_notice").state is DeadlineState.MET
    assert view.next_deadline is None  # paused: nothing runs while suspended
    view = step(tips, view, K.RESUMED, at(9), decision_no="01/QĐ-PH")
    assert view.status is TipStatus.RESUMED
    assert deadline(view, "tip_decision_resumed").due_at == eod(9, 4)  # one month
    assert listed(tips, view).next_due_rule == "tip_decision_resumed"
    view = step(tips, view, K.DECISION_NOT_PROSECUTE, at(10, 8), ground="not_a_crime")
    assert view.status is TipStatus.NOT_PROSECUTED and view.next_deadline is None


@pins("tip_transfer", "tip_procuracy_notice")
def test_transfer_elsewhere_ends_every_deadline(tips: TipService, clock: FixedClock) -> None:
    view = received(tips, clock)
    view = step(tips, view, K.TRANSFERRED_OTHER, at(1, 10), recipient="Đồn Biên phòng cửa khẩu")
    assert view.status is TipStatus.TRANSFERRED_OTHER
    assert deadline(view, "tip_transfer").state is DeadlineState.MET
    assert deadline(view, "tip_procuracy_notice").state is DeadlineState.NOT_APPLICABLE
    assert view.next_deadline is None and view.allowed_events == (K.NOTE,)


@pins("tip_transfer")
def test_late_transfer_is_met_late(tips: TipService, clock: FixedClock) -> None:
    view = received(tips, clock)
    view = step(tips, view, K.TRANSFERRED, at(2, 10), recipient="CQCSĐT")
    transfer = deadline(view, "tip_transfer")
    assert (transfer.state, transfer.met_at) == (DeadlineState.MET_LATE, at(2, 10))


@pins("tip_transfer")
def test_remote_commune_has_48_hours(tmp_path: Path, clock: FixedClock) -> None:
    from tipdesk.services.setup import initialise

    data = tmp_path / "remote"
    initialise("commune", COMMUNE_CODE, "admin", ADMIN_PASSWORD, data_dir=data, clock=clock, remote=True)
    admin = open_desk("admin", ADMIN_PASSWORD, data_dir=data, clock=clock)
    admin.users.add("canbo", "commune_police", USER_PASSWORD, "Trần Văn Bình")
    tips = TipService(open_desk("canbo", USER_PASSWORD, data_dir=data, clock=clock))
    clock.at = (RECEIVED + dt.timedelta(hours=30)).astimezone(dt.UTC)
    view = received(tips, clock)
    transfer = deadline(view, "tip_transfer")
    assert (transfer.due_at, transfer.state) == (RECEIVED + dt.timedelta(hours=48), DeadlineState.DUE_SOON)


def test_event_bad_input_changes_nothing(tips: TipService, clock: FixedClock) -> None:
    view = received(tips, clock)
    cases = [
        (TipEventInput(K.VERIFICATION_STARTED, RECEIVED - dt.timedelta(hours=1)), "before_receipt"),
        (TipEventInput(K.TRANSFERRED, clock.now() + dt.timedelta(hours=1), recipient="X"), "future_date"),
        (TipEventInput(K.TRANSFERRED, at(2)), "required"),
        (TipEventInput(K.VERIFICATION_ACTIVITY, at(2), activity="dance"), "unknown"),
        (TipEventInput(K.RESUMED, at(2)), "tip_transition_forbidden"),
        (TipEventInput(K.RECEIVED, at(2)), "tip_transition_forbidden"),
    ]
    for event, code in cases:
        with pytest.raises(ValidationError) as err:
            tips.record_event(view.id, event)
        assert code in (err.value.code, *err.value.fields.values()), (event.kind, err.value)
    after = tips.get(view.id)
    assert (after.version, after.status, len(after.events)) == (view.version, TipStatus.RECEIVED, 1)
    view = step(tips, view, K.TRANSFERRED, at(2), recipient="CQCSĐT")
    with pytest.raises(ValidationError) as err:  # a decision reported back, dated before the receipt
        step(tips, view, K.DECISION_PROSECUTE, RECEIVED - dt.timedelta(days=1))
    assert err.value.code == "before_receipt"
    with pytest.raises(ValidationError) as err:
        step(tips, view, K.DECISION_NOT_PROSECUTE, at(3), ground="")
    assert err.value.fields == {"ground": "required"}
    assert tips.get(view.id).version == view.version


def test_steps_cannot_go_back_in_time(tips: TipService, clock: FixedClock) -> None:
    view = received(tips, clock)
    view = step(tips, view, K.TRANSFERRED, at(3), recipient="CQCSĐT")
    with pytest.raises(ValidationError) as err:
        step(tips, view, K.DECISION_PROSECUTE, at(2))
    assert err.value.code == "before_previous_step"
    # a verification activity done earlier may still be logged afterwards
    view = step(tips, view, K.VERIFICATION_ACTIVITY, at(2), activity="interview", note="Đã lấy lời khai")
    assert [e.kind for e in view.events] == [K.RECEIVED, K.VERIFICATION_ACTIVITY, K.TRANSFERRED]
    assert view.events[1].officer_name == "Trần Văn Bình" and view.events[1].note == "Đã lấy lời khai"


def test_receipt_cannot_move_after_a_later_step(tips: TipService, clock: FixedClock) -> None:
    view = received(tips, clock)
    step(tips, view, K.TRANSFERRED, at(2), recipient="CQCSĐT")
    with pytest.raises(Exception) as err:
        tips.update(view.id, tip_input(clock, received_at=at(4)))
    assert getattr(err.value, "code", "") == "receipt_after_step"


def test_every_shipped_tip_rule_is_pinned() -> None:
    shipped = {r.code for r in load_rules().rules if r.subject == "tip"}
    assert set().union(*PINNED.values()) == shipped
