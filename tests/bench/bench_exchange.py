"""Benchmark: export and import of 100,000 records against raw SQLite ``executemany`` of the same rows.

Run: ``python -m pytest -q -m bench tests/bench/bench_exchange.py -s``
(``TIPDESK_BENCH_RECORDS`` sets the number of records, 100,000 by default; a quarter each of tips,
persons, tip-person links and tip events, every tip with a trafficking-form tag).

* raw = one transaction of ``executemany`` INSERTs of exactly the stored rows (tips, tip_forms,
  persons, tip_persons, tip_events) into a fresh encrypted database of the same schema;
* export = read, serialise, split, sign, encrypt, store the bytes, write and verify the files;
* import = authenticate, decrypt, unzip, parse and check every record, preload ids, classify,
  check parents, ``executemany``, log, receipt, commit; then a second import of a smaller split
  (many batches) to show that peak memory does not grow with the number of batches.

Prints times, rates, the ratio import/raw and peak RSS (sampled every 20 ms); asserts correctness
only (no timing assertion, so it never flakes).
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psutil
import pytest
from sqlalchemy import insert, text

from tests.conftest import ADMIN_PASSWORD, COMMUNE_CODE, install
from tipdesk.clock import FixedClock
from tipdesk.db import migrate
from tipdesk.db.engine import sqlcipher_engine
from tipdesk.db.models.persons import Person, TipPerson
from tipdesk.db.models.tips import Tip, TipEvent, TipForm
from tipdesk.exchange.batchfile import open_batch
from tipdesk.exchange.format import Limits, MiB
from tipdesk.services.auth import open_desk
from tipdesk.services.context import Desk
from tipdesk.services.exchange import Exchange
from tipdesk.services.exchange_common import bulk_memory, decryption_keys
from tipdesk.services.exchange_export import ExportService
from tipdesk.services.exchange_peers import DbTrustStore
from tipdesk.services.exchange_sources import BULK_CACHE_PAGES

START = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)
TABLES = ("tips", "tip_forms", "persons", "tip_persons", "tip_events")
SUMMARY = ("Người dân báo tin một nhóm người lạ đến thôn tuyển lao động đi làm ở nước ngoài với lương cao, "
           "hứa hẹn không cần giấy tờ, đã có ba thanh niên trong xã đi theo và mất liên lạc với gia đình. ")


class PeakRss:
    """Samples the process RSS in a thread; ``peak`` in MiB."""

    def __init__(self) -> None:
        self.proc = psutil.Process()
        self.peak = 0
        self.samples: list[int] = []
        self._stop = threading.Event()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.proc.memory_info().rss)
            self._stop.wait(0.02)

    @contextmanager
    def running(self) -> Iterator[PeakRss]:
        thread = threading.Thread(target=self._loop, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            thread.join()

    def mark(self) -> None:
        self.samples.append(self.proc.memory_info().rss)


def _mib(n: int) -> float:
    return n / MiB


def _fill(desk: Desk, n: int, start: int = 0) -> None:
    """n records: n/4 tips (each tagged), persons, links and events, written with executemany.
    ``start``: the number of tips filled before (register numbers and change numbers go on)."""
    quarter = n // 4
    origin, unit = desk.installation.install_id, desk.installation.unit_code
    now = START
    tips, persons, links, events, forms = [], [], [], [], []
    with desk.read() as s:
        seq = int(s.execute(text("SELECT value FROM change_counter WHERE id = 1")).scalar() or 0)
    for i in range(start, start + quarter):
        tip_id, person_id = str(uuid.uuid4()), str(uuid.uuid4())
        base = {"version": 1, "created_at": now, "updated_at": now, "origin_install_id": origin}
        seq += 1
        tips.append({**base, "id": tip_id, "change_seq": seq, "unit_code": unit, "register_year": 2026,
                     "register_no": i + 1, "source_type": "citizen", "channel": "phone",
                     "received_at": now - dt.timedelta(minutes=i), "officer_name": "Hoàng Văn Dũng",
                     "reporter_name": "Nguyễn Thị Hoa", "reporter_contact": "0912 345 678",
                     "summary": SUMMARY + str(i), "status": "verifying", "urgent": i % 7 == 0,
                     "search_text": f"nguyen thi hoa moi gioi lao dong {i}"})
        forms.append({"tip_id": tip_id, "form_code": "labour"})
        seq += 1
        persons.append({**base, "id": person_id, "change_seq": seq, "pseudonym": f"NN-{unit}-26-{i:06d}",
                        "unit_code": unit, "received_on": dt.date(2026, 3, 1), "full_name": f"Lò Thị Mai {i}",
                        "sex": "female", "birth_year": 1990 + i % 20, "birth_date": dt.date(1990 + i % 20, 5, 17),
                        "status": "identifying", "phone": "0987 654 321", "notes": "Đang hỗ trợ tâm lý.",
                        "name_key": f"lo thi mai {i}", "search_full": f"lo thi mai {i}"})
        seq += 1
        links.append({**base, "id": str(uuid.uuid4()), "change_seq": seq, "tip_id": tip_id, "person_id": person_id,
                      "role": "victim"})
        seq += 1
        events.append({**base, "id": str(uuid.uuid4()), "change_seq": seq, "tip_id": tip_id, "kind": "verification",
                       "occurred_at": now, "status_after": "verifying", "officer_name": "Hoàng Văn Dũng",
                       "note": "Xác minh tại nhà người báo tin, lập biên bản."})
    with desk.write() as s:
        for model, rows in ((Tip, tips), (TipForm, forms), (Person, persons), (TipPerson, links), (TipEvent, events)):
            s.execute(insert(model), rows)
        s.execute(text("UPDATE change_counter SET value = :v WHERE id = 1"), {"v": seq})


def _raw_copy(desk: Desk, target: Path) -> tuple[float, float, int]:
    """Raw ``executemany`` of the stored rows into a fresh database of the same schema."""
    with desk.engine.connect() as conn:
        data = {t: conn.exec_driver_sql(f'SELECT * FROM "{t}"').all() for t in TABLES}
        columns = {t: [c[1] for c in conn.exec_driver_sql(f'PRAGMA table_info("{t}")')] for t in TABLES}
    engine = sqlcipher_engine(target, os.urandom(32))
    migrate.upgrade(engine)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(f"PRAGMA cache_size = {BULK_CACHE_PAGES}")  # the importer's setting: a fair baseline
        start, cpu = time.perf_counter(), time.process_time()
        cursor.execute("BEGIN IMMEDIATE")
        for t in TABLES:
            cols = ", ".join(f'"{c}"' for c in columns[t])
            marks = ", ".join("?" for _ in columns[t])
            cursor.executemany(f'INSERT INTO "{t}" ({cols}) VALUES ({marks})', data[t])
        cursor.execute("COMMIT")
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    finally:
        raw.close()
        engine.dispose()
    return elapsed, cpu, sum(len(rows) for t, rows in data.items() if t != "tip_forms")


def _core_open(desk: Desk, paths: list[Path]) -> int:
    """The exchange core alone (steps 1-8: verify, decrypt, unzip, strict JSON), no database writes."""
    records = 0
    with bulk_memory(), desk.read() as session:
        keys = decryption_keys(session)
        for path in paths:
            opened = open_batch(path.read_bytes(), DbTrustStore(session), keys)
            records += sum(len(r) for r in opened.records.values())
    return records


def _timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """(wall seconds, CPU seconds of this process, result)."""
    start, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - start, time.process_time() - cpu, result


@pytest.mark.bench
def test_bench_exchange_100k_against_raw_executemany(tmp_path: Path) -> None:
    n = int(os.environ.get("TIPDESK_BENCH_RECORDS", "100000"))
    clock = FixedClock(START)
    commune = install(tmp_path / "commune", clock, "commune", COMMUNE_CODE)
    province = install(tmp_path / "province", clock, "province", "08")
    c_desk = open_desk("admin", ADMIN_PASSWORD, data_dir=commune.data_dir, clock=clock)
    p_desk = open_desk("admin", ADMIN_PASSWORD, data_dir=province.data_dir, clock=clock)
    try:
        cx, px = Exchange(c_desk), Exchange(p_desk)
        px.peers.enrol(cx.keys.enrolment_file(), cx.keys.fingerprint())
        cx.keys.install_trust_bundle(px.keys.export_trust_bundle(), px.keys.fingerprint())
        _fill(c_desk, n)
        raw_s, raw_cpu, raw_rows = _raw_copy(c_desk, tmp_path / "raw.db")

        with PeakRss().running() as export_mem:
            export_s, _export_cpu, exported = _timed(lambda: cx.export.export(tmp_path / "usb"))
        assert exported.records == raw_rows == n

        rss = PeakRss()
        with rss.running() as import_mem:
            import_s, import_cpu, report = _timed(lambda: px.imports.import_paths([tmp_path / "usb"]))
        assert all(o.status == "accepted" for o in report.outcomes)
        assert sum(c.new for c in report.totals().values()) == n
        core_s, core_cpu, _opened = _timed(lambda: _core_open(p_desk, exported.paths))

        # The same records split into many small batches, imported into a second province database.
        p_desk.close()
        province2 = install(tmp_path / "province2", clock, "province", "08")
        p_desk = open_desk("admin", ADMIN_PASSWORD, data_dir=province2.data_dir, clock=clock)
        px = Exchange(p_desk)
        px.peers.enrol(cx.keys.enrolment_file(), cx.keys.fingerprint())
        with c_desk.write() as s:  # start the commune's sequence again, towards the second province
            for statement in ("DELETE FROM exchange_trust", "DELETE FROM exchange_out_items",
                              "DELETE FROM exchange_out_batches",
                              "UPDATE exchange_state SET mark = 0, last_seq = 0, prev_sha256 = NULL"):
                s.execute(text(statement))
        cx.keys.install_trust_bundle(px.keys.export_trust_bundle(), px.keys.fingerprint())
        many = ExportService(c_desk, Limits(max_batch_bytes=4 * MiB)).export(tmp_path / "usb-small")
        per_file = PeakRss()
        seen: set[str] = set()

        def progress(done: int, total: int, name: str) -> None:
            if name not in seen:
                seen.add(name)
                per_file.mark()

        with per_file.running() as many_mem:
            many_s, _many_cpu, many_report = _timed(lambda: px.imports.import_paths([tmp_path / "usb-small"], progress=progress))
        assert all(o.status == "accepted" for o in many_report.outcomes)
    finally:
        c_desk.close()
        p_desk.close()

    raw_rate, import_rate = raw_rows / raw_s, n / import_s
    print(f"\nexchange bench: {n} records (tips, persons, links, events; {n // 4} form tags)")
    print(f"  raw executemany : {raw_s:7.2f} s  {raw_rate:9.0f} rows/s  (CPU {raw_cpu:.2f} s)")
    print(f"  export          : {export_s:7.2f} s  {n / export_s:9.0f} rec/s  {len(exported.paths)} batch(es), "
          f"{sum(p.stat().st_size for p in exported.paths) / MiB:.1f} MiB, peak RSS {_mib(export_mem.peak):.0f} MiB")
    print(f"  import          : {import_s:7.2f} s  {import_rate:9.0f} rec/s  ratio import/raw = "
          f"{import_rate / raw_rate:.2f}  peak RSS {_mib(import_mem.peak):.0f} MiB")
    print(f"  CPU time        : import {import_cpu:.2f} s, raw {raw_cpu:.2f} s: ratio {raw_cpu / import_cpu:.2f} "
          f"(less sensitive to other load on the machine)")
    print(f"  of which core   : {core_s:7.2f} s (CPU {core_cpu:.2f} s) in the exchange core's steps 1-8 alone "
          f"(= {core_cpu / raw_cpu:.2f} x the raw CPU)")
    marks = ", ".join(f"{_mib(m):.0f}" for m in per_file.samples)
    print(f"  import, {len(many.paths)} batches of <= 4 MiB: {many_s:6.2f} s  {n / many_s:9.0f} rec/s  "
          f"peak RSS {_mib(many_mem.peak):.0f} MiB; RSS at each new file (MiB): {marks}")
