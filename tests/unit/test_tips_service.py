"""Tips service: register numbers, lists and search, secrecy masking, audit, corrections."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.conftest import Installed
from tests.unit.tips_support import police_desk, tip_input
from tipdesk.clock import FixedClock
from tipdesk.db.models import AuditEntry
from tipdesk.db.models.tips import Tip, TipForm
from tipdesk.errors import PermissionDenied, UserError, ValidationError
from tipdesk.i18n import _
from tipdesk.services.context import Desk
from tipdesk.services.paging import PageRequest
from tipdesk.services.tips import TipService
from tipdesk.services.tips_types import ReporterKind, TipSort

VN = dt.timezone(dt.timedelta(hours=7))


@pytest.fixture
def police(admin_desk: Any, installed: Installed, clock: FixedClock) -> Desk:
    return police_desk(admin_desk, installed, clock)


@pytest.fixture
def tips(police: Desk) -> TipService:
    return TipService(police)


def audit_rows(desk: Desk, action: str) -> list[Any]:
    """(entity_type, entity_id, detail) rows of one action, oldest first."""
    with desk.read() as s:
        return list(s.execute(select(AuditEntry.entity_type, AuditEntry.entity_id, AuditEntry.detail)
                              .where(AuditEntry.action == action).order_by(AuditEntry.seq)).all())


def count_tips(desk: Desk) -> int:
    with desk.read() as s:
        return int(s.scalar(select(func.count()).select_from(Tip)) or 0)


def all_rows(tips: TipService, **kw: Any) -> list[Any]:
    rows, request = [], PageRequest(limit=2, **kw)
    while True:
        page = tips.list(request)
        rows += page.rows
        if page.next_cursor is None:
            return rows
        request = PageRequest(filters=request.filters, sort=request.sort, descending=request.descending,
                              after=page.next_cursor, limit=2)


def test_create_gives_yearly_register_numbers_never_reused(tips: TipService, clock: FixedClock) -> None:
    late_2025 = dt.datetime(2025, 12, 31, 23, 30, tzinfo=VN)  # still 2025 in Vietnam, 16:30 UTC
    a = tips.create(tip_input(clock, received_at=late_2025))
    b = tips.create(tip_input(clock, received_at=dt.datetime(2026, 1, 1, 0, 10, tzinfo=VN)))
    c = tips.create(tip_input(clock))
    assert (a.register_label, b.register_label, c.register_label) == ("01/2025", "01/2026", "02/2026")
    # moving a tip into another year (before printing) takes a new number; the old one is not given again
    moved = tips.update(c.id, tip_input(clock, received_at=dt.datetime(2025, 12, 30, 9, 0, tzinfo=VN)))
    assert moved.register_label == "02/2025"
    d = tips.create(tip_input(clock))
    assert d.register_label == "03/2026"


def test_explicit_register_number_collision_changes_nothing(tips: TipService, police: Desk,
                                                           clock: FixedClock) -> None:
    tips.create(tip_input(clock), register_no=7)
    before = (count_tips(police), len(audit_rows(police, "create")))
    with pytest.raises(UserError) as err:
        tips.create(tip_input(clock), register_no=7)
    assert err.value.code == "register_collision" and "07/2026" in err.value.message
    assert (count_tips(police), len(audit_rows(police, "create"))) == before
    assert tips.create(tip_input(clock)).register_label == "08/2026"  # numbering continues after it


def test_future_date_and_missing_summary_are_refused(tips: TipService, police: Desk, clock: FixedClock) -> None:
    with pytest.raises(ValidationError) as err:
        tips.create(tip_input(clock, received_at=clock.now() + dt.timedelta(minutes=5)))
    assert err.value.code == "future_date" and "received_at" in err.value.fields
    with pytest.raises(ValidationError) as err:
        tips.create(tip_input(clock, summary="   "))
    assert err.value.fields == {"summary": "required"}
    with pytest.raises(ValidationError):
        tips.create(tip_input(clock, forms=("not_a_form",)))
    with pytest.raises(ValidationError):
        tips.create(tip_input(clock, destination_country="XX"))
    with pytest.raises(ValidationError):
        tips.create(tip_input(clock, reporter_kind=ReporterKind.ANONYMOUS))  # anonymous, yet a name is given
    assert count_tips(police) == 0


def test_search_is_accent_insensitive_and_skips_secret_reporters(tips: TipService, clock: FixedClock) -> None:
    open_tip = tips.create(tip_input(clock, reporter_name="Nguyễn Văn Đức", summary="Nghi bán sang Trung Quốc"))
    tips.create(tip_input(clock, reporter_name="Lê Thị Đức Hạnh", reporter_secret=True, summary="Việc khác"))
    found = tips.list(PageRequest(filters={"search": "duc"})).rows
    assert [r.id for r in found] == [open_tip.id]
    assert [r.id for r in tips.list(PageRequest(filters={"search": "TRUNG quoc ban"})).rows] == [open_tip.id]
    assert tips.list(PageRequest(filters={"search": "hanh"})).rows == []  # a secret name is never indexed
    assert [r.id for r in tips.list(PageRequest(filters={"search": "01/2026"})).rows] == [open_tip.id]
    assert tips.list(PageRequest(filters={"search": "100%_"})).rows == []  # LIKE wildcards are literal


def test_urgent_tips_come_first_and_pages_cover_every_tip_once(tips: TipService, clock: FixedClock) -> None:
    made = []
    for i in range(7):
        received = clock.now() - dt.timedelta(hours=10 - i)
        made.append(tips.create(tip_input(clock, received_at=received, urgent=i in (1, 4))))
    for sort, descending in ((TipSort.RECEIVED, True), (TipSort.REGISTER, False), (TipSort.DUE, False)):
        rows = all_rows(tips, sort=sort.value, descending=descending)
        assert len(rows) == 7 and len({r.id for r in rows}) == 7
        assert [r.urgent for r in rows] == [True, True, False, False, False, False, False]
    newest_first = all_rows(tips, sort=TipSort.RECEIVED.value, descending=True)
    assert [r.id for r in newest_first] == [made[i].id for i in (4, 1, 6, 5, 3, 2, 0)]
    book = all_rows(tips, filters={"urgent_first": False, "year": 2026}, sort=TipSort.REGISTER.value)
    assert [r.register_no for r in book] == list(range(1, 8))


def test_filters(tips: TipService, clock: FixedClock) -> None:
    from tipdesk.domain.tips import Channel, SourceType

    a = tips.create(tip_input(clock, channel=Channel.HOTLINE_111, forms=("organ_removal",)))
    b = tips.create(tip_input(clock, source_type=SourceType.TIN_BAO, received_at=dt.datetime(2026, 2, 1, tzinfo=VN),
                              officer_name="Vàng A Páo"))

    def ids(**filters: Any) -> set[str]:
        return {r.id for r in tips.list(PageRequest(filters=filters)).rows}

    assert ids(channel="hotline_111") == {a.id}
    assert ids(form="organ_removal") == {a.id}
    assert ids(source_type="tin_bao") == {b.id}
    assert ids(officer="Vàng A Páo") == {b.id}
    assert ids(date_from=dt.date(2026, 3, 1)) == {a.id}
    assert ids(date_to=dt.date(2026, 2, 1)) == {b.id}
    assert ids(status=["received"]) == {a.id, b.id}
    assert tips.count({"channel": "hotline_111"}) == 1
    with pytest.raises(ValidationError):
        tips.list(PageRequest(filters={"colour": "red"}))
    with pytest.raises(ValidationError):
        tips.list(PageRequest(filters={"status": "rejected"}))  # there is no such status


def test_forms_are_a_child_table(tips: TipService, police: Desk, clock: FixedClock) -> None:
    view = tips.create(tip_input(clock, forms=("forced_marriage", "sexual_exploitation")))
    with police.read() as s:
        codes = set(s.scalars(select(TipForm.form_code).where(TipForm.tip_id == view.id)))
    assert codes == {"forced_marriage", "sexual_exploitation"}
    updated = tips.update(view.id, tip_input(clock, forms=("forced_begging",)))
    assert updated.forms == ("forced_begging",) and updated.version == view.version + 1


def test_secret_reporter_is_masked_for_roles_without_permission(admin_desk: Any, installed: Installed,
                                                                clock: FixedClock, tips: TipService) -> None:
    secret = tips.create(tip_input(clock, reporter_secret=True, reporter_name="Hà Thị Bí Mật"))
    worker = police_desk(admin_desk, installed, clock, "xahoi", "social_worker", "Lý Thị Hằng")
    other = TipService(worker)
    row = other.list(PageRequest()).rows[0]
    view = other.get(secret.id)
    for reporter in (row.reporter, view.reporter):
        assert reporter.masked and reporter.name == reporter.contact == reporter.id_number == ""
        assert reporter.display() == _("(kept confidential)")
    assert "Bí Mật" not in json.dumps([str(x) for x in (row, view)], ensure_ascii=False)
    with pytest.raises(PermissionDenied):
        other.create(tip_input(clock))
    assert audit_rows(worker, "view_identity") == []  # nothing revealed, nothing to audit


def test_revealing_a_secret_reporter_is_audited(tips: TipService, police: Desk, clock: FixedClock) -> None:
    secret = tips.create(tip_input(clock, reporter_secret=True))
    tips.create(tip_input(clock))
    assert tips.get(secret.id).reporter.name == "Lò Thị Đức"
    tips.list(PageRequest())
    rows = audit_rows(police, "view_identity")
    assert [json.loads(r.detail)["where"] for r in rows] == ["detail", "list"]
    assert all(json.loads(r.detail)["tips"] == [secret.id] for r in rows)


def test_lists_on_screen_get_secret_reporters_only_after_the_audit(tips: TipService, police: Desk,
                                                                    admin_desk: Any, installed: Installed,
                                                                    clock: FixedClock) -> None:
    secret = tips.create(tip_input(clock, reporter_secret=True, reporter_name="Hà Thị Bí Mật"))
    plain = tips.create(tip_input(clock, reporter_name="Trần Văn Công"))
    page = tips.list(PageRequest(), reveal_later=True)
    shown = {r.id: r for r in page.rows}
    assert shown[secret.id].reporter.masked and shown[secret.id].reporter.name == ""
    assert shown[plain.id].reporter.name == "Trần Văn Công"  # nothing to hide, nothing to wait for
    assert audit_rows(police, "view_identity") == []  # nothing shown yet, nothing recorded
    assert page.follow_up is not None
    revealed = page.follow_up()
    assert [(r.id, r.reporter.name, r.reporter.masked) for r in revealed] == [(secret.id, "Hà Thị Bí Mật", False)]
    assert revealed[0].register_label == shown[secret.id].register_label
    row, = audit_rows(police, "view_identity")
    assert json.loads(row.detail) == {"reporter": True, "where": "list", "tips": [secret.id]}
    assert admin_desk.audit.verify().ok
    # A role that may not see reporters gets no follow-up; a page without secret reporters needs none.
    worker = TipService(police_desk(admin_desk, installed, clock, "xahoi", "social_worker", "Lý Thị Hằng"))
    assert worker.list(PageRequest(), reveal_later=True).follow_up is None
    only_plain = tips.list(PageRequest(filters={"search": "Công"}), reveal_later=True)
    assert [r.id for r in only_plain.rows] == [plain.id] and only_plain.follow_up is None


def test_create_and_update_are_audited_without_personal_data(tips: TipService, police: Desk, admin_desk: Any,
                                                            clock: FixedClock) -> None:
    view = tips.create(tip_input(clock))
    tips.update(view.id, tip_input(clock, summary="Nội dung đã sửa", urgent=True))
    created, = audit_rows(police, "create")
    assert created.entity_id == view.id and json.loads(created.detail)["register"] == "01/2026"
    updated = [json.loads(r.detail) for r in audit_rows(police, "update")]
    assert {"fields": ["summary", "urgent"]} in updated
    assert "Lò Thị Đức" not in created.detail + "".join(r.detail for r in audit_rows(police, "update"))
    assert admin_desk.audit.verify().ok


def test_stale_update_is_refused(tips: TipService, clock: FixedClock) -> None:
    view = tips.create(tip_input(clock))
    tips.update(view.id, tip_input(clock, summary="Lần sửa thứ nhất"), expected_version=view.version)
    with pytest.raises(UserError) as err:
        tips.update(view.id, tip_input(clock, summary="Lần sửa thứ hai"), expected_version=view.version)
    assert err.value.code == "stale"
    assert tips.get(view.id).summary == "Lần sửa thứ nhất"


def test_user_without_permission_to_see_cannot_unmask_by_editing(admin_desk: Any, installed: Installed,
                                                                  clock: FixedClock, tips: TipService,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    view = tips.create(tip_input(clock, reporter_secret=True))
    monkeypatch.setattr(type(tips), "reveal", property(lambda self: False))
    tips.update(view.id, tip_input(clock, reporter_secret=False, reporter_name="", summary="Sửa nội dung"))
    monkeypatch.undo()
    after = tips.get(view.id)
    assert after.reporter.secret and after.reporter.name == "Lò Thị Đức" and after.summary == "Sửa nội dung"


def test_find_by_register_number(tips: TipService, clock: FixedClock) -> None:
    view = tips.create(tip_input(clock))
    assert tips.find_id("01/2026") == view.id == tips.find_id(view.id)
    with pytest.raises(UserError):
        tips.find_id("99/2026")


def test_officer_names_once_each_sorted(tips: TipService, clock: FixedClock) -> None:
    """The officer filter lists each name once, sorted (a skip scan of the index)."""
    from tests.unit.tips_support import tip_input

    for officer in ("Trần Văn Bình", "Hà Thị Lan", "Trần Văn Bình"):
        tips.create(tip_input(clock, officer_name=officer))
    assert tips.officers() == ["Hà Thị Lan", "Trần Văn Bình"]
    assert tips.count() == 3


def test_deadline_panel_counts_read_the_deadline_index_only(police: Desk, clock: FixedClock) -> None:
    """Overdue and due-soon counts (the panel above every tips list) never walk the whole table."""
    from sqlalchemy import func, select, text

    from tipdesk.db.models.tips import Tip
    from tipdesk.services import tips_query as q
    from tipdesk.services.tips_types import DeadlineFilter

    for which in (DeadlineFilter.OVERDUE, DeadlineFilter.DUE_SOON):
        stmt = select(func.count()).select_from(Tip).where(*q.where_clauses({"deadline": which}, clock.now()))
        sql = str(stmt.compile(police.engine, compile_kwargs={"literal_binds": True}))
        with police.read() as s:
            plan = " ".join(str(r[3]) for r in s.execute(text("EXPLAIN QUERY PLAN " + sql)))
        assert "COVERING INDEX ix_tips_next_due" in plan, plan


def test_list_search_box_reads_the_search_index(tips: TipService, police: Desk, clock: FixedClock) -> None:
    """The tips list's search box looks words up in the FTS5 index (a million tips cost what a few do) and
    takes numbers as parts of the text; Telex, any word order and unfinished words find the tip."""
    from sqlalchemy import select, text

    from tipdesk.services import tips_query as q

    duc = tips.create(tip_input(clock, reporter_name="Lò Thị Đức",
                                summary="Nghi vấn đưa người sang Campuchia, môi giới dùng số 0987654321"))
    other = tips.create(tip_input(clock, reporter_name="Hà Văn Sơn", summary="Nghi vấn mua bán trẻ sơ sinh"))

    def found(query: str) -> list[str]:
        return [r.id for r in tips.list(PageRequest(filters={"search": query})).rows]

    assert found("lo thi duc") == found("Ddwcs Lof") == found("campu lo") == [duc.id]
    assert found("7654") == [duc.id]  # any part of a number
    assert found(duc.register_label) == [duc.id]
    assert set(found("nghi van")) == {duc.id, other.id} and tips.count({"search": "nghi van"}) == 2
    assert found("uc") == [] and found("khong co ai") == []  # words match from their start
    stmt = select(Tip.id).where(*q.where_clauses({"search": "nguyen van d"}, clock.now()))
    sql = str(stmt.compile(police.engine, compile_kwargs={"literal_binds": True}))
    with police.read() as s:
        plan = " ".join(str(r[3]) for r in s.execute(text("EXPLAIN QUERY PLAN " + sql)))
    assert "VIRTUAL TABLE INDEX" in plan and "tips_fts" in plan, plan
