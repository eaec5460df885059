"""Persons service: recording, bad input, ID soft check, duplicates, identification, search, filters, paging."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.unit.persons_helpers import desk_for, draft, persons
from tipdesk.db.models.persons import Person, PersonEvent
from tipdesk.domain.deadlines import DeadlineState
from tipdesk.domain.persons import IdentificationStatus
from tipdesk.errors import UserError, ValidationError
from tipdesk.i18n import _
from tipdesk.services.paging import PageRequest
from tipdesk.services.persons_dupes import PossibleDuplicates
from tipdesk.services.persons_support import SupportService
from tipdesk.services.persons_types import MatchDecision


@pytest.fixture
def sw(admin_desk: Any, installed: Any, clock: Any) -> Any:
    desk = desk_for(admin_desk, installed, clock, "social_worker")
    yield desk
    desk.close()


def _count(desk: Any, model: Any = Person) -> int:
    with desk.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)))


def test_create_returns_the_record_with_a_pseudonym_and_an_audit_row(sw: Any, admin_desk: Any) -> None:
    result = persons(sw).create(draft())
    view = result.person
    assert view.full_name == "Sùng Thị Mỷ" and view.identity_visible
    assert view.pseudonym == "P-02269-26-0001"
    assert view.status is IdentificationStatus.BEING_IDENTIFIED
    assert view.forms == ("forced_marriage",)
    assert result.warnings == ()
    second = persons(sw).create(draft(full_name="Giàng Thị Sua", id_number="", birth_year=2001))
    assert second.person.pseudonym == "P-02269-26-0002"
    rows = admin_desk.audit.browse(action="create")
    assert [r.entity_id for r in rows if r.entity_type == "person"] == [second.person.id, view.id]
    assert "Sùng" not in str([r.detail for r in rows])  # the audit log carries no identity


@pytest.mark.parametrize(("number", "fragment"), [
    ("00830601234", "12"),  # too short
    ("0083060123456", "12"),  # too long
    ("00830601234A", "chữ số"),  # a letter
])
def test_a_malformed_id_number_is_refused_and_nothing_is_saved(sw: Any, number: str, fragment: str) -> None:
    with pytest.raises(ValidationError) as err:
        persons(sw).create(draft(id_number=number))
    assert "id_number" in err.value.fields
    assert fragment in err.value.fields["id_number"]
    assert _count(sw) == 0 and _count(sw, PersonEvent) == 0


def test_id_number_mismatches_warn_but_save(sw: Any) -> None:
    # 001 Hà Nội, digit 0 = male 1900s, year 98: sex and year both disagree with the record (female, 2006).
    result = persons(sw).create(draft(id_number="001098012345"))
    assert len(result.warnings) == 2
    assert any("1998" in w and "2006" in w for w in result.warnings)
    assert result.person.id_number == "001098012345"
    assert result.person.id_warnings == result.warnings
    assert _count(sw) == 1


def test_id_number_spaces_are_removed(sw: Any) -> None:
    assert persons(sw).create(draft(id_number="008 306 012 345")).person.id_number == "008306012345"


def test_a_birth_date_in_the_future_is_refused(sw: Any, clock: Any) -> None:
    tomorrow = clock.now().date() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as err:
        persons(sw).create(draft(birth_year=None, birth_date=tomorrow, id_number=""))
    assert "birth_date" in err.value.fields
    assert _count(sw) == 0


def test_every_bad_field_is_reported_at_once(sw: Any) -> None:
    with pytest.raises(ValidationError) as err:
        persons(sw).create(draft(full_name="  ", id_number="12ab", ethnic_code="99", from_country="XX",
                                 accompanying_children=-1, received_on=dt.date(2030, 1, 1)))
    assert {"full_name", "id_number", "ethnic_code", "from_country", "accompanying_children",
            "received_on"} <= set(err.value.fields)
    assert _count(sw) == 0


def test_birth_date_and_year_must_agree_and_year_alone_is_kept(sw: Any) -> None:
    with pytest.raises(ValidationError) as err:
        persons(sw).create(draft(birth_date=dt.date(2005, 4, 1), birth_year=2006, id_number=""))
    assert "birth_year" in err.value.fields
    view = persons(sw).create(draft(birth_date=dt.date(2006, 4, 1), birth_year=None)).person
    assert (view.birth_date, view.birth_year) == (dt.date(2006, 4, 1), 2006)


def test_a_child_needs_the_guardians_consent(sw: Any) -> None:
    child = dict(birth_year=2012, id_number="", guardian_name="")
    with pytest.raises(ValidationError) as err:
        persons(sw).create(draft(**child, consent_share=True, consent_by_guardian=False))
    assert "consent_by_guardian" in err.value.fields
    result = persons(sw).create(draft(**child, consent_share=True, consent_by_guardian=True))
    assert _("The person is a child: record the guardian.") in result.warnings


def test_update_checks_the_version_and_audits_changed_field_names(sw: Any, admin_desk: Any) -> None:
    svc = persons(sw)
    view = svc.create(draft()).person
    updated = svc.update(view.id, draft(phone="0987 654 321"), expected_version=view.version).person
    assert updated.phone == "0987 654 321" and updated.version == view.version + 1
    with pytest.raises(UserError) as err:
        svc.update(view.id, draft(phone="0911 111 111"), expected_version=view.version)
    assert err.value.code == "stale"
    rows = [r for r in admin_desk.audit.browse(action="update") if r.entity_id == view.id]
    assert rows[0].detail == {"fields": ["phone"]}


def test_possible_duplicates_are_offered_before_saving(sw: Any) -> None:
    svc = persons(sw)
    first = svc.create(draft()).person
    other = draft(full_name="SUNG THI MY", id_number="", phone="")  # tones removed, same year
    found = svc.find_duplicates(other)
    assert [(c.id, c.reasons) for c in found] == [(first.id, ("name_year",))]
    with pytest.raises(PossibleDuplicates) as err:
        svc.create(other)
    assert err.value.candidates == [first.id]
    assert _count(sw) == 1  # nothing saved
    second = svc.create(other, decisions={first.id: MatchDecision.DIFFERENT}).person
    assert [m.decision for m in svc.matches(first.id)] == [MatchDecision.DIFFERENT]
    assert svc.matches(second.id)[0].other_id == first.id
    assert _count(sw) == 2  # both kept: never merged


def test_the_same_id_number_is_a_possible_duplicate_and_can_be_linked(sw: Any, admin_desk: Any) -> None:
    svc = persons(sw)
    first = svc.create(draft()).person
    other = draft(full_name="Nguyễn Thị Hoa", birth_year=2006)
    found = svc.find_duplicates(other)
    assert found[0].reasons == ("id_number",) and found[0].full_name == "Sùng Thị Mỷ"
    second = svc.create(other, decisions={first.id: "same"}).person
    assert [(m.other_id, m.decision) for m in svc.matches(second.id)] == [(first.id, MatchDecision.SAME)]
    assert any(r.detail.get("via") == "duplicates" for r in admin_desk.audit.browse(action="view_identity"))


def test_another_year_is_not_a_duplicate(sw: Any) -> None:
    svc = persons(sw)
    svc.create(draft(id_number=""))
    assert svc.find_duplicates(draft(id_number="", birth_year=2005)) == []


def test_identification_needs_agency_date_and_evidence(sw: Any, clock: Any) -> None:
    svc = persons(sw)
    view = svc.create(draft()).person
    day = dt.date(2026, 3, 8)
    with pytest.raises(ValidationError) as err:
        svc.record_identification(view.id, "identified_victim", agency="Công an tỉnh Tuyên Quang", on=day)
    assert "evidence" in err.value.fields
    with pytest.raises(ValidationError):
        svc.record_identification(view.id, "identified_victim", on=day, evidence=["statement_person"])
    with pytest.raises(ValidationError) as early:
        svc.record_identification(view.id, "identified_victim", agency="Công an tỉnh", on=dt.date(2026, 3, 1),
                                  evidence=["statement_person"])
    assert early.value.code == "before_received"
    done = svc.record_identification(view.id, "identified_victim", agency="Công an tỉnh Tuyên Quang", on=day,
                                     evidence=["statement_person", "rescuer_confirmation"])
    assert done.status is IdentificationStatus.IDENTIFIED_VICTIM
    assert done.identified_on == day and done.evidence == ("statement_person", "rescuer_confirmation")
    with pytest.raises(ValidationError) as err2:  # an identified victim stays one
        svc.record_identification(view.id, "not_victim", agency="x", on=day)
    assert err2.value.code == "identification_transition_forbidden"
    kinds = [e.kind for e in svc.events(view.id)]
    assert kinds == ["person_received", "identified"]


def test_not_a_victim_can_be_reopened(sw: Any) -> None:
    svc = persons(sw)
    view = svc.create(draft()).person
    svc.record_identification(view.id, "not_victim", agency="Công an tỉnh", on=dt.date(2026, 3, 5))
    back = svc.record_identification(view.id, "being_identified")
    assert back.status is IdentificationStatus.BEING_IDENTIFIED and back.identified_on is None


def test_hand_over_starts_the_three_day_timer(sw: Any, clock: Any) -> None:
    svc, support = persons(sw), SupportService(sw)
    view = svc.create(draft()).person
    with pytest.raises(UserError) as err:
        svc.record_initial_verification(view.id, clock.now())
    assert err.value.code == "no_hand_over"
    handed = svc.hand_over(view.id, clock.now() - dt.timedelta(days=4), "Sở Y tế tỉnh Tuyên Quang")
    items = support.deadlines(view.id)
    assert [(i.ref, i.state) for i in items] == [("person_initial_verification", DeadlineState.OVERDUE)]
    assert handed.next_due_at == items[0].due_at
    svc.record_initial_verification(view.id, clock.now() - dt.timedelta(hours=2))
    assert support.deadlines(view.id)[0].state is DeadlineState.MET_LATE
    assert svc.get(view.id).next_due_at is None


def test_a_step_in_the_future_is_refused(sw: Any, clock: Any) -> None:
    svc = persons(sw)
    view = svc.create(draft()).person
    with pytest.raises(ValidationError):
        svc.hand_over(view.id, clock.now() + dt.timedelta(days=1), "Sở Y tế")
    assert [e.kind for e in svc.events(view.id)] == ["person_received"]


def _many(svc: Any) -> dict[str, str]:
    made = {
        "mỷ": svc.create(draft()).person.id,
        "đức": svc.create(draft(full_name="Trần Văn Đức", sex="male", birth_year=1990, id_number="",
                                ethnic_code="01", from_country="KH", forms=("forced_labour_scam_compound",),
                                consent_share=False)).person.id,
        "child": svc.create(draft(full_name="Lò Thị Pằng", birth_year=2012, id_number="", ethnic_code="03",
                                  from_country="", consent_share=False, guardian_name="Lò Văn Chiến")).person.id,
    }
    return made


def test_search_ignores_tones_case_and_telex(sw: Any) -> None:
    svc = persons(sw)
    made = _many(svc)
    assert [r.id for r in svc.search("tran van duc")] == [made["đức"]]
    assert [r.id for r in svc.search("TRẦN Đức")] == [made["đức"]]
    assert [r.id for r in svc.search("Traanf Ddwcs")] == [made["đức"]]  # Telex typed without an IME
    assert [r.id for r in svc.search("012345")] == [made["mỷ"]]  # part of the ID number
    assert [r.id for r in svc.search("campuchia")] == [made["đức"]]  # country name, Vietnamese
    assert svc.search("uc") == []  # words match from their start: "Đức" is not found by "uc"


def test_list_search_reads_the_search_index(sw: Any, clock: Any) -> None:
    """Words are looked up in the role's FTS5 index, not scanned for in every row."""
    from sqlalchemy import text

    from tipdesk.services import persons_query as q

    condition = q.search_condition(sw, "sung thi m")
    assert condition is not None
    sql = str(select(Person.id).where(condition).compile(sw.engine, compile_kwargs={"literal_binds": True}))
    with sw.read() as s:
        plan = " ".join(str(r[3]) for r in s.execute(text("EXPLAIN QUERY PLAN " + sql)))
    assert "VIRTUAL TABLE INDEX" in plan and "persons_full_fts" in plan, plan


