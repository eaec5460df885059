"""Two communes and their province, enrolled; persons recorded at the communes and imported at the province.

``Province.make(tmp, template_root)`` copies a template built once per test session (three encrypted
databases and two enrolments cost a few seconds), then opens the three desks as their administrators.
Persons are written the way the persons service writes them (pseudonym, folded search and duplicate
keys), then travel in real signed batches (``sync``).
"""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import ADMIN_PASSWORD, USER_PASSWORD, install
from tipdesk.clock import FixedClock
from tipdesk.db.models.persons import Person, SupportEntry
from tipdesk.services.auth import open_desk
from tipdesk.services.context import Desk
from tipdesk.services.exchange import Exchange
from tipdesk.services.persons_derive import refresh_index
from tipdesk.services.persons_store import pseudonym_for
from tipdesk.services.persons_validate import birth_sort

START = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)
COMMUNE_A = "02269"  # Xã Thượng Lâm
COMMUNE_B = "00700"  # Xã Ngọc Đường
PROVINCE = "08"  # Tuyên Quang
_TEMPLATE: dict[str, Path] = {}


def _template(root: Path) -> Path:
    if "three" in _TEMPLATE:
        return _TEMPLATE["three"]
    base = root / "xdupes-template"
    clock = FixedClock(START)
    install(base / "a", clock, "commune", COMMUNE_A)
    install(base / "b", clock, "commune", COMMUNE_B)
    install(base / "province", clock, "province", PROVINCE)
    desks = [open_desk("admin", ADMIN_PASSWORD, data_dir=base / name, clock=clock) for name in ("a", "b", "province")]
    try:
        px = Exchange(desks[2])
        for commune in desks[:2]:
            cx = Exchange(commune)
            px.peers.enrol(cx.keys.enrolment_file(), cx.keys.fingerprint())
            cx.keys.install_trust_bundle(px.keys.export_trust_bundle(), px.keys.fingerprint())
    finally:
        for desk in desks:
            desk.close()
    _TEMPLATE["three"] = base
    return base


@dataclass
class Province:
    root: Path
    clock: FixedClock
    a: Desk
    b: Desk
    province: Desk

    @classmethod
    def make(cls, tmp_path: Path, template_root: Path) -> Province:
        root = tmp_path / "three"
        shutil.copytree(_template(template_root), root)
        clock = FixedClock(START + dt.timedelta(hours=1))
        desks = [open_desk("admin", ADMIN_PASSWORD, data_dir=root / name, clock=clock) for name in ("a", "b", "province")]
        return cls(root, clock, *desks)

    def close(self, *extra: Desk) -> None:
        for desk in (self.a, self.b, self.province, *extra):
            desk.close()

    def user(self, role: str, username: str, full_name: str = "Đặng Quốc Việt") -> Desk:
        """Another account on the province database (``province_officer``, ``province_analyst``)."""
        self.province.users.add(username, role, USER_PASSWORD, full_name)
        return open_desk(username, USER_PASSWORD, data_dir=self.root / "province", clock=self.clock)

    def sync(self) -> None:
        """Each commune exports what changed; the province imports every batch."""
        for n, commune in enumerate((self.a, self.b)):
            folder = self.root / f"usb-{n}-{uuid.uuid4().hex[:6]}"
            Exchange(commune).export.export(folder)
            report = Exchange(self.province).imports.import_paths([folder])
            assert all(o.status == "accepted" for o in report.outcomes), report


_NUMBERS: dict[str, int] = {}
_TEXTS = ("other_names", "phone", "address_unit_code", "address_detail", "address_old", "origin_unit_code",
          "origin_detail", "origin_old", "guardian_name", "guardian_contact", "notes", "identified_by",
          "ethnic_code", "from_country", "from_place", "border_gate", "receiving_agency", "repatriation_route")


def person(desk: Desk, full_name: str, *, sex: str = "female", birth_date: dt.date | None = None,
           birth_year: int | None = None, id_number: str = "", received_on: dt.date = dt.date(2026, 3, 1),
           support_vnd: int = 0, **values: Any) -> str:
    """A person recorded at ``desk``'s commune as the persons service records one; returns its id."""
    unit = desk.installation.unit_code
    key = f"{desk.data_dir}:{unit}"
    _NUMBERS[key] = _NUMBERS.get(key, 0) + 1
    now = desk.now()
    year = birth_date.year if birth_date is not None else birth_year
    person_id = str(uuid.uuid4())
    texts = {name: values.pop(name, "") for name in _TEXTS}
    with desk.write() as s:
        p = Person(id=person_id, pseudonym=pseudonym_for(unit, 2026, _NUMBERS[key]), unit_code=unit,
                   received_on=received_on, full_name=full_name, sex=sex, birth_date=birth_date, birth_year=year,
                   birth_sort=birth_sort(birth_date, year), id_number=id_number, status="being_identified",
                   origin_install_id=desk.installation.install_id, created_at=now, updated_at=now, **texts, **values)
        refresh_index(p)
        s.add(p)
        if support_vnd:
            s.flush()
            s.add(SupportEntry(person_id=person_id, type_code="travel_home", given_on=received_on, amount_vnd=support_vnd,
                               origin_install_id=desk.installation.install_id, created_at=now, updated_at=now))
    return person_id
