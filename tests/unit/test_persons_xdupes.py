"""Possible duplicates across communes at the province: matching, scores, decisions, masking, statistics, CLI."""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from tests.conftest import USER_PASSWORD
from tests.unit.xdupes_support import Province, person
from tipdesk.cli.main import run
from tipdesk.db.models import AuditEntry
from tipdesk.db.models.persons import Person, PersonMatch
from tipdesk.domain.text import name_key
from tipdesk.errors import PermissionDenied, UserError
from tipdesk.services.persons_xdupes import CrossDuplicates, DupPair, representatives
from tipdesk.services.reports import ReportService
from tipdesk.services.reports_types import FigureRef, ReportData

BORN = dt.date(2004, 5, 17)


@pytest.fixture(scope="session")
def template_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("xdupes-template")


@pytest.fixture
def three(tmp_path: Path, template_root: Path) -> Iterator[Province]:
    p = Province.make(tmp_path, template_root)
    yield p
    p.close()


@pytest.fixture
def officer(three: Province) -> Iterator[CrossDuplicates]:
    desk = three.user("province_officer", "canbo.tinh")
    yield CrossDuplicates(desk)
    desk.close()


@pytest.fixture
def analyst(three: Province) -> Iterator[CrossDuplicates]:
    desk = three.user("province_analyst", "phantich", "Vũ Thị Lan")
    yield CrossDuplicates(desk)
    desk.close()


def _by_ids(pairs: list[DupPair]) -> dict[frozenset[str], DupPair]:
    return {frozenset(p.key): p for p in pairs}


def _audit(desk: Any, *actions: str) -> list[tuple[str, str, dict[str, Any]]]:
    with desk.read() as s:
        rows = s.execute(select(AuditEntry.entity_type, AuditEntry.entity_id, AuditEntry.detail)
                         .where(AuditEntry.action.in_(actions)).order_by(AuditEntry.seq)).all()
    return [(t, i, json.loads(d)) for t, i, d in rows]


# ---------------------------------------------------------------- matching and scores


def test_id_number_matches_across_communes_only(three: Province, officer: CrossDuplicates) -> None:
    a = person(three.a, "Lò Thị Mai", birth_year=2001, id_number="008301012345")
    b = person(three.b, "Lò Thị Mai Anh", birth_year=2002, id_number="008301012345", sex="male")
    same_commune = person(three.a, "Hoàng Thị Nga", birth_year=1990, id_number="008301012345")
    person(three.b, "Vàng Thị Dua", birth_year=2001, id_number="")  # empty ID numbers never match
    person(three.a, "Sùng Thị Chá", birth_year=2001, id_number="")
    three.sync()
    pairs = _by_ids(officer.pairs())
    assert set(pairs) == {frozenset((a, b)), frozenset((same_commune, b))}  # never two records of one commune
    hit = pairs[frozenset((a, b))]
    assert (hit.score, hit.reasons) == (100, ("id_number",))
    assert {hit.a.commune, hit.b.commune} == {"Xã Thượng Lâm", "Xã Ngọc Đường"}
    assert {hit.a.display_name, hit.b.display_name} == {"Lò Thị Mai", "Lò Thị Mai Anh"}
    assert hit.reason_text() == "trùng số định danh"


