"""Test set-up: offscreen Qt, a fresh data folder per test, a fixed clock."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.pop("TIPDESK_PASSWORD", None)
os.environ.pop("TIPDESK_DATA_DIR", None)
os.environ.pop("TIPDESK_USER", None)
os.environ.pop("TIPDESK_DATABASE_URL", None)

import pytest

from tipdesk import i18n, paths
from tipdesk.clock import FixedClock
from tipdesk.gui.app import tune_qt_environment

tune_qt_environment()  # the tests paint as the application does

ADMIN_PASSWORD = "correct horse battery"
USER_PASSWORD = "staple gun 2026 blue"
COMMUNE_CODE = "02269"  # Xã Thượng Lâm, Tuyên Quang province (2025 list)
PROVINCE_CODE = "08"


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    paths.set_data_dir(None)
    paths.set_database_url(None)
    i18n.set_language("vi")
    yield
    paths.set_data_dir(None)
    paths.set_database_url(None)
    i18n.set_language("vi")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC))


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    paths.set_data_dir(d)
    return d


@dataclass
class Installed:
    data_dir: Path
    recovery_code: str
    fingerprint: str
    install_id: str


def install(data_dir: Path, clock: FixedClock, profile: str = "commune", unit: str = COMMUNE_CODE) -> Installed:
    from tipdesk.services.setup import initialise

    res = initialise(profile, unit, "admin", ADMIN_PASSWORD, admin_full_name="Nguyễn Văn Quản",
                     data_dir=data_dir, clock=clock)
    return Installed(data_dir, res.recovery_code, res.fingerprint, res.install_id)


@pytest.fixture
def installed(data_dir: Path, clock: FixedClock) -> Installed:
    return install(data_dir, clock)


@pytest.fixture
def admin_desk(installed: Installed, clock: FixedClock) -> Iterator[object]:
    from tipdesk.services.auth import open_desk

    desk = open_desk("admin", ADMIN_PASSWORD, data_dir=installed.data_dir, clock=clock)
    yield desk
    desk.close()


# -- PostgreSQL: a throwaway server per test session (per xdist worker) ------------------------------
@pytest.fixture(scope="session")
def pg_server() -> Iterator[object]:
    """A real PostgreSQL 15 server (tests/pg/server.py). Where CI asks for it (``TIPDESK_REQUIRE_PG=1``,
    set by .ci/run) a missing server fails the tests instead of skipping them."""
    from tests.pg import server

    try:
        running = server.start()
    except server.ServerUnavailable as exc:
        if os.environ.get("TIPDESK_REQUIRE_PG") == "1":
            pytest.fail(f"PostgreSQL is required here: {exc}")
        pytest.skip(f"no PostgreSQL server: {exc}")
    yield running
    running.stop()


@pytest.fixture
def pg_url(pg_server: object, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, empty database on the test server."""
    import re

    name = "t_" + re.sub(r"[^a-z0-9]+", "_", request.node.name.lower())[:50]
    url = pg_server.create_database(name)  # type: ignore[attr-defined]
    yield url
    from sqlalchemy.pool import NullPool  # noqa: F401  (engines are disposed by the tests)

    pg_server.drop_database(name)  # type: ignore[attr-defined]
