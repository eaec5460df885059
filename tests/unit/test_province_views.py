"""Provincial consolidated views: the commune filter of the tips and persons lists, the per-commune
exchange status (days since, late, gaps, receipts not confirmed) and the provincial notes that
imports never touch."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from tests.unit.exchange_db_support import OFFICER_PASSWORD, Pair, Records, province_officer
from tipdesk.cli.main import run
from tipdesk.db.models.exchange import ImportLog, Peer
from tipdesk.db.models.persons import Person
from tipdesk.db.models.tips import Tip
from tipdesk.errors import NotFound, PermissionDenied, UserError, ValidationError
from tipdesk.services.context import Desk
from tipdesk.services.exchange import Exchange
from tipdesk.services.exchange_status import DEFAULT_LATE_DAYS, CommuneSummary, unconfirmed_receipts
from tipdesk.services.paging import PageRequest
from tipdesk.services.persons import PersonService
from tipdesk.services.province_views import ProvinceViews, commune_name
from tipdesk.services.tips import TipService
from tipdesk.services.tips_query import where_clauses

THUONG_LAM, HA_GIANG_2, NGOC_DUONG = "02269", "00691", "00700"


@pytest.fixture(scope="session")
def template_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("province-views-template")


@pytest.fixture
def pair(tmp_path: Path, template_root: Path) -> Iterator[Pair]:
    p = Pair.make(tmp_path, template_root)
    yield p
    p.close()


@pytest.fixture
def officer(pair: Pair) -> Iterator[Desk]:
    desk = province_officer(pair)
    yield desk
    desk.close()


def _tip(desk: Desk, unit: str, number: int, **values: Any) -> str:
    tip_id, now = str(uuid.uuid4()), desk.now()
    with desk.write() as s:
        s.add(Tip(id=tip_id, unit_code=unit, register_year=2026, register_no=number, source_type="to_giac",
                  channel="phone", received_at=now - dt.timedelta(hours=number), summary=f"Tin báo {number}",
                  search_text=f" tin bao {number}", status="received", origin_install_id=f"install-{unit}", created_at=now, updated_at=now, **values))
    return tip_id


def _person(desk: Desk, unit: str, number: int) -> str:
    person_id, now = str(uuid.uuid4()), desk.now()
    with desk.write() as s:
        s.add(Person(id=person_id, pseudonym=f"NN-{unit}-26-{number:04d}", unit_code=unit,
                     received_on=dt.date(2026, 3, 1), full_name=f"Người {number}", sex="female",
                     status="being_identified", origin_install_id=f"install-{unit}", created_at=now, updated_at=now))
    return person_id


def _peer(desk: Desk, install_id: str, commune: str, *, enrolled: dt.datetime, last_batch: dt.datetime | None = None,
          missing: list[int] | None = None, seq: int = 0) -> None:
    with desk.write() as s:
        s.add(Peer(install_id=install_id, commune=commune, enrolled_at=enrolled, last_epoch=1 if seq else 0,
                   last_seq=seq, contiguous_seq=seq - len(missing or []), missing=json.dumps(missing or []),
                   last_batch_at=last_batch))


# ---------------------------------------------------------------- the commune filter of the lists


def test_tips_list_filters_and_counts_by_commune(officer: Desk) -> None:
    ours = [_tip(officer, THUONG_LAM, n) for n in range(1, 4)]
    theirs = [_tip(officer, HA_GIANG_2, n) for n in range(1, 3)]
    service = TipService(officer)
    page = service.list(PageRequest(filters={"unit_code": THUONG_LAM}, limit=2))
    assert {r.unit_code for r in page.rows} == {THUONG_LAM} and page.next_cursor is not None
    rest = service.list(PageRequest(filters={"unit_code": THUONG_LAM}, after=page.next_cursor, limit=2))
    assert sorted(r.id for r in page.rows + rest.rows) == sorted(ours) and rest.next_cursor is None
    assert service.count({"unit_code": HA_GIANG_2}) == len(theirs)
    assert service.count({"unit_code": NGOC_DUONG}) == 0
    assert service.count({}) == 5
    assert service.count({"unit_code": THUONG_LAM, "search": "tin bao 2"}) == 1


def _plan(desk: Desk, stmt: Any) -> str:
    sql = str(stmt.compile(desk.engine, compile_kwargs={"literal_binds": True}))
    with desk.read() as session:
        return " ".join(str(row[-1]) for row in session.execute(text("EXPLAIN QUERY PLAN " + sql)))


def test_the_tip_commune_count_is_served_by_an_index(officer: Desk) -> None:
    _tip(officer, THUONG_LAM, 1)
    stmt = select(func.count()).select_from(Tip).where(*where_clauses({"unit_code": THUONG_LAM}, officer.now()))
    plan = _plan(officer, stmt)  # the unique (unit_code, register_year, register_no) constraint's index
    assert plan.startswith("SEARCH tips USING") and "INDEX" in plan and "(unit_code=?)" in plan, plan


def test_a_page_of_one_commune_seeks_to_its_tips(officer: Desk) -> None:
    _tip(officer, THUONG_LAM, 1)
    stmt = (select(Tip.id).where(*where_clauses({"unit_code": THUONG_LAM}, officer.now()), Tip.urgent.is_(False))
            .order_by(Tip.received_at, Tip.id).limit(101))
    assert "(unit_code=? AND urgent=?)" in _plan(officer, stmt)


def test_persons_list_filters_by_commune(officer: Desk) -> None:
    ours = {_person(officer, THUONG_LAM, n) for n in range(1, 3)}
    _person(officer, HA_GIANG_2, 1)
    service = PersonService(officer)
    rows = service.list(PageRequest(filters={"unit_code": THUONG_LAM})).rows
    assert {r.id for r in rows} == ours and {r.unit_code for r in rows} == {THUONG_LAM}
    assert service.count({"unit_code": HA_GIANG_2}) == 1
    assert service.count({}) == 3


def test_commune_choices_are_communes_with_records_and_enrolled_ones(pair: Pair, officer: Desk) -> None:
    _tip(officer, HA_GIANG_2, 1)
    _person(officer, NGOC_DUONG, 1)
    tips = ProvinceViews(officer).communes("tip")
    assert [(c.code, c.name, c.enrolled) for c in tips] == [
        (HA_GIANG_2, "Phường Hà Giang 2", False), (THUONG_LAM, "Xã Thượng Lâm", True)]  # enrolled, nothing yet
    persons = ProvinceViews(officer).communes("person")
    assert [c.code for c in persons] == [NGOC_DUONG, THUONG_LAM]
    assert commune_name("99999") == "99999" and commune_name("08") == "Tuyên Quang"


def test_commune_choices_need_the_right_to_view(pair: Pair) -> None:
    with pytest.raises(PermissionDenied):  # the provincial administrator manages keys, not cases
        ProvinceViews(pair.province).communes("tip")


def test_a_commune_installation_has_no_commune_choices(pair: Pair) -> None:
    assert ProvinceViews(pair.commune).communes("tip") == []


def test_unknown_filter_values_are_refused_clearly(officer: Desk) -> None:
    with pytest.raises(ValidationError):
        TipService(officer).count({"commune": THUONG_LAM})  # the key is unit_code


# ---------------------------------------------------------------- per-commune status


def test_status_days_since_late_flag_gaps_and_order(pair: Pair) -> None:
    now = pair.clock.now()
    _peer(pair.province, "on-time", HA_GIANG_2, enrolled=now - dt.timedelta(days=200),
          last_batch=now - dt.timedelta(days=12, hours=3), seq=9)
    _peer(pair.province, "late", NGOC_DUONG, enrolled=now - dt.timedelta(days=200),
          last_batch=now - dt.timedelta(days=DEFAULT_LATE_DAYS + 5), seq=4, missing=[2])
    _peer(pair.province, "silent", "00706", enrolled=now - dt.timedelta(days=DEFAULT_LATE_DAYS + 1))
    peers = pair.px.status.peers()
    by_id = {p.install_id: p for p in peers}
    assert [p.install_id for p in peers][:2] == ["silent", "late"]  # late ones first, never-sent before
    assert by_id["on-time"].days_since_last_batch == 12 and not by_id["on-time"].late
    assert by_id["late"].days_since_last_batch == DEFAULT_LATE_DAYS + 5 and by_id["late"].late
    assert by_id["late"].missing == [2] and by_id["late"].needs_attention
    assert by_id["silent"].days_since_last_batch is None and by_id["silent"].late
    fresh = by_id[pair.commune_install]  # enrolled an hour ago, nothing sent: not late yet
    assert fresh.days_since_last_batch is None and not fresh.late and not fresh.needs_attention
    assert CommuneSummary.of(peers) == CommuneSummary(communes=4, up_to_date=2, late=2, with_gaps=1)


def test_the_lateness_threshold_is_a_setting(pair: Pair) -> None:
    now = pair.clock.now()
    _peer(pair.province, "x", HA_GIANG_2, enrolled=now - dt.timedelta(days=100), last_batch=now - dt.timedelta(days=12),
          seq=1)
    assert pair.px.status.late_days() == DEFAULT_LATE_DAYS
    pair.px.status.set_late_days(10)
    assert pair.px.status.late_days() == 10
    peer = next(p for p in pair.px.status.peers() if p.install_id == "x")
    assert peer.late and peer.late_days == 10
    with pytest.raises(ValidationError):
        pair.px.status.set_late_days(0)
    officer = province_officer(pair)
    try:
        with pytest.raises(PermissionDenied):
            Exchange(officer).status.set_late_days(20)
    finally:
        officer.close()
    with pair.province.read() as s:
        entries = s.execute(text("SELECT detail FROM audit_log WHERE entity_id = 'exchange_late_days'")).all()
    assert len(entries) == 1


def test_receipts_are_unconfirmed_until_a_later_batch_arrives(pair: Pair) -> None:
    rec = Records(pair.commune)
    rec.tip()
    pair.px.imports.import_paths([pair.export_one(pair.root / "b1")])
    assert pair.px.status.peers()[0].unconfirmed_receipts == 1  # nothing came back since the receipt
    pair.clock.advance(days=3)
    rec.tip()
    pair.px.imports.import_paths([pair.export_one(pair.root / "b2")])
    status = pair.px.status.peers()[0]
    assert status.unconfirmed_receipts == 1  # b1's receipt made the trip; b2's is new
    assert status.last_seq == 2 and status.days_since_last_batch == 0
    pair.clock.advance(days=DEFAULT_LATE_DAYS + 1)
    assert pair.px.status.peers()[0].late


def test_a_batch_sent_again_restarts_the_wait_for_its_receipt(pair: Pair) -> None:
    t0 = pair.clock.now()
    install = "resender"
    _peer(pair.province, install, HA_GIANG_2, enrolled=t0 - dt.timedelta(days=30), last_batch=t0, seq=2)

    def log(batch: str, status: str, at: dt.datetime, made: dt.datetime) -> None:
        with pair.province.write() as s:
            s.add(ImportLog(at=at, status=status, batch_id=batch, install_id=install, commune=HA_GIANG_2, epoch=1,
                            seq=1, created_at=made, receipt_sha256="ab" * 32))

    log("b1", "accepted", t0 + dt.timedelta(hours=1), t0)
    log("b2", "accepted", t0 + dt.timedelta(days=2), t0 + dt.timedelta(days=1, hours=23))  # made after b1's receipt
    with pair.province.read() as s:
        assert unconfirmed_receipts(s)[install] == 1
    log("b1", "duplicate", t0 + dt.timedelta(days=3), t0)  # the commune still waited for b1's receipt
    with pair.province.read() as s:
        assert unconfirmed_receipts(s)[install] == 2
    log("b3", "accepted", t0 + dt.timedelta(days=5), t0 + dt.timedelta(days=4))
    with pair.province.read() as s:
        assert unconfirmed_receipts(s)[install] == 1  # only b3's own receipt is still travelling


# ---------------------------------------------------------------- provincial notes


def test_notes_survive_the_import_of_a_newer_version_of_the_record(pair: Pair, officer: Desk) -> None:
    rec = Records(pair.commune)
    tip, person = rec.tip(), rec.person()
    Exchange(officer).imports.import_paths([pair.export_one(pair.root / "b1")])
    status = Exchange(officer).status
    note = status.annotate("tip", tip, "note", "Đối chiếu với vụ ở Hà Giang")
    follow = status.annotate("tip", tip, "follow_up", "Gọi lại xã", due_on=dt.date(2026, 3, 20))
    code = f"NN-{THUONG_LAM}-26-0002"  # the person's record code also finds it
    link = status.annotate("tip", tip, "link", "Cùng nạn nhân", link_type="person", link_id=code.lower())
    on_person = status.annotate("person", person, "note", "Đã liên hệ Sở Y tế")
    before = [status.annotations("tip", tip), status.annotations("person", person)]
    assert link.link_id == person and follow.due_on == dt.date(2026, 3, 20)

    new_version = rec.edit_tip(tip, "Xã cập nhật: đã xác minh")
    pair.clock.advance(hours=2)
    outcome = Exchange(officer).imports.import_paths([pair.export_one(pair.root / "b2")]).outcomes[0]
    assert outcome.status == "accepted"
    with officer.read() as s:
        stored = s.get(Tip, tip)
        assert stored is not None and stored.summary == "Xã cập nhật: đã xác minh" and stored.version == new_version
    after = [status.annotations("tip", tip), status.annotations("person", person)]
    assert after == before
    assert [a.id for a in after[0]] == [note.id, follow.id, link.id] and after[1][0].id == on_person.id


def test_a_note_on_a_record_that_is_not_here_is_refused(officer: Desk) -> None:
    status = Exchange(officer).status
    with pytest.raises(NotFound):
        status.annotate("tip", str(uuid.uuid4()), "note", "Không có")
    tip = _tip(officer, THUONG_LAM, 1)
    with pytest.raises(NotFound):
        status.annotate("tip", tip, "link", "", link_type="person", link_id="NN-00000-26-9999")
    with pytest.raises(UserError):
        status.annotate("tip", tip, "note", "   ")


def test_cli_annotate_and_list(pair: Pair, officer: Desk, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    tip = _tip(officer, THUONG_LAM, 1)
    monkeypatch.setenv("TIPDESK_PASSWORD", OFFICER_PASSWORD)
    base = ["--data-dir", str(pair.root / "province"), "--user", "canbo.tinh", "--lang", "en"]
    assert run([*base, "annotate", "tip", tip, "--kind", "follow_up", "--text", "Gọi lại xã", "--due",
                "20/03/2026", "--json"]) == 0
    made = json.loads(capsys.readouterr().out)
    assert made["kind"] == "follow_up" and made["due_on"] == "2026-03-20"
    assert run([*base, "annotations", "tip", tip]) == 0
    listed = capsys.readouterr().out
    assert "Gọi lại xã" in listed and "20/03/2026" in listed
    assert run([*base, "annotate", "tip", tip, "--kind", "note", "--text", ""]) != 0
    assert "not valid" in capsys.readouterr().err