def test_folded_name_with_tones_and_d_matches_with_birth_date_or_year_and_sex(three: Province,
                                                                                 officer: CrossDuplicates) -> None:
    assert name_key("Nguyễn Thị Đào", 2004) == name_key("NGUYEN  thi dao", 2004)
    full = (person(three.a, "Nguyễn Thị Đào", birth_date=BORN), person(three.b, "NGUYEN  thi dao", birth_date=BORN))
    year = (person(three.a, "Đặng Văn Đức", sex="male", birth_year=1999),
            person(three.b, "Dang Van Duc", sex="male", birth_date=dt.date(1999, 2, 1)))
    other_date = (person(three.a, "Hà Thị Én", birth_date=dt.date(2000, 1, 1)),
                  person(three.b, "Ha Thi En", birth_date=dt.date(2000, 7, 9)))
    other_id = (person(three.a, "Mùa Thị Dế", birth_year=1998, id_number="008198000001"),
                person(three.b, "Mua Thi De", birth_year=1998, id_number="008198000002"))
    three.sync()
    pairs = _by_ids(officer.pairs())
    assert pairs[frozenset(full)].score == 90
    assert pairs[frozenset(full)].reasons == ("name_birth_date",)
    assert pairs[frozenset(year)].score == 70
    assert pairs[frozenset(year)].reasons == ("name_birth_year",)
    assert pairs[frozenset(other_date)].score == 50
    assert pairs[frozenset(other_date)].reasons == ("name_birth_year", "birth_date_differs")
    assert pairs[frozenset(other_id)].score == 30
    assert pairs[frozenset(other_id)].reasons == ("name_birth_year", "id_number_differs")
    ordered = officer.pairs()
    assert [p.score for p in ordered] == sorted((p.score for p in ordered), reverse=True)
    assert {frozenset(p.key) for p in officer.pairs(min_score=60)} == {frozenset(full), frozenset(year)}
    assert officer.count() == 4 and officer.count(min_score=60) == 2
    assert [p.key for p in officer.pairs(limit=2, offset=1)] == [p.key for p in ordered[1:3]]


def test_no_match_when_sex_or_year_differs(three: Province, officer: CrossDuplicates) -> None:
    person(three.a, "Nguyễn Thị Đào", birth_date=BORN)
    person(three.b, "Nguyen Thi Dao", sex="male", birth_date=BORN)
    person(three.b, "Nguyen Thi Dao", birth_year=2005)
    person(three.b, "Nguyen Thi Dao")  # no year: too weak to offer
    person(three.a, "Nguyen Thi Dao")
    three.sync()
    assert officer.pairs() == []


# ---------------------------------------------------------------- decisions


def test_link_hides_the_pair_keeps_both_records_is_audited_and_undone(three: Province,
                                                                       officer: CrossDuplicates) -> None:
    a = person(three.a, "Nguyễn Thị Đào", birth_date=BORN, id_number="008304012345")
    b = person(three.b, "Nguyen Thi Dao", birth_date=BORN, received_on=dt.date(2026, 3, 4))  # a comes first
    three.sync()
    desk = officer.desk
    with desk.read() as s:
        before = {p.id: (p.version, p.full_name, p.origin_install_id) for p in s.scalars(select(Person))}
    assert officer.link_same(a, b, note="cùng người, hai xã") == "same"
    assert officer.pairs() == []
    decided = officer.pairs(include_decided=True)
    assert [(p.key, p.decision) for p in decided] == [((a, b), "same")]
    with desk.read() as s:
        match = s.execute(select(PersonMatch.origin_install_id, PersonMatch.decided_by)).one()
        after = {p.id: (p.version, p.full_name, p.origin_install_id) for p in s.scalars(select(Person))}
    assert after == before  # no merge: both origin records untouched
    assert tuple(match) == (desk.installation.install_id, "canbo.tinh")
    assert officer.clusters() == [tuple(sorted((a, b)))]
    assert officer.link_same(a, b) == "same"  # idempotent: no second row, no second audit row
    assert officer.mark_different(b, a) == "different"  # either order names the pair
    with desk.read() as s:
        assert s.scalars(select(PersonMatch.decision)).all() == ["different"]
        assert s.scalars(select(PersonMatch.version)).one() == 2
    assert officer.clusters() == []
    assert officer.undo(a, b) == ""
    assert [p.key for p in officer.pairs()] == [(a, b)]
    rows = [d for t, _i, d in _audit(desk, "create", "update") if t == "person_match"]
    assert [(d.get("decision"), d["previous"], d.get("undo", False)) for d in rows] == [
        ("same", "", False), ("different", "same", False), (None, "different", True)]
    assert rows[0]["note"] == "cùng người, hai xã" and {rows[0]["person"], rows[0]["other"]} == {a, b}
    with pytest.raises(UserError) as err:
        officer.undo(a, b)
    assert err.value.code == "xdupe_nothing_to_undo"


