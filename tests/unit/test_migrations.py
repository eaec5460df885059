"""Upgrades: every kept fixture database migrates to head, with a backup first; newer ones are refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tipdesk.db import migrate
from tipdesk.db.engine import open_raw
from tipdesk.db.keyslots import KeyslotStore, user_slot_id
from tipdesk.errors import StorageError
from tipdesk.services.auth import open_desk

FIXTURES = Path(__file__).resolve().parent.parent / "data"
PASSWORD = "fixture password 0001"


def _fixtures() -> list[Path]:
    return sorted(p for p in FIXTURES.glob("schema_*") if p.is_dir())


@pytest.mark.parametrize("fixture", _fixtures(), ids=lambda p: p.name)
def test_fixture_upgrades_to_head(fixture: Path, tmp_path: Path) -> None:
    data = tmp_path / fixture.name
    shutil.copytree(fixture, data)
    start_rev = fixture.name.removeprefix("schema_")
    desk = open_desk("admin", PASSWORD, data_dir=data)
    try:
        users = {u.username: u.full_name for u in desk.users.list()}
        assert users["canbo"] == "Trần Văn Bình"  # data written by the old schema survives
        assert desk.audit.verify().ok  # and its audit chain still verifies
        with desk.engine.connect() as conn:
            assert migrate.current_revision(conn) == migrate.head_revision()
    finally:
        desk.close()
    backups = list((data / "backups").glob(f"pre-migration-{start_rev}-*.db"))
    if start_rev != migrate.head_revision():
        assert len(backups) == 1
        key = KeyslotStore.load(data / "keyslots.json").unwrap(user_slot_id("admin"), PASSWORD)
        assert key is not None
        conn = open_raw(backups[0], key)  # the backup is encrypted with the same key and readable
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == start_rev
        conn.close()
    else:
        assert backups == []


def test_database_from_a_newer_tipdesk_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "newer"
    shutil.copytree(_fixtures()[-1], data)
    key = KeyslotStore.load(data / "keyslots.json").unwrap(user_slot_id("admin"), PASSWORD)
    assert key is not None
    conn = open_raw(data / "tipdesk.db", key)
    conn.execute("UPDATE alembic_version SET version_num = '9999_future'")
    conn.close()
    with pytest.raises(StorageError) as err:
        open_desk("admin", PASSWORD, data_dir=data)
    assert err.value.code == "newer_schema"
    assert "9999_future" in err.value.message
    assert not (data / "backups").exists()
    conn = open_raw(data / "tipdesk.db", key)
    assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "9999_future"
    conn.close()


def test_quick_head_agrees_with_alembic() -> None:
    """Start-up compares the stored revision with the newest file name; it must be Alembic's head."""
    assert migrate._quick_head() == migrate.head_revision()
    assert all(len(r) == 4 and r.isdigit() for r in migrate.known_revisions())
