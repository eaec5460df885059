"""Demonstration persons: victims and persons being identified with support histories.

Names carry full diacritics and follow each ethnic group's customs; ID numbers agree with the
recorded sex, birth year and a province of birth registration in (or near) the installation's
province. Fast enough for 100,000 persons: rows are plain dicts written with bulk ``insert()``
(executemany) in one transaction, still stamped with ``change_seq``, ``version`` and
``origin_install_id``; the ``demo`` audit row of ``services.demo`` covers them.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
import types
import uuid
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tipdesk.db.models.core import DocCounter
from tipdesk.db.models.persons import (
    NO_DUE,
    Person,
    PersonEvent,
    PersonForm,
    PersonPlanItem,
    SupportEntry,
    TipPerson,
)
from tipdesk.db.models.tips import Tip
from tipdesk.domain import units
from tipdesk.domain.deadlines import VN_TZ, DeadlineState, local_date
from tipdesk.domain.ids import make_id_number
from tipdesk.domain.persons import IdentificationStatus, PersonEventKind, evidence_items
from tipdesk.domain.roles import Perm, Role
from tipdesk.domain.text import fold_telex
from tipdesk.errors import NotFound
from tipdesk.events import Changes
from tipdesk.services import demo_persons_text as txt
from tipdesk.services.demo import DEMO_USERS
from tipdesk.services.demo_persons_sql import insert_rows, large_cache, reserve_change_seq, utc_text
from tipdesk.services.numbering import reserve_number
from tipdesk.services.persons import SERIES
from tipdesk.services.persons_derive import PLAN_RULE_PREFIX, at_day, deadline_items, index_values
from tipdesk.services.persons_store import pseudonym_for
from tipdesk.services.persons_validate import birth_sort
from tipdesk.services.tips_deadlines import rules_for

if TYPE_CHECKING:
    from tipdesk.services.context import Desk

Progress = Callable[[str, int, int], None]
CHUNK = 5_000
HISTORY_DAYS = 3 * 365
E = PersonEventKind
RECORDED_BY = next(name for name, role, _full in DEMO_USERS["commune"] if role is Role.SOCIAL_WORKER)
_OPEN = (DeadlineState.PENDING, DeadlineState.DUE_SOON, DeadlineState.OVERDUE)


@functools.lru_cache(maxsize=50_000)
def _fold_word(word: str) -> str:
    return fold_telex(word)


@functools.lru_cache(maxsize=20_000)
def _fold_part(value: str) -> str:
    return " ".join(w for w in map(_fold_word, value.split()) if w)


def fold_cached(value: str) -> str:
    """``fold_telex`` with caches: the same result, as folding never joins across whitespace."""
    return _fold_part(value) if len(value) < 60 else " ".join(w for w in map(_fold_word, value.split()) if w)


def _pick(rng: random.Random, pairs: Sequence[tuple[Any, int]]) -> Any:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, max(0, (end - start).days)))


class _Person:
    """Builds one person's row, events, support entries, plan items and tags."""

    def __init__(self, gen: _Generator) -> None:
        self.g, self.rng = gen, gen.rng
        self.row: dict[str, Any] = {}
        self.events: list[dict[str, Any]] = []
        self.support: list[dict[str, Any]] = []
        self.plans: list[dict[str, Any]] = []
        self.forms: list[str] = []

    def build(self) -> _Person:
        self._particulars()
        self._rescue()
        self._identification()
        self._support()
        self._plan()
        return self

    def _name(self, style: txt.NameStyle, female: bool) -> str:
        r = self.rng
        middle = r.choice(style.female_middle if female else style.male_middle)
        given = r.choice(style.female_given if female else style.male_given)
        surname = r.choice(style.surnames)
        if style.clan_last:
            return f"{middle}{given} {surname}" if middle.endswith("'") else f"{middle} {given} {surname}"
        return " ".join(part for part in (surname, middle, given) if part)

    def _particulars(self) -> None:
        r, g = self.rng, self.g
        style = _pick(r, [(s, s.weight) for s in txt.NAME_STYLES])
        female = r.random() < 0.76
        age = _pick(r, [(r.randint(12, 15), 12), (r.randint(16, 17), 14), (r.randint(18, 29), 50),
                        (r.randint(30, 44), 19), (r.randint(45, 60), 5)])
        received = _day(r, g.today - dt.timedelta(days=HISTORY_DAYS), g.today)
        birth_year = received.year - age
        full_date = r.random() < 0.6
        birth_date = _day(r, dt.date(birth_year, 1, 1), dt.date(birth_year, 12, 28)) if full_date else None
        sex = "female" if female else "male"
        id_number = make_id_number(r.choice(g.id_prefixes), sex, birth_year, r) if r.random() < 0.85 else ""
        minor = age < 18
        commune = r.choice(g.communes)
        self.row = {
            "full_name": self._name(style, female), "other_names": "", "sex": sex, "birth_date": birth_date,
            "birth_year": birth_year, "birth_sort": birth_sort(birth_date, birth_year),
            "ethnic_code": style.ethnic_code, "nationality": "VN", "id_number": id_number,
            "address_unit_code": commune.code, "address_detail": r.choice(txt.HAMLETS), "address_old": "",
            "origin_unit_code": commune.code, "origin_detail": "", "origin_old": "",
            "phone": f"09{r.randint(0, 99_999_999):08d}" if r.random() < 0.6 else "",
            "guardian_name": "", "guardian_relation": "", "guardian_contact": "",
            "languages": style.languages, "disability": "", "pregnant": female and not minor and r.random() < 0.04,
            "accompanying_children": _pick(r, [(0, 90), (1, 8), (2, 2)]) if not minor else 0,
            "received_on": received, "photo": None, "notes": "", "confidentiality": "high",
        }
        if minor:
            self.row.update(guardian_name=self._name(style, True), guardian_relation=r.choice(txt.GUARDIAN_RELATIONS),
                            guardian_contact=f"09{r.randint(0, 99_999_999):08d}")
        consent = r.random() < 0.8
        self.row.update(consent_share=consent, consent_on=received if consent else None,
                        consent_by_guardian=consent and minor)

    def _rescue(self) -> None:
        r, row = self.rng, self.row
        country, _w, places, forms = _pick(r, [(d, d[1]) for d in txt.DESTINATIONS])
        self.forms = [_pick(r, forms)]
        intake = _pick(r, [("returned", 45), ("rescued", 25), ("self_reported", 10), ("named_in_tip", 10),
                           ("referred", 10)])
        returned = row["received_on"] - dt.timedelta(days=r.randint(0, 5)) if country else None
        row.update(
            intake=intake, from_country=country, from_place=r.choice(places), returned_on=returned,
            border_gate=r.choice(txt.BORDER_GATES[country]) if country else "",
            receiving_agency=r.choice(txt.RECEIVING_AGENCIES[country]),
            repatriation_route=r.choice(txt.ROUTES) if country else "",
        )

    def _event(self, kind: PersonEventKind, at: dt.datetime, **extra: Any) -> None:
        self.events.append({"kind": kind.value, "occurred_at": at, "days": None, "agency": "", "officer_name": "",
                            "note": "", **extra})

    def _identification(self) -> None:
        r, row, g = self.rng, self.row, self.g
        received = row["received_on"]
        self._event(E.RECEIVED, at_day(received))
        status, by, on, evidence = IdentificationStatus.BEING_IDENTIFIED, "", None, ""
        if r.random() < 0.8:
            handed = dt.datetime.combine(received, dt.time(r.randint(8, 16), r.choice((0, 15, 30, 45))), VN_TZ)
            if handed < g.now:
                self._event(E.HANDED_OVER, handed, agency=g.health_department)
                done = handed + dt.timedelta(hours=r.randint(6, 96))
                if done < g.now and r.random() < 0.97:
                    self._event(E.INITIAL_VERIFICATION_DONE, done, agency=g.health_department)
        age_days = (g.today - received).days
        if age_days > 10 and r.random() < min(0.9, age_days / 60):
            on = min(received + dt.timedelta(days=r.randint(5, 40)), g.today)
            by = r.choice(txt.IDENTIFYING_AGENCIES).format(province=g.province_name)
            victim = r.random() < 0.88
            status = IdentificationStatus.IDENTIFIED_VICTIM if victim else IdentificationStatus.NOT_VICTIM
            evidence = " ".join(sorted(r.sample(g.evidence_codes, r.randint(1, 3)))) if victim else ""
            self._event(E.IDENTIFIED if victim else E.NOT_VICTIM, at_day(on), agency=by)
        row.update(status=status.value, identified_by=by, identified_on=on, evidence=evidence)

    def _entry(self, code: str, on: dt.date) -> None:
        low, high, step = txt.SUPPORT_AMOUNTS[code]
        amount = low + self.rng.randint(0, (high - low) // step) * step
        note = self.rng.choice(txt.SUPPORT_NOTES.get(code, ("",)))
        self.support.append({"type_code": code, "given_on": on, "amount_vnd": amount, "note": note,
                             "provider": txt.PROVIDERS[code].format(commune=self.g.commune_name,
                                                                    province=self.g.province_name)})

    def _support(self) -> None:
        r, row, g = self.rng, self.row, self.g
        received = row["received_on"]
        last = g.today if row["status"] != IdentificationStatus.NOT_VICTIM.value else row["identified_on"]
        window = min(last, received + dt.timedelta(days=120))
        if r.random() < 0.6 and row["from_country"]:
            self._entry("travel_home", received)
        essential_days = sorted({_day(r, received, window) for _i in range(r.randint(0, 4))})
        for day in essential_days:
            self._entry("essential_needs", day)
        for code, chance in (("shelter", 0.3), ("medical", 0.5), ("psychological", 0.4), ("legal_aid", 0.2),
                             ("health_insurance", 0.3), ("interpretation", 0.03)):
            if r.random() < chance:
                self._entry(code, _day(r, received, window))
        if row["status"] == IdentificationStatus.IDENTIFIED_VICTIM.value:
            later = min(g.today, received + dt.timedelta(days=365))
            for code, chance in (("initial_difficulty_allowance", 0.4), ("vocational_training", 0.15),
                                 ("loan", 0.05)):
                if r.random() < chance:
                    self._entry(code, _day(r, row["identified_on"], later))
            if row["birth_year"] > g.today.year - 18 and r.random() < 0.5:
                self._entry("schooling", _day(r, row["identified_on"], later))
        if essential_days:
            self._essential_period(essential_days[0])

    def _essential_period(self, start: dt.date) -> None:
        r, g = self.rng, self.g
        self._event(E.ESSENTIAL_SUPPORT_STARTED, at_day(start))
        end = start + dt.timedelta(days=120)
        if r.random() < 0.1 and end - dt.timedelta(days=10) < g.today:
            days = r.choice((30, 60))
            self._event(E.ESSENTIAL_SUPPORT_EXTENDED, at_day(end - dt.timedelta(days=5)), days=days,
                        note="Quyết định gia hạn của Chủ tịch Ủy ban nhân dân xã")
            end += dt.timedelta(days=days)
        if end < g.today and r.random() < 0.95:
            self._event(E.ESSENTIAL_SUPPORT_ENDED, at_day(end))

    def _plan(self) -> None:
        r, row = self.rng, self.row
        if row["status"] == IdentificationStatus.NOT_VICTIM.value or r.random() > 0.45:
            return
        for kind, offset in (("follow_up", r.choice((30, 60, 90))), ("reintegration", r.choice((45, 120)))):
            if r.random() < 0.7:
                due = row["received_on"] + dt.timedelta(days=offset)
                done = _day(r, due - dt.timedelta(days=10), due + dt.timedelta(days=5)) \
                    if due < self.g.today and r.random() < 0.9 else None
                self.plans.append({"kind": kind, "title": r.choice(txt.PLAN_STEPS[kind]), "due_on": due,
                                   "done_on": done if done and done <= self.g.today else None, "note": ""})


class _Generator:
    def __init__(self, desk: Desk, rng: random.Random) -> None:
        self.desk, self.rng = desk, rng
        self.now = desk.now()
        self.today = local_date(self.now)
        inst = desk.installation
        self.unit = inst.unit_code
        self.province_name = _province_name(inst.province_code)
        self.communes = _communes(inst.unit_code, inst.province_code)
        self.commune_name = _commune_phrase(inst.unit_code, inst.unit_name)
        self.health_department = f"Sở Y tế tỉnh {self.province_name}"
        self.id_prefixes = [p.code for p in units.old_provinces() if p.new_province_code == inst.province_code] \
            or [p.code for p in units.old_provinces()]
        self.evidence_codes = [item.code for item in evidence_items()]
        self.rules = rules_for(desk.data_dir)
        self.origin = inst.install_id


def _province_name(code: str) -> str:
    try:
        name = units.province(code).name
    except NotFound:
        return code
    return name.removeprefix("Thành phố ").removeprefix("Tỉnh ")


def _communes(unit_code: str, province_code: str) -> list[units.Commune]:
    try:
        found = units.communes(province_code)
    except NotFound:
        found = []
    return found or [units.Commune(unit_code, unit_code, units.DivisionType.COMMUNE, province_code)]


def _commune_phrase(code: str, fallback: str) -> str:
    try:
        name = units.commune(code).name
    except NotFound:
        return fallback
    first, _sep, rest = name.partition(" ")
    return f"{first.lower()} {rest}" if rest else name


class _Writer:
    """Stamps and writes the rows of built persons in chunks."""

    def __init__(self, gen: _Generator, session: Session, total_rows: int, tip_ids: list[str]) -> None:
        self.g, self.session, self.tip_ids = gen, session, tip_ids
        self.seq = reserve_change_seq(session, total_rows)
        self.counters: dict[int, int] = {}

    def _stamp(self, created: str) -> dict[str, Any]:
        self.seq += 1
        return {"id": str(uuid.uuid4()), "version": 1, "created_at": created, "updated_at": created,
                "origin_install_id": self.g.origin, "change_seq": self.seq}

    def _pseudonym(self, created: dt.datetime) -> str:
        year = local_date(created).year
        self.counters[year] = self.counters.get(year, 0) + 1
        return pseudonym_for(self.g.unit, year, self.counters[year])

    def write(self, built: list[_Person]) -> None:
        tables: dict[Any, list[dict[str, Any]]] = {m: [] for m in (Person, PersonEvent, SupportEntry, PersonPlanItem,
                                                                     PersonForm, TipPerson)}
        for b in built:
            created_at = dt.datetime.combine(b.row["received_on"], dt.time(10, 0), VN_TZ)
            created = utc_text(created_at)
            person = {**self._stamp(created), **b.row, "pseudonym": self._pseudonym(created_at),
                      "unit_code": self.g.unit}
            pid = person["id"]
            events = [{**self._stamp(created), **e, "person_id": pid} for e in b.events]
            plans = [{**self._stamp(created), **p, "person_id": pid} for p in b.plans]
            tables[SupportEntry] += [{**self._stamp(created), **s, "person_id": pid, "recorded_by": RECORDED_BY}
                                     for s in b.support]
            tables[PersonForm] += [{"person_id": pid, "form_code": code} for code in b.forms]
            self._denormalise(person, events, plans)
            tables[Person].append(person)
            tables[PersonEvent] += events
            tables[PersonPlanItem] += plans
            if self.tip_ids and person["intake"] == "named_in_tip":
                tables[TipPerson].append({**self._stamp(created), "tip_id": self.g.rng.choice(self.tip_ids),
                                          "person_id": pid, "role": "victim", "unlinked_at": None})
        for model, rows in tables.items():
            if rows:
                insert_rows(self.session, model, rows)

    def _denormalise(self, person: dict[str, Any], events: list[dict[str, Any]], plans: list[dict[str, Any]]) -> None:
        ns = types.SimpleNamespace
        items = deadline_items([ns(**e) for e in events], [ns(**p) for p in plans], self.g.now, self.g.rules)
        open_items = [i for i in items if i.state in _OPEN]
        first = min(open_items, key=lambda i: i.due_at, default=None)
        person["next_due_at"] = first.due_at if first else NO_DUE
        person["next_due_rule"] = "" if first is None else (
            first.ref if first.source == "rule" else PLAN_RULE_PREFIX + first.ref)
        person.update(index_values(ns(**person), fold_cached))


def _tip_ids(session: Session) -> list[str]:
    return list(session.scalars(select(Tip.id).limit(200_000)))


def generate(desk: Desk, rng: random.Random, count: int, progress: Progress) -> int:
    """Create ``count`` demonstration persons with their histories; returns how many were created."""
    desk.require(Perm.DEMO)
    if desk.installation.profile.value != "commune":
        return 0  # persons are recorded by commune social workers; a province gets them through batches
    gen = _Generator(desk, rng)
    with desk.write(Changes.of("person", "support")) as session:
        session.info["keep_change_seq"] = True  # numbers are reserved and stamped by the writer
        large_cache(session, count)
        tip_ids = _tip_ids(session)
        done = 0
        for start in range(0, count, CHUNK):
            built = [_Person(gen).build() for _i in range(min(CHUNK, count - start))]
            rows = sum(1 + len(b.events) + len(b.support) + len(b.plans) + 1 for b in built)
            writer = _Writer(gen, session, rows, tip_ids)
            writer.counters = _counters(session, gen.unit)
            writer.write(built)
            for year, last in writer.counters.items():
                reserve_number(session, SERIES, gen.unit, year, last)
            done += len(built)
            progress("persons", done, count)
    return done


def _counters(session: Session, unit: str) -> dict[int, int]:
    rows = session.execute(select(DocCounter.year, DocCounter.last).where(
        DocCounter.series == SERIES, DocCounter.scope == unit))
    return {int(y): int(n) for y, n in rows}

