"""Test data for the reports tests: tips and persons inserted straight into the tables.

The reports feature reads the tables the tips and persons services write; these helpers build
rows with given statuses, events and dates without going through those services, so the report
tests pin the formulas on hand-built data.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from tests.conftest import USER_PASSWORD, Installed
from tipdesk import i18n, paths
from tipdesk.db.models.persons import Person, PersonEvent, PersonPlanItem, SupportEntry
from tipdesk.db.models.tips import Tip, TipEvent, TipForm
from tipdesk.domain.deadlines import VN_TZ
from tipdesk.services.auth import open_desk
from tipdesk.services.context import Desk

_numbers = itertools.count(1)
# Events whose status_after is not given explicitly: the status they lead to.
STATUS_AFTER = {
    "received": "received", "verification_started": "verifying", "verification_activity": "verifying",
    "transferred": "transferred", "transferred_other": "transferred_other", "decision_prosecute": "prosecuted",
    "decision_not_prosecute": "not_prosecuted", "suspended": "suspended", "resumed": "resumed",
}


def vn(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    """A Vietnam local time as an aware datetime."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=VN_TZ)


def user_desk(admin_desk: Any, installed: Installed, clock: Any, username: str, role: str,
              full_name: str = "Người Dùng Thử") -> Desk:
    admin_desk.users.add(username, role, USER_PASSWORD, full_name)
    return open_desk(username, USER_PASSWORD, data_dir=installed.data_dir, clock=clock)


@dataclass
class TipSpec:
    received_at: dt.datetime
    events: Sequence[tuple[str, dt.datetime]] = ()  # after "received"
    unit_code: str = "02269"
    source_type: str = "to_giac"
    channel: str = "in_person_oral"
    country: str = "CN"
    forms: Sequence[str] = ("forced_marriage",)
    reporter_name: str = "Lò Thị Đức"
    reporter_id_number: str = "008180001234"
    summary: str = "Chị Lò Thị Mai bị rủ sang Trung Quốc"
    next_due_at: dt.datetime | None = None
    next_alarm_at: dt.datetime | None = None


def add_tip(session: Session, install_id: str, spec: TipSpec) -> str:
    events = [("received", spec.received_at), *spec.events]
    status = STATUS_AFTER.get(events[-1][0], "prosecuted")
    last_status = "received"
    tip = Tip(unit_code=spec.unit_code, register_year=spec.received_at.year, register_no=next(_numbers),
              source_type=spec.source_type, channel=spec.channel, received_at=spec.received_at,
              reporter_name=spec.reporter_name, reporter_id_number=spec.reporter_id_number, summary=spec.summary,
              destination_country=spec.country, status=status, origin_install_id=install_id,
              updated_at=max(at for _k, at in events), created_at=spec.received_at)
    transfers = [at for kind, at in events if kind in ("transferred", "transferred_other")]
    decisions = [at for kind, at in events if kind in ("decision_prosecute", "decision_not_prosecute", "suspended")]
    tip.transferred_at = transfers[-1] if transfers else None
    tip.decision_at = decisions[-1] if decisions else None
    if spec.next_due_at is not None:
        tip.next_due_at = spec.next_due_at
        tip.next_alarm_at = spec.next_alarm_at or spec.next_due_at
    session.add(tip)
    session.flush()
    for kind, at in events:
        last_status = STATUS_AFTER.get(kind, last_status)
        session.add(TipEvent(tip_id=tip.id, kind=kind, occurred_at=at, status_after=last_status,
                             origin_install_id=install_id, created_at=at, updated_at=at))
    session.add_all(TipForm(tip_id=tip.id, form_code=code) for code in spec.forms)
    session.flush()
    return tip.id


@dataclass
class PersonSpec:
    received_on: dt.date
    status: str = "being_identified"
    sex: str = "female"
    birth_date: dt.date | None = None
    birth_year: int | None = None
    ethnic_code: str = "01"
    from_country: str = "CN"
    unit_code: str = "02269"
    full_name: str = "Hoàng Thị Xuân Mai"
    id_number: str = "008301012345"
    events: Sequence[tuple[str, dt.datetime, int | None]] = ()
    support: Sequence[tuple[str, dt.date, int]] = ()  # type, date, VND
    plans: Sequence[tuple[dt.date, dt.date | None]] = ()  # due, done
    next_due_at: dt.datetime | None = None
    pseudonym: str = field(default="")


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(8, 0), tzinfo=VN_TZ)


