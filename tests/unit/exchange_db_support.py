"""A commune and a province, each with its own data folder, enrolled and trusting each other, plus
builders for realistic records and helpers to compare databases.

``Pair.make(tmp)`` copies a template pair built once per test session (setting up two encrypted
databases costs a few seconds), then opens both desks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import text

from tests.conftest import ADMIN_PASSWORD, COMMUNE_CODE, install
from tipdesk.clock import FixedClock
from tipdesk.db.models.persons import Person, PersonEvent, TipPerson
from tipdesk.db.models.tips import Tip, TipAttachment, TipEvent, TipForm
from tipdesk.exchange import keys as xkeys
from tipdesk.services.auth import open_desk
from tipdesk.services.context import Desk
from tipdesk.services.exchange import Exchange
from tipdesk.services.exchange_schema import registry

START = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)
_TEMPLATE: dict[str, Path] = {}


def _template(root: Path) -> Path:
    """Build (once) a commune and a province that enrolled each other; returns the folder."""
    if "pair" in _TEMPLATE:
        return _TEMPLATE["pair"]
    base = root / "exchange-template"
    clock = FixedClock(START)
    commune = install(base / "commune", clock, "commune", COMMUNE_CODE)
    province = install(base / "province", clock, "province", "08")
    c_desk = open_desk("admin", ADMIN_PASSWORD, data_dir=commune.data_dir, clock=clock)
    p_desk = open_desk("admin", ADMIN_PASSWORD, data_dir=province.data_dir, clock=clock)
    try:
        cx, px = Exchange(c_desk), Exchange(p_desk)
        px.peers.enrol(cx.keys.enrolment_file(), cx.keys.fingerprint())
        cx.keys.install_trust_bundle(px.keys.export_trust_bundle(), px.keys.fingerprint())
    finally:
        c_desk.close()
        p_desk.close()
    _TEMPLATE["pair"] = base
    return base


@dataclass
class Pair:
    root: Path
    clock: FixedClock
    commune: Desk
    province: Desk
    cx: Exchange = field(init=False)
    px: Exchange = field(init=False)

    def __post_init__(self) -> None:
        self.cx, self.px = Exchange(self.commune), Exchange(self.province)

    @classmethod
    def make(cls, tmp_path: Path, template_root: Path) -> Pair:
        template = _template(template_root)
        root = tmp_path / "pair"
        shutil.copytree(template, root)
        clock = FixedClock(START + dt.timedelta(hours=1))
        commune = open_desk("admin", ADMIN_PASSWORD, data_dir=root / "commune", clock=clock)
        province = open_desk("admin", ADMIN_PASSWORD, data_dir=root / "province", clock=clock)
        return cls(root, clock, commune, province)

    def close(self) -> None:
        self.commune.close()
        self.province.close()

    def reopen_province(self) -> None:
        self.province.close()
        self.province = open_desk("admin", ADMIN_PASSWORD, data_dir=self.root / "province", clock=self.clock)
        self.px = Exchange(self.province)

    @property
    def commune_install(self) -> str:
        return self.commune.installation.install_id

    def export_one(self, folder: Path | None = None) -> Path:
        """Export; exactly one batch expected; returns its file."""
        result = self.cx.export.export(folder or self.root / "usb")
        assert len(result.paths) == 1, result
        return result.paths[0]


# ---------------------------------------------------------------- records


@dataclass
class Records:
    """Builds realistic commune records directly through the ORM (change numbers stamped)."""

    desk: Desk
    counter: int = 0

    @property
    def origin(self) -> str:
        return self.desk.installation.install_id

    def _next(self) -> int:
        self.counter += 1
        return self.counter

    def tip(self, summary: str = "Nghi vấn môi giới đưa người sang biên giới", forms: tuple[str, ...] = ("labour",),
            **values: Any) -> str:
        n = self._next()
        tip_id = str(uuid.uuid4())
        now = self.desk.now()
        with self.desk.write() as s:
            s.add(Tip(id=tip_id, unit_code=self.desk.installation.unit_code, register_year=2026,
                      register_no=values.pop("register_no", n), source_type="citizen", channel="phone",
                      received_at=now - dt.timedelta(minutes=n), officer_name="Hoàng Văn Dũng",
                      reporter_name="Nguyễn Thị Hoa", summary=summary, status="received",
                      origin_install_id=self.origin, created_at=now, updated_at=now, **values))
            s.flush()
            for code in forms:
                s.add(TipForm(tip_id=tip_id, form_code=code))
        return tip_id

    def event(self, tip_id: str, note: str = "Xác minh tại nhà") -> str:
        event_id = str(uuid.uuid4())
        now = self.desk.now()
        with self.desk.write() as s:
            s.add(TipEvent(id=event_id, tip_id=tip_id, kind="verification", occurred_at=now, status_after="verifying",
                           note=note, origin_install_id=self.origin, created_at=now, updated_at=now))
        return event_id

    def attachment(self, tip_id: str, content: bytes = b"%PDF-1.4 bien ban") -> str:
        att_id = str(uuid.uuid4())
        now = self.desk.now()
        with self.desk.write() as s:
            s.add(TipAttachment(id=att_id, tip_id=tip_id, filename="bien-ban.pdf", mime_type="application/pdf",
                                size=len(content), sha256=hashlib.sha256(content).hexdigest(), data=content,
                                origin_install_id=self.origin, created_at=now, updated_at=now))
        return att_id

    def person(self, name: str = "Lò Thị Mai", photo: bytes | None = None) -> str:
        n = self._next()
        person_id = str(uuid.uuid4())
        now = self.desk.now()
        with self.desk.write() as s:
            s.add(Person(id=person_id, pseudonym=f"NN-{self.desk.installation.unit_code}-26-{n:04d}",
                         unit_code=self.desk.installation.unit_code, received_on=dt.date(2026, 3, 1), full_name=name,
                         sex="female", birth_year=2004, birth_date=dt.date(2004, 5, 17), status="identifying",
                         photo=photo, origin_install_id=self.origin, created_at=now, updated_at=now))
            s.flush()
            s.add(PersonEvent(person_id=person_id, kind="identified", occurred_at=now, agency="Công an xã",
                              origin_install_id=self.origin, created_at=now, updated_at=now))
        return person_id

    def link(self, tip_id: str, person_id: str) -> str:
        link_id = str(uuid.uuid4())
        now = self.desk.now()
        with self.desk.write() as s:
            s.add(TipPerson(id=link_id, tip_id=tip_id, person_id=person_id, role="victim",
                            origin_install_id=self.origin, created_at=now, updated_at=now))
        return link_id

    def edit_tip(self, tip_id: str, summary: str, forms: tuple[str, ...] | None = None) -> int:
        """A local change: new content, version + 1 (as the tips service does)."""
        with self.desk.write() as s:
            tip = s.get(Tip, tip_id)
            assert tip is not None
            tip.summary = summary
            if forms is not None:
                s.query(TipForm).filter(TipForm.tip_id == tip_id).delete()
                for code in forms:
                    s.add(TipForm(tip_id=tip_id, form_code=code))
            tip.touch(self.desk.now())
            return tip.version


# ---------------------------------------------------------------- comparing databases


def record_dump(desk: Desk) -> dict[str, list[tuple[Any, ...]]]:
    """Every travelling table and owned child table, sorted, without the local change numbers and
    the local-only columns: what must be equal at both ends."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with desk.engine.connect() as conn:
        for rt in registry().types:
            cols = ", ".join(f'"{f.name}"' for f in rt.fields)
            out[rt.table_name] = sorted(conn.exec_driver_sql(f'SELECT {cols} FROM "{rt.table_name}"').all())
            for child in rt.children:
                out[child.name] = sorted(conn.exec_driver_sql(f'SELECT * FROM "{child.name}"').all())
    return out


