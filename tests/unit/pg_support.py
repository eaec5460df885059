"""A provincial office on a real PostgreSQL server, communes on SQLite, and batches between them."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from tests.conftest import ADMIN_PASSWORD, install
from tests.unit.exchange_db_support import START, Records
from tipdesk.clock import FixedClock
from tipdesk.db.models.persons import Person
from tipdesk.domain.text import fold
from tipdesk.services.auth import open_desk
from tipdesk.services.context import Desk
from tipdesk.services.exchange import Exchange
from tipdesk.services.exchange_schema import registry
from tipdesk.services.setup import initialise

ROOT = Path(__file__).resolve().parents[2]
# The first communes of Tuyên Quang (province 08) in the 2025 list.
COMMUNES = ("00691", "00694", "00700", "00706", "00715", "00721", "00733", "00745")


def province_on_server(url: str, data_dir: Path, clock: FixedClock) -> Desk:
    initialise("province", "08", "admin", ADMIN_PASSWORD, admin_full_name="Trần Văn Tỉnh", data_dir=data_dir,
               clock=clock, database_url=url)
    return open_desk("admin", ADMIN_PASSWORD, data_dir=data_dir, clock=clock)


@dataclass
class Network:
    """Communes (SQLite) enrolled at one province; their exported batch files."""

    root: Path
    clock: FixedClock
    batches: dict[str, list[Path]] = field(default_factory=dict)  # commune code -> files in seq order


def build_network(root: Path, province: Desk, communes: int, batches_each: int, tips_per_batch: int) -> Network:
    clock = FixedClock(START + dt.timedelta(hours=1))
    net = Network(root, clock)
    px = Exchange(province)
    for code in COMMUNES[:communes]:
        inst = install(root / code, FixedClock(START), "commune", code)
        desk = open_desk("admin", ADMIN_PASSWORD, data_dir=inst.data_dir, clock=clock)
        try:
            cx = Exchange(desk)
            px.peers.enrol(cx.keys.enrolment_file(), cx.keys.fingerprint())
            cx.keys.install_trust_bundle(px.keys.export_trust_bundle(), px.keys.fingerprint())
            records = Records(desk)
            files: list[Path] = []
            for b in range(batches_each):
                for i in range(tips_per_batch):
                    summary = f"Tin báo {code}-{b}-{i} về môi giới lao động"
                    tip = records.tip(summary=summary, search_text=fold(f"{summary} Nguyễn Thị Hoa"))
                    records.event(tip)
                    if i % 3 == 0:
                        name = f"Lò Thị Mai {code} {b} {i}"
                        person = records.person(name=name)
                        with desk.write() as s:  # the folded columns the persons service keeps
                            s.execute(update(Person).where(Person.id == person).values(
                                search_full=fold(name), name_key=fold(name) + " 2004"))
                        records.link(tip, person)
                result = cx.export.export(root / "usb" / code)
                assert len(result.paths) == 1, result
                files.append(result.paths[0])
            net.batches[code] = files
        finally:
            desk.close()
    return net


def decoded_dump(desk: Desk) -> dict[str, list[tuple[Any, ...]]]:
    """Every travelling table read through the ORM types (sealed fields opened), sorted, without the
    local change numbers: what must be equal between two provincial databases."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with desk.engine.connect() as conn:
        for rt in registry().types:
            cols = [rt.table.c[f.name] for f in rt.fields]
            out[rt.table_name] = sorted(tuple(row) for row in conn.execute(select(*cols)).all())
    return out


def cli(*args: str, data_dir: Path, url: str = "", check: bool = True) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), TIPDESK_PASSWORD=ADMIN_PASSWORD)
    env.pop("TIPDESK_DATABASE_URL", None)
    cmd = [sys.executable, "-m", "tipdesk", "--data-dir", str(data_dir)]
    if url:
        cmd += ["--database-url", url]
    proc = subprocess.run([*cmd, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    if check:
        assert proc.returncode == 0, proc.stderr[-3000:]
    return proc