@pytest.mark.parametrize(("filters", "expected"), [
    ({"sex": "male"}, {"đức"}),
    ({"age_group": "under_16"}, {"child"}),
    ({"age_group": "18_29"}, {"mỷ"}),
    ({"age_group": "30_44"}, {"đức"}),
    ({"ethnic_code": "03"}, {"child"}),
    ({"from_country": "kh"}, {"đức"}),
    ({"form": "forced_marriage"}, {"mỷ", "child"}),
    ({"status": "being_identified"}, {"mỷ", "đức", "child"}),
    ({"status": "identified_victim"}, set()),
    ({"support_type": "medical"}, {"mỷ"}),
    ({"support_type": "none"}, {"đức", "child"}),
    ({"due": "open"}, {"mỷ"}),
])
def test_list_filters(sw: Any, filters: dict[str, str], expected: set[str]) -> None:
    svc = persons(sw)
    made = _many(svc)
    SupportService(sw).add_entry(made["mỷ"], "medical", dt.date(2026, 3, 4), 300_000)
    svc.hand_over(made["mỷ"], dt.datetime(2026, 3, 9, 8, 0, tzinfo=dt.UTC), "Sở Y tế")
    got = {r.id for r in svc.list(PageRequest(filters=filters)).rows}
    assert got == {made[k] for k in expected}
    assert svc.count(filters) == len(expected)


