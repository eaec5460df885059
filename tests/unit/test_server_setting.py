"""The database server setting of a workstation: address built and parsed, the server checked, the choice saved."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from tests.conftest import Installed
from tipdesk.clock import FixedClock
from tipdesk.config import MachineSettings
from tipdesk.db.models.core import AuditEntry
from tipdesk.errors import PermissionDenied, ValidationError
from tipdesk.services.auth import OpenPaths
from tipdesk.services.context import Desk
from tipdesk.services.server_setting import (
    DEFAULT_PORT,
    ServerFields,
    build_url,
    check_server,
    describe,
    parse_url,
    record_change,
    save_database_url,
)

TRICKY = "p@ss:/w#rd%?& Đ"


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again on leaving: nothing listens there


def test_build_url_escapes_every_part_and_parses_back() -> None:
    url = build_url(" 192.168.1.10 ", 6543, "tipdesk_tinh", "cán_bộ", TRICKY)
    assert url.startswith("postgresql+psycopg://")
    assert TRICKY not in url and "@192.168.1.10:6543/tipdesk_tinh" in url
    parsed = make_url(url)
    assert (parsed.host, parsed.port, parsed.database, parsed.username, parsed.password) == (
        "192.168.1.10", 6543, "tipdesk_tinh", "cán_bộ", TRICKY)
    assert parse_url(url) == ServerFields("192.168.1.10", 6543, "tipdesk_tinh", "cán_bộ", TRICKY)


def test_build_url_without_password_and_ipv6() -> None:
    url = build_url("[::1]", DEFAULT_PORT, "tipdesk", "tinh", "")
    assert url == "postgresql+psycopg://tinh@[::1]:5432/tipdesk"
    assert parse_url(url) == ServerFields("::1", 5432, "tipdesk", "tinh", "")


@pytest.mark.parametrize(("args", "field"), [
    (("", 5432, "db", "u", "p"), "host"),
    (("may chu", 5432, "db", "u", "p"), "host"),
    (("host/x", 5432, "db", "u", "p"), "host"),
    (("host", 0, "db", "u", "p"), "port"),
    (("host", 70000, "db", "u", "p"), "port"),
    (("host", 5432, " ", "u", "p"), "database"),
    (("host", 5432, "db", "", "p"), "user"),
])
def test_build_url_names_the_bad_field(args: tuple[str, int, str, str, str], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        build_url(*args)
    assert list(caught.value.fields) == [field]
    assert caught.value.message


def test_parse_url_of_the_local_file_and_other_spellings() -> None:
    assert parse_url("") == ServerFields() and parse_url("  ").port == DEFAULT_PORT
    assert parse_url("postgres://a:b@h/d") == ServerFields("h", DEFAULT_PORT, "d", "a", "b")
    for bad in ("sqlite:///x.db", "C:\\tipdesk\\tipdesk.db", "postgresql://[::1"):
        with pytest.raises(ValidationError):
            parse_url(bad)
    assert describe(build_url("h", 5432, "d", "u", "secret")) == "u@h:5432/d"
    assert describe("") == ""


def test_save_database_url_keeps_the_other_settings(tmp_path: Path) -> None:
    data = tmp_path / "data"
    MachineSettings(language="en", last_user="canbo", extra={"backup_folder": "E:\\"}).save(data / "settings.json")
    url = build_url("10.0.0.5", 5432, "tipdesk", "tinh", TRICKY)
    assert save_database_url(data, url) == url
    saved = json.loads((data / "settings.json").read_text("utf-8"))
    assert saved["database_url"] == url
    assert (saved["language"], saved["last_user"], saved["extra"]) == ("en", "canbo", {"backup_folder": "E:\\"})
    assert OpenPaths.of(data).url == url and OpenPaths.of(data).on_server
    assert (data / "settings.json").stat().st_mode & 0o077 == 0
    assert save_database_url(data, "postgres://a@h/d") == "postgresql+psycopg://a@h/d"
    assert save_database_url(data, "") == ""
    assert not OpenPaths.of(data).on_server


def test_save_refuses_an_address_tipdesk_cannot_open(tmp_path: Path) -> None:
    data = tmp_path / "data"
    save_database_url(data, "postgresql://a@h/d")
    with pytest.raises(ValidationError):
        save_database_url(data, "mysql://a@h/d")
    assert MachineSettings.load(data / "settings.json").database_url == "postgresql+psycopg://a@h/d"


def test_check_server_unreachable() -> None:
    result = check_server(build_url("127.0.0.1", _closed_port(), "tipdesk", "tinh", "x"))
    assert result.status == "unreachable" and not result.connected
    assert "cannot be reached" in result.message or "Không kết nối" in result.message


def test_check_server_refuses_a_bad_address() -> None:
    result = check_server("mysql://a@h/d")
    assert result.status == "error" and result.message


def test_record_change_audits_without_the_password(admin_desk: Desk) -> None:
    record_change(admin_desk, "", build_url("10.0.0.5", 5432, "tipdesk", "tinh", "secret-pw"))
    with admin_desk.read() as s:
        action, detail = s.execute(select(AuditEntry.action, AuditEntry.detail)
                                   .where(AuditEntry.entity_id == "database_server")).one()
    assert action == "settings_change"
    assert json.loads(detail) == {"old": "", "new": "tinh@10.0.0.5:5432/tipdesk"}
    assert "secret-pw" not in detail
    assert admin_desk.audit.verify().ok


def test_record_change_needs_the_settings_permission(admin_desk: Desk, installed: Installed,
                                                     clock: FixedClock) -> None:
    from tests.conftest import USER_PASSWORD
    from tipdesk.services.auth import open_desk

    admin_desk.users.add("canbo", "commune_police", USER_PASSWORD)
    desk = open_desk("canbo", USER_PASSWORD, data_dir=installed.data_dir, clock=clock)
    try:
        with pytest.raises(PermissionDenied):
            record_change(desk, "", "postgresql://a@h/d")
    finally:
        desk.close()


# -- against a real PostgreSQL 15 server ---------------------------------------------------------------
def _with(url: str, **change: object) -> str:
    fields = parse_url(url)
    values = {"host": fields.host, "port": fields.port, "database": fields.database, "user": fields.user,
              "password": fields.password, **change}
    return build_url(**values)  # type: ignore[arg-type]


@pytest.mark.postgres
def test_check_server_on_a_real_server(pg_url: str, tmp_path: Path, clock: FixedClock) -> None:
    empty = check_server(_with(pg_url))  # rebuilt from its fields: the dialog's way
    assert empty.status == "ok_empty" and empty.connected
    assert "tipdesk init" in empty.message
    wrong = check_server(_with(pg_url, password="not-the-password"))
    assert wrong.status == "auth" and not wrong.connected
    missing = check_server(_with(pg_url, database="no_such_tipdesk_db"))
    assert missing.status == "no_database"

    from tests.unit.pg_support import province_on_server

    desk = province_on_server(pg_url, tmp_path / "office", clock)
    desk.close()
    found = check_server(pg_url)
    assert found.status == "ok_initialised" and found.connected
