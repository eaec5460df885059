"""Benchmark: a yearly provincial report over 100,000 tips and 20,000 persons from 100 communes.

Run: ``python -m pytest -q -m bench tests/bench/bench_reports.py -s``
(``TIPDESK_BENCH_TIPS`` / ``TIPDESK_BENCH_PERSONS`` change the sizes; 100,000 / 20,000 by default).

* rows are bulk-inserted with SQLAlchemy Core (about 3.5 events, one form tag per tip; two events
  and two support entries per person; twelve received batches per commune in the import log) into
  an encrypted provincial database, then ANALYZE and a WAL checkpoint;
* report = ``ReportService.build`` for the year 2026 (the five targets for the year and its three
  trend years, every statistics table with its by-commune split, the communes' data status);
* raw = the very SQL statements the report ran (captured with their parameters), replayed on a
  raw DB-API cursor with ``fetchall`` and the same page-cache size: the aggregate queries alone;
* then the PDF (and the .xlsx) of that report: time, page count and size.

Prints times and the ratio report/raw (target: at most 3); asserts only correctness.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, insert

from tests.conftest import ADMIN_PASSWORD, Installed, install
from tests.unit.reports_support import CHANNELS, COUNTRIES, ETHNIC, FORMS, SOURCES, SUPPORT, user_desk
from tipdesk.clock import FixedClock
from tipdesk.db.models.exchange import ImportLog
from tipdesk.db.models.persons import Person, PersonEvent, SupportEntry
from tipdesk.db.models.tips import Tip, TipEvent, TipForm
from tipdesk.domain import units
from tipdesk.domain.deadlines import VN_TZ
from tipdesk.services.auth import open_desk
from tipdesk.services.context import Desk
from tipdesk.services.reports import REPORT_CACHE_KIB, ReportService

NOW = dt.datetime(2027, 1, 20, 3, 0, tzinfo=dt.UTC)
YEAR_START = dt.datetime(2026, 1, 1, tzinfo=VN_TZ)
CHUNK = 5000


def _chunks(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), CHUNK):
        yield rows[start:start + CHUNK]


def _tip_rows(rng: random.Random, n: int, communes: list[str], install_id: str) -> tuple[list[dict[str, Any]], ...]:
    tips, events, forms = [], [], []
    for i in range(n):
        tip_id = str(uuid.UUID(int=rng.getrandbits(128)))
        received = YEAR_START + dt.timedelta(seconds=rng.random() * 365 * 86400)
        story = [("received", received, "received")]
        at = received + dt.timedelta(hours=rng.choice((3, 10, 20, 30)))
        if rng.random() < 0.92:
            story.append(("transferred", at, "transferred"))
            if rng.random() < 0.8:
                at += dt.timedelta(days=rng.randint(5, 40))
                kind = rng.choice(("decision_prosecute", "decision_not_prosecute"))
                story.append((kind, at, "prosecuted" if kind == "decision_prosecute" else "not_prosecuted"))
                for step in ("case_solved", "indicted", "tried"):
                    if kind != "decision_prosecute" or rng.random() < 0.15:
                        break
                    at += dt.timedelta(days=rng.randint(10, 40))
                    story.append((step, at, "prosecuted"))
        unit = communes[i % len(communes)]
        tips.append(dict(id=tip_id, unit_code=unit, register_year=2026, register_no=i + 1,
                         source_type=rng.choice(SOURCES), channel=rng.choice(CHANNELS), received_at=received,
                         reporter_name="", summary="", destination_country=rng.choice(COUNTRIES),
                         status=story[-1][2], origin_install_id=install_id, created_at=received,
                         updated_at=story[-1][1], version=1, change_seq=0))
        for kind, when, status in story:
            events.append(dict(id=str(uuid.UUID(int=rng.getrandbits(128))), tip_id=tip_id, kind=kind,
                               occurred_at=when, status_after=status, origin_install_id=install_id,
                               created_at=when, updated_at=when, version=1, change_seq=0))
        forms.append(dict(tip_id=tip_id, form_code=rng.choice(FORMS)))
    return tips, events, forms


def _person_rows(rng: random.Random, n: int, communes: list[str], install_id: str) -> tuple[list[dict[str, Any]], ...]:
    persons, events, support = [], [], []
    for i in range(n):
        person_id = str(uuid.UUID(int=rng.getrandbits(128)))
        received = (YEAR_START + dt.timedelta(days=rng.randint(0, 364))).date()
        started = dt.datetime.combine(received, dt.time(10), tzinfo=VN_TZ)
        year = rng.randint(1975, 2012)
        persons.append(dict(id=person_id, pseudonym=f"NN-{i:06d}", unit_code=communes[i % len(communes)],
                            received_on=received, full_name=f"Người {i}", sex=rng.choice(("female", "male")),
                            birth_year=year, birth_sort=dt.date(year, 12, 31), ethnic_code=rng.choice(ETHNIC),
                            from_country=rng.choice(COUNTRIES), status=rng.choice(
                                ("being_identified", "identified_victim", "not_victim")),
                            origin_install_id=install_id, created_at=started, updated_at=started, version=1,
                            change_seq=0))
        events.append(dict(id=str(uuid.UUID(int=rng.getrandbits(128))), person_id=person_id,
                           kind="essential_support_started", occurred_at=started, origin_install_id=install_id,
                           created_at=started, updated_at=started, version=1, change_seq=0))
        end = started + dt.timedelta(days=rng.choice((60, 110, 130)))
        if end < NOW:
            events.append(dict(id=str(uuid.UUID(int=rng.getrandbits(128))), person_id=person_id,
                               kind="essential_support_ended", occurred_at=end, origin_install_id=install_id,
                               created_at=end, updated_at=end, version=1, change_seq=0))
        for code, amount in rng.sample(SUPPORT, 2):
            support.append(dict(id=str(uuid.UUID(int=rng.getrandbits(128))), person_id=person_id, type_code=code,
                                given_on=received, amount_vnd=amount, origin_install_id=install_id,
                                created_at=started, updated_at=started, version=1, change_seq=0))
    return persons, events, support


def _bulk_insert(desk: Desk, tips: int, persons: int) -> float:
    rng = random.Random(2026)
    communes = [c.code for c in units.communes(desk.installation.province_code)][:100]
    install_id = desk.installation.install_id
    start = time.perf_counter()
    tables = zip((Tip, TipEvent, TipForm), _tip_rows(rng, tips, communes, install_id), strict=True)
    more = zip((Person, PersonEvent, SupportEntry), _person_rows(rng, persons, communes, install_id), strict=True)
    with desk.engine.begin() as conn:
        for model, rows in (*tables, *more):
            for chunk in _chunks(rows):
                conn.execute(insert(model.__table__), chunk)  # type: ignore[attr-defined]
        batches = [dict(at=YEAR_START + dt.timedelta(days=30 * m + 2), status="accepted", commune=code,
                        batch_id=f"{code}-{m}", created_at=YEAR_START + dt.timedelta(days=30 * m))
                   for code in communes for m in range(12)]
        conn.execute(insert(ImportLog.__table__), batches)
        conn.exec_driver_sql("ANALYZE")
    with desk.engine.connect() as conn:  # fold the bulk load's WAL into the file, as daily use would have
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return time.perf_counter() - start


class Capture:
    """The SQL statements (with parameters) sent to the database while active."""

    def __init__(self, desk: Desk) -> None:
        self.engine = desk.engine
        self.statements: list[tuple[str, Any]] = []
        self.active = False
        event.listen(self.engine, "before_cursor_execute", self._seen)

    def _seen(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if self.active and statement.lstrip().upper().startswith(("SELECT", "WITH")):
            self.statements.append((statement, parameters))

    def replay(self) -> tuple[float, int]:
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute(f"PRAGMA cache_size = -{REPORT_CACHE_KIB}")  # the same cache as the report had
            start = time.perf_counter()
            rows = 0
            for statement, parameters in self.statements:
                cursor.execute(statement, parameters)
                rows += len(cursor.fetchall())
            return time.perf_counter() - start, rows
        finally:
            raw.close()


@pytest.mark.bench
def test_bench_yearly_provincial_report(tmp_path: Path, clock: FixedClock) -> None:
    n_tips = int(os.environ.get("TIPDESK_BENCH_TIPS", "100000"))
    n_persons = int(os.environ.get("TIPDESK_BENCH_PERSONS", "20000"))
    clock.at = NOW
    data_dir = tmp_path / "province"
    install(data_dir, clock, profile="province", unit="08")
    admin = open_desk("admin", ADMIN_PASSWORD, data_dir=data_dir, clock=clock)
    desk = user_desk(admin, Installed(data_dir, "", "", ""), clock, "tinh", "province_officer")
    try:
        loaded = _bulk_insert(desk, n_tips, n_persons)
        service = ReportService(desk)
        period = service.resolve_period("2026")[0]
        service.build(period)  # warm the page cache and the reference lists, as a second run would be
        capture = Capture(desk)
        capture.active = True
        start = time.perf_counter()
        data = service.build(period)
        built = time.perf_counter() - start
        capture.active = False
        raw_best = min(capture.replay()[0] for _ in range(3))
        start = time.perf_counter()
        pdf = service.export(data, tmp_path / "bao-cao-2026.pdf")
        rendered = time.perf_counter() - start
        start = time.perf_counter()
        service.export(data, tmp_path / "bao-cao-2026.xlsx")
        spreadsheet = time.perf_counter() - start
    finally:
        desk.close()
        admin.close()
    assert data.table("tips_by_source").total == n_tips
    assert data.table("persons_by_sex").total == n_persons
    assert data.kpis[0].denominator == n_tips
    assert sum(1 for c in data.communes if c.has_data) == 100 == sum(1 for c in data.communes if c.sent_batch)
    size = (tmp_path / "bao-cao-2026.pdf").stat().st_size
    print(f"\nreports bench: {n_tips:,} tips, {n_persons:,} persons, 100 communes (bulk load {loaded:.1f} s)")
    print(f"  report data (ReportService.build): {built:.2f} s, {len(capture.statements)} SQL statements")
    print(f"  raw SQL aggregates alone (same statements, DB-API, best of 3): {raw_best:.2f} s")
    print(f"  ratio report/raw: {built / raw_best:.2f} (target <= 3)")
    print(f"  PDF: {rendered:.2f} s, {pdf.pages} pages, {size / 1024:.0f} KiB; .xlsx: {spreadsheet:.2f} s")
    print(f"  whole yearly report (data + PDF): {built + rendered:.2f} s")