def test_transitive_links_form_one_cluster(three: Province, officer: CrossDuplicates) -> None:
    a = person(three.a, "Giàng Thị Sua", birth_date=BORN, id_number="008304000009")
    b = person(three.b, "Giang Thi Sua", birth_date=BORN, id_number="008304000009")
    c = person(three.a, "Giàng Thị Sua", birth_date=BORN, received_on=dt.date(2026, 3, 2))
    three.sync()
    assert len(officer.pairs()) == 2  # a-c are of one commune: not offered here
    officer.link_same(a, b)
    officer.link_same(b, c)
    assert officer.clusters() == [tuple(sorted((a, b, c)))]
    assert set(representatives(officer.clusters()).values()) == {min(a, b, c)}
    assert officer.pairs() == []


def test_bad_decisions_are_refused_with_clear_messages(three: Province, officer: CrossDuplicates,
                                                       analyst: CrossDuplicates) -> None:
    a = person(three.a, "Lò Thị Mai", birth_year=2001, id_number="008301012345")
    a2 = person(three.a, "Lò Thị Mai", birth_year=2001)
    b = person(three.b, "Lo Thi Mai", birth_year=2001, id_number="008301012345")
    three.sync()
    for args, code in (((a, a), "xdupe_same_record"), ((a, a2), "xdupe_same_origin")):
        with pytest.raises(UserError) as err:
            officer.link_same(*args)
        assert err.value.code == code
    with pytest.raises(UserError):
        officer.link_same(a, "P-99999-26-0001")
    with pytest.raises(PermissionDenied):
        analyst.link_same(a, b)
    with pytest.raises(PermissionDenied):
        CrossDuplicates(three.province).pairs()  # the administrator sees no case data
    with officer.desk.read() as s:
        assert s.scalar(select(func.count()).select_from(PersonMatch)) == 0


# ---------------------------------------------------------------- identity


def test_review_side_by_side_and_identity_audit(three: Province, officer: CrossDuplicates) -> None:
    a = person(three.a, "Nguyễn Thị Đào", birth_date=BORN, id_number="008304012345", phone="0912 345 678",
               support_vnd=1_500_000)
    b = person(three.b, "Nguyen Thi Dao", birth_date=BORN, received_on=dt.date(2026, 3, 5))
    three.sync()
    review = officer.pair(b, a)
    assert review.pair.a.id == a  # the earlier received record first, whichever order is asked
    assert review.identity_visible and review.may_decide and review.decision == ""
    rows = {r.label: r for r in review.rows}
    assert (rows["Họ và tên"].a, rows["Họ và tên"].b) == ("Nguyễn Thị Đào", "Nguyen Thi Dao")
    assert rows["Số định danh"].differs and not rows["Ngày sinh"].differs
    assert rows["Xã ghi nhận"].a == "Xã Thượng Lâm" and rows["Xã ghi nhận"].b == "Xã Ngọc Đường"
    assert "1.500.000" in rows["Các lần hỗ trợ"].a and rows["Các lần hỗ trợ"].differs
    seen = [d for t, i, d in _audit(officer.desk, "view_identity") if d.get("via") == "cross_duplicates"]
    assert len(seen) == 1 and sorted(seen[0]["ids"]) == sorted((a, b))
    officer.link_same(a, b)
    again = officer.pair(a, b)
    assert again.decision == "same" and again.decided_by == "canbo.tinh" and again.decided_at is not None


def test_analyst_sees_pseudonyms_and_no_identity(three: Province, analyst: CrossDuplicates) -> None:
    a = person(three.a, "Nguyễn Thị Đào", birth_date=BORN, id_number="008304012345", phone="0912 345 678")
    b = person(three.b, "Nguyen Thi Dao", birth_date=BORN, id_number="008304012345")
    three.sync()
    (pair,) = analyst.pairs()
    assert not pair.a.identity_visible and not pair.b.identity_visible
    assert {pair.a.display_name, pair.b.display_name} == {"P-02269-26-0001", "P-00700-26-0001"}
    review = analyst.pair(a, b)
    assert not review.identity_visible and not review.may_decide
    shown = " ".join(f"{r.label} {r.a} {r.b}" for r in review.rows)
    for secret in ("Đào", "Dao", "008304012345", "0912", "17/05/2004"):
        assert secret not in shown
    assert not any(r.identity for r in review.rows)
    assert _audit(analyst.desk, "view_identity") == []


