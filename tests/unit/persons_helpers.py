"""Shared helpers for the persons tests: desks per role, a valid person draft, a tip to link."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from tests.conftest import USER_PASSWORD, Installed
from tipdesk.clock import FixedClock
from tipdesk.services.auth import open_desk
from tipdesk.services.context import Desk
from tipdesk.services.persons import PersonService
from tipdesk.services.persons_types import PersonDraft

SOCIAL_WORKER = "xahoi"


def desk_for(admin_desk: Any, installed: Installed, clock: FixedClock, role: str, username: str | None = None,
             full_name: str = "Lý Thị Hằng") -> Desk:
    name = username or role.replace("_", "")[:20]
    admin_desk.users.add(name, role, USER_PASSWORD, full_name)
    return open_desk(name, USER_PASSWORD, data_dir=installed.data_dir, clock=clock)


def draft(**changes: Any) -> PersonDraft:
    """A 19-year-old Hmong woman returned from China (ID number consistent with sex and year)."""
    base = PersonDraft(
        full_name="Sùng Thị Mỷ",
        other_names="Mỷ Sùng",
        sex="female",
        birth_year=2006,
        ethnic_code="08",  # Mông (H'Mông) in the statistics office's list
        nationality="VN",
        id_number="008306012345",  # 008 Tuyên Quang, 3 = female 2000s, 06
        address_unit_code="02269",
        address_detail="Thôn Nà Khà",
        phone="0912 345 678",
        intake="returned",
        received_on=dt.date(2026, 3, 2),
        from_country="CN",
        from_place="Hà Khẩu, Vân Nam",
        returned_on=dt.date(2026, 3, 1),
        border_gate="Cửa khẩu quốc tế Lào Cai",
        receiving_agency="Đồn Biên phòng cửa khẩu quốc tế Lào Cai",
        forms=("forced_marriage",),
        consent_share=True,
        consent_on=dt.date(2026, 3, 2),
    )
    return replace(base, **changes)


def persons(desk: Desk) -> PersonService:
    return PersonService(desk)


def make_tip(desk: Desk, clock: FixedClock) -> str:
    """A tip recorded by a police desk; returns its id."""
    from tests.unit.tips_support import tip_input
    from tipdesk.services.tips import TipService

    return TipService(desk).create(tip_input(clock)).id