def add_person(session: Session, install_id: str, spec: PersonSpec) -> str:
    number = next(_numbers)
    birth_sort = spec.birth_date or (dt.date(spec.birth_year, 12, 31) if spec.birth_year else None)
    person = Person(pseudonym=spec.pseudonym or f"NN-{number:05d}", unit_code=spec.unit_code,
                    received_on=spec.received_on, full_name=spec.full_name, id_number=spec.id_number, sex=spec.sex,
                    birth_date=spec.birth_date, birth_year=spec.birth_year or (spec.birth_date.year if spec.birth_date
                                                                                else None),
                    birth_sort=birth_sort, ethnic_code=spec.ethnic_code, from_country=spec.from_country,
                    status=spec.status, origin_install_id=install_id,
                    created_at=_day_start(spec.received_on), updated_at=_day_start(spec.received_on))
    if spec.next_due_at is not None:
        person.next_due_at = spec.next_due_at
    session.add(person)
    session.flush()
    for kind, at, days in spec.events:
        session.add(PersonEvent(person_id=person.id, kind=kind, occurred_at=at, days=days,
                                origin_install_id=install_id))
    for type_code, given_on, amount in spec.support:
        session.add(SupportEntry(person_id=person.id, type_code=type_code, given_on=given_on, amount_vnd=amount,
                                 provider="Sở Y tế", origin_install_id=install_id))
    for due, done in spec.plans:
        session.add(PersonPlanItem(person_id=person.id, kind="follow_up", title="Thăm gia đình", due_on=due,
                                   done_on=done, origin_install_id=install_id))
    session.flush()
    return person.id


def insert(desk: Desk, tips: Sequence[TipSpec] = (), persons: Sequence[PersonSpec] = ()) -> tuple[list[str], list[str]]:
    install = desk.installation.install_id
    with desk.write() as session:
        tip_ids = [add_tip(session, install, s) for s in tips]
        person_ids = [add_person(session, install, s) for s in persons]
    return tip_ids, person_ids



def merged_catalog_dir(root: Path) -> Path:
    """An i18n folder whose Vietnamese catalog is the main one plus every ``i18n/vi_parts/*.po``."""
    from babel.messages.pofile import read_po, write_po

    source = paths.i18n_dir()
    with open(source / "vi" / "LC_MESSAGES" / "tipdesk.po", "rb") as fh:
        catalog = read_po(fh, locale="vi")
    for part in sorted((source / "vi_parts").glob("*.po")):
        with open(part, "rb") as fh:
            for message in read_po(fh, locale="vi"):
                if message.id and message.string:
                    catalog[message.id] = message
    target = root / "vi" / "LC_MESSAGES" / "tipdesk.po"
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as fh:
        write_po(fh, catalog)
    return root


@contextmanager
def vietnamese(root: Path) -> Iterator[None]:
    """Vietnamese with the translations not yet merged into the main catalog (this feature's PO part)."""
    merged_catalog_dir(root)
    previous = i18n.language()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(paths, "i18n_dir", lambda: root)
        i18n.set_language("vi")
        yield
    i18n.set_language(previous)


SOURCES = ("to_giac", "to_giac", "tin_bao", "kien_nghi_khoi_to")
CHANNELS = ("in_person_oral", "in_person_written", "phone", "hotline_111", "electronic", "agency_transfer")
COUNTRIES = ("CN", "CN", "CN", "KH", "KH", "MM", "LA", "")
FORMS = ("forced_marriage", "sexual_exploitation", "forced_labour_scam_compound", "forced_labour_other",
         "organ_removal", "newborn_sale")
ETHNIC = ("01", "01", "04", "05", "06", "08", "13")
SUPPORT = (("essential_needs", 3_000_000), ("shelter", 0), ("travel_home", 800_000), ("medical", 1_200_000),
           ("psychological", 0), ("legal_aid", 0), ("initial_difficulty_allowance", 2_500_000))


