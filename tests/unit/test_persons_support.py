"""The support ledger: bad amounts and dates, the 120-day essential-needs counter, plan items, deadlines."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.unit.persons_helpers import desk_for, draft, persons
from tipdesk.db.models.persons import PersonEvent, SupportEntry
from tipdesk.domain.deadlines import DeadlineState
from tipdesk.domain.persons import SupportPeriodState
from tipdesk.errors import UserError, ValidationError
from tipdesk.services.persons_support import SupportService

RECEIVED = dt.date(2026, 3, 2)  # draft() default; the clock says 10/3/2026


@pytest.fixture
def sw(admin_desk: Any, installed: Any, clock: Any) -> Any:
    desk = desk_for(admin_desk, installed, clock, "social_worker")
    yield desk
    desk.close()


@pytest.fixture
def pid(sw: Any) -> str:
    return str(persons(sw).create(draft()).person.id)


def _rows(desk: Any, model: Any) -> int:
    with desk.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)))


@pytest.mark.parametrize("amount", [-1, -500_000, 10_000_000_001, 1.5, "1,5", "abc", "", None, True])
def test_a_bad_amount_is_refused_and_nothing_is_saved(sw: Any, pid: str, amount: object) -> None:
    with pytest.raises(ValidationError) as err:
        SupportService(sw).add_entry(pid, "essential_needs", dt.date(2026, 3, 3), amount)
    assert err.value.code == "amount_invalid"
    assert _rows(sw, SupportEntry) == 0
    assert _rows(sw, PersonEvent) == 1  # only "received": the period did not start


def test_support_dated_before_the_record_is_refused(sw: Any, pid: str) -> None:
    with pytest.raises(ValidationError) as err:
        SupportService(sw).add_entry(pid, "essential_needs", RECEIVED - dt.timedelta(days=1), 100_000)
    assert "given_on" in err.value.fields and "02/03/2026" in err.value.message
    assert _rows(sw, SupportEntry) == 0 and _rows(sw, PersonEvent) == 1


def test_support_in_the_future_and_unknown_types_are_refused(sw: Any, pid: str) -> None:
    with pytest.raises(ValidationError):
        SupportService(sw).add_entry(pid, "medical", dt.date(2026, 3, 11), 100_000)
    with pytest.raises(ValidationError):
        SupportService(sw).add_entry(pid, "spa_weekend", dt.date(2026, 3, 3), 100_000)
    assert _rows(sw, SupportEntry) == 0


def test_no_support_for_a_person_found_not_to_be_a_victim(sw: Any, pid: str) -> None:
    persons(sw).record_identification(pid, "not_victim", agency="Công an tỉnh", on=dt.date(2026, 3, 5))
    with pytest.raises(UserError) as err:
        SupportService(sw).add_entry(pid, "medical", dt.date(2026, 3, 6), 100_000)
    assert err.value.code == "not_victim"


def test_support_before_identification_and_the_ledger_totals(sw: Any, pid: str) -> None:
    svc = SupportService(sw)
    svc.add_entry(pid, "travel_home", dt.date(2026, 3, 2), "450.000", provider="UBND xã Thượng Lâm")
    svc.add_entry(pid, "medical", dt.date(2026, 3, 4), 1_200_000, provider="Trạm y tế xã", note="Khám tổng quát")
    svc.add_entry(pid, "medical", dt.date(2026, 3, 3), 300_000)
    summary = svc.summary(pid)
    assert [e.given_on.day for e in summary.entries] == [2, 3, 4]
    assert summary.total_vnd == 1_950_000
    assert sorted((n, t) for _name, n, t in summary.by_type) == [(1, 450_000), (2, 1_500_000)]
    assert summary.essential.state is SupportPeriodState.NOT_STARTED  # no essential-needs entry yet


def test_the_120_day_counter_starts_with_the_first_essential_entry_and_extends(sw: Any, pid: str) -> None:
    svc = SupportService(sw)
    svc.add_entry(pid, "shelter", dt.date(2026, 3, 5), 0)
    svc.add_entry(pid, "essential_needs", dt.date(2026, 3, 3), 800_000)  # earlier: the period moves back
    essential = svc.summary(pid).essential
    assert essential.start == dt.date(2026, 3, 3)
    assert essential.end == dt.date(2026, 3, 3) + dt.timedelta(days=120)
    assert essential.days_left == (essential.end - dt.date(2026, 3, 10)).days
    assert essential.state is SupportPeriodState.ACTIVE
    extended = svc.extend_essential(pid, 30, note="Quyết định gia hạn của Chủ tịch UBND xã")
    assert extended.end == dt.date(2026, 3, 3) + dt.timedelta(days=150) and extended.extensions == (30,)
    due = [i for i in svc.deadlines(pid) if i.ref == "person_essential_needs"][0]
    assert due.due_at.date() == extended.end
    assert persons(sw).get(pid).next_due_at == due.due_at
    ended = svc.end_essential(pid)
    assert ended.state is SupportPeriodState.ENDED
    with pytest.raises(UserError):
        svc.extend_essential(pid, 10)


@pytest.mark.parametrize("days", [0, -5, 400, True])
def test_a_bad_extension_is_refused(sw: Any, pid: str, days: Any) -> None:
    svc = SupportService(sw)
    svc.add_entry(pid, "essential_needs", dt.date(2026, 3, 3), 100_000)
    with pytest.raises(ValidationError):
        svc.extend_essential(pid, days)
    assert svc.summary(pid).essential.extensions == ()


def test_extension_before_the_period_started_is_refused(sw: Any, pid: str) -> None:
    with pytest.raises(UserError) as err:
        SupportService(sw).extend_essential(pid, 30)
    assert err.value.code == "period_not_started"


def test_plan_items_share_the_deadline_panel(sw: Any, pid: str, clock: Any) -> None:
    svc = SupportService(sw)
    persons(sw).hand_over(pid, clock.now() - dt.timedelta(hours=5), "Sở Y tế tỉnh Tuyên Quang")
    soon = svc.add_plan_item(pid, "follow_up", "Thăm hỏi tại gia đình", dt.date(2026, 3, 11))
    late = svc.add_plan_item(pid, "reintegration", "Giới thiệu học nghề may", dt.date(2026, 3, 9))
    panel = {i.ref: i.state for i in svc.deadlines(pid)}
    assert panel == {"person_initial_verification": DeadlineState.PENDING, soon.id: DeadlineState.DUE_SOON,
                     late.id: DeadlineState.OVERDUE}
    assert persons(sw).get(pid).next_due_rule == f"plan:{late.id}"  # the earliest open item
    svc.complete_plan_item(late.id)
    assert {i.ref: i.state for i in svc.deadlines(pid)}[late.id] is DeadlineState.MET_LATE
    assert persons(sw).get(pid).next_due_rule == f"plan:{soon.id}"
    with pytest.raises(ValidationError):
        svc.add_plan_item(pid, "follow_up", "  ", dt.date(2026, 4, 1))
    with pytest.raises(ValidationError):
        svc.add_plan_item(pid, "follow_up", "Trước khi tiếp nhận", dt.date(2026, 2, 1))
