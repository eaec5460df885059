"""Demonstration persons: realistic, consistent, stamped like local records, and what the services compute."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from sqlalchemy import func, select

from tipdesk.db.models.persons import Person, PersonEvent, SupportEntry, TipPerson
from tipdesk.domain.ids import check_id_number
from tipdesk.services import demo, demo_persons
from tipdesk.services.paging import PageRequest
from tipdesk.services.persons import PersonService
from tipdesk.services.persons_derive import index_values, refresh_due
from tipdesk.services.tips_deadlines import rules_for

TODAY = dt.date(2026, 3, 10)


def _persons(desk: Any) -> list[Person]:
    with desk.read() as s:
        people = list(s.scalars(select(Person)))
        s.expunge_all()  # keep the loaded values after the read-only unit rolls back
        return people


def test_demo_persons_are_consistent(admin_desk: Any) -> None:
    made = demo_persons.generate(admin_desk, random.Random(7), 400, lambda *_a: None)
    assert made == 400
    people = _persons(admin_desk)
    assert len(people) == 400
    assert len({p.pseudonym for p in people}) == 400
    assert sum(any(ord(ch) > 127 for ch in p.full_name) for p in people) > 300  # Vietnamese diacritics
    assert len({p.ethnic_code for p in people}) >= 5
    with_id = [p for p in people if p.id_number]
    assert len(with_id) > 250
    for p in with_id:
        assert check_id_number(p.id_number, p.sex, p.birth_year, TODAY).warnings == [], p.id_number
    seqs = [p.change_seq for p in people]
    assert min(seqs) > 0 and len(set(seqs)) == len(seqs)
    assert {p.version for p in people} == {1}
    assert {p.origin_install_id for p in people} == {admin_desk.installation.install_id}


def test_demo_support_histories_respect_the_rules(admin_desk: Any) -> None:
    demo_persons.generate(admin_desk, random.Random(8), 300, lambda *_a: None)
    with admin_desk.read() as s:
        rows = s.execute(select(SupportEntry.given_on, Person.received_on, Person.status, SupportEntry.amount_vnd)
                         .join(Person, Person.id == SupportEntry.person_id)).all()
        events = s.scalar(select(func.count()).select_from(PersonEvent))
    assert len(rows) > 300 and events >= 300
    assert all(received <= given <= TODAY for given, received, _s, _a in rows)
    assert all(0 <= amount <= 10_000_000_000 for *_x, amount in rows)


def test_demo_denormalised_columns_match_the_service(admin_desk: Any) -> None:
    demo_persons.generate(admin_desk, random.Random(9), 120, lambda *_a: None)
    rules = rules_for(admin_desk.data_dir)
    with admin_desk.write() as s:
        for p in s.scalars(select(Person)):
            stored = (p.next_due_at, p.next_due_rule, p.search_full, p.search_public, p.name_key, p.name_sort)
            refresh_due(s, p, admin_desk.now(), rules)
            again = index_values(p)
            assert stored == (p.next_due_at, p.next_due_rule, again["search_full"], again["search_public"],
                              again["name_key"], again["name_sort"]), p.pseudonym
        s.rollback()


def test_demo_through_the_registry_links_persons_to_tips(admin_desk: Any) -> None:
    result = demo.generate(admin_desk, seed=3, counts={"tips": 30, "persons": 150})
    assert result.counts["persons"] == 150
    with admin_desk.read() as s:
        links = s.scalar(select(func.count()).select_from(TipPerson))
    assert links and links > 0
    social = [u for u in result.users if u.startswith("xahoi")][0]
    from tipdesk.services.auth import open_desk

    sw = open_desk(social, demo.DEMO_PASSWORD, data_dir=admin_desk.data_dir, clock=admin_desk.clock)
    try:
        page = PersonService(sw).list(PageRequest(limit=50))
        assert len(page.rows) == 50 and page.next_cursor is not None
        assert PersonService(sw).count({"support_type": "any"}) > 0
    finally:
        sw.close()
