"""tipdesk on a real PostgreSQL 15 server (started by the tests, tests/pg/server.py).

Same models, migrations and services as on SQLite; identity sealed by the application so that a
``pg_dump`` reveals none; the database URL as a global option remembered by ``init``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import ADMIN_PASSWORD, USER_PASSWORD
from tests.unit.pg_support import build_network, cli, decoded_dump, province_on_server
from tipdesk.clock import FixedClock
from tipdesk.db.models.persons import Person
from tipdesk.db.models.tips import Tip
from tipdesk.domain.roles import Role
from tipdesk.errors import StorageError
from tipdesk.services.auth import open_desk
from tipdesk.services.exchange import Exchange

pytestmark = pytest.mark.postgres


def test_init_on_the_server_is_remembered_and_login_works(pg_url: str, tmp_path: Path) -> None:
    data = tmp_path / "office"
    out = cli("init", "--profile", "province", "--unit", "08", "--admin", "admin",
              "--full-name", "Trần Văn Tỉnh", "--json", data_dir=data, url=pg_url)
    assert json.loads(out.stdout)["profile"] == "province"
    settings = json.loads((data / "settings.json").read_text("utf-8"))
    assert settings["database_url"] == pg_url
    assert not (data / "tipdesk.db").exists() and not (data / "keyslots.json").exists()
    # a second command on this machine finds the server without --database-url
    users = cli("user", "list", "--json", data_dir=data)
    assert [u["username"] for u in json.loads(users.stdout)] == ["admin"]


def test_identity_is_sealed_in_a_dump_and_readable_in_the_app(pg_server: object, pg_url: str, tmp_path: Path,
                                                               clock: FixedClock) -> None:
    desk = province_on_server(pg_url, tmp_path / "office", clock)
    net = build_network(tmp_path / "net", desk, communes=1, batches_each=1, tips_per_batch=3)
    try:
        report = Exchange(desk).imports.import_paths([p for files in net.batches.values() for p in files])
        assert [o.status for o in report.outcomes] == ["accepted"]
        with desk.read() as s:
            names = set(s.scalars(select(Person.full_name)))
            reporters = set(s.scalars(select(Tip.reporter_name)))
        assert any(n.startswith("Lò Thị Mai") for n in names)
        assert reporters == {"Nguyễn Thị Hoa"}
        with desk.write() as s:
            person = s.scalars(select(Person)).first()
            assert person is not None
            person.id_number = "008304001234"
        # equality still works in SQL on an "equal"-sealed column
        with desk.read() as s:
            assert s.scalar(select(Person.id).where(Person.id_number == "008304001234")) == person.id
    finally:
        desk.close()
    name = pg_url.rsplit("/", 1)[1]
    dump = pg_server.dump(name)  # type: ignore[attr-defined]
    for secret in ("Lò Thị Mai", "Nguyễn Thị Hoa", "lo thi mai", "nguyen thi hoa", "Mai 00691", "008304001234"):
        assert secret.encode("utf-8") not in dump, secret
    assert b"\te1:" in dump and b"\td1:" in dump  # sealed values are there (names, ID number, private keys)
    assert b"Tin b\xc3\xa1o 00691" in dump  # while a tip summary (not identity) stays searchable text


def test_a_wrong_server_password_gets_a_clear_message(pg_server: object, pg_url: str, tmp_path: Path,
                                                      clock: FixedClock) -> None:
    province_on_server(pg_url, tmp_path / "office", clock).close()
    bad = pg_url.replace("throwaway-test-password", "wrong")
    with pytest.raises(StorageError) as err:
        open_desk("admin", ADMIN_PASSWORD, data_dir=tmp_path / "office2", clock=clock) if False else None
        from tipdesk.services.auth import OpenPaths, load_keyslots

        load_keyslots(OpenPaths.of(tmp_path / "office2", url=bad))
    assert err.value.code == "server_auth"
    assert "mật khẩu" in str(err.value)


def test_a_wrong_login_password_is_refused_and_counted_on_the_server(pg_url: str, tmp_path: Path,
                                                                    clock: FixedClock) -> None:
    from tipdesk.services.auth import OpenPaths, WrongPassword, load_keyslots

    province_on_server(pg_url, tmp_path / "office", clock).close()
    with pytest.raises(WrongPassword):
        open_desk("admin", "not the password at all", data_dir=tmp_path / "office", clock=clock)
    # another workstation (another data folder) sees the failure: the keyslots live on the server
    store = load_keyslots(OpenPaths.of(tmp_path / "elsewhere", url=pg_url))
    assert store.slots["user:admin"].failures == 1


def test_import_and_reimport_on_the_server_match_sqlite(pg_url: str, tmp_path: Path, clock: FixedClock) -> None:
    desk = province_on_server(pg_url, tmp_path / "office", clock)
    try:
        net = build_network(tmp_path / "net", desk, communes=2, batches_each=2, tips_per_batch=4)
        files = [p for code in sorted(net.batches) for p in net.batches[code]]
        first = Exchange(desk).imports.import_paths(files)
        assert [o.status for o in first.outcomes] == ["accepted"] * 4
        again = Exchange(desk).imports.import_paths(files)
        assert [o.status for o in again.outcomes] == ["duplicate"] * 4
        assert [o.receipt for o in again.outcomes] == [o.receipt for o in first.outcomes]
        dump = decoded_dump(desk)
        assert len(dump["tips"]) == 2 * 2 * 4
        peers = Exchange(desk).status.peers()
        assert sorted(p.last_seq for p in peers) == [2, 2]
    finally:
        desk.close()


def test_search_and_reports_run_on_the_server(pg_url: str, tmp_path: Path, clock: FixedClock) -> None:
    """Search (whole words, identity by role) and the periodic report on the province's server database."""
    from tipdesk.services.reports import ReportService
    from tipdesk.services.search import search

    admin = province_on_server(pg_url, tmp_path / "office", clock)
    try:
        net = build_network(tmp_path / "net", admin, communes=1, batches_each=1, tips_per_batch=6)
        Exchange(admin).imports.import_paths(net.batches["00691"])
        admin.users.add("canbo.tinh", Role.PROVINCE_OFFICER, USER_PASSWORD, "Đặng Quốc Việt")
        analyst = admin.users.add("phantich", Role.PROVINCE_ANALYST, USER_PASSWORD, "Lê Văn Số")
    finally:
        admin.close()
    assert analyst
    desk = open_desk("canbo.tinh", USER_PASSWORD, data_dir=tmp_path / "office", clock=clock)
    try:
        tips = search(desk, "moi gioi lao dong", kinds=("tip",))
        assert len(tips) == 6 and all(h.kind == "tip" for h in tips)
        assert search(desk, "nguyen thi hoa", kinds=("tip",))  # the (sealed) reporter name, as tokens
        assert search(desk, "kh\u00f4ng c\u00f3 t\u1eeb n\u00e0y", kinds=("tip",)) == []
        people = search(desk, "Lò Thị Mai", kinds=("person",))
        assert len(people) == 2 and all("Lò Thị Mai" in h.title for h in people)
        service = ReportService(desk)
        period = service.current_period()
        data = service.build(period)
        assert data is not None
    finally:
        desk.close()
    analyst_desk = open_desk("phantich", USER_PASSWORD, data_dir=tmp_path / "office", clock=clock)
    try:  # an analyst never finds a person by name (identity tokens are not searched for it)
        assert search(analyst_desk, "Lò Thị Mai", kinds=("person",)) == []
    finally:
        analyst_desk.close()


