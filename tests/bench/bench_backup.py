"""Benchmark: backup and restore of a demo database against a raw ``sqlcipher_export`` of the same file.

Run: ``python -m pytest -q -m bench tests/bench/bench_backup.py -s`` (``TIPDESK_BENCH_TIPS`` sets the
number of demo tips, 5,000 by default). Prints times and ratios; asserts only correctness.

* backup = export + both SQLCipher integrity checks + hashing + writing + fsync + reading back;
* restore = password unwrap (Argon2id, a fixed cost, printed apart) + one verifying pass that extracts
  the database + both integrity checks + the epoch/audit write + the swap.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ADMIN_PASSWORD, install
from tipdesk.clock import FixedClock
from tipdesk.db.backup import export_copy
from tipdesk.db.keyslots import KeyslotStore, user_slot_id
from tipdesk.services import backup, demo
from tipdesk.services.auth import open_desk

ROUNDS = 3


def _best(fn: Callable[[int], object]) -> float:
    times = []
    for i in range(ROUNDS):
        start = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - start)
    return min(times)


@pytest.mark.bench
def test_bench_backup_and_restore_against_raw_export(tmp_path: Path, clock: FixedClock) -> None:
    tips = int(os.environ.get("TIPDESK_BENCH_TIPS", "5000"))
    inst = install(tmp_path / "data", clock)
    desk = open_desk("admin", ADMIN_PASSWORD, data_dir=inst.data_dir, clock=clock)
    try:
        demo.generate(desk, counts={"tips": tips, "persons": tips // 3})
        db = inst.data_dir / "tipdesk.db"
        raw = _best(lambda i: export_copy(db, desk.db_key, tmp_path / f"raw-{i}.db"))
        made: list[backup.BackupResult] = []
        taken = _best(lambda i: made.append(backup.create_backup(desk, tmp_path / f"backup-{i}.tdbackup")))
    finally:
        desk.close()
    size = made[-1].header.db_bytes
    creds = backup.Credentials(ADMIN_PASSWORD, "admin")
    store = KeyslotStore.load(inst.data_dir / "keyslots.json")
    kdf = _best(lambda _i: store.unwrap(user_slot_id("admin"), ADMIN_PASSWORD))
    results: list[backup.RestoreResult] = []
    restored = _best(lambda i: results.append(
        backup.restore_backup(made[-1].path, creds, data_dir=tmp_path / f"new-{i}", clock=clock)))
    assert {r.epoch for r in results} == {2}
    print(f"\nbackup bench: {tips} demo tips, database {size / 1e6:.1f} MB, best of {ROUNDS}")
    print(f"  raw sqlcipher_export      {raw * 1000:8.1f} ms")
    print(f"  tipdesk backup (verified) {taken * 1000:8.1f} ms   ratio {taken / raw:5.2f}x")
    print(f"  tipdesk restore           {restored * 1000:8.1f} ms   ratio {restored / raw:5.2f}x")
    print(f"    of which Argon2id unwrap {kdf * 1000:7.1f} ms   restore without it: "
          f"ratio {(restored - kdf) / raw:5.2f}x")
    print(f"  backup file {made[-1].size / 1e6:.1f} MB (+{(made[-1].size - size) / 1e3:.1f} kB: header, keyslots, tag)")
