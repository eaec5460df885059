"""Demonstration tips: realistic register entries across every status and deadline state.

Fast enough for benchmarks (100,000 tips in seconds): rows are built as plain dicts and written
with the ORM's bulk ``insert()`` (executemany) in one transaction, still stamped with
``change_seq``, ``version`` and ``origin_install_id`` like any local record. The ``demo`` audit
row written by ``services.demo`` covers them (no audit row per tip).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from tipdesk.db.models.tips import Tip, TipEvent, TipForm
from tipdesk.domain import reference, units
from tipdesk.domain.deadlines import DeadlineEvent, local_date
from tipdesk.domain.roles import Perm
from tipdesk.domain.text import fold
from tipdesk.domain.tips import (
    TERMINAL_STATUSES,
    NoCaseGround,
    SuspensionReason,
    TipEventKind,
    TipStatus,
    apply_event,
    replay,
)
from tipdesk.events import Changes
from tipdesk.services import demo_tips_text as txt
from tipdesk.services.numbering import reserve_number
from tipdesk.services.tips import SERIES, TipService
from tipdesk.services.tips_deadlines import evaluate, next_due
from tipdesk.services.tips_store import compose_search_text
from tipdesk.services.tips_types import VerificationActivity

if TYPE_CHECKING:
    from tipdesk.services.context import Desk

Progress = Callable[[str, int, int], None]
K = TipEventKind
CHUNK = 5000
BULK_CACHE_KIB = 256 * 1024
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


@dataclass
class Draft:
    """One tip being generated: its columns and its events (kind, time, extra columns)."""

    received_at: dt.datetime
    values: dict[str, Any]
    forms: tuple[str, ...]
    events: list[tuple[K, dt.datetime, dict[str, Any]]] = field(default_factory=list)


def _weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _received_at(rng: random.Random, now: dt.datetime) -> dt.datetime:
    """Mostly the last few months, some up to 18 months back, a few in the last two days."""
    roll = rng.random()
    if roll < 0.03:
        back = dt.timedelta(hours=rng.uniform(0.5, 50))
    elif roll < 0.75:
        back = dt.timedelta(days=rng.uniform(2, 150))
    else:
        back = dt.timedelta(days=rng.uniform(150, 540))
    return now - back


class _Builder:
    def __init__(self, desk: Desk, rng: random.Random) -> None:
        self.desk = desk
        self.rng = rng
        self.now = desk.now()
        province = desk.installation.province_code
        self.places = [c.code for c in units.communes(province)] if len(province) == 2 else []
        self.countries = {code: reference.country_name(code) for code, _w in txt.COUNTRY_WEIGHTS if code}
        self.recipient = TipService(desk).default_transfer_recipient()

    def draft(self, received: dt.datetime) -> Draft:
        rng = self.rng
        form = rng.choice(("forced_marriage", "forced_labour_scam_compound", "forced_labour_scam_compound",
                           "sexual_exploitation", "forced_marriage", "forced_labour_other", "organ_removal",
                           "newborn_sale", "surrogacy_forced_births", "forced_begging", "forced_crime",
                           "foetus_sale"))
        country = _weighted(rng, txt.COUNTRY_WEIGHTS)
        source = _weighted(rng, (("to_giac", 62), ("tin_bao", 32), ("kien_nghi_khoi_to", 6)))
        values: dict[str, Any] = {
            "source_type": source,
            "channel": _weighted(rng, (("in_person_oral", 38), ("in_person_written", 12), ("phone", 18),
                                       ("hotline_111", 12), ("post", 5), ("electronic", 6),
                                       ("agency_transfer", 7), ("media", 2))),
            "summary": txt.story(rng, form, self.countries.get(country, "")),
            "account": rng.choice(txt.ACCOUNTS) if rng.random() < 0.7 else "",
            "officer_name": rng.choice(txt.OFFICERS),
            "place_unit_code": rng.choice(self.places) if self.places and rng.random() < 0.85 else "",
            "place_detail": rng.choice(txt.HAMLETS),
            "suspects": txt.suspects(rng),
            "destination_country": country,
            "border_route": rng.choice(txt.ROUTES[country]) if country in txt.ROUTES else "",
            **self._reporter(source),
        }
        forms = (form,) if rng.random() < 0.9 else (form, "forced_labour_other")
        d = Draft(received, values, tuple(dict.fromkeys(forms)))
        self._workflow(d)
        still_open = replay([k for k, _at, _x in d.events]) not in TERMINAL_STATUSES
        values["urgent"] = still_open and rng.random() < (0.12 if len(d.events) <= 2 else 0.02)
        return d

    def _reporter(self, source: str) -> dict[str, Any]:
        rng = self.rng
        kind = "organisation" if source != "to_giac" else _weighted(rng, (("person", 85), ("anonymous", 15)))
        if kind == "anonymous":
            return {"reporter_kind": kind, "reporter_name": "", "reporter_contact": txt.phone(rng) if
                    rng.random() < 0.4 else "", "reporter_address": "", "reporter_id_number": "",
                    "reporter_secret": rng.random() < 0.5}
        if kind == "organisation":
            pool = txt.STATE_BODIES if source == "kien_nghi_khoi_to" else txt.ORGANISATIONS
            return {"reporter_kind": kind, "reporter_name": rng.choice(pool), "reporter_contact": txt.phone(rng),
                    "reporter_address": "", "reporter_id_number": "", "reporter_secret": False}
        return {"reporter_kind": kind, "reporter_name": txt.person_name(rng), "reporter_contact": txt.phone(rng),
                "reporter_address": rng.choice(txt.HAMLETS), "reporter_id_number": txt.id_number(rng),
                "reporter_secret": rng.random() < 0.25}

    # -- workflow -------------------------------------------------------------------------------------------
    def _workflow(self, d: Draft) -> None:
        rng = self.rng
        at = d.received_at
        steps: list[tuple[K, dt.timedelta, dict[str, Any]]] = []
        if rng.random() < 0.6:
            steps.append((K.VERIFICATION_STARTED, HOUR * rng.uniform(0.3, 5), {}))
            steps.append((K.VERIFICATION_ACTIVITY, HOUR * rng.uniform(0.5, 12), self._activity()))
        roll = rng.random()
        if roll < 0.05:
            steps.append((K.TRANSFERRED_OTHER, HOUR * rng.uniform(2, 20), {
                "recipient": rng.choice(txt.OTHER_AGENCIES), "method": rng.choice(txt.METHODS)}))
        elif roll < 0.97:  # a few are left untransferred (overdue)
            late = rng.random() < 0.06
            steps.append((K.TRANSFERRED, HOUR * (rng.uniform(26, 60) if late else rng.uniform(2, 20)), {
                "recipient": self.recipient, "method": rng.choice(txt.METHODS)}))
            if rng.random() < 0.97:  # a few never notified: overdue
                steps.append((K.PROCURACY_NOTIFIED, DAY * rng.uniform(0.2, 2.5), {
                    "recipient": "Viện kiểm sát nhân dân tỉnh"}))
            steps += self._upstream()
        kinds: list[tuple[K, dt.datetime, dict[str, Any]]] = [(K.RECEIVED, at, {})]
        for kind, delta, extra in steps:
            at = at + delta
            if at > self.now:
                break
            kinds.append((kind, at, extra))
        d.events = kinds

    def _activity(self) -> dict[str, Any]:
        return {"activity": self.rng.choice(list(VerificationActivity)).value, "note": self.rng.choice(txt.FINDINGS)}

    def _upstream(self) -> list[tuple[K, dt.timedelta, dict[str, Any]]]:
        rng = self.rng
        roll = rng.random()
        if roll < 0.12:
            return []
        if roll < 0.22:  # complex case: extended, then decided
            return [(K.EXTENSION, DAY * rng.uniform(12, 18), {"days": 40}),
                    (K.DECISION_PROSECUTE, DAY * rng.uniform(10, 40), self._decision_no("KTVA"))]
        if roll < 0.55:
            return [(K.DECISION_PROSECUTE, DAY * rng.uniform(5, 19), self._decision_no("KTVA"))]
        if roll < 0.78:
            return [(K.DECISION_NOT_PROSECUTE, DAY * rng.uniform(5, 19), {
                "ground": rng.choice([g.value for g in NoCaseGround]), **self._decision_no("KKTVA")})]
        suspended = [(K.SUSPENDED, DAY * rng.uniform(8, 18), {"reason": rng.choice(list(SuspensionReason)).value,
                                                               **self._decision_no("TĐC")}),
                     (K.PROCURACY_NOTIFIED, HOUR * rng.uniform(2, 30), {"recipient": "Viện kiểm sát nhân dân tỉnh"})]
        if roll < 0.88:
            return suspended
        return [*suspended, (K.RESUMED, DAY * rng.uniform(20, 90), self._decision_no("PHGQ")),
                (K.DECISION_PROSECUTE, DAY * rng.uniform(5, 28), self._decision_no("KTVA"))]

    def _decision_no(self, suffix: str) -> dict[str, Any]:
        return {"decision_no": f"{self.rng.randint(1, 250):02d}/QĐ-{suffix}"}


class _Writer:
    """Turns drafts into rows and writes them in chunks inside one session."""

    def __init__(self, desk: Desk, session: Session) -> None:
        self.desk = desk
        self.session = session
        self.rules = TipService(desk).rules
        self.remote = desk.installation.remote
        self.now = desk.now()
        self.origin = desk.installation.install_id
        self.session = session
        self.seq = self.first_seq = _current_change_seq(session)
        self.id_ms = int(dt.datetime.now(dt.UTC).timestamp() * 1000)
        self.id_counter = 0

    def finish(self) -> None:
        """Record the change numbers used by the rows written."""
        self.session.connection().execute(text("UPDATE change_counter SET value = :v WHERE id = 1"),
                                          {"v": self.seq})

    def _next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def _new_id(self) -> str:
        """A UUIDv7-shaped id that increases row by row, so the bulk insert appends to the key index."""
        self.id_counter += 1
        value = (self.id_ms << 80) | (7 << 76) | ((self.id_counter >> 62) << 64) | (2 << 62) | \
            (self.id_counter & ((1 << 62) - 1))
        return str(uuid.UUID(int=value))

    def _stamp(self, created: dt.datetime) -> dict[str, Any]:
        return {"id": self._new_id(), "version": 1, "created_at": created, "updated_at": created,
                "origin_install_id": self.origin, "change_seq": self._next_seq()}

    def rows(self, d: Draft, number: int, unit: str) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
        tip = {**self._stamp(d.received_at), **d.values, "unit_code": unit, "register_no": number,
               "register_year": local_date(d.received_at).year, "received_at": d.received_at, "printed_at": None}
        status: TipStatus | None = None
        events = []
        for kind, at, extra in d.events:
            status = apply_event(status, kind)
            events.append({**self._stamp(at), "tip_id": tip["id"], "kind": kind.value, "occurred_at": at,
                           "officer_id": None, "officer_name": d.values["officer_name"], "status_after": status.value,
                           "recipient": "", "method": "", "activity": "", "ground": "", "reason": "",
                           "decision_no": "", "days": None, "note": "", **extra})
        assert status is not None
        self._denormalise(tip, d, status)
        forms = [{"tip_id": tip["id"], "form_code": code} for code in d.forms]
        return tip, events, forms

    def _denormalise(self, tip: dict[str, Any], d: Draft, status: TipStatus) -> None:
        due = next_due(evaluate([DeadlineEvent(k.value, at, extra.get("days")) for k, at, extra in d.events],
                                self.rules, self.now, self.remote), self.rules)
        transfers = [(at, e.get("recipient", "")) for k, at, e in d.events if k in (K.TRANSFERRED, K.TRANSFERRED_OTHER)]
        decisions = [(at, e.get("decision_no", "")) for k, at, e in d.events
                     if k in (K.DECISION_PROSECUTE, K.DECISION_NOT_PROSECUTE, K.SUSPENDED)]
        tip.update({
            "status": status.value, "next_due_at": due.due_at, "next_due_rule": due.rule, "next_alarm_at": due.alarm_at,
            "transferred_at": transfers[-1][0] if transfers else None,
            "transferred_to": transfers[-1][1] if transfers else "",
            "decision_at": decisions[-1][0] if decisions else None,
            "decision_ref": decisions[-1][1] if decisions else "",
            "printed_at": d.received_at + HOUR if len(d.events) > 1 else None,
            "search_text": compose_search_text(
                tip["register_no"], tip["register_year"], tip["summary"], tip["place_detail"], tip["place_unit_code"],
                "" if tip["reporter_secret"] else tip["reporter_name"], tip["suspects"], fold=fold_by_word),
        })


@functools.lru_cache(maxsize=50_000)
def _fold_word(word: str) -> str:
    return fold(word)


def fold_by_word(value: str) -> str:
    """``fold`` word by word with a cache (same result: folding never joins across whitespace)."""
    return " ".join(w for w in map(_fold_word, value.split()) if w)


@contextlib.contextmanager
def _big_cache(session: Session) -> Iterator[None]:
    """A large page cache while the bulk insert runs: the indexes stay in memory instead of re-decrypting."""
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        yield
        return
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(before or -2000)}")


def _current_change_seq(session: Session) -> int:
    """The last change number handed out (the write transaction keeps it ours until commit)."""
    conn = session.connection()
    value = conn.execute(text("SELECT value FROM change_counter WHERE id = 1")).scalar()
    if value is None:
        conn.execute(text("INSERT INTO change_counter (id, value) VALUES (1, 0)"))
        return 0
    return int(value)


def _next_numbers(session: Session, unit: str, years: set[int]) -> dict[int, int]:
    rows = session.execute(text("SELECT year, last FROM doc_counters WHERE series = :s AND scope = :u"),
                           {"s": SERIES, "u": unit}).all()
    last = {int(y): int(n) for y, n in rows}
    return {y: last.get(y, 0) for y in years}


def generate(desk: Desk, rng: random.Random, count: int, progress: Progress) -> int:
    """Create ``count`` demonstration tips; returns how many were created."""
    desk.require(Perm.DEMO)
    if desk.installation.profile.value != "commune" or count <= 0:
        return 0  # tips are received by commune police; a province gets them through batches
    builder = _Builder(desk, rng)
    received = sorted(_received_at(rng, builder.now) for _i in range(count))
    unit = desk.installation.unit_code
    chunks = [received[i:i + CHUNK] for i in range(0, count, CHUNK)]
    with desk.write(Changes.of("tip")) as session, _big_cache(session):
        session.info["keep_change_seq"] = True  # the writer stamps change numbers itself
        writer = _Writer(desk, session)
        last = _next_numbers(session, unit, {local_date(at).year for at in received})

        def build(chunk: list[dt.datetime]) -> tuple[list[dict[str, Any]], ...]:
            tips: list[dict[str, Any]] = []
            events: list[dict[str, Any]] = []
            forms: list[dict[str, Any]] = []
            for at in chunk:
                year = local_date(at).year
                last[year] += 1
                tip, evs, fs = writer.rows(builder.draft(at), last[year], unit)
                tips.append(tip)
                events += evs
                forms += fs
            return tips, events, forms

        for index, chunk in enumerate(chunks):
            for model, rows in zip((Tip, TipEvent, TipForm), build(chunk), strict=True):
                # render_nulls: every row has the same parameters, so each chunk is one executemany
                session.execute(insert(model).execution_options(render_nulls=True), rows)
            progress("tips", min((index + 1) * CHUNK, count), count)
        writer.finish()
        for year, number in last.items():
            if number:
                reserve_number(session, SERIES, unit, year, number)
    return count