def test_a_commune_on_the_server_runs_the_tip_and_person_services(pg_url: str, tmp_path: Path,
                                                                  clock: FixedClock) -> None:
    """Lists with their text filter (whole words on a server), duplicate checks by sealed ID number."""
    from tests.unit.persons_helpers import draft
    from tests.unit.tips_support import tip_input
    from tipdesk.services.paging import PageRequest
    from tipdesk.services.persons import PersonService
    from tipdesk.services.persons_dupes import PossibleDuplicates
    from tipdesk.services.setup import initialise
    from tipdesk.services.tips import TipService

    data = tmp_path / "commune"
    initialise("commune", "02269", "admin", ADMIN_PASSWORD, data_dir=data, clock=clock, database_url=pg_url)
    admin = open_desk("admin", ADMIN_PASSWORD, data_dir=data, clock=clock)
    admin.users.add("canbo", Role.COMMUNE_POLICE, USER_PASSWORD, "Trần Văn Bình")
    admin.users.add("xahoi", Role.SOCIAL_WORKER, USER_PASSWORD, "Lý Thị Hằng")
    admin.close()
    police = open_desk("canbo", USER_PASSWORD, data_dir=data, clock=clock)
    try:
        tips = TipService(police)
        made = tips.create(tip_input(clock))
        tips.create(tip_input(clock, reporter_name="Hà Văn Sơn", summary="Nghi vấn mua bán trẻ sơ sinh"))
        assert made.reporter.name == "Lò Thị Đức"
        found = tips.list(PageRequest(filters={"search": "lo thi duc"}))
        assert [r.id for r in found.rows] == [made.id]
        assert len(tips.list(PageRequest()).rows) == 2
        assert tips.list(PageRequest(filters={"search": "khong co ai"})).rows == []
    finally:
        police.close()
    worker = open_desk("xahoi", USER_PASSWORD, data_dir=data, clock=clock)
    try:
        persons = PersonService(worker)
        first = persons.create(draft())
        with pytest.raises(PossibleDuplicates):  # the same ID number, found through its sealed form
            persons.create(draft(full_name="Sùng Thị Mai", other_names=""))
        listed = persons.list(PageRequest(filters={"query": "sung thi my"}))
        assert [r.id for r in listed.rows] == [first.person.id]
    finally:
        worker.close()


def test_backups_of_a_server_database_are_the_servers(pg_url: str, tmp_path: Path, clock: FixedClock) -> None:
    from tipdesk.errors import UserError
    from tipdesk.services.backup import create_backup, reminder

    desk = province_on_server(pg_url, tmp_path / "office", clock)
    try:
        with pytest.raises(UserError) as err:
            create_backup(desk, tmp_path / "usb")
        assert err.value.code == "server_backup" and "pg_dump" in str(err.value)
        assert not (tmp_path / "usb").exists()
        assert reminder(desk).due is False
    finally:
        desk.close()