def _tip_story(rng: Any, received: dt.datetime, now: dt.datetime) -> list[tuple[str, dt.datetime]]:
    """A plausible event history: verification, transfer (mostly in time), upstream outcome."""
    events: list[tuple[str, dt.datetime]] = []
    at = received + dt.timedelta(hours=rng.choice((2, 5, 20, 30, 60)))
    if rng.random() < 0.08 or at > now:
        return events
    if rng.random() < 0.5:
        events.append(("verification_started", received + dt.timedelta(hours=1)))
    events.append(("transferred_other" if rng.random() < 0.05 else "transferred", at))
    if events[-1][0] == "transferred_other":
        return events
    at += dt.timedelta(days=rng.randint(5, 40))
    if at > now or rng.random() < 0.1:
        return events
    events.append((rng.choice(("decision_prosecute", "decision_prosecute", "decision_not_prosecute")), at))
    for kind in ("case_solved", "indicted", "tried"):
        if events[-1][0] == "decision_not_prosecute":
            break
        at += dt.timedelta(days=rng.randint(10, 40))
        if at > now or rng.random() < 0.1:
            break
        events.append((kind, at))
    return events


def demo_data(desk: Desk, seed: int = 7, tips: int = 80, persons: int = 30, *, start: dt.date = dt.date(2025, 4, 1),
              unit_codes: Sequence[str] = ("02269",)) -> None:
    """Synthetic tips and persons from ``start`` to the desk's clock (for screenshots and the demo quarter)."""
    import random

    rng = random.Random(seed)
    now = desk.now()
    span = (now - vn(start.year, start.month, start.day)).total_seconds()
    tip_specs = []
    for _i in range(tips):
        received = vn(start.year, start.month, start.day) + dt.timedelta(seconds=rng.random() * span)
        tip_specs.append(TipSpec(received, _tip_story(rng, received, now), unit_code=rng.choice(unit_codes),
                                 source_type=rng.choice(SOURCES), channel=rng.choice(CHANNELS),
                                 country=rng.choice(COUNTRIES), forms=tuple(rng.sample(FORMS, rng.choice((0, 1, 1, 2))))))
    person_specs = []
    for _i in range(persons):
        received = (vn(start.year, start.month, start.day) + dt.timedelta(seconds=rng.random() * span)).date()
        started = vn(received.year, received.month, received.day, 10)
        events: list[tuple[str, dt.datetime, int | None]] = [("essential_support_started", started, None)]
        if rng.random() < 0.5 and started + dt.timedelta(days=100) < now:
            events.append(("essential_support_ended", started + dt.timedelta(days=rng.choice((60, 100, 130))), None))
        support = [(code, received + dt.timedelta(days=rng.randint(0, 20)), amount)
                   for code, amount in rng.sample(SUPPORT, rng.randint(1, 4))]
        person_specs.append(PersonSpec(received, status=rng.choice(("being_identified", "identified_victim",
                                                                     "identified_victim", "not_victim")),
                                       sex=rng.choice(("female", "female", "female", "male")),
                                       birth_year=rng.randint(1975, 2012), ethnic_code=rng.choice(ETHNIC),
                                       from_country=rng.choice(COUNTRIES), unit_code=rng.choice(unit_codes),
                                       full_name=f"Nguyễn Thị Bí Mật {_i}", id_number=f"00830101{_i:04d}",
                                       events=[e for e in events if e[1] <= now],
                                       support=[s for s in support if s[1] <= now.date()]))
    insert(desk, tip_specs, person_specs)


def add_batch(desk: Desk, commune: str, made_at: dt.datetime, status: str = "accepted") -> None:
    """An import-log row: the province received a batch the commune made at ``made_at``."""
    from tipdesk.db.models.exchange import ImportLog

    with desk.write() as session:
        session.add(ImportLog(at=made_at + dt.timedelta(days=2), status=status, commune=commune,
                              batch_id=str(made_at.timestamp()), created_at=made_at))
