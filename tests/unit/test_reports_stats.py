"""Statistics tables on hand-built records: tips, deadline compliance, persons, support, essential needs, communes."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import literal, select

from tests.conftest import ADMIN_PASSWORD, Installed, install
from tests.unit.reports_support import PersonSpec, TipSpec, add_batch, insert, user_desk, vn
from tipdesk.clock import FixedClock
from tipdesk.domain.persons import age_group
from tipdesk.services.auth import open_desk
from tipdesk.services.context import Desk
from tipdesk.services.paging import PageRequest
from tipdesk.services.reports import ReportService
from tipdesk.services.reports_stats import age_expression
from tipdesk.services.reports_types import FigureRef, ReportData

NOW = dt.datetime(2026, 4, 10, 3, 0, tzinfo=dt.UTC)


@pytest.fixture
def police(admin_desk: Any, installed: Installed, clock: FixedClock) -> Iterator[Desk]:
    clock.at = NOW
    desk = user_desk(admin_desk, installed, clock, "canbo", "commune_police")
    yield desk
    desk.close()


def _counts(data: ReportData, key: str) -> dict[str, int]:
    return {r.code: r.count for r in data.table(key).rows if r.count}


def _q1(desk: Desk) -> ReportData:
    service = ReportService(desk)
    return service.build(service.resolve_period("2026-Q1")[0])


def test_tip_tables(police: Desk) -> None:
    insert(police, [
        TipSpec(vn(2026, 1, 5), source_type="to_giac", channel="hotline_111", country="CN",
                forms=("forced_marriage", "sexual_exploitation")),
        TipSpec(vn(2026, 2, 5), [("transferred", vn(2026, 2, 5, 12)), ("decision_prosecute", vn(2026, 4, 2))],
                source_type="tin_bao", channel="phone", country="KH", forms=()),
        TipSpec(vn(2026, 3, 5), source_type="tin_bao", channel="phone", country=""),
        TipSpec(vn(2025, 12, 31, 23, 59), channel="post"),  # before the period
    ])
    data = _q1(police)
    assert _counts(data, "tips_by_source") == {"to_giac": 1, "tin_bao": 2}
    assert _counts(data, "tips_by_channel") == {"hotline_111": 1, "phone": 2}
    assert _counts(data, "tips_by_form") == {"forced_marriage": 2, "sexual_exploitation": 1, "": 1}
    assert data.table("tips_by_form").total == 3  # tips, not tags
    assert _counts(data, "tips_by_country") == {"CN": 1, "KH": 1, "": 1}
    # the decision came after the end of the period: at its end the tip was "transferred"
    assert _counts(data, "tips_by_status") == {"received": 2, "transferred": 1}
    assert [r.code for r in data.table("tips_by_source").rows] == ["to_giac", "tin_bao", "kien_nghi_khoi_to"]
    assert data.table("tips_by_source").row("kien_nghi_khoi_to").count == 0  # type: ignore[union-attr]


def test_deadline_compliance(police: Desk) -> None:
    day = vn(2026, 1, 5, 9)
    insert(police, [
        TipSpec(day, [("transferred", day + dt.timedelta(hours=23, minutes=59))]),  # met
        TipSpec(day, [("transferred", day + dt.timedelta(hours=24))]),  # met exactly at the due time
        TipSpec(day, [("transferred", day + dt.timedelta(hours=24, seconds=1))]),  # met late
        TipSpec(day, [("transferred_other", day + dt.timedelta(hours=3))]),  # transfer outside remit stops it too
        TipSpec(vn(2026, 2, 1)),  # never transferred: overdue at the end of the period
        TipSpec(vn(2026, 3, 31, 20)),  # 4 hours before the end: still pending
        TipSpec(vn(2026, 3, 30, 12), [("transferred", vn(2026, 4, 2))]),  # transferred after the end: overdue then
    ])
    data = _q1(police)
    assert _counts(data, "tips_by_deadline") == {"met": 3, "met_late": 1, "overdue": 2, "pending": 1}
    service = ReportService(police)
    period = service.resolve_period("2026-Q1")[0]
    late = service.drill(period, FigureRef("tips_by_deadline", "met_late"))
    assert late.total == 1 and len(late.rows) == 1


def test_remote_communes_have_48_hours(tmp_path: Path, clock: FixedClock) -> None:
    from tipdesk.services.setup import initialise

    clock.at = NOW
    data_dir = tmp_path / "remote"
    initialise("commune", "02269", "admin", ADMIN_PASSWORD, data_dir=data_dir, clock=clock, remote=True)
    admin = open_desk("admin", ADMIN_PASSWORD, data_dir=data_dir, clock=clock)
    desk = user_desk(admin, Installed(data_dir, "", "", ""), clock, "canbo", "commune_police")
    day = vn(2026, 1, 5, 9)
    insert(desk, [TipSpec(day, [("transferred", day + dt.timedelta(hours=30))]),
                  TipSpec(day, [("transferred", day + dt.timedelta(hours=49))])])
    assert _counts(_q1(desk), "tips_by_deadline") == {"met": 1, "met_late": 1}
    desk.close()
    admin.close()


def test_person_tables(police: Desk) -> None:
    insert(police, persons=[
        PersonSpec(dt.date(2026, 3, 14), birth_date=dt.date(2010, 3, 15), sex="female", ethnic_code="04",
                   from_country="CN"),  # 15 the day before the birthday: under 16
        PersonSpec(dt.date(2026, 3, 15), birth_date=dt.date(2010, 3, 15), sex="female", ethnic_code="04",
                   from_country="CN", status="identified_victim"),  # 16 on the birthday
        PersonSpec(dt.date(2026, 1, 2), birth_year=2008, sex="male", ethnic_code="01",
                   from_country="KH", status="identified_victim"),  # 31/12/2008: 17
        PersonSpec(dt.date(2026, 2, 2), sex="unknown", ethnic_code="", from_country="", status="not_victim"),
        PersonSpec(dt.date(2025, 12, 31), birth_year=1990),  # before the period
    ])
    data = _q1(police)
    assert _counts(data, "persons_by_status") == {"being_identified": 1, "identified_victim": 2, "not_victim": 1}
    assert _counts(data, "persons_by_sex") == {"female": 2, "male": 1, "unknown": 1}
    assert _counts(data, "persons_by_age") == {"under_16": 1, "16_17": 2, "unknown": 1}
    assert _counts(data, "persons_by_ethnic") == {"04": 2, "01": 1, "": 1}
    assert [r.code for r in data.table("persons_by_ethnic").rows][0] == "04"  # open list: most frequent first
    assert _counts(data, "persons_by_country") == {"CN": 2, "KH": 1, "": 1}


def test_age_expression_agrees_with_the_domain(police: Desk) -> None:
    rng = random.Random(4)
    pairs = []
    for _ in range(300):
        birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randint(0, 27000))
        on = birth + dt.timedelta(days=rng.randint(-30, 80 * 366))
        pairs.append((birth, on))
    pairs += [(dt.date(2008, 2, 29), dt.date(2026, 2, 28)), (dt.date(2008, 2, 29), dt.date(2026, 3, 1))]
    with police.read() as session:
        for birth, on in pairs:
            got = session.scalar(select(age_expression(literal(on), literal(birth))))
            expected = "unknown" if birth > on else age_group(birth, on).value
            assert got == expected, (birth, on)


def test_support_and_essential_needs(police: Desk) -> None:
    started = "essential_support_started"
    ended = "essential_support_ended"
    insert(police, persons=[
        PersonSpec(dt.date(2025, 12, 1), support=[("essential_needs", dt.date(2026, 1, 5), 2_000_000),
                                                  ("essential_needs", dt.date(2026, 2, 5), 1_500_000),
                                                  ("medical", dt.date(2026, 3, 31), 700_000),
                                                  ("medical", dt.date(2026, 4, 1), 9_999_999)],  # after the end
                   events=[(started, vn(2025, 12, 1, 10), None), (ended, vn(2026, 3, 31, 20), None)]),
        PersonSpec(dt.date(2025, 11, 1), support=[("essential_needs", dt.date(2025, 12, 20), 5_000_000)],
                   events=[(started, vn(2025, 11, 1), None), (ended, vn(2026, 3, 5), None)]),
        PersonSpec(dt.date(2025, 10, 1), events=[(started, vn(2025, 10, 1), None)]),
        PersonSpec(dt.date(2025, 10, 1), events=[(started, vn(2025, 10, 1), None),
                                                 ("essential_support_extended", vn(2026, 1, 10), 90)]),
        PersonSpec(dt.date(2025, 6, 1), events=[(started, vn(2025, 6, 1), None), (ended, vn(2025, 9, 1), None)]),
    ])
    data = _q1(police)
    support = data.table("support_by_type")
    essential_row = support.row("essential_needs")
    medical_row = support.row("medical")
    assert essential_row is not None and medical_row is not None
    assert (essential_row.count, essential_row.persons, essential_row.amount_vnd) == (2, 1, 3_500_000)
    assert (medical_row.count, medical_row.amount_vnd) == (1, 700_000)
    # 1/12 + 120 days = 31/3 (ended that evening: in time); 1/11 + 120 = 1/3 (ended 5/3: late);
    # 1/10 + 120 = 29/1 (not ended: over); 1/10 + 120 + 90 = 29/4 (running); the June one ended in 2025.
    assert _counts(data, "essential_needs") == {"ended_in_time": 1, "ended_late": 1, "over_limit": 1, "running": 1}


def test_province_tables_by_commune(tmp_path: Path, clock: FixedClock) -> None:
    clock.at = NOW
    data_dir = tmp_path / "province"
    install(data_dir, clock, profile="province", unit="08")
    admin = open_desk("admin", ADMIN_PASSWORD, data_dir=data_dir, clock=clock)
    desk = user_desk(admin, Installed(data_dir, "", "", ""), clock, "phantich", "province_analyst")
    insert(desk, [TipSpec(vn(2026, 1, 5), unit_code="02269", channel="phone"),
                  TipSpec(vn(2026, 1, 6), [("transferred", vn(2026, 1, 6, 12))], unit_code="00700"),
                  TipSpec(vn(2026, 1, 7), unit_code="00700", channel="phone")],
           [PersonSpec(dt.date(2026, 2, 1), unit_code="00706")])
    add_batch(desk, "02269", vn(2026, 1, 20))
    add_batch(desk, "00700", vn(2025, 12, 30))  # made before the period: does not count
    add_batch(desk, "00700", vn(2026, 3, 31, 23))
    add_batch(desk, "00715", vn(2026, 2, 2), status="refused")  # refused: does not count
    add_batch(desk, "00694", vn(2026, 2, 2), status="duplicate")  # a re-sent batch still came in
    data = _q1(desk)
    communes = {c.unit_code: c for c in data.communes}
    assert len(communes) >= 124 and all(communes[c].has_data for c in ("02269", "00700", "00706"))
    silent = {c.unit_code for c in data.silent_communes}
    assert {"02269", "00700", "00694"}.isdisjoint(silent)
    assert {"00706", "00715", "00691"} <= silent  # 00706 has data but sent no batch made in the period
    assert len(silent) == len(communes) - 3
    channel = data.table("tips_by_channel")
    by_unit = {u.unit_code: u for u in channel.by_unit}
    assert by_unit["00700"].counts == {"phone": 1, "in_person_oral": 1} and by_unit["02269"].counts == {"phone": 1}
    assert by_unit["00691"].no_batch and by_unit["00691"].total == 0 and not by_unit["00700"].no_batch
    handled = {u.unit_code: u.kpis[0] for u in data.kpi_by_unit}
    assert (handled["00700"].numerator, handled["00700"].denominator) == (1, 2)
    assert (data.kpis[0].numerator, data.kpis[0].denominator) == (1, 3)
    # one commune only
    service = ReportService(desk)
    one = service.build(service.resolve_period("2026-Q1")[0], "00700")
    assert _counts(one, "tips_by_channel") == {"phone": 1, "in_person_oral": 1} and one.communes == ()
    page = service.drill(service.resolve_period("2026-Q1")[0], FigureRef("tips_by_channel", "phone", unit_code="00700"),
                         PageRequest(limit=10))
    assert page.total == 1
    desk.close()
    admin.close()


def test_dashboard_counts(police: Desk) -> None:
    now = police.now()
    insert(police, [
        TipSpec(vn(2026, 4, 1), next_due_at=now - dt.timedelta(hours=1)),  # overdue
        TipSpec(vn(2026, 4, 2), next_due_at=now + dt.timedelta(hours=5), next_alarm_at=now - dt.timedelta(hours=1)),
        TipSpec(vn(2026, 4, 3), next_due_at=now + dt.timedelta(days=9), next_alarm_at=now + dt.timedelta(days=6)),
    ], [
        PersonSpec(dt.date(2026, 4, 1), plans=[(dt.date(2026, 4, 12), None)]),  # follow-up due in 2 days
        PersonSpec(dt.date(2026, 4, 1), status="identified_victim", plans=[(dt.date(2026, 5, 30), None),
                                                                          (dt.date(2026, 4, 1), dt.date(2026, 4, 1))],
                   next_due_at=now - dt.timedelta(days=1)),
        PersonSpec(dt.date(2025, 10, 1), status="identified_victim",
                   events=[("essential_support_started", vn(2025, 10, 1), None)]),  # past its 120 days
    ])
    board = ReportService(police).dashboard()
    assert board.period.code == "2026-Q2" and len(board.kpis) == 5
    assert (board.tips_overdue, board.tips_due_soon) == (1, 1)
    assert (board.persons_being_identified, board.persons_follow_up, board.persons_overdue) == (1, 1, 1)
    assert board.essential_needs_over == 1
    assert board.trend.periods[-1] == board.period.short_label() and len(board.trend.periods) == 4
    assert board.trend.counts[next(iter(board.trend.counts))][-1] == 3  # tips received this quarter


def test_the_cutoff_table_is_editable_by_an_administrator(admin_desk: Desk, police: Desk) -> None:
    from dataclasses import replace

    from tipdesk.errors import PermissionDenied, UserError

    service = ReportService(admin_desk)
    rules = service.period_rules()
    edited = replace(rules, default="decree09")
    with pytest.raises(PermissionDenied):
        ReportService(police).save_period_rules(edited)
    service.save_period_rules(edited)
    assert ReportService(police).resolve_period("2026-Q1")[0].start == dt.date(2025, 12, 15)
    broken = replace(rules, rules=(rules.rules[0], replace(rules.rules[1], end_day=10)))  # a gap each quarter
    with pytest.raises(UserError) as info:
        service.save_period_rules(broken)
    assert info.value.code == "data_invalid"
    assert ReportService(police).period_rules().default == "decree09"  # the bad table was not saved
