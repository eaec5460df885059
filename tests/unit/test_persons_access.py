"""The identity-field access rule, walked for every role, and the audit of every identity read."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.conftest import ADMIN_PASSWORD, PROVINCE_CODE, install
from tests.unit.persons_helpers import desk_for, draft, make_tip, persons
from tipdesk.db.models import AuditEntry
from tipdesk.db.models.persons import Person
from tipdesk.domain.persons import IdentificationStatus
from tipdesk.errors import PermissionDenied
from tipdesk.services.auth import open_desk
from tipdesk.services.paging import PageRequest
from tipdesk.services.persons_derive import refresh_index
from tipdesk.services.persons_links import LinkService
from tipdesk.services.persons_support import SupportService
from tipdesk.services.persons_types import PersonView

IDENTITY_FIELDS = ("other_names", "id_number", "address_unit_code", "address_detail", "address_old", "phone",
                   "guardian_name", "guardian_relation", "guardian_contact", "origin_detail", "origin_old", "notes")


def _identity_rows(desk: Any) -> int:
    with desk.read() as s:
        return int(s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "view_identity")))


def _assert_masked(view: PersonView) -> None:
    assert not view.identity_visible
    assert view.full_name == view.pseudonym == view.display_name
    assert all(getattr(view, f) == "" for f in IDENTITY_FIELDS), [f for f in IDENTITY_FIELDS if getattr(view, f)]
    assert not view.has_photo and view.birth_date is None and view.id_warnings == ()
    assert view.birth_year is not None  # statistics fields stay


def _assert_visible(view: PersonView, name: str) -> None:
    assert view.identity_visible and view.full_name == name and view.id_number and view.phone


@pytest.fixture
def commune(admin_desk: Any, installed: Any, clock: Any) -> Any:
    """A social worker's two persons, one named in a tip recorded by the police."""
    sw = desk_for(admin_desk, installed, clock, "social_worker", "xahoi")
    police = desk_for(admin_desk, installed, clock, "commune_police", "canbo")
    linked = persons(sw).create(draft(notes="Gia đình ở Thôn Nà Khà", guardian_name="Sùng A Páo")).person
    other = persons(sw).create(draft(full_name="Hầu Thị Dế", id_number="008300054321", birth_year=2000,
                                     phone="0977 000 111", notes="Mẹ: Hầu Thị Pà", origin_unit_code="02269")).person
    SupportService(sw).add_entry(other.id, "medical", dt.date(2026, 3, 3), 250_000, note="Khám tại nhà bà Pà")
    tip = make_tip(police, clock)
    LinkService(police).link(tip, linked.id)
    yield {"sw": sw, "police": police, "admin": admin_desk, "linked": linked, "other": other, "tip": tip}
    sw.close()
    police.close()


def test_social_worker_sees_every_identity_and_each_read_is_audited(commune: Any) -> None:
    sw, other = commune["sw"], commune["other"]
    before = _identity_rows(sw)
    _assert_visible(persons(sw).get(other.id), "Hầu Thị Dế")
    assert _identity_rows(sw) == before + 1
    rows = persons(sw).list(PageRequest()).rows
    assert all(r.identity_visible for r in rows) and {r.display_name for r in rows} == {"Sùng Thị Mỷ", "Hầu Thị Dế"}
    assert _identity_rows(sw) == before + 2  # one row for the page
    assert [r.id for r in persons(sw).search("hau thi de")] == [other.id]
    assert SupportService(sw).summary(other.id).entries[0].note == "Khám tại nhà bà Pà"


