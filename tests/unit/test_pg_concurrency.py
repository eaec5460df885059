"""Several importers at once (issue #7 §4).

PostgreSQL: four processes import overlapping sets of batches into one database at the same time;
every record lands exactly once, every batch is accepted once, and every receipt is byte-for-byte
the one a serial import into a copy of the same provincial database signs. SQLite: two processes,
one waits for the other, neither fails.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import ADMIN_PASSWORD, install
from tests.unit.pg_support import ROOT, build_network, decoded_dump, province_on_server
from tipdesk.clock import FixedClock
from tipdesk.db.models.exchange import ImportLog
from tipdesk.services.auth import open_desk
from tipdesk.services.exchange import Exchange


def _start(data_dir: Path, url: str, files: list[Path]) -> subprocess.Popen[str]:
    import os

    env = dict(os.environ, PYTHONPATH=str(ROOT), TIPDESK_PASSWORD=ADMIN_PASSWORD)
    cmd = [sys.executable, "-m", "tipdesk", "--data-dir", str(data_dir)]
    if url:
        cmd += ["--database-url", url]
    return subprocess.Popen([*cmd, "import", *map(str, files)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(procs: list[subprocess.Popen[str]]) -> None:
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err[-3000:] + out[-2000:]


def _log(desk: object) -> list[tuple[str, str, bytes | None]]:
    with desk.read() as s:  # type: ignore[attr-defined]
        return [(r.batch_id, r.status, r.receipt_data) for r in s.scalars(select(ImportLog))]


def _overlapping(codes: list[str], workers: int, width: int) -> list[list[str]]:
    return [[codes[(w + k) % len(codes)] for k in range(width)] for w in range(workers)]


@pytest.mark.postgres
def test_four_importers_on_postgres_match_a_serial_import(pg_server: object, pg_url: str, tmp_path: Path,
                                                          clock: FixedClock) -> None:
    office = tmp_path / "office"
    desk = province_on_server(pg_url, office, clock)
    try:
        net = build_network(tmp_path / "net", desk, communes=6, batches_each=3, tips_per_batch=5)
    finally:
        desk.close()
    name = pg_url.rsplit("/", 1)[1]
    serial_url = pg_server.copy_database(name, name[:50] + "_s")  # type: ignore[attr-defined]

    codes = sorted(net.batches)
    sets = _overlapping(codes, workers=4, width=3)  # every commune goes to 2 or 3 importers
    procs = [_start(tmp_path / f"ws{w}", pg_url, [f for c in reversed(group) for f in net.batches[c]])
             for w, group in enumerate(sets)]
    _finish(procs)

    serial = open_desk("admin", ADMIN_PASSWORD, data_dir=tmp_path / "serial", clock=clock, database_url=serial_url)
    parallel = open_desk("admin", ADMIN_PASSWORD, data_dir=office, clock=clock)
    try:
        imported = {c for group in sets for c in group}
        report = Exchange(serial).imports.import_paths([f for c in sorted(imported) for f in net.batches[c]])
        assert {o.status for o in report.outcomes} == {"accepted"}
        assert decoded_dump(parallel) == decoded_dump(serial)
        log = _log(parallel)
        accepted = [(b, r) for b, status, r in log if status == "accepted"]
        batch_ids = [b for b, _ in accepted]
        assert len(batch_ids) == len(set(batch_ids)) == 3 * len(imported)  # each batch accepted once
        assert {status for _, status, _ in log} <= {"accepted", "duplicate"}
        serial_receipts = {o.batch_id: o.receipt for o in report.outcomes}
        assert dict(accepted) == serial_receipts  # byte-identical receipts
        tips = len(decoded_dump(parallel)["tips"])
        assert tips == 3 * 5 * len(imported)
    finally:
        serial.close()
        parallel.close()
    pg_server.drop_database(name[:50] + "_s")  # type: ignore[attr-defined]


def test_two_importers_on_sqlite_one_waits_neither_fails(tmp_path: Path, clock: FixedClock) -> None:
    province = install(tmp_path / "office", clock, "province", "08")
    desk = open_desk("admin", ADMIN_PASSWORD, data_dir=province.data_dir, clock=clock)
    try:
        net = build_network(tmp_path / "net", desk, communes=3, batches_each=2, tips_per_batch=20)
    finally:
        desk.close()
    codes = sorted(net.batches)
    sets = [codes[:2], codes[1:]]
    procs = [_start(province.data_dir, "", [f for c in group for f in net.batches[c]]) for group in sets]
    _finish(procs)
    desk = open_desk("admin", ADMIN_PASSWORD, data_dir=province.data_dir, clock=clock)
    try:
        log = _log(desk)
        accepted = [b for b, status, _ in log if status == "accepted"]
        assert len(accepted) == len(set(accepted)) == 6
        assert len(decoded_dump(desk)["tips"]) == 3 * 2 * 20
    finally:
        desk.close()
