"""Benchmark (issue #7): a provincial import of 300 batches from 100 communes (100,000 records).

Run: ``python -m pytest -q -m bench tests/bench/bench_province.py -s``
(``TIPDESK_BENCH_COMMUNES`` communes, 100 by default, 3 batches each; ``TIPDESK_BENCH_PROVINCE_RECORDS``
records in all, 100,000 by default).

One provincial installation is set up on SQLite; its whole database is then copied to a throwaway
PostgreSQL 15 server (``tipdesk.db.transfer``, the same key), so both provinces hold the same keys
and every batch opens on either. Measured in the same run, on copies of the same starting state:

* PostgreSQL, 1 importer (one ``tipdesk import`` process with every file);
* PostgreSQL, 4 importers at once (the communes split in four, one process each);
* SQLite, 1 importer (the baseline of the embedded database).

Prints the times, the 4-vs-1 speed-up on PostgreSQL and the SQLite/PostgreSQL ratio; asserts that
each run imported every record exactly once (no timing assertion, so it never flakes).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.bench.bench_exchange import START, _fill
from tests.conftest import ADMIN_PASSWORD, install
from tests.pg import server
from tipdesk.clock import FixedClock
from tipdesk.db.engine import postgres_engine, sqlcipher_engine
from tipdesk.db.keyslots import KeyslotStore
from tipdesk.db.models.exchange import ImportLog
from tipdesk.db.models.tips import Tip
from tipdesk.db.server_keyslots import ServerKeyslotStore
from tipdesk.db.transfer import copy_database
from tipdesk.domain import units
from tipdesk.services.auth import open_desk
from tipdesk.services.exchange import Exchange

pytestmark = pytest.mark.bench
ROOT = Path(__file__).resolve().parents[2]
COMMUNES = int(os.environ.get("TIPDESK_BENCH_COMMUNES", "100"))
RECORDS = int(os.environ.get("TIPDESK_BENCH_PROVINCE_RECORDS", "100000"))
BATCHES_EACH = 3


def _communes(root: Path, province: object, clock: FixedClock) -> dict[str, list[Path]]:
    codes = [c.code for c in units.communes("08")][:COMMUNES]
    per_batch = max(4, RECORDS // (COMMUNES * BATCHES_EACH) // 4 * 4)
    px = Exchange(province)  # type: ignore[arg-type]
    files: dict[str, list[Path]] = {}
    for code in codes:
        inst = install(root / code, clock, "commune", code)
        desk = open_desk("admin", ADMIN_PASSWORD, data_dir=inst.data_dir, clock=clock)
        try:
            cx = Exchange(desk)
            px.peers.enrol(cx.keys.enrolment_file(), cx.keys.fingerprint())
            cx.keys.install_trust_bundle(px.keys.export_trust_bundle(), px.keys.fingerprint())
            files[code] = []
            for b in range(BATCHES_EACH):
                _fill(desk, per_batch, start=b * per_batch)
                files[code] += cx.export.export(root / "usb" / code).paths
        finally:
            desk.close()
    return files


def _import(data_dir: Path, url: str, groups: list[list[Path]]) -> float:
    env = dict(os.environ, PYTHONPATH=str(ROOT), TIPDESK_PASSWORD=ADMIN_PASSWORD)
    env.pop("TIPDESK_DATABASE_URL", None)
    base = [sys.executable, "-m", "tipdesk", "--data-dir", str(data_dir)] + (["--database-url", url] if url else [])
    started = time.perf_counter()
    procs = [subprocess.Popen([*base, "import", *map(str, group)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True) for group in groups]
    for proc in procs:
        _, err = proc.communicate(timeout=3600)
        assert proc.returncode == 0, err[-3000:]
    return time.perf_counter() - started


def _counts(desk: object) -> tuple[int, int]:
    with desk.read() as s:  # type: ignore[attr-defined]
        tips = int(s.scalar(select(func.count()).select_from(Tip)) or 0)
        batches = int(s.scalar(select(func.count(func.distinct(ImportLog.batch_id)))
                               .where(ImportLog.status == "accepted")) or 0)
    return tips, batches


def test_bench_province_import_postgres_parallel_and_sqlite(tmp_path: Path) -> None:
    clock = FixedClock(START)
    office = install(tmp_path / "office", clock, "province", "08")
    pristine = tmp_path / "pristine"
    t0 = time.perf_counter()
    province = open_desk("admin", ADMIN_PASSWORD, data_dir=office.data_dir, clock=clock)
    try:
        files = _communes(tmp_path / "communes", province, clock)
        key = province.db_key
    finally:
        province.close()
    shutil.copytree(office.data_dir, pristine)
    setup_s = time.perf_counter() - t0
    all_files = [f for code in sorted(files) for f in files[code]]
    groups = [[f for code in sorted(files)[w::4] for f in files[code]] for w in range(4)]

    pg = server.start()
    try:
        urls = {}
        for name in ("serial", "parallel"):
            url = pg.create_database(name)
            engine = postgres_engine(url, key)
            try:
                copy_database(sqlcipher_engine(pristine / "tipdesk.db", key), engine)
            finally:
                engine.dispose()
            store = KeyslotStore.load(pristine / "keyslots.json")
            ServerKeyslotStore(path=Path("server"), slots=store.slots, url=url).save()
            urls[name] = url
        pg_one = _import(tmp_path / "ws-serial", urls["serial"], [all_files])
        pg_four = _import(tmp_path / "ws-parallel", urls["parallel"], groups)
        sqlite_one = _import(office.data_dir, "", [all_files])
        results = {}
        for label, kwargs in (("serial", {"database_url": urls["serial"]}),
                              ("parallel", {"database_url": urls["parallel"]}), ("sqlite", {})):
            desk = open_desk("admin", ADMIN_PASSWORD, data_dir=tmp_path / f"check-{label}"
                             if kwargs else office.data_dir, clock=clock, **kwargs)
            try:
                results[label] = _counts(desk)
            finally:
                desk.close()
    finally:
        pg.stop()
    expected_batches = len(all_files)
    for label, (tips, batches) in results.items():
        assert batches == expected_batches, (label, batches)
        assert tips == results["sqlite"][0], (label, tips)
    records = results["sqlite"][0] * 4
    print(f"\nprovince import: {len(files)} communes, {expected_batches} batches, ~{records} records "
          f"(set-up {setup_s:.0f} s)")
    print(f"  PostgreSQL, 1 importer : {pg_one:7.1f} s  ({records / pg_one:8.0f} records/s)")
    print(f"  PostgreSQL, 4 importers: {pg_four:7.1f} s  ({records / pg_four:8.0f} records/s)")
    print(f"  SQLite,     1 importer : {sqlite_one:7.1f} s  ({records / sqlite_one:8.0f} records/s)")
    print(f"  speed-up 4 vs 1 importers on PostgreSQL: {pg_one / pg_four:.2f}x  (machine cores: {os.cpu_count()})")
    print(f"  SQLite against PostgreSQL (1 importer each): {pg_one / sqlite_one:.2f}x faster on SQLite")
