"""Several users on one database: edit leases, and the version check that prevents a lost update."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from tests.conftest import Installed
from tests.unit.persons_helpers import desk_for, draft
from tests.unit.tips_support import POLICE_NAME, police_desk, tip_input
from tipdesk.clock import FixedClock
from tipdesk.db.models import AuditEntry
from tipdesk.db.models.tips import Tip
from tipdesk.domain.tips import TipEventKind
from tipdesk.errors import PermissionDenied
from tipdesk.i18n import to_local
from tipdesk.services.context import Desk
from tipdesk.services.leases import LEASE_MINUTES, PERSON, TIP, LeaseService, StaleRecord
from tipdesk.services.persons import PersonService
from tipdesk.services.tips import TipService
from tipdesk.services.tips_types import TipEventInput

OTHER_NAME = "Nguyễn Văn An"
RECORD = "8d4c1a52-0000-4000-8000-000000000001"


@pytest.fixture
def binh(admin_desk: Any, installed: Installed, clock: FixedClock) -> Iterator[Desk]:
    desk = police_desk(admin_desk, installed, clock)
    yield desk
    desk.close()


@pytest.fixture
def an(admin_desk: Any, installed: Installed, clock: FixedClock) -> Iterator[Desk]:
    desk = police_desk(admin_desk, installed, clock, username="canbo2", full_name=OTHER_NAME)
    yield desk
    desk.close()


def update_rows(desk: Desk, entity_id: str) -> int:
    with desk.read() as s:
        return int(s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.entity_id == entity_id, AuditEntry.action == "update")) or 0)


# -- leases -----------------------------------------------------------------------------------------------------
def test_two_users_on_two_workstations_see_each_others_lease(binh: Desk, an: Desk, clock: FixedClock) -> None:
    mine = LeaseService(binh, "PC-01").acquire(TIP, RECORD)
    assert mine.mine and mine.user_name == POLICE_NAME and mine.workstation == "PC-01"
    assert mine.expires_at == clock.now() + dt.timedelta(minutes=LEASE_MINUTES)

    clock.advance(minutes=1)
    theirs = LeaseService(an, "PC-02").acquire(TIP, RECORD)  # does not fail: says who holds it
    assert not theirs.mine
    assert (theirs.user_name, theirs.workstation, theirs.acquired_at) == (POLICE_NAME, "PC-01", mine.acquired_at)
    seen = LeaseService(an, "PC-02").holder(TIP, RECORD)
    assert seen is not None and not seen.mine and seen.user_name == POLICE_NAME
    own = LeaseService(binh, "PC-01").holder(TIP, RECORD)
    assert own is not None and own.mine
    text = theirs.describe(clock.now())
    assert POLICE_NAME in text and "PC-01" in text and to_local(mine.acquired_at).strftime("%H:%M") in text


def test_renew_keeps_the_start_and_an_unrenewed_lease_lapses(binh: Desk, an: Desk, clock: FixedClock) -> None:
    first = LeaseService(binh, "PC-01").acquire(TIP, RECORD)
    clock.advance(minutes=2)
    renewed = LeaseService(binh, "PC-01").renew(TIP, RECORD)
    assert renewed.mine and renewed.acquired_at == first.acquired_at
    assert renewed.expires_at == clock.now() + dt.timedelta(minutes=LEASE_MINUTES)

    clock.advance(minutes=LEASE_MINUTES - 1)  # renewed: still held
    assert not LeaseService(an, "PC-02").acquire(TIP, RECORD).mine
    clock.advance(minutes=1, seconds=1)  # the PC-01 form crashed: nobody renewed
    assert LeaseService(an, "PC-02").holder(TIP, RECORD) is None
    taken = LeaseService(an, "PC-02").acquire(TIP, RECORD)
    assert taken.mine and taken.user_name == OTHER_NAME and taken.acquired_at == clock.now()
    back = LeaseService(binh, "PC-01").renew(TIP, RECORD)  # lost it: told who has it now
    assert not back.mine and back.workstation == "PC-02"


def test_release_gives_back_only_ones_own_lease(binh: Desk, an: Desk, clock: FixedClock) -> None:
    LeaseService(an, "PC-02").acquire(TIP, RECORD)
    LeaseService(binh, "PC-01").release(TIP, RECORD)
    LeaseService(an, "PC-09").release(TIP, RECORD)  # the same user elsewhere does not hold it either
    assert LeaseService(binh, "PC-01").holder(TIP, RECORD) is not None
    LeaseService(an, "PC-02").release(TIP, RECORD)
    assert LeaseService(binh, "PC-01").holder(TIP, RECORD) is None
    assert LeaseService(binh, "PC-01").acquire(TIP, RECORD).mine


def test_same_user_on_another_workstation_is_someone_else(an: Desk) -> None:
    assert LeaseService(an, "PC-02").acquire(TIP, RECORD).mine
    other = LeaseService(an, "PC-03").acquire(TIP, RECORD)
    assert not other.mine and other.workstation == "PC-02"


def test_holders_marks_rows_being_edited_by_others(binh: Desk, an: Desk, clock: FixedClock, admin_desk: Any,
                                                   installed: Installed) -> None:
    ids = [f"8d4c1a52-0000-4000-8000-00000000000{i}" for i in range(4)]
    LeaseService(an, "PC-02").acquire(TIP, ids[0])
    LeaseService(binh, "PC-01").acquire(TIP, ids[1])
    social = desk_for(admin_desk, installed, clock, "social_worker", username="hang")
    LeaseService(social, "PC-04").acquire(PERSON, ids[2])  # another kind of record
    social.close()
    clock.advance(minutes=LEASE_MINUTES + 1)
    LeaseService(an, "PC-02").acquire(TIP, ids[3])
    found = LeaseService(binh, "PC-01").holders(TIP, ids)
    assert set(found) == {ids[3]} and found[ids[3]].user_name == OTHER_NAME  # ids[0] lapsed, ids[1] is mine
    clock.at -= dt.timedelta(minutes=LEASE_MINUTES + 1)
    assert set(LeaseService(binh, "PC-01").holders(TIP, ids, include_mine=True)) == {ids[0], ids[1], ids[3]}
    assert LeaseService(binh, "PC-01").holders(TIP, []) == {}


def test_concurrent_acquires_grant_the_lease_once(binh: Desk, an: Desk) -> None:
    results: list[Any] = []
    lock = threading.Lock()

    def take(desk: Desk, workstation: str) -> None:
        try:
            info: Any = LeaseService(desk, workstation).acquire(TIP, RECORD)
        except Exception as exc:  # collected: the assertion below names it
            info = exc
        with lock:
            results.append(info)

    threads = [threading.Thread(target=take, args=(binh if i % 2 else an, f"PC-{i:02d}")) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(not isinstance(r, Exception) for r in results), results
    winners = [r for r in results if r.mine]
    assert len(winners) == 1
    assert {(r.user_id, r.workstation) for r in results} == {(winners[0].user_id, winners[0].workstation)}


def test_leases_need_the_edit_permission(admin_desk: Any, installed: Installed, clock: FixedClock) -> None:
    social = desk_for(admin_desk, installed, clock, "social_worker", username="hang")  # may view tips, not edit
    try:
        with pytest.raises(PermissionDenied):
            LeaseService(social, "PC-05").acquire(TIP, RECORD)
        assert LeaseService(social, "PC-05").acquire(PERSON, RECORD).mine
    finally:
        social.close()


def test_the_upsert_is_atomic_on_both_databases(binh: Desk) -> None:
    service = LeaseService(binh, "PC-01")
    for name, dialect in (("sqlite", sqlite.dialect()), ("postgresql", postgresql.dialect())):
        sql = str(service._upsert(name, TIP, RECORD, binh.now()).compile(dialect=dialect)).upper()
        assert "ON CONFLICT (RECORD_TYPE, RECORD_ID) DO UPDATE" in sql and "WHERE" in sql.split("DO UPDATE")[1]


# -- the version check ------------------------------------------------------------------------------------------
def test_stale_tip_update_names_the_other_user_and_writes_nothing(binh: Desk, an: Desk, clock: FixedClock) -> None:
    view = TipService(binh).create(tip_input(clock))
    loaded_by_binh = TipService(binh).get(view.id)
    loaded_by_an = TipService(an).get(view.id)
    clock.advance(minutes=5)
    saved = TipService(an).update(view.id, tip_input(clock, summary="Anh An sửa trước"),
                                  expected_version=loaded_by_an.version)
    before = update_rows(binh, view.id)
    clock.advance(minutes=1)
    with pytest.raises(StaleRecord) as err:
        TipService(binh).update(view.id, tip_input(clock, summary="Anh Bình sửa sau"),
                                expected_version=loaded_by_binh.version)
    assert err.value.code == "stale"
    assert err.value.changed_by == OTHER_NAME and OTHER_NAME in err.value.message
    assert err.value.changed_at == saved.updated_at and err.value.current_version == saved.version
    after = TipService(binh).get(view.id)
    assert (after.summary, after.version) == ("Anh An sửa trước", saved.version)
    assert update_rows(binh, view.id) == before
    again = TipService(binh).update(view.id, tip_input(clock, summary="Anh Bình sửa sau"),
                                    expected_version=after.version)  # reloaded: goes through
    assert again.summary == "Anh Bình sửa sau" and again.version == saved.version + 1


def test_simultaneous_saves_of_one_version_let_exactly_one_through(binh: Desk, an: Desk, clock: FixedClock) -> None:
    view = TipService(binh).create(tip_input(clock))
    outcomes: dict[str, Any] = {}

    def save(desk: Desk, summary: str) -> None:
        try:
            outcomes[summary] = TipService(desk).update(view.id, tip_input(clock, summary=summary),
                                                        expected_version=view.version)
        except Exception as exc:  # collected: the assertions below name it
            outcomes[summary] = exc

    threads = [threading.Thread(target=save, args=(desk, f"Bản sửa {i}")) for i, desk in enumerate((binh, an) * 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    saved = [k for k, v in outcomes.items() if not isinstance(v, Exception)]
    refused = [v for v in outcomes.values() if isinstance(v, StaleRecord)]
    assert len(saved) == 1 and len(refused) == 3, outcomes
    final = TipService(binh).get(view.id)
    assert final.summary == saved[0] and final.version == view.version + 1


def test_stale_workflow_event_is_refused(binh: Desk, an: Desk, clock: FixedClock) -> None:
    view = TipService(binh).create(tip_input(clock))
    TipService(an).update(view.id, tip_input(clock, summary="Đã sửa"), expected_version=view.version)
    start = TipEventInput(TipEventKind.VERIFICATION_STARTED, clock.now())
    with pytest.raises(StaleRecord) as err:
        TipService(binh).record_event(view.id, start, expected_version=view.version)
    assert err.value.changed_by == OTHER_NAME
    current = TipService(binh).get(view.id)
    assert len(current.events) == 1
    done = TipService(binh).record_event(view.id, start, expected_version=current.version)
    assert len(done.events) == 2


def test_a_change_without_an_audited_author_is_by_another_user(binh: Desk, clock: FixedClock) -> None:
    view = TipService(binh).create(tip_input(clock))
    clock.advance(hours=1)
    with binh.write() as session:  # as an imported batch would: no audit row of its own for this tip
        tip = session.get(Tip, view.id)
        assert tip is not None
        tip.summary = "Cập nhật từ gói dữ liệu"
        tip.touch(clock.now())
    with pytest.raises(StaleRecord) as err:
        TipService(binh).update(view.id, tip_input(clock), expected_version=view.version)
    assert err.value.changed_by not in (POLICE_NAME, "canbo")
    assert err.value.changed_by in err.value.message


def test_stale_person_update_names_the_other_user_and_writes_nothing(admin_desk: Any, installed: Installed,
                                                                      clock: FixedClock) -> None:
    hang = desk_for(admin_desk, installed, clock, "social_worker", username="hang", full_name="Lý Thị Hằng")
    lan = desk_for(admin_desk, installed, clock, "social_worker", username="lan", full_name="Hoàng Thị Lan")
    try:
        view = PersonService(hang).create(draft()).person
        clock.advance(minutes=3)
        saved = PersonService(lan).update(view.id, draft(phone="0987 654 321"), expected_version=view.version).person
        before = update_rows(hang, view.id)
        with pytest.raises(StaleRecord) as err:
            PersonService(hang).update(view.id, draft(phone="0911 111 111"), expected_version=view.version)
        assert err.value.code == "stale" and err.value.changed_by == "Hoàng Thị Lan"
        assert "Hoàng Thị Lan" in str(err.value)
        current = PersonService(hang).get(view.id)
        assert (current.phone, current.version) == ("0987 654 321", saved.version)
        assert update_rows(hang, view.id) == before
    finally:
        hang.close()
        lan.close()


# -- the same on PostgreSQL (skipped where no server can be started) --------------------------------------------
def test_leases_and_version_check_on_postgresql(pg_url: str, tmp_path: Any, clock: FixedClock) -> None:
    from tests.conftest import ADMIN_PASSWORD, COMMUNE_CODE
    from tipdesk.services.auth import open_desk
    from tipdesk.services.setup import initialise

    data_dir = tmp_path / "pg-commune"
    initialise("commune", COMMUNE_CODE, "admin", ADMIN_PASSWORD, admin_full_name="Nguyễn Văn Quản",
               data_dir=data_dir, clock=clock, database_url=pg_url)
    admin = open_desk("admin", ADMIN_PASSWORD, data_dir=data_dir, clock=clock)
    installed = Installed(data_dir, "", "", admin.installation.install_id)
    binh = police_desk(admin, installed, clock)
    an = police_desk(admin, installed, clock, username="canbo2", full_name=OTHER_NAME)
    try:
        test_concurrent_acquires_grant_the_lease_once(binh, an)
        clock.advance(minutes=LEASE_MINUTES + 1)  # the winner's lease lapses
        test_renew_keeps_the_start_and_an_unrenewed_lease_lapses(binh, an, clock)
        test_stale_tip_update_names_the_other_user_and_writes_nothing(binh, an, clock)
        test_simultaneous_saves_of_one_version_let_exactly_one_through(binh, an, clock)
    finally:
        for desk in (binh, an, admin):
            desk.close()
