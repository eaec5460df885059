"""Demonstration data: realistic synthetic records for trying tipdesk out and for benchmarks.

Each feature contributes a generator ``generate(desk, rng, count, progress) -> int`` registered in
``GENERATORS``; ``tipdesk demo`` runs them in order (users first, then tips, then persons).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tipdesk.domain.roles import Perm, Role
from tipdesk.events import Changes

if TYPE_CHECKING:
    from tipdesk.services.context import Desk

Progress = Callable[[str, int, int], None]
Generator = Callable[["Desk", random.Random, int, Progress], int]

DEMO_PASSWORD = "demo password 2026"
DEMO_USERS = {
    "commune": [("canbo.demo", Role.COMMUNE_POLICE, "Hoàng Văn Dũng"), ("xahoi.demo", Role.SOCIAL_WORKER, "Lý Thị Hằng")],
    "province": [("tinh.demo", Role.PROVINCE_OFFICER, "Đặng Quốc Việt"),
                 ("phantich.demo", Role.PROVINCE_ANALYST, "Vũ Thu Trang")],
}


@dataclass
class DemoResult:
    users: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    password: str = DEMO_PASSWORD


def _registered() -> dict[str, Generator]:
    gens: dict[str, Generator] = {}
    try:
        from tipdesk.services.demo_tips import generate as gen_tips
    except ImportError:
        pass
    else:
        gens["tips"] = gen_tips
    try:
        from tipdesk.services.demo_persons import generate as gen_persons
    except ImportError:
        pass
    else:
        gens["persons"] = gen_persons
    return gens


def generate(desk: Desk, *, seed: int = 1, counts: dict[str, int] | None = None,
             progress: Progress | None = None) -> DemoResult:
    desk.require(Perm.DEMO)
    rng = random.Random(seed)
    result = DemoResult()
    existing = {u.username for u in desk.users.list()}
    for username, role, full_name in DEMO_USERS[desk.installation.profile.value]:
        if username not in existing:
            desk.users.add(username, role, DEMO_PASSWORD, full_name)
        result.users.append(username)
    report = progress or (lambda _stage, _done, _total: None)
    for name, gen in _registered().items():
        wanted = (counts or {}).get(name, 0)
        if wanted > 0:
            result.counts[name] = gen(desk, rng, wanted, report)
    with desk.write(Changes.of(*result.counts)) as session:
        desk.audit.append(session, "demo", "installation", desk.installation.install_id,
                          {"seed": seed, "counts": result.counts})
    return result