def test_commune_police_sees_only_persons_linked_to_a_tip(commune: Any) -> None:
    police, linked, other = commune["police"], commune["linked"], commune["other"]
    before = _identity_rows(police)
    masked = persons(police).get(other.id)
    _assert_masked(masked)
    assert masked.origin_unit_code == "08"  # the province of origin only, not the commune
    assert _identity_rows(police) == before  # a masked read writes no identity row
    _assert_visible(persons(police).get(linked.id), "Sùng Thị Mỷ")
    assert _identity_rows(police) == before + 1
    rows = {r.id: r for r in persons(police).list(PageRequest()).rows}
    assert rows[linked.id].display_name == "Sùng Thị Mỷ"
    assert rows[other.id].display_name == other.pseudonym and not rows[other.id].identity_visible
    # A hidden name finds nothing; the pseudonym does; a visible name does.
    assert persons(police).search("Hầu Thị Dế") == []
    assert persons(police).search("0977") == []
    assert [r.id for r in persons(police).search(other.pseudonym)] == [other.id]
    assert [r.id for r in persons(police).search("sung thi my")] == [linked.id]
    assert SupportService(police).summary(other.id).entries[0].note == ""
    assert all(e.note == "" for e in persons(police).events(other.id))
    linked_people = LinkService(police).persons_of_tip(commune["tip"])
    assert [(p.person_id, p.display_name) for p in linked_people] == [(linked.id, "Sùng Thị Mỷ")]


def test_unlinking_takes_the_police_view_away(commune: Any) -> None:
    police, linked = commune["police"], commune["linked"]
    LinkService(police).unlink(commune["tip"], linked.id)
    _assert_masked(persons(police).get(linked.id))


def test_police_may_not_sort_by_a_hidden_name(commune: Any) -> None:
    rows = persons(commune["police"]).list(PageRequest(sort="name")).rows
    assert [r.pseudonym for r in rows] == sorted(r.pseudonym for r in rows)  # pseudonym order instead


def test_commune_admin_sees_no_person_data(commune: Any) -> None:
    admin, other = commune["admin"], commune["other"]
    for call in (lambda: persons(admin).get(other.id), lambda: persons(admin).list(PageRequest()),
                 lambda: persons(admin).search("Hầu"), lambda: SupportService(admin).summary(other.id),
                 lambda: persons(admin).create(draft())):
        with pytest.raises(PermissionDenied):
            call()


def test_police_may_not_record_persons_or_support(commune: Any) -> None:
    police, other = commune["police"], commune["other"]
    with pytest.raises(PermissionDenied):
        persons(police).create(draft())
    with pytest.raises(PermissionDenied):
        SupportService(police).add_entry(other.id, "medical", dt.date(2026, 3, 4), 1000)
    with pytest.raises(PermissionDenied):
        persons(police).update(other.id, draft())


def _province_person(desk: Any) -> str:
    """A person as a batch import would store it at the province."""
    now = desk.now()
    with desk.write() as s:
        p = Person(pseudonym="P-02269-26-0001", unit_code="02269", received_on=dt.date(2026, 3, 2),
                   full_name="Sùng Thị Mỷ", id_number="008306012345", phone="0912 345 678", sex="female",
                   birth_year=2006, birth_date=dt.date(2006, 5, 1), status=IdentificationStatus.IDENTIFIED_VICTIM.value,
                   notes="Ghi chú", origin_install_id="commune-install", created_at=now, updated_at=now)
        refresh_index(p)
        s.add(p)
        s.flush()
        return p.id


@pytest.mark.parametrize(("role", "expected"), [
    ("province_officer", "visible"), ("province_analyst", "masked"), ("province_admin", "denied"),
])
def test_province_roles(tmp_path: Path, clock: Any, role: str, expected: str) -> None:
    installed = install(tmp_path / "province", clock, profile="province", unit=PROVINCE_CODE)
    admin = open_desk("admin", ADMIN_PASSWORD, data_dir=installed.data_dir, clock=clock)
    try:
        pid = _province_person(admin)
        desk = desk_for(admin, installed, clock, role, "tinh")
        before = _identity_rows(admin)
        if expected == "denied":
            with pytest.raises(PermissionDenied):
                persons(desk).get(pid)
            return
        view = persons(desk).get(pid)
        if expected == "visible":
            _assert_visible(view, "Sùng Thị Mỷ")
            assert _identity_rows(admin) == before + 1
        else:
            _assert_masked(view)
            assert persons(desk).search("Sùng") == []
            assert _identity_rows(admin) == before
        desk.close()
    finally:
        admin.close()
