"""``kill -9`` in the middle of a large import leaves the database as it was (security.md §7 test 8)."""

from __future__ import annotations

import math
import os
import random
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ADMIN_PASSWORD
from tests.unit.exchange_db_support import Pair, bulk, full_dump, record_dump
from tipdesk.services.exchange_upsert import BATCH

ROOT = Path(__file__).resolve().parents[2]

_CHILD = """
import sys, time
from pathlib import Path
from tipdesk.services.auth import open_desk
from tipdesk.services.exchange import Exchange

desk = open_desk("admin", sys.argv[1], data_dir=Path(sys.argv[2]))

def progress(done, total, name):
    print("P", done, total, flush=True)
    time.sleep(0.01)

report = Exchange(desk).imports.import_paths([Path(sys.argv[3])], progress=progress)
print("DONE", [o.status for o in report.outcomes], flush=True)
"""


@pytest.fixture(scope="session")
def template_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("exchange-template")


@pytest.fixture
def pair(tmp_path: Path, template_root: Path) -> Iterator[Pair]:
    p = Pair.make(tmp_path, template_root)
    yield p
    p.close()


@pytest.mark.slow
def test_kill9_mid_import_leaves_the_database_unchanged_and_the_retry_succeeds(pair: Pair) -> None:
    bulk(pair.commune, 7500)  # 7 500 tips, persons, links and events: 30 000 records
    exported = pair.cx.export.export(pair.root / "usb")  # one or more batches, imported in one transaction
    batch = pair.root / "usb"
    before = full_dump(pair.province)
    pair.province.close()

    seed = int.from_bytes(os.urandom(4), "big")
    # one progress report per chunk of each record type of each batch
    ticks = sum(math.ceil(n / BATCH) for b in exported.batches for n in b.counts.values())
    kill_at = random.Random(seed).randint(2, ticks - 1)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, ADMIN_PASSWORD, str(pair.root / "province"), str(batch)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert child.stdout is not None
    seen = 0
    for line in child.stdout:
        assert not line.startswith("DONE"), f"the import finished before the kill (seed {seed})"
        if line.startswith("P"):
            seen += 1
            if seen == kill_at:
                os.kill(child.pid, signal.SIGKILL)
                break
    child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL, child.stderr.read() if child.stderr else ""

    pair.reopen_province()
    with pair.province.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    after = full_dump(pair.province)
    # Logging in (the child, then this test) updates the user row (and so the change counter) and
    # appends "login" audit rows; nothing else may differ.
    assert _without_logins(after) == _without_logins(before), f"changed by a kill at chunk {kill_at} (seed {seed})"
    new_audit = [row for row in after["audit_log"] if row not in before["audit_log"]]
    assert {row[4] for row in new_audit} == {"login"}

    retry = pair.px.imports.import_paths([batch])
    assert all(o.status == "accepted" for o in retry.outcomes)
    assert sum(o.totals().new for o in retry.outcomes) == 30_000
    assert record_dump(pair.province) == record_dump(pair.commune)


def _without_logins(dump: dict[str, list[tuple[object, ...]]]) -> dict[str, list[tuple[object, ...]]]:
    return {name: rows for name, rows in dump.items() if name not in ("users", "audit_log", "change_counter")}