def full_dump(desk: Desk) -> dict[str, list[tuple[Any, ...]]]:
    """Every table of the database, sorted (for "nothing changed at all")."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with desk.engine.connect() as conn:
        names = [r[0] for r in conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        for name in names:
            out[name] = sorted(conn.exec_driver_sql(f'SELECT * FROM "{name}"').all(), key=repr)
    return out


def log_rows(desk: Desk) -> list[tuple[Any, ...]]:
    with desk.engine.connect() as conn:
        return conn.execute(text("SELECT status, reject_code, batch_id, seq FROM exchange_import_log ORDER BY id")).all()


def fingerprint_of(desk: Desk) -> str:
    return Exchange(desk).keys.fingerprint()


def key_id_of(desk: Desk) -> str:
    return xkeys.key_id_from_fingerprint(fingerprint_of(desk))


def iter_types(dump: dict[str, list[tuple[Any, ...]]]) -> Iterator[tuple[str, int]]:
    for name, rows in sorted(dump.items()):
        yield name, len(rows)


def bulk(desk: Desk, tips: int, events_per_tip: int = 1, start_no: int = 1000) -> list[str]:
    """Many tips with events and a linked person each, in one transaction (fast)."""
    now = desk.now()
    origin, unit = desk.installation.install_id, desk.installation.unit_code
    ids: list[str] = []
    with desk.write() as s:
        for n in range(tips):
            tip_id, person_id = str(uuid.uuid4()), str(uuid.uuid4())
            ids.append(tip_id)
            s.add(Tip(id=tip_id, unit_code=unit, register_year=2026, register_no=start_no + n, source_type="citizen",
                      channel="phone", received_at=now, summary=f"Tin báo số {n}: nghi vấn môi giới lao động",
                      status="received", origin_install_id=origin, created_at=now, updated_at=now))
            s.add(Person(id=person_id, pseudonym=f"NB-{unit}-26-{start_no + n:05d}", unit_code=unit,
                         received_on=dt.date(2026, 3, 1), full_name=f"Nạn nhân {n}", sex="female", status="identifying",
                         origin_install_id=origin, created_at=now, updated_at=now))
            s.flush()
            s.add(TipForm(tip_id=tip_id, form_code="labour"))
            s.add(TipPerson(tip_id=tip_id, person_id=person_id, origin_install_id=origin, created_at=now,
                            updated_at=now))
            for k in range(events_per_tip):
                s.add(TipEvent(tip_id=tip_id, kind="verification", occurred_at=now, status_after="verifying",
                               note=f"Bước {k}", origin_install_id=origin, created_at=now, updated_at=now))
    return ids


OFFICER_PASSWORD = "officer password 2026 blue"


def province_officer(pair: Pair) -> Desk:
    """A second desk on the province database, logged in as a provincial officer (may annotate)."""
    from tipdesk.domain.roles import Role

    pair.province.users.add("canbo.tinh", Role.PROVINCE_OFFICER, OFFICER_PASSWORD, "Đặng Quốc Việt")
    return open_desk("canbo.tinh", OFFICER_PASSWORD, data_dir=pair.root / "province", clock=pair.clock)