def test_unknown_filters_and_sorts_are_refused(sw: Any) -> None:
    with pytest.raises(ValidationError):
        persons(sw).list(PageRequest(filters={"colour": "red"}))
    with pytest.raises(ValidationError):
        persons(sw).list(PageRequest(sort="height"))
    with pytest.raises(ValidationError):
        persons(sw).list(PageRequest(filters={"age_group": "ancient"}))


def test_keyset_pages_visit_every_person_once(sw: Any) -> None:
    svc = persons(sw)
    for i in range(7):
        svc.create(draft(full_name=f"Người Số {i}", id_number="", received_on=dt.date(2026, 3, 1 + i % 3)))
    for sort in ("received", "pseudonym", "name", "due"):
        seen: list[str] = []
        request = PageRequest(sort=sort, descending=True, limit=3)
        while True:
            page = svc.list(request)
            seen += [r.id for r in page.rows]
            if page.next_cursor is None:
                break
            request = PageRequest(sort=sort, descending=True, limit=3, after=page.next_cursor)
        assert len(seen) == len(set(seen)) == 7, sort


def test_received_date_cannot_move_after_the_first_support(sw: Any) -> None:
    svc = persons(sw)
    view = svc.create(draft()).person
    SupportService(sw).add_entry(view.id, "medical", dt.date(2026, 3, 3), 100_000)
    with pytest.raises(UserError) as err:
        svc.update(view.id, draft(received_on=dt.date(2026, 3, 5)))
    assert err.value.code == "received_after_support"
    assert svc.get(view.id).received_on == dt.date(2026, 3, 2)


def test_photo_must_be_a_small_image(sw: Any) -> None:
    svc = persons(sw)
    view = svc.create(draft()).person
    with pytest.raises(UserError):
        svc.set_photo(view.id, b"GIF89a....")
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 100
    svc.set_photo(view.id, png)
    assert svc.photo(view.id) == png and svc.get(view.id).has_photo