# ---------------------------------------------------------------- statistics


def _persons_total(desk: Any, unit: str = "") -> tuple[int, dict[str, int], int]:
    service = ReportService(desk)
    data: ReportData = service.build(service.resolve_period("2026-Q1")[0], unit)
    table = data.table("persons_by_sex")
    by_unit = {u.unit_code: sum(u.counts.values()) for u in table.by_unit}
    return table.total, {k: v for k, v in by_unit.items() if v}, data.trend.counts["Người được tiếp nhận"][-1]


def test_statistics_count_a_linked_person_once_at_the_province(three: Province, officer: CrossDuplicates) -> None:
    a = person(three.a, "Nguyễn Thị Đào", birth_date=BORN, id_number="008304012345")
    b = person(three.b, "Nguyen Thi Dao", birth_date=BORN, received_on=dt.date(2026, 3, 3))
    person(three.b, "Lò Văn Sơn", sex="male", birth_year=1999)
    three.sync()
    desk = officer.desk
    assert _persons_total(desk) == (3, {"02269": 1, "00700": 2}, 3)
    officer.link_same(a, b)
    assert _persons_total(desk) == (2, {"02269": 1, "00700": 1}, 2)  # counted where first received
    assert _persons_total(desk, "00700")[0] == 2  # the commune's own figure still counts its record
    service = ReportService(desk)
    drill = service.drill(service.resolve_period("2026-Q1")[0], FigureRef("persons_by_sex", "female"))
    assert drill.total == 1
    officer.undo(a, b)
    assert _persons_total(desk) == (3, {"02269": 1, "00700": 2}, 3)
    officer.mark_different(a, b)
    assert _persons_total(desk)[0] == 3


# ---------------------------------------------------------------- scale


def test_pairs_among_tens_of_thousands_of_persons_are_found_quickly(three: Province,
                                                                    officer: CrossDuplicates) -> None:
    desk = officer.desk
    origins = [str(uuid.uuid4()) for _ in range(40)]
    now = desk.now()
    rows = []
    for n in range(30_000):
        name = f"nguoi so {n // 2}" if n < 200 else f"nguoi so {n}"  # 100 pairs share a name and year
        rows.append({"id": str(uuid.uuid4()), "pseudonym": f"P-{n:05d}", "unit_code": "02269",
                     "received_on": dt.date(2026, 3, 1), "full_name": name, "sex": "female", "birth_year": 2000,
                     "status": "being_identified", "origin_install_id": origins[n % 40], "created_at": now,
                     "updated_at": now, "name_key": name_key(name, 2000), "id_number": f"0083{n:08d}",
                     "version": 1, "change_seq": 0})
    with desk.write() as s:
        s.execute(insert(Person), rows)
    started = time.monotonic()
    pairs = officer.pairs(limit=1000)
    count = officer.count()
    assert time.monotonic() - started < 10
    assert len(pairs) == count == 100
    assert all(p.score == 30 for p in pairs)  # same name and year, different ID numbers


# ---------------------------------------------------------------- command line


