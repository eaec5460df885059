"""Shared helpers for the tips tests: a police officer's desk and a valid tip input."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from tests.conftest import USER_PASSWORD, Installed
from tipdesk.clock import FixedClock
from tipdesk.domain.tips import Channel, SourceType
from tipdesk.services.auth import open_desk
from tipdesk.services.context import Desk
from tipdesk.services.tips import TipService
from tipdesk.services.tips_types import TipInput

POLICE = "canbo"
POLICE_NAME = "Trần Văn Bình"


def police_desk(admin_desk: Any, installed: Installed, clock: FixedClock, username: str = POLICE,
                role: str = "commune_police", full_name: str = POLICE_NAME) -> Desk:
    admin_desk.users.add(username, role, USER_PASSWORD, full_name)
    return open_desk(username, USER_PASSWORD, data_dir=installed.data_dir, clock=clock)


def tip_input(clock: FixedClock, **changes: Any) -> TipInput:
    base = TipInput(
        source_type=SourceType.TO_GIAC,
        channel=Channel.IN_PERSON_ORAL,
        received_at=clock.now() - dt.timedelta(hours=1),
        summary="Chị Lò Thị Mai, 17 tuổi, bị rủ sang Trung Quốc làm việc nhẹ lương cao, gia đình mất liên lạc",
        account="Ngày 02/03/2026, bà Lò Thị Đức đến trình báo con gái đi cùng một người lạ.",
        reporter_name="Lò Thị Đức",
        reporter_contact="0912 345 678",
        reporter_id_number="008180001234",
        place_unit_code="02269",
        place_detail="Thôn Nà Khà",
        suspects="Một phụ nữ tên Hoa, khoảng 35 tuổi",
        forms=("forced_marriage",),
        destination_country="CN",
        border_route="Cửa khẩu Thanh Thủy",
    )
    return replace(base, **changes)


def service(desk: Desk) -> TipService:
    return TipService(desk)