def test_cli_lists_and_decides(three: Province, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    a = person(three.a, "Nguyễn Thị Đào", birth_date=BORN, id_number="008304012345")
    b = person(three.b, "Nguyen Thi Dao", birth_date=BORN, id_number="008304012345")
    three.sync()
    three.province.users.add("canbo.tinh", "province_officer", USER_PASSWORD, "Đặng Quốc Việt")
    monkeypatch.setenv("TIPDESK_PASSWORD", USER_PASSWORD)

    def cli(*args: str) -> tuple[int, str, str]:
        code = run(["--data-dir", str(three.root / "province"), "--user", "canbo.tinh", *args])
        out = capsys.readouterr()
        return code, out.out, out.err

    code, out, _err = cli("persons", "duplicates", "--json")
    assert code == 0
    (listed,) = json.loads(out)["pairs"]
    assert listed["score"] == 100 and {listed["a"]["id"], listed["b"]["id"]} == {a, b}
    code, out, _err = cli("persons", "duplicates")
    assert code == 0 and "Xã Ngọc Đường" in out and "Nguyễn Thị Đào" in out
    code, out, _err = cli("persons", "same", listed["a"]["pseudonym"], listed["b"]["pseudonym"], "--note", "đã xác minh")
    assert code == 0 and "cùng một người" in out
    assert json.loads(cli("persons", "duplicates", "--json")[1])["pairs"] == []
    code, out, _err = cli("persons", "undo", a, b)
    assert code == 0
    code, _out, err = cli("persons", "undo", a, b)
    assert code != 0 and "Traceback" not in err and err.strip()
    code, out, _err = cli("persons", "different", a, b)
    assert code == 0
    assert json.loads(cli("persons", "duplicates", "--all", "--json")[1])["pairs"][0]["decision"] == "different"


# ---------------------------------------------------------------- PostgreSQL (skipped where no server can be started)


def test_matching_linking_and_counting_once_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    from tests.conftest import ADMIN_PASSWORD
    from tipdesk.clock import FixedClock
    from tipdesk.services.auth import open_desk
    from tipdesk.services.persons_derive import refresh_index
    from tipdesk.services.persons_xdupes import counted_once
    from tipdesk.services.setup import initialise

    clock = FixedClock(dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC))
    data_dir = tmp_path / "pg-province"
    initialise("province", "08", "admin", ADMIN_PASSWORD, admin_full_name="Nguyễn Văn Quản", data_dir=data_dir,
               clock=clock, database_url=pg_url)
    admin = open_desk("admin", ADMIN_PASSWORD, data_dir=data_dir, clock=clock)
    admin.users.add("canbo.tinh", "province_officer", USER_PASSWORD, "Đặng Quốc Việt")
    desk = open_desk("canbo.tinh", USER_PASSWORD, data_dir=data_dir, clock=clock)
    try:
        now, ids = desk.now(), []
        texts = dict.fromkeys(("other_names", "phone", "address_unit_code", "address_detail", "address_old",
                               "origin_unit_code", "origin_detail", "origin_old", "guardian_name",
                               "guardian_contact", "notes", "identified_by", "ethnic_code", "from_country",
                               "from_place", "border_gate", "receiving_agency", "repatriation_route"), "")
        with desk.write() as s:
            for n, (name, unit, id_number) in enumerate((("Nguyễn Thị Đào", "02269", "008304012345"),
                                                          ("NGUYEN thi dao", "00700", ""),
                                                          ("Lò Văn Sơn", "00700", "008304012345"))):
                p = Person(id=str(uuid.uuid4()), pseudonym=f"P-{unit}-26-{n + 1:04d}", unit_code=unit,
                           received_on=dt.date(2026, 3, 1 + n), full_name=name, sex="female", birth_date=BORN,
                           birth_year=2004, id_number=id_number, status="being_identified",
                           origin_install_id=f"origin-{unit}", created_at=now, updated_at=now, **texts)
                refresh_index(p)
                s.add(p)
                ids.append(p.id)
        xd = CrossDuplicates(desk)
        found = {frozenset(p.key): (p.score, p.reasons) for p in xd.pairs()}
        assert found == {frozenset(ids[:2]): (90, ("name_birth_date",)), frozenset((ids[0], ids[2])): (100, ("id_number",))}

        def counted() -> int:
            with desk.read() as s:
                return int(s.scalar(select(func.count()).select_from(Person).where(
                    counted_once(Person, lambda p: (p.received_on >= dt.date(2026, 3, 1),)))) or 0)

        assert counted() == 3
        xd.link_same(ids[0], ids[1])
        assert xd.clusters() == [tuple(sorted(ids[:2]))] and counted() == 2
        assert xd.pair(ids[0], ids[1]).decision == "same"
        xd.undo(ids[0], ids[1])
        assert counted() == 3
    finally:
        desk.close()
        admin.close()
